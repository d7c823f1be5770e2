'use client';
import { useQuery } from '@tanstack/react-query';
import type { GraphFile } from '../../lib/graph';
import { useTRPC } from '../trpc';

/** Colours of the thumbnail's boxes, by the category a node kind's id starts with. */
const CATEGORY_FILL: Record<string, string> = {
  dataset: '#6366f1',
  cleaning: '#0ea5e9',
  features: '#14b8a6',
  split: '#f59e0b',
  model: '#ec4899',
  train: '#8b5cf6',
  evaluate: '#22c55e',
  deploy: '#64748b',
};

/** A template's thumbnail: its graph drawn small, one box per step coloured by category, one line per connection. */
export function GraphThumbnail({ graph }: { graph: GraphFile }) {
  const xs = graph.nodes.map((n) => n.position.x);
  const ys = graph.nodes.map((n) => n.position.y);
  const [minX, minY] = [Math.min(...xs), Math.min(...ys)];
  const [w, h] = [Math.max(...xs) - minX + 200, Math.max(...ys) - minY + 100];
  const at = new Map(graph.nodes.map((n) => [n.id, { x: n.position.x - minX, y: n.position.y - minY }]));
  return (
    <svg viewBox={`-20 -20 ${w + 40} ${h + 40}`} className="h-28 w-full rounded bg-slate-50" role="img" aria-label={`${graph.nodes.length} steps`}>
      {graph.edges.map((e) => {
        const [a, b] = [at.get(e.source), at.get(e.target)];
        return a && b ? <line key={e.id} x1={a.x + 180} y1={a.y + 40} x2={b.x} y2={b.y + 40} stroke="#94a3b8" strokeWidth={8} /> : null;
      })}
      {graph.nodes.map((n) => (
        <rect key={n.id} x={at.get(n.id)!.x} y={at.get(n.id)!.y} width={180} height={80} rx={14} fill={CATEGORY_FILL[n.type.split('.')[0]] ?? '#cbd5e1'} />
      ))}
    </svg>
  );
}

/**
 * The templates gallery (home page, empty editor): each template's thumbnail, name and the business
 * question it answers; `onUse` opens one (a new pipeline, or the empty canvas filled with it). `narrow`: one column (a side panel).
 */
export function TemplateGallery({ onUse, busy, narrow }: { onUse: (template: { id: string; graph: GraphFile }) => void; busy?: boolean; narrow?: boolean }) {
  const trpc = useTRPC();
  const templates = useQuery(trpc.templates.list.queryOptions());
  if (templates.error) return <p className="text-sm text-red-700">The templates could not be loaded: {templates.error.message}</p>;
  return (
    <ul className={`grid grid-cols-1 gap-3 ${narrow ? '' : 'sm:grid-cols-2'}`} data-testid="template-gallery">
      {templates.isPending && <li className="text-sm text-slate-500">Loading templates…</li>}
      {templates.data?.map((t) => (
        <li key={t.id} className="flex flex-col gap-2 rounded border border-slate-200 bg-white p-3" data-testid={`template-${t.id}`}>
          <GraphThumbnail graph={t.graph} />
          <div className="font-medium">{t.name}</div>
          <p className="flex-1 text-xs leading-relaxed text-slate-600">{t.description}</p>
          <button
            className="self-start rounded bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
            disabled={busy}
            onClick={() => onUse(t)}
          >
            Use this template
          </button>
        </li>
      ))}
    </ul>
  );
}
