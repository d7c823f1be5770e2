'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { formatHeadline, headlineMetric } from '../../../lib/model-headline';
import { mayOffer, useWorkspaceRole } from '../../account/role';
import { useTRPC } from '../../trpc';
import { TryIt } from './try-it';

/**
 * The deployment registry: per name, its versions (model, pipeline version, who and when, test
 * score), which one answers, and the changes editors make — promote, roll back, pin, undeploy —
 * beside a form to try the live version and snippets to call it from a program.
 */
export default function DeploymentsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useWorkspaceRole();
  const list = useQuery(trpc.deployments.list.queryOptions());
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [undeploying, setUndeploying] = useState<{ name: string; reason: string } | null>(null);
  const done = (text: string) => {
    setNotice({ kind: 'ok', text });
    setUndeploying(null);
    void queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() });
    // The try-it forms describe the live version: another may answer now.
    void queryClient.invalidateQueries({ queryKey: ['openapi'] });
  };
  const failed = { onError: (error: { message: string }) => setNotice({ kind: 'error', text: error.message }) };
  const promote = useMutation(trpc.deployments.promote.mutationOptions(failed));
  const rollback = useMutation(trpc.deployments.rollback.mutationOptions(failed));
  const pin = useMutation(trpc.deployments.pin.mutationOptions(failed));
  const undeploy = useMutation(trpc.deployments.undeploy.mutationOptions(failed));
  const busy = promote.isPending || rollback.isPending || pin.isPending || undeploy.isPending;
  const mayEdit = mayOffer(role, 'edit');

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl space-y-8 p-8">
        <section>
          <h1 className="text-2xl font-semibold">Deployments</h1>
          <p className="mt-1 text-sm text-slate-600">
            Each name answers at <code>POST /api/v1/models/&lt;name&gt;/predict</code> (JSON), <code>/batch</code> (CSV in, CSV out) and describes itself at{' '}
            <code>/openapi.json</code>. Its <em>live</em> version answers; a run of its pipeline with a new model publishes and makes live a new version,
            unless the live one is <em>pinned</em> (a roll back pins it). Publishing the model that is live already changes nothing.
          </p>
          {notice && (
            <p role={notice.kind === 'error' ? 'alert' : 'status'} className={`mt-3 rounded px-3 py-2 text-sm ${notice.kind === 'error' ? 'bg-red-50 text-red-800' : 'bg-emerald-50 text-emerald-800'}`}>
              {notice.text}
            </p>
          )}
          {list.data?.length === 0 && (
            <p className="mt-4 text-sm text-slate-500">
              Nothing deployed yet: add a Deploy step to a pipeline and run it, or deploy a saved model on the <Link className="text-indigo-700 hover:underline" href="/models">Models</Link> page.
            </p>
          )}
        </section>

        {list.data?.map((d) => {
          const live = d.versions.find((v) => v.version === d.liveVersion);
          const canRollBack = d.versions.some((v) => d.liveVersion !== null && v.version < d.liveVersion);
          return (
            <section key={d.name} id={d.name} aria-label={`Deployment ${d.name}`} className="rounded border border-slate-200 bg-white p-4">
              <header className="flex flex-wrap items-baseline gap-3">
                <h2 className="font-mono text-lg font-semibold">{d.name}</h2>
                {d.undeployedAt !== null ? (
                  <span className="rounded bg-red-100 px-2 py-0.5 text-xs text-red-800" data-testid="deployment-state">
                    undeployed: {d.undeployReason}
                  </span>
                ) : (
                  <span className="rounded bg-emerald-100 px-2 py-0.5 text-xs text-emerald-800" data-testid="deployment-state">
                    live: v{d.liveVersion}
                    {d.pinned ? ' (pinned)' : ''}
                  </span>
                )}
                <span className="text-xs text-slate-500">{d.public ? 'public' : 'private: API key or member session'}</span>
                {d.graphId && (
                  <Link className="text-sm text-indigo-700 hover:underline" href={`/graphs/${d.graphId}`}>
                    {d.pipelineName ?? 'pipeline'}
                  </Link>
                )}
                {mayEdit && (
                  <span className="ml-auto flex gap-3 text-sm">
                    {canRollBack && d.undeployedAt === null && (
                      <button className="text-indigo-700 hover:underline disabled:opacity-50" disabled={busy} onClick={() => rollback.mutate({ name: d.name }, { onSuccess: (r) => done(`"${d.name}" rolled back: v${r.liveVersion} answers, pinned.`) })}>
                        Roll back
                      </button>
                    )}
                    {d.undeployedAt === null && (
                      <button className="text-indigo-700 hover:underline disabled:opacity-50" disabled={busy} onClick={() => pin.mutate({ name: d.name, pinned: !d.pinned }, { onSuccess: () => done(d.pinned ? `"${d.name}" unpinned: new versions go live.` : `"${d.name}" pinned to v${d.liveVersion}.`) })}>
                        {d.pinned ? 'Unpin' : 'Pin'}
                      </button>
                    )}
                    {d.undeployedAt === null && (
                      <button className="text-red-700 hover:underline" onClick={() => setUndeploying({ name: d.name, reason: '' })}>
                        Undeploy
                      </button>
                    )}
                  </span>
                )}
              </header>
              {undeploying?.name === d.name && (
                <form
                  className="mt-3 flex flex-wrap items-end gap-2 rounded bg-red-50 p-3 text-sm"
                  onSubmit={(e) => {
                    e.preventDefault();
                    undeploy.mutate({ name: d.name, reason: undeploying.reason }, { onSuccess: () => done(`"${d.name}" undeployed: its callers get 410 with your reason.`) });
                  }}
                >
                  <label className="flex flex-col gap-1">
                    <span className="text-xs text-slate-600">Reason (its callers are told)</span>
                    <input className="w-96 rounded border border-slate-300 px-2 py-1" value={undeploying.reason} maxLength={300} required onChange={(e) => setUndeploying({ name: d.name, reason: e.target.value })} />
                  </label>
                  <button type="submit" disabled={busy} className="rounded bg-red-700 px-3 py-1 text-white disabled:opacity-50">
                    Undeploy {d.name}
                  </button>
                  <button type="button" className="text-slate-600 hover:underline" onClick={() => setUndeploying(null)}>
                    Cancel
                  </button>
                </form>
              )}
              <table className="mt-3 w-full text-sm" aria-label={`Versions of ${d.name}`}>
                <thead className="text-left text-xs text-slate-500">
                  <tr>
                    <th className="p-1">Version</th>
                    <th className="p-1">Model</th>
                    <th className="p-1">Pipeline version</th>
                    <th className="p-1">Published by</th>
                    <th className="p-1">When</th>
                    <th className="p-1">Test result</th>
                    <th className="p-1" />
                  </tr>
                </thead>
                <tbody>
                  {d.versions.map((v) => (
                    <tr key={v.version} className="border-t border-slate-100" data-testid={`version-${d.name}-${v.version}`}>
                      <td className="p-1 font-medium">
                        v{v.version}
                        {v.version === d.liveVersion && d.undeployedAt === null && <span className="ml-2 rounded bg-emerald-100 px-1 text-[11px] text-emerald-800">live</span>}
                      </td>
                      <td className="p-1 font-mono text-[11px] text-slate-500" title={v.modelKey ?? ''}>
                        {v.modelKey?.slice(0, 8) ?? '—'}
                      </td>
                      <td className="p-1">{v.pipelineVersion === null ? '—' : `v${v.pipelineVersion}`}</td>
                      <td className="p-1">{v.createdBy ?? 'command line'}</td>
                      <td className="p-1">{new Date(v.createdAt).toLocaleString()}</td>
                      <td className="p-1">{formatHeadline(headlineMetric(v.metrics))}</td>
                      <td className="p-1 text-right">
                        {mayEdit && (v.version !== d.liveVersion || d.undeployedAt !== null) && (
                          <button className="text-indigo-700 hover:underline disabled:opacity-50" disabled={busy} onClick={() => promote.mutate({ name: d.name, version: v.version }, { onSuccess: () => done(`"${d.name}" v${v.version} is live.`) })}>
                            Make live
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {live && d.undeployedAt === null && <TryIt name={d.name} />}
            </section>
          );
        })}
      </div>
    </div>
  );
}
