'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';

export default function WorkersPage() {
  const trpc = useTRPC();
  const workers = useQuery({ ...trpc.workers.list.queryOptions(), refetchInterval: 2000 });
  const list = workers.data?.workers ?? [];
  return (
    <div className="mx-auto max-w-5xl p-8">
      <h1 className="text-2xl font-semibold">Workers</h1>
      <p className="mt-1 text-sm text-slate-600">
        Separate processes that train and run pipeline steps, so the web server stays responsive.{' '}
        {workers.data?.mode === 'cluster'
          ? 'Cluster mode: workers on any machine join through Redis (pipeloom worker).'
          : 'Embedded mode: the server runs its own local workers.'}
      </p>
      {workers.error && <p className="mt-4 text-sm text-red-700">{workers.error.message}</p>}
      <table className="mt-6 w-full rounded border border-slate-200 bg-white text-sm" data-testid="workers-table">
        <thead className="bg-slate-50 text-left text-xs text-slate-500">
          <tr>
            <th className="p-2">Worker</th>
            <th className="p-2">Backend</th>
            <th className="p-2">Capabilities</th>
            <th className="p-2">Doing</th>
            <th className="p-2">Heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {workers.data && list.length === 0 && (
            <tr>
              <td className="p-3 text-slate-500" colSpan={5}>
                No worker is connected. Steps wait in the queue until one joins.
              </td>
            </tr>
          )}
          {list.map((w, i) => (
            <tr key={w.info?.id ?? i} className="border-t border-slate-100">
              <td className="p-2">{w.info ? `${w.info.host} · pid ${w.info.pid}` : 'starting…'}</td>
              <td className="p-2">{w.info?.backend ?? '—'}</td>
              <td className="p-2">
                {w.info
                  ? [`${w.info.cores} cores`, `${Math.round(w.info.memoryMb / 1024)} GiB`, w.info.gpu ?? 'no GPU', ...w.info.tags.map((t) => `tag ${t}`)].join(' · ')
                  : '—'}
              </td>
              <td className="p-2">{w.busyWith.length ? w.busyWith.map((b) => `step ${b.nodeId} (run ${b.runId.slice(0, 8)})`).join(', ') : 'idle'}</td>
              <td className="p-2">{Math.max(0, Math.round((Date.now() - w.heartbeatAt) / 1000))} s ago</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
