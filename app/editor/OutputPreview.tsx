'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';

const SHOWN_ROWS = 10;

/** The first rows a finished step produced, below its settings. */
export function OutputPreview({ runId, nodeId, mayDownload = true }: { runId: string; nodeId: string; mayDownload?: boolean }) {
  const trpc = useTRPC();
  const output = useQuery(trpc.runs.output.queryOptions({ runId, nodeId }));
  if (!output.data) return null;
  return (
    <section className="mt-4 space-y-3 border-t border-slate-200 pt-3" data-testid="output-preview">
      <h3 className="text-sm font-semibold">Output of the last run</h3>
      {output.data.pendingSteps.length > 0 && (
        <p className="text-[11px] text-slate-500">
          Shown before {output.data.pendingSteps.join(', ')}: those steps are fitted at the split, on the training rows only.
        </p>
      )}
      {output.data.tables.map((t) => (
        <div key={t.label}>
          <p className="mb-1 flex justify-between text-xs text-slate-600">
            <span>
              {t.label}: {t.rowCount.toLocaleString()} rows × {t.columns.length} columns
            </span>
            {t.downloadable && mayDownload && (
              <a className="text-indigo-700 hover:underline" href={`/api/v1/runs/${runId}/steps/${encodeURIComponent(nodeId)}/csv`}>
                Download CSV
              </a>
            )}
          </p>
          <div className="max-h-56 overflow-auto rounded border border-slate-200">
            <table className="text-[11px]">
              <thead className="sticky top-0 bg-slate-50">
                <tr>
                  {t.columns.map((c) => (
                    <th key={c.name} className="whitespace-nowrap px-1.5 py-1 text-left font-medium">
                      {c.name} <span className="font-normal text-slate-400">{c.type}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.rows.slice(0, SHOWN_ROWS).map((row, i) => (
                  <tr key={i} className="border-t border-slate-100">
                    {t.columns.map((c) => (
                      <td key={c.name} className="max-w-40 truncate whitespace-nowrap px-1.5 py-0.5">
                        {row[c.name] === null ? <span className="text-slate-300">missing</span> : String(row[c.name])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}
