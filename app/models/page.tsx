'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../trpc';

export default function ModelsPage() {
  const trpc = useTRPC();
  const deployments = useQuery(trpc.deployments.list.queryOptions());
  return (
    <div className="mx-auto max-w-5xl p-8">
      <h1 className="text-2xl font-semibold">Deployed models</h1>
      <p className="mt-1 text-sm text-slate-600">
        Each Deploy step publishes a version. <code>POST /api/v1/models/&lt;name&gt;/predict</code> answers with the newest version (add{' '}
        <code>?version=N</code> for an older one).
      </p>
      <table className="mt-6 w-full rounded border border-slate-200 bg-white text-sm">
        <thead className="bg-slate-50 text-left text-xs text-slate-500">
          <tr>
            <th className="p-2">Name</th>
            <th className="p-2">Version</th>
            <th className="p-2">Test result</th>
            <th className="p-2">Published</th>
            <th className="p-2">From</th>
          </tr>
        </thead>
        <tbody>
          {deployments.data?.length === 0 && (
            <tr>
              <td className="p-3 text-slate-500" colSpan={5}>
                Nothing deployed yet: add a Deploy step to a pipeline and run it.
              </td>
            </tr>
          )}
          {deployments.data?.map((d) => (
            <tr key={d.id} className="border-t border-slate-100">
              <td className="p-2 font-medium">{d.name}</td>
              <td className="p-2">v{d.version}</td>
              <td className="p-2">
                {typeof d.metrics?.accuracy === 'number'
                  ? `accuracy ${(d.metrics.accuracy * 100).toFixed(1)}%`
                  : typeof d.metrics?.r2 === 'number'
                    ? `R² ${d.metrics.r2.toFixed(3)}`
                    : '—'}
              </td>
              <td className="p-2">{new Date(d.createdAt).toLocaleString()}</td>
              <td className="p-2">{d.graphId ? <Link className="text-indigo-700 hover:underline" href={`/graphs/${d.graphId}`}>pipeline</Link> : 'CLI'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
