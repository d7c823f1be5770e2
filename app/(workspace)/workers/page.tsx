'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../trpc';

const formatBytes = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : n > 0 ? `${Math.max(1, Math.round(n / 1024))} KB` : '0';

/** Disk categories in the order shown, with what each holds in plain words. */
const DISK_ROWS = [
  ['datasets', 'Datasets', 'uploaded tables (delete them on the Datasets page)'],
  ['cachedOutputs', 'Cached step outputs', 'results reused when a step is unchanged; the oldest are removed beyond the cap'],
  ['savedModels', 'Saved models', 'every trained model on the Models page (never removed by the cap)'],
  ['deployments', 'Deployments', 'published model versions behind the predict endpoints'],
  ['checkpoints', 'Checkpoints', 'training progress a step resumes from after its worker was lost'],
  ['temp', 'Temporary', 'uploads waiting to be read and half-written results (removed when left behind)'],
  ['other', 'Other outputs', 'outputs no run lists any more'],
  ['database', 'Database', 'runs, their logs and settings (SQLite)'],
] as const;

/** The header row both tables of this page share. */
function Head({ columns }: { columns: string[] }) {
  return (
    <thead className="bg-slate-50 text-left text-xs text-slate-500">
      <tr>
        {columns.map((c) => (
          <th key={c} className="p-2">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function DiskUse() {
  const trpc = useTRPC();
  const disk = useQuery({ ...trpc.workers.disk.queryOptions(), refetchInterval: 15_000 });
  if (disk.error) return <p className="mt-4 text-sm text-red-700">{disk.error.message}</p>;
  if (!disk.data) return null;
  const d = disk.data;
  return (
    <section className="mt-8" aria-label="Disk use">
      <h2 className="text-lg font-semibold">Disk</h2>
      <p className="mt-1 text-sm text-slate-600" data-testid="disk-free">
        {formatBytes(d.free)} free of {formatBytes(d.size)}
        {d.free < d.size * 0.05 && <span className="ml-2 font-medium text-red-700">The disk is almost full: runs and uploads will fail until there is room.</span>}
      </p>
      <table className="mt-3 w-full rounded border border-slate-200 bg-white text-sm" data-testid="disk-table">
        <Head columns={['What', 'Size', 'Holds']} />
        <tbody>
          {DISK_ROWS.map(([key, label, holds]) => (
            <tr key={key} className="border-t border-slate-100">
              <td className="p-2">{label}</td>
              <td className="p-2 tabular-nums">
                {formatBytes(d[key])}
                {key === 'cachedOutputs' && <span className="text-xs text-slate-500"> of {formatBytes(d.cachedOutputsCap)}</span>}
              </td>
              <td className="p-2 text-xs text-slate-500">{holds}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

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
        <Head columns={['Worker', 'Backend', 'Capabilities', 'Doing', 'Heartbeat']} />
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
              <td className="p-2">
                {w.busyWith.length || w.busyElsewhere
                  ? [
                      ...w.busyWith.map((b) => `step ${b.nodeId} (run ${b.runId.slice(0, 8)})`),
                      ...(w.busyElsewhere ? [`${w.busyElsewhere} step${w.busyElsewhere === 1 ? '' : 's'} of another workspace`] : []),
                    ].join(', ')
                  : 'idle'}
              </td>
              <td className="p-2">{Math.max(0, Math.round((Date.now() - w.heartbeatAt) / 1000))} s ago</td>
            </tr>
          ))}
        </tbody>
      </table>
      <DiskUse />
    </div>
  );
}
