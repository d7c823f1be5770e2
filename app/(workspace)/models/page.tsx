'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { formatHeadline, headlineMetric } from '../../../lib/model-headline';
import { deploymentNameOf, MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../../lib/ids';
import { mayOffer, useWorkspaceRole } from '../../account/role';
import { useTRPC } from '../../trpc';
import { ApiKeysPanel } from './api-keys-panel';

export default function ModelsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useWorkspaceRole();
  const saved = useQuery(trpc.models.list.queryOptions());
  const deployments = useQuery(trpc.deployments.list.queryOptions());
  const [deploying, setDeploying] = useState<{ id: string; name: string; replace: boolean; deployAnyway: boolean } | null>(null);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() });
  };
  const deploy = useMutation(
    trpc.models.deploy.mutationOptions({
      onSuccess: (result) => {
        setDeploying(null);
        setNotice({
          kind: 'ok',
          text: result.unchanged ? `Nothing published: this model is "${result.name}" version ${result.version} already.` : `Published "${result.name}" version ${result.version}: POST ${result.predictUrl}`,
        });
        refresh();
      },
      onError: (error) => setNotice({ kind: 'error', text: error.message }),
    }),
  );
  const setPublic = useMutation(
    trpc.deployments.setPublic.mutationOptions({
      onSuccess: (result) => {
        setNotice({
          kind: 'ok',
          text: result.public ? `"${result.name}" is public: anyone who can reach this server may call it, without a key.` : `"${result.name}" is private: calls need an API key or a session.`,
        });
        refresh();
      },
      onError: (error) => setNotice({ kind: 'error', text: error.message }),
    }),
  );
  const remove = useMutation(
    trpc.models.delete.mutationOptions({
      onSuccess: () => {
        setNotice({ kind: 'ok', text: 'Deleted the saved model. Versions deployed from it keep answering.' });
        refresh();
      },
      onError: (error) => setNotice({ kind: 'error', text: error.message }),
    }),
  );

  // One entry per name, its versions newest first (the Deployments page manages them).
  const deployed = deployments.data ?? [];
  const nameProblem = deploying && !MODEL_NAME_PATTERN.test(deploying.name) ? `Name: ${MODEL_NAME_RULE}.` : null;

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl space-y-10 p-8">
        <section>
          <h1 className="text-2xl font-semibold">Models</h1>
          <p className="mt-1 text-sm text-slate-600">
            Every model a run trains is saved here with where it came from: the pipeline and run, the exact data it read, and its test result. Deploy one to
            serve predictions, or start a new model from it (<em>Start from a saved model</em> in the editor). Saved models are kept until you delete them.
          </p>
          {notice && (
            <p role="status" className={`mt-3 rounded p-2 text-sm ${notice.kind === 'ok' ? 'bg-emerald-50 text-emerald-800' : 'bg-red-50 text-red-800'}`}>
              {notice.text}
            </p>
          )}
          <table className="mt-4 w-full rounded border border-slate-200 bg-white text-sm" aria-label="Saved models">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="p-2">Model</th>
                <th className="p-2">Predicts</th>
                <th className="p-2">From</th>
                <th className="p-2">Data</th>
                <th className="p-2">Test result</th>
                <th className="p-2">Saved</th>
                <th className="p-2" />
              </tr>
            </thead>
            <tbody>
              {saved.data?.length === 0 && (
                <tr>
                  <td className="p-3 text-slate-500" colSpan={7}>
                    No saved models yet: run a pipeline with a Train step.
                  </td>
                </tr>
              )}
              {saved.data?.map((m) => (
                <tr key={m.id} className="border-t border-slate-100 align-top" data-testid={`saved-model-${m.id}`}>
                  <td className="p-2">
                    <div className="font-medium">{m.family}</div>
                    <div className="font-mono text-[11px] text-slate-400" title={m.id}>
                      {m.id.slice(0, 8)}
                    </div>
                  </td>
                  <td className="p-2">
                    {m.task === 'classification' || m.task === 'regression' ? (
                      <>
                        <span className="font-medium">{m.target}</span> <span className="text-slate-500">({m.task})</span>
                      </>
                    ) : (
                      m.task
                    )}
                  </td>
                  <td className="p-2">
                    {m.graphId ? (
                      <>
                        <Link className="text-indigo-700 hover:underline" href={`/graphs/${m.graphId}`}>
                          {m.graphName || 'pipeline'}
                        </Link>
                        {' · '}
                        <Link className="text-indigo-700 hover:underline" href={`/graphs/${m.graphId}/runs?run=${m.runId}`}>
                          run
                        </Link>
                      </>
                    ) : (
                      <span title={`run ${m.runId}`}>{m.graphName || 'command line'} (CLI)</span>
                    )}
                    <div className="text-[11px] text-slate-400">step {m.nodeId}</div>
                  </td>
                  <td className="p-2">
                    {m.datasets.length === 0
                      ? '—'
                      : m.datasets.map((d) => (
                          <div key={d.nodeId} title={`content hash ${d.hash}`}>
                            {d.dataset.length > 24 ? `${d.dataset.slice(0, 8)}…` : d.dataset} <span className="font-mono text-[11px] text-slate-400">#{d.hash.slice(0, 8)}</span>
                          </div>
                        ))}
                  </td>
                  <td className="p-2">{formatHeadline(m.headline)}</td>
                  <td className="p-2">{new Date(m.createdAt).toLocaleString()}</td>
                  <td className="p-2 text-right">
                    {deploying?.id === m.id ? (
                      <form
                        className="flex flex-col items-end gap-1"
                        onSubmit={(e) => {
                          e.preventDefault();
                          if (!nameProblem) deploy.mutate({ id: m.id, name: deploying.name, replace: deploying.replace, deployAnyway: deploying.deployAnyway });
                        }}
                      >
                        <label className="text-xs text-slate-600" htmlFor={`deploy-name-${m.id}`}>
                          Deploy as
                        </label>
                        <input
                          id={`deploy-name-${m.id}`}
                          className={`w-40 rounded border px-2 py-1 text-sm ${nameProblem ? 'border-red-500' : 'border-slate-300'}`}
                          value={deploying.name}
                          onChange={(e) => setDeploying({ ...deploying, name: e.target.value })}
                        />
                        <label className="flex items-center gap-1 text-[11px] text-slate-600" title="Publish even when another pipeline publishes under this name, or its live version reads other columns">
                          <input type="checkbox" checked={deploying.replace} onChange={(e) => setDeploying({ ...deploying, replace: e.target.checked })} />
                          Replace
                        </label>
                        <label className="flex items-center gap-1 text-[11px] text-slate-600" title="Publish even when its test result is no better than its baseline">
                          <input type="checkbox" checked={deploying.deployAnyway} onChange={(e) => setDeploying({ ...deploying, deployAnyway: e.target.checked })} />
                          Deploy anyway
                        </label>
                        {nameProblem && <span className="max-w-48 text-[11px] text-red-700">{nameProblem}</span>}
                        <span className="flex gap-2">
                          <button type="button" className="text-xs text-slate-600 hover:underline" onClick={() => setDeploying(null)}>
                            Cancel
                          </button>
                          <button type="submit" disabled={Boolean(nameProblem) || deploy.isPending} className="rounded bg-indigo-600 px-2 py-1 text-xs text-white disabled:opacity-50">
                            Publish
                          </button>
                        </span>
                      </form>
                    ) : (
                      <span className="flex justify-end gap-3">
                        {mayOffer(role, 'edit') && (
                          <button className="text-indigo-700 hover:underline" onClick={() => setDeploying({ id: m.id, name: deploymentNameOf(m.graphName), replace: false, deployAnyway: false })}>
                            Deploy
                          </button>
                        )}
                        {mayOffer(role, 'delete') && (
                          <button
                            className="text-red-700 hover:underline"
                            disabled={remove.isPending}
                            onClick={() => {
                              if (window.confirm('Delete this saved model? Versions deployed from it keep answering; its files may be cleaned up.')) remove.mutate({ id: m.id });
                            }}
                          >
                            Delete
                          </button>
                        )}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section>
          <h2 className="text-xl font-semibold">Deployed models</h2>
          <p className="mt-1 text-sm text-slate-600">
            Each Deploy step (or Deploy above) publishes a version. <code>POST /api/v1/models/&lt;name&gt;/predict</code> answers with the live version (the{' '}
            <Link className="text-indigo-700 hover:underline" href="/deployments">
              Deployments
            </Link>{' '}
            page promotes, rolls back, pins and undeploys them; add{' '}
            <code>?version=N</code> for an older one). A deployment is private: callers send an API key (<code>Authorization: Bearer &lt;key&gt;</code>)
            or are signed in as members of this workspace; a public one answers anyone, without a key.
          </p>
          <table className="mt-4 w-full rounded border border-slate-200 bg-white text-sm" aria-label="Deployed models">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="p-2">Name</th>
                <th className="p-2">Versions</th>
                <th className="p-2">Live version&apos;s test result</th>
                <th className="p-2">Published</th>
                <th className="p-2">From</th>
                <th className="p-2">Access</th>
              </tr>
            </thead>
            <tbody>
              {deployed.length === 0 && deployments.data && (
                <tr>
                  <td className="p-3 text-slate-500" colSpan={6}>
                    Nothing deployed yet: deploy a saved model above, or add a Deploy step to a pipeline and run it.
                  </td>
                </tr>
              )}
              {deployed.map(({ name, versions, liveVersion, public: isPublic }) => {
                const newest = versions.find((v) => v.version === liveVersion) ?? versions[0];
                return (
                  <tr key={name} className="border-t border-slate-100">
                    <td className="p-2 font-medium">
                      <Link className="text-indigo-700 hover:underline" href={`/deployments#${name}`}>
                        {name}
                      </Link>
                    </td>
                    <td className="p-2">{versions.map((v) => `v${v.version}`).join(', ')}</td>
                    <td className="p-2">{formatHeadline(headlineMetric(newest.metrics))}</td>
                    <td className="p-2">{new Date(newest.createdAt).toLocaleString()}</td>
                    <td className="p-2">
                      {newest.graphId ? (
                        <Link className="text-indigo-700 hover:underline" href={`/graphs/${newest.graphId}`}>
                          pipeline
                        </Link>
                      ) : (
                        'CLI'
                      )}
                    </td>
                    <td className="p-2">
                      {mayOffer(role, 'manage') ? (
                        <label className="flex items-center gap-1">
                          <input
                            type="checkbox"
                            aria-label={`Public: ${name}`}
                            checked={isPublic}
                            disabled={setPublic.isPending}
                            onChange={(e) => setPublic.mutate({ name, public: e.target.checked })}
                          />
                          Public
                        </label>
                      ) : isPublic ? (
                        'Public'
                      ) : (
                        'Private'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>

        {mayOffer(role, 'edit') && <ApiKeysPanel deploymentNames={deployed.map((d) => d.name)} />}
      </div>
    </div>
  );
}
