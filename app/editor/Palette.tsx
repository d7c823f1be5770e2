'use client';
import { NODE_CATEGORIES, type CatalogEntry } from '../../lib/catalog';

export const DRAG_MIME = 'application/x-pipeloom-node';

export function Palette({ kinds }: { kinds: CatalogEntry[] }) {
  return (
    <aside className="w-56 shrink-0 overflow-y-auto border-r border-slate-200 bg-white p-3" aria-label="Node palette">
      <p className="mb-3 text-xs text-slate-500">Drag a step onto the canvas, then connect matching colours.</p>
      {NODE_CATEGORIES.map((category) => {
        const inCategory = kinds.filter((k) => k.category === category);
        if (inCategory.length === 0) return null;
        return (
          <section key={category} className="mb-3">
            <h3 className="mb-1 text-[10px] font-semibold uppercase tracking-wider text-slate-500">{category}</h3>
            {inCategory.map((kind) => (
              <div
                key={kind.type}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_MIME, kind.type);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                className="mb-1 cursor-grab rounded border border-slate-200 bg-slate-50 px-2 py-1.5 text-sm hover:border-indigo-400 hover:bg-indigo-50"
                title={kind.description}
                data-testid={`palette-${kind.type}`}
              >
                {kind.label}
              </div>
            ))}
          </section>
        );
      })}
    </aside>
  );
}
