'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ShownOnce } from '../../account/ShownOnce';
import { useTRPC } from '../../trpc';

/**
 * The workspace's API keys (editors and owners): make one for every deployment or for chosen ones,
 * see it once, list and revoke. Programs send it as `Authorization: Bearer <key>`.
 */
export function ApiKeysPanel({ deploymentNames }: { deploymentNames: string[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const [name, setName] = useState('');
  const [everything, setEverything] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [made, setMade] = useState<{ key: string; name: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (result) => {
        setMade({ key: result.key, name: result.apiKey.name });
        setProblem(null);
        setName('');
        setChosen([]);
        refresh();
      },
      onError: (error) => setProblem(error.message),
    }),
  );
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: refresh,
      onError: (error) => setProblem(error.message),
    }),
  );
  const scopeMissing = !everything && chosen.length === 0;

  return (
    <section aria-label="API keys">
      <h2 className="text-xl font-semibold">API keys</h2>
      <p className="mt-1 text-sm text-slate-600">
        Deployments are private: programs call them with a key, as <code>Authorization: Bearer &lt;key&gt;</code> (or an owner makes a deployment public
        above). A key works for every deployment of this workspace or only the ones you choose, until it is revoked.
      </p>
      <form
        className="mt-3 flex flex-wrap items-end gap-3 rounded border border-slate-200 bg-white p-3 text-sm"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name, deployments: everything ? null : chosen });
        }}
      >
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-500">Key name</span>
          <input className="rounded border border-slate-300 px-2 py-1" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} placeholder="e.g. billing service" required />
        </label>
        <fieldset className="flex flex-col gap-1">
          <legend className="text-xs text-slate-500">May call</legend>
          <label className="flex items-center gap-1">
            <input type="radio" checked={everything} onChange={() => setEverything(true)} /> every deployment
          </label>
          <div className="flex flex-wrap items-center gap-1">
            <label className="flex items-center gap-1">
              <input type="radio" checked={!everything} onChange={() => setEverything(false)} disabled={deploymentNames.length === 0} /> only:
            </label>
            {deploymentNames.map((d) => (
              <label key={d} className="ml-2 flex items-center gap-1">
                <input
                  type="checkbox"
                  disabled={everything}
                  checked={chosen.includes(d)}
                  onChange={(e) => setChosen(e.target.checked ? [...chosen, d] : chosen.filter((c) => c !== d))}
                />
                {d}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" className="rounded bg-indigo-600 px-3 py-1 text-white disabled:opacity-50" disabled={create.isPending || !name.trim() || scopeMissing}>
          Create key
        </button>
      </form>
      {problem && (
        <p role="alert" className="mt-2 rounded bg-red-50 p-2 text-sm text-red-800">
          {problem}
        </p>
      )}
      {made && (
        <ShownOnce label="New API key" secret={made.key} onDone={() => setMade(null)}>
          The key &ldquo;{made.name}&rdquo;: only its hash is kept; if you lose it, revoke it and make another.
        </ShownOnce>
      )}
      <table className="mt-4 w-full rounded border border-slate-200 bg-white text-sm" aria-label="API keys">
        <thead className="bg-slate-50 text-left text-xs text-slate-500">
          <tr>
            <th className="p-2">Name</th>
            <th className="p-2">Key</th>
            <th className="p-2">May call</th>
            <th className="p-2">Created</th>
            <th className="p-2">Last used</th>
            <th className="p-2" />
          </tr>
        </thead>
        <tbody>
          {keys.data?.length === 0 && (
            <tr>
              <td className="p-3 text-slate-500" colSpan={6}>
                No API keys yet.
              </td>
            </tr>
          )}
          {keys.data?.map((k) => (
            <tr key={k.id} className="border-t border-slate-100">
              <td className="p-2 font-medium">{k.name}</td>
              <td className="p-2">
                <code>{k.prefix}…</code>
              </td>
              <td className="p-2">{k.deployments ? k.deployments.join(', ') : 'every deployment'}</td>
              <td className="p-2">{new Date(k.createdAt).toLocaleString()}</td>
              <td className="p-2">{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : 'never'}</td>
              <td className="p-2 text-right">
                <button
                  type="button"
                  className="text-red-700 hover:underline disabled:opacity-50"
                  disabled={revoke.isPending}
                  onClick={() => {
                    if (window.confirm(`Revoke the key "${k.name}"? Programs using it are refused from now on.`)) revoke.mutate({ id: k.id });
                  }}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
