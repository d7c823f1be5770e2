'use client';
import { useRef, useState } from 'react';
import { catalogMatches, NODE_CATEGORIES, type CatalogEntry } from '../../lib/catalog';

export const DRAG_MIME = 'application/x-pipeloom-node';

/**
 * A search box over node kinds and the kinds that match it, by category: a click, or Enter on one
 * (Enter in the box takes the first), chooses it; ↓ from the box goes to the list. With `draggable`,
 * entries also drag onto the canvas.
 */
export function StepFinder({ kinds, label, onChoose, draggable = false, autoFocus = false }: { kinds: CatalogEntry[]; label: string; onChoose(type: string): void; draggable?: boolean; autoFocus?: boolean }) {
  const [query, setQuery] = useState('');
  const list = useRef<HTMLDivElement>(null);
  // In the order shown: by category.
  const found = NODE_CATEGORIES.flatMap((category) => kinds.filter((k) => k.category === category && catalogMatches(k, query)));
  return (
    <div>
      <input
        type="search"
        aria-label={label}
        placeholder="Search steps…"
        autoFocus={autoFocus}
        className="mb-2 w-full rounded border border-slate-300 px-2 py-1 text-sm"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && found[0]) {
            e.preventDefault();
            onChoose(found[0].type);
          } else if (e.key === 'ArrowDown') {
            e.preventDefault();
            list.current?.querySelector('button')?.focus();
          }
        }}
      />
      <div
        ref={list}
        onKeyDown={(e) => {
          if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
          e.preventDefault();
          const buttons = [...(list.current?.querySelectorAll('button') ?? [])];
          const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
          buttons[Math.min(buttons.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
        }}
      >
        {found.length === 0 && <p className="text-xs text-slate-500">No step matches “{query}”.</p>}
        {NODE_CATEGORIES.map((category) => {
          const inCategory = found.filter((k) => k.category === category);
          if (inCategory.length === 0) return null;
          return (
            <section key={category} className="mb-3" aria-label={category}>
              <h3 className="mb-1 text-[10px] font-semibold uppercase tracking-wider text-slate-500">{category}</h3>
              {inCategory.map((kind) => (
                <button
                  type="button"
                  key={kind.type}
                  draggable={draggable}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_MIME, kind.type);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => onChoose(kind.type)}
                  className="mb-1 block w-full cursor-grab rounded border border-slate-200 bg-slate-50 px-2 py-1.5 text-left text-sm hover:border-indigo-400 hover:bg-indigo-50 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
                  title={kind.description}
                  data-testid={`palette-${kind.type}`}
                >
                  {kind.label}
                </button>
              ))}
            </section>
          );
        })}
      </div>
    </div>
  );
}
