'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../trpc';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/**
 * Export: a bundle (`.pipeloom.zip`) of the saved pipeline, with the datasets it reads listed by
 * content and, when ticked (and the role may download), their data, whose size is shown first.
 */
export function ExportBundle({ graphId }: { graphId: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [includeData, setIncludeData] = useState(false);
  const preview = useQuery({ ...trpc.bundles.preview.queryOptions({ graphId }), enabled: open });
  const uploaded = preview.data?.datasets.filter((d) => d.source === 'uploaded') ?? [];
  return (
    <div className="relative">
      <button className="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50" onClick={() => setOpen(!open)} aria-expanded={open}>
        Export
      </button>
      {open && (
        <div className="absolute right-0 top-full z-20 mt-1 w-80 rounded border border-slate-200 bg-white p-3 text-sm shadow-lg" role="dialog" aria-label="Export bundle">
          <p className="text-xs text-slate-600">
            A bundle holds the graph (each step with its kind and version) and names the datasets it reads by content; it never holds accounts, keys or server paths.
          </p>
          {preview.isPending && <p className="mt-2 text-xs text-slate-500">Looking at the datasets…</p>}
          {preview.error && <p className="mt-2 text-xs text-red-700">{preview.error.message}</p>}
          {preview.data && (
            <>
              <ul className="mt-2 space-y-1 text-xs" data-testid="export-datasets">
                {preview.data.datasets.length === 0 && <li className="text-slate-500">It reads no dataset yet.</li>}
                {preview.data.datasets.map((d) => (
                  <li key={d.id}>
                    {d.source === 'sample' ? `${d.name}: a sample, on every Pipeloom server` : `${d.name}: ${d.rowCount.toLocaleString('en')} rows, ${formatBytes(d.bytes)}`}
                  </li>
                ))}
              </ul>
              {uploaded.length > 0 && (
                <label className="mt-2 flex items-center gap-2 text-xs" title={preview.data.mayIncludeData ? undefined : 'Taking the full data away needs the editor role.'}>
                  <input type="checkbox" checked={includeData} disabled={!preview.data.mayIncludeData} onChange={(e) => setIncludeData(e.target.checked)} />
                  Include data ({formatBytes(preview.data.dataBytes)})
                </label>
              )}
              <a
                className="mt-3 inline-block rounded bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700"
                href={`/api/v1/graphs/${graphId}/bundle${includeData ? '?data=1' : ''}`}
                download={preview.data.fileName}
              >
                Download {preview.data.fileName}
              </a>
            </>
          )}
        </div>
      )}
    </div>
  );
}
