'use client';
import type { CatalogEntry } from '../../lib/catalog';
import { StepFinder } from './StepFinder';

/** The steps to add: search, then click or Enter (beside the selected step, connected when the ports fit), or drag onto the canvas. */
export function Palette({ kinds, onAdd }: { kinds: CatalogEntry[]; onAdd(type: string): void }) {
  return (
    <aside className="w-56 shrink-0 overflow-y-auto border-r border-slate-200 bg-white p-3" aria-label="Node palette">
      <p className="mb-2 text-xs text-slate-500">Click a step (or Enter) to add it beside the selected one, or drag it onto the canvas.</p>
      <StepFinder kinds={kinds} label="Search steps" onChoose={onAdd} draggable />
    </aside>
  );
}
