'use client';
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import type { ColumnStats } from '../../../lib/stats';
import type { AppRouter } from '../../../server/api/root';
import { useTRPC } from '../../trpc';
import { MAX_PREVIEW_CELLS } from '../../../lib/api-limits';

/** What reading the file found, as datasets.get answers it. */
type IngestReport = inferRouterOutputs<AppRouter>['datasets']['get']['report'];

const ROW_HEIGHT = 28;
const VIEW_HEIGHT = 420;
/** Rows per page, and fetched beyond each end of it (scrolling across a page boundary keeps showing the held page while the next one loads); a wide table pages fewer rows, within what the server answers. */
function paging(columnCount: number): { page: number; margin: number } {
  const page = Math.max(4, Math.min(200, Math.floor(MAX_PREVIEW_CELLS / Math.max(1, columnCount) / 1.5)));
  return { page, margin: Math.floor(page / 4) };
}
/** Rows drawn beyond each edge of the view: React draws the rows a frame after the scroll, and a wheel scroll must not uncover undrawn space meanwhile. */
const OVERSCAN = 8;

/** A dataset's report, statistics and rows; Download and Delete for the roles that may (without onDelete, no Delete). */
export function DatasetDetail({ id, onDelete, mayDownload }: { id: string; onDelete?: () => void; mayDownload: boolean }) {
  const trpc = useTRPC();
  const dataset = useQuery(trpc.datasets.get.queryOptions({ id }));
  if (dataset.error) return <p className="text-sm text-red-700">{dataset.error.message}</p>;
  if (!dataset.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const d = dataset.data;
  return (
    <div className="space-y-4" data-testid="dataset-detail">
      <div className="flex items-start justify-between">
        <div>
          <h2 className="text-lg font-semibold">{d.name}</h2>
          <p className="text-xs text-slate-500">
            {d.fileName} · {d.rowCount.toLocaleString()} {d.report.images ? 'images' : 'rows'} · {howRead(d.report)}
            {d.report.skippedRows > 0 && ` · ${d.report.skippedRows} ${d.report.images ? 'files' : 'broken rows'} skipped`}
          </p>
        </div>
        <div className="flex gap-2 text-sm">
          {mayDownload && (
            <a className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50" href={`/api/v1/datasets/${id}/csv`}>
              Download CSV
            </a>
          )}
          {onDelete && (
            <button
              className="rounded border border-slate-300 px-3 py-1 text-red-700 hover:bg-red-50"
              onClick={() => {
                if (confirm(`Delete "${d.name}"? Pipelines using it will show an error until it is uploaded again.`)) onDelete();
              }}
            >
              Delete
            </button>
          )}
        </div>
      </div>
      {d.report.problems.length > 0 && (
        <details className="rounded bg-amber-50 p-2 text-xs text-amber-900">
          <summary>{d.report.problems.length} problem(s) found while reading the file</summary>
          <ul className="mt-1 list-disc pl-5">
            {d.report.problems.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        </details>
      )}
      <ColumnTable stats={d.stats} />
      <RowPreview id={id} columns={d.columns.map((c) => c.name)} rowCount={d.rowCount} />
    </div>
  );
}

/** How the file was read, in a few words: CSV settings, the Excel sheet, or the image settings and classes. */
function howRead(report: IngestReport): string {
  if (report.images) {
    const { size, colour, fit, classes } = report.images;
    const how = `${size}×${size} ${colour === 'rgb' ? 'colour' : 'grey'} pixels (${fit === 'cover' ? 'cropped to fill' : 'whole, black bars'})`;
    return `${how} · ${classes.length} classes: ${classes.map((c) => `${c.name} (${c.count.toLocaleString()})`).join(', ')}`;
  }
  if (report.sheet !== undefined) return `sheet "${report.sheet}"${report.sheets && report.sheets.length > 1 ? ` of ${report.sheets.length}` : ''}`;
  return `separator ${report.delimiter === '\t' ? 'tab' : `"${report.delimiter}"`} · decimal “${report.decimal}” · ${report.encoding}`;
}

function ColumnTable({ stats }: { stats: ColumnStats[] }) {
  return (
    <table className="w-full rounded border border-slate-200 bg-white text-xs" data-testid="column-stats">
      <thead className="bg-slate-50 text-left text-slate-500">
        <tr>
          <th className="p-2">Column</th>
          <th className="p-2">Type</th>
          <th className="p-2">Missing</th>
          <th className="p-2">Values</th>
          <th className="p-2">Distribution</th>
        </tr>
      </thead>
      <tbody>
        {stats.map((s) => (
          <tr key={s.name} className="border-t border-slate-100">
            <td className="p-2 font-medium">{s.name}</td>
            <td className="p-2">{s.type}</td>
            <td className="p-2">{(s.missingRatio * 100).toFixed(1)}%</td>
            <td className="p-2">
              {s.top
                ? `${s.distinct} distinct: ${s.top.slice(0, 3).map((t) => `${t.value} (${t.count})`).join(', ')}`
                : s.min !== undefined
                  ? `min ${formatValue(s.min, s.type)} · mean ${formatValue(s.mean!, s.type)} · max ${formatValue(s.max!, s.type)}`
                  : '—'}
            </td>
            <td className="p-2">
              <Bars counts={(s.histogram ?? s.top ?? []).map((b) => b.count)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function formatValue(v: number, type: string): string {
  if (type === 'date') return new Date(v).toISOString().slice(0, 10);
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toLocaleString() : v.toFixed(3);
}

function Bars({ counts }: { counts: number[] }) {
  const max = Math.max(1, ...counts);
  return (
    <div className="flex h-6 items-end gap-px" aria-hidden>
      {counts.map((c, i) => (
        <div key={i} className="w-2 bg-indigo-400" style={{ height: `${Math.max(2, (c / max) * 24)}px` }} />
      ))}
    </div>
  );
}

/** Only the rows in view are rendered (and fetched, a page at a time): smooth on a million rows. */
function RowPreview({ id, columns, rowCount }: { id: string; columns: string[]; rowCount: number }) {
  const trpc = useTRPC();
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.floor(scrollTop / ROW_HEIGHT);
  const from = Math.max(0, first - OVERSCAN);
  const to = Math.min(rowCount, first + Math.ceil(VIEW_HEIGHT / ROW_HEIGHT) + 1 + OVERSCAN);
  const { page: pageRows, margin } = paging(columns.length);
  const page = Math.floor(first / pageRows);
  const offset = Math.max(0, page * pageRows - margin);
  const current = useQuery({ ...trpc.datasets.rows.queryOptions({ id, offset, limit: pageRows + 2 * margin }), placeholderData: (prev) => prev });
  // While a page loads the previous one stays on screen, each row at its own place: rows it does not hold show "…".
  const held = current.data ?? { offset: 0, rows: [] };
  return (
    <div>
      <h3 className="mb-1 text-sm font-semibold">Rows</h3>
      <div
        className="relative overflow-auto rounded border border-slate-200 bg-white text-xs"
        style={{ height: VIEW_HEIGHT }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid="row-preview"
      >
        <div style={{ height: (rowCount + 1) * ROW_HEIGHT, minWidth: columns.length * 120 }}>
          <div className="sticky top-0 z-10 flex bg-slate-50 font-medium" style={{ height: ROW_HEIGHT }}>
            <div className="w-16 shrink-0 p-1 text-slate-400">#</div>
            {columns.map((c) => (
              <div key={c} className="w-32 shrink-0 truncate p-1">
                {c}
              </div>
            ))}
          </div>
          {Array.from({ length: to - from }, (_, i) => from + i).map((r) => {
            const row = held.rows[r - held.offset];
            return (
              <div key={r} className="absolute flex border-t border-slate-100" style={{ top: (r + 1) * ROW_HEIGHT, height: ROW_HEIGHT }}>
                <div className="w-16 shrink-0 p-1 text-slate-400">{r + 1}</div>
                {columns.map((c) => (
                  <div key={c} className="w-32 shrink-0 truncate p-1" title={row ? String(row[c] ?? '') : ''}>
                    {row ? (row[c] === null ? <span className="text-slate-300">missing</span> : String(row[c])) : '…'}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
