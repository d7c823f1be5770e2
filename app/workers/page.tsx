'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';

export default function WorkersPage() {
  const trpc = useTRPC();
  const workers = useQuery({ ...trpc.workers.list.queryOptions(), refetchInterval: 2000 });
  return (
    <div className="mx-auto max-w-4xl p-8">
      <h1 className="text-2xl font-semibold">Workers</h1>
      <p className="mt-1 text-sm text-slate-600">Separate processes that train and run pipeline steps, so the web server stays responsive.</p>
      <table className="mt-6 w-full rounded border border-slate-200 bg-white text-sm">
        <thead className="bg-slate-50 text-left text-xs text-slate-500">
          <tr>
            <th className="p-2">Process</th>
            <th className="p-2">Backend</th>
            <th className="p-2">Cores / memory</th>
            <th className="p-2">Doing</th>
            <th className="p-2">Started</th>
          </tr>
        </thead>
        <tbody>
          {workers.data?.map((w) => (
            <tr key={w.pid} className="border-t border-slate-100">
              <td className="p-2">pid {w.pid}</td>
              <td className="p-2">{w.info?.backend ?? 'starting…'}</td>
              <td className="p-2">{w.info ? `${w.info.cores} cores, ${Math.round(w.info.memoryMb / 1024)} GiB` : '—'}</td>
              <td className="p-2">{w.busyWith ? `step ${w.busyWith.nodeId}` : 'idle'}</td>
              <td className="p-2">{new Date(w.since).toLocaleTimeString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
