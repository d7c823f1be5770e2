'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { parseGraph } from '../../lib/graph';
import { importBundleFile, type ImportResult } from '../bundles/import-bundle';
import { TemplateGallery } from '../templates/TemplateGallery';
import { mayOffer, useWorkspaceRole } from '../account/role';
import { DuplicateButton } from '../DuplicateButton';
import { useTRPC } from '../trpc';
import { SharedWithMe } from './SharedWithMe';
import { Trash } from './Trash';

export default function GraphListPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const role = useWorkspaceRole();
  const mayEdit = mayOffer(role, 'edit');
  const graphs = useQuery(trpc.graphs.list.queryOptions());
  const [name, setName] = useState('');
  const [importError, setImportError] = useState<string | null>(null);
  const [imported, setImported] = useState<ImportResult | null>(null);
  const fromTemplate = useMutation(trpc.templates.create.mutationOptions({ onSuccess: ({ id }) => router.push(`/graphs/${id}`) }));
  const fileInput = useRef<HTMLInputElement>(null);
  const create = useMutation(trpc.graphs.create.mutationOptions({ onSuccess: ({ id }) => router.push(`/graphs/${id}`) }));
  const [trashed, setTrashed] = useState<string | null>(null);
  const remove = useMutation(
    trpc.graphs.delete.mutationOptions({
      onSuccess: ({ trashDays }, { id }) => {
        setTrashed(`“${graphs.data?.find((g) => g.id === id)?.name}” is in the trash: restore it there within ${trashDays} days.`);
        void queryClient.invalidateQueries({ queryKey: trpc.graphs.list.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.graphs.trash.queryKey() });
      },
    }),
  );

  async function importFile(file: File) {
    setImportError(null);
    setImported(null);
    if (file.name.endsWith('.zip')) {
      // A bundle: a pipeline with missing datasets or placeholder steps is shown first, so what it lacks is said.
      const result = await importBundleFile(file);
      if (!result.ok) return setImportError(result.message);
      const { answer } = result;
      if (answer.placeholders.length === 0 && answer.datasets.every((d) => d.status !== 'missing')) return router.push(`/graphs/${answer.graphId}`);
      void queryClient.invalidateQueries({ queryKey: trpc.graphs.list.queryKey() });
      return setImported(answer);
    }
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      return setImportError(`${file.name} is not a JSON file.`);
    }
    const parsed = parseGraph(json);
    if (!parsed.ok) return setImportError(`${file.name} is not a Pipeloom graph: ${parsed.problems.slice(0, 3).join('; ')}`);
    create.mutate({ graph: parsed.graph });
  }

  return (
    <div className="mx-auto max-w-4xl p-8">
      <h1 className="text-2xl font-semibold">Pipelines</h1>
      <p className="mt-1 text-sm text-slate-600">Each pipeline is a graph of steps: data in, a trained and judged model out.</p>
      {role === 'viewer' && <p className="mt-6 text-sm text-slate-600">As a viewer of this workspace you can open its pipelines and their runs; creating and changing them needs the editor role.</p>}
      {mayEdit && (
        <form
          className="mt-6 flex gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name: name.trim() || 'Untitled pipeline' });
          }}
        >
          <input
            className="flex-1 rounded border border-slate-300 px-3 py-2 text-sm"
            placeholder="Name of the new pipeline"
            aria-label="New pipeline name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700" disabled={create.isPending}>
            New pipeline
          </button>
          <button type="button" className="rounded border border-slate-300 bg-white px-4 py-2 text-sm" onClick={() => fileInput.current?.click()}>
            Import…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json,.zip"
            className="hidden"
            aria-label="Import graph file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void importFile(file);
              e.target.value = '';
            }}
          />
        </form>
      )}
      {importError && <p className="mt-2 text-sm text-red-700">{importError}</p>}
      {create.error && <p className="mt-2 text-sm text-red-700">{create.error.message}</p>}
      {trashed && (
        <p role="status" className="mt-2 text-sm text-slate-700">
          {trashed} <a href="#trash" className="text-indigo-700 hover:underline">Trash</a>
        </p>
      )}
      {imported && (
        <div className="mt-2 rounded border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" role="status" data-testid="import-notice">
          Imported <Link href={`/graphs/${imported.graphId}`} className="font-medium underline">{imported.name}</Link>.
          {imported.datasets
            .filter((d) => d.status === 'missing')
            .map((d) => (
              <div key={d.name}>
                It reads the dataset “{d.name}”{d.rowCount !== undefined ? ` (${d.rowCount.toLocaleString('en')} rows, ${d.columnCount} columns)` : ''}, which is not here: upload the same file on the{' '}
                <Link href="/datasets" className="underline">Datasets</Link> page, and the step finds it by its content.
              </div>
            ))}
          {imported.placeholders.map((p) => (
            <div key={p.nodeId}>
              Step “{p.nodeId}” is a {p.type} (version {p.typeVersion}), which this Pipeloom does not have: it is kept as a placeholder, with its settings and connections.
            </div>
          ))}
        </div>
      )}
      <ul className="mt-6 divide-y divide-slate-200 rounded border border-slate-200 bg-white" data-testid="graph-list">
        {graphs.isPending && <li className="p-4 text-sm text-slate-500">Loading…</li>}
        {graphs.data?.length === 0 && <li className="p-4 text-sm text-slate-500">No pipelines yet: create one above.</li>}
        {graphs.data?.map((g) => (
          <li key={g.id} className="flex items-center justify-between p-4">
            <div>
              <Link href={`/graphs/${g.id}`} className="font-medium text-indigo-700 hover:underline">
                {g.name}
              </Link>
              <div className="text-xs text-slate-500">edited {new Date(g.updatedAt).toLocaleString()}</div>
            </div>
            {mayEdit && (
              <div className="flex items-center gap-3">
                <DuplicateButton graphId={g.id} label={`Duplicate ${g.name}`} className="text-sm text-slate-500 hover:text-indigo-700" />
                <button
                  className="text-sm text-slate-500 hover:text-red-700"
                  aria-label={`Delete ${g.name}`}
                  onClick={() => {
                    if (confirm(`Delete "${g.name}"? It goes to the trash for 30 days; its runs stay in the history.`)) remove.mutate({ id: g.id });
                  }}
                >
                  Delete
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <SharedWithMe />
      <Trash mayEdit={mayEdit} />
      {mayEdit && (
        <section className="mt-8">
          <h2 className="text-lg font-semibold">Start from a template</h2>
          <p className="mb-3 mt-1 text-sm text-slate-600">Each opens as a new pipeline on a sample dataset and runs as it is.</p>
          {fromTemplate.error && <p className="mb-2 text-sm text-red-700">{fromTemplate.error.message}</p>}
          <TemplateGallery busy={fromTemplate.isPending} onUse={(t) => fromTemplate.mutate({ id: t.id })} />
        </section>
      )}
    </div>
  );
}
