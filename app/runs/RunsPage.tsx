'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import type { GraphFile } from '../../lib/graph';
import type { CatalogEntry } from '../../lib/catalog';
import { formatHeadline, headlineMetric } from '../../lib/model-headline';
import { FINAL_RUN_STATUSES } from '../editor/run-state';
import { RunPanel } from '../editor/RunPanel';
import { useRun } from '../editor/useRun';
import { useTRPC } from '../trpc';
import { formatParamValue, paramDefaults, paramDifferences, stepParams, wiringDiffers, type StepParam } from './params';

type Kinds = Map<string, CatalogEntry>;

const STATUS_STYLES: Record<string, string> = {
  succeeded: 'bg-emerald-100 text-emerald-800',
  failed: 'bg-red-100 text-red-800',
  running: 'bg-blue-100 text-blue-800',
  cancelled: 'bg-slate-200 text-slate-700',
  interrupted: 'bg-amber-100 text-amber-800',
};

/** Changes the page's query string without a server round trip (Next keeps useSearchParams in step). */
function navigate(params: Record<string, string | null>, mode: 'push' | 'replace') {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(params)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

function readSelection(search: URLSearchParams): { run: string | null; compare: string[] } {
  return { run: search.get('run'), compare: (search.get('compare') ?? '').split(',').filter(Boolean).slice(0, 2) };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** What the editor calls a step: its kind's label (the node id when the snapshot has no such step). */
function labeler(graph: GraphFile | null | undefined, kinds: Kinds): (stepId: string) => string {
  const types = new Map(graph?.nodes.map((n) => [n.id, n.type]) ?? []);
  return (stepId) => {
    // A step that is part of a node is named "<nodeId>#<part>".
    const [nodeId, part] = stepId.split('#');
    const type = types.get(nodeId);
    const label = type ? (kinds.get(type)?.label ?? type) : nodeId;
    return part ? `${label} (${part})` : label;
  };
}

export function RunsPage({ graphId }: { graphId: string }) {
  const trpc = useTRPC();
  const search = useSearchParams();
  const catalog = useQuery(trpc.catalog.list.queryOptions(undefined, { staleTime: Infinity }));
  const graph = useQuery({ ...trpc.graphs.get.queryOptions({ id: graphId }), retry: false });
  const list = useQuery({
    ...trpc.runs.listForGraph.queryOptions({ graphId }),
    // While a run is going, keep its row (status, duration) current.
    refetchInterval: (query) => (query.state.data?.some((r) => !FINAL_RUN_STATUSES.has(r.status)) ? 2000 : false),
  });
  const kinds = useMemo<Kinds>(() => new Map((catalog.data?.nodes ?? []).map((k) => [k.type, k])), [catalog.data]);

  // The address holds the selection (reload, Back and links keep it); local state answers a click at once.
  const [selection, setSelection] = useState(() => readSelection(search));
  useEffect(() => setSelection(readSelection(search)), [search]);
  const { run: openId, compare: ticked } = selection;
  const runs = list.data ?? [];
  // A is the earlier run, B the later one, whatever order they were ticked in.
  const compared = runs.filter((r) => ticked.includes(r.id)).reverse();

  const open = (runId: string) => {
    setSelection({ run: runId, compare: [] });
    navigate({ run: runId, compare: null }, 'push');
  };
  const toggle = (runId: string, on: boolean) => {
    const next = on ? [...ticked.filter((id) => id !== runId), runId].slice(-2) : ticked.filter((id) => id !== runId);
    setSelection({ run: openId, compare: next });
    navigate({ compare: next.join(',') || null }, 'replace');
  };

  const title = graph.data ? `Runs of “${graph.data.graph.name}”` : 'Runs';
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-7xl space-y-6 p-8">
        <div className="flex items-baseline justify-between gap-4">
          <div>
            <h1 className="text-2xl font-semibold">{title}</h1>
            <p className="mt-1 text-sm text-slate-600">
              Every run of this pipeline, newest first. Click one to see its results as they were; tick two to compare them side by side.
            </p>
          </div>
          {graph.error ? (
            <span className="text-sm text-slate-500">This pipeline has been deleted; its runs stay here.</span>
          ) : (
            <Link href={`/graphs/${graphId}`} className="shrink-0 text-sm font-medium text-indigo-700 hover:underline">
              ← Back to the editor
            </Link>
          )}
        </div>

        {list.error && <p className="text-sm text-red-700">{list.error.message}</p>}
        <table className="w-full rounded border border-slate-200 bg-white text-sm" data-testid="runs-table">
          <thead className="bg-slate-50 text-left text-xs text-slate-500">
            <tr>
              <th className="w-16 p-2">Compare</th>
              <th className="p-2">Started</th>
              <th className="p-2">Status</th>
              <th className="p-2">Duration</th>
              <th className="p-2">Backend</th>
              <th className="p-2">Test result</th>
              <th className="p-2">Reused steps</th>
            </tr>
          </thead>
          <tbody>
            {list.isPending && (
              <tr>
                <td className="p-3 text-slate-500" colSpan={7}>
                  Loading…
                </td>
              </tr>
            )}
            {list.data?.length === 0 && (
              <tr>
                <td className="p-3 text-slate-500" colSpan={7}>
                  This pipeline has not run yet: press Run in the editor.
                </td>
              </tr>
            )}
            {runs.map((r) => {
              const started = new Date(r.startedAt ?? r.createdAt).toLocaleString();
              const isOpen = r.id === openId && compared.length < 2;
              return (
                <tr
                  key={r.id}
                  className={`cursor-pointer border-t border-slate-100 hover:bg-slate-50 ${isOpen ? 'bg-indigo-50' : ''}`}
                  data-testid="run-row"
                  data-run-id={r.id}
                  data-open={isOpen || undefined}
                  onClick={() => open(r.id)}
                >
                  <td className="p-2" onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={`Compare the run started ${started}`}
                      checked={ticked.includes(r.id)}
                      onChange={(e) => toggle(r.id, e.target.checked)}
                    />
                  </td>
                  <td className="p-2">
                    <button type="button" className="text-left font-medium text-indigo-700 hover:underline">
                      {started}
                    </button>
                    {r.versionId !== null && (
                      <Link
                        href={`/graphs/${graphId}?compare=${r.versionId}`}
                        className="ml-2 text-xs text-slate-600 hover:underline"
                        title="The version of the pipeline this run ran, compared with the pipeline now"
                        onClick={(e) => e.stopPropagation()}
                      >
                        version {r.versionNumber}
                      </Link>
                    )}
                  </td>
                  <td className="p-2">
                    <span className={`rounded px-1.5 py-0.5 text-xs ${STATUS_STYLES[r.status] ?? 'bg-slate-100'}`} data-testid="run-row-status" title={r.error ?? undefined}>
                      {r.status}
                    </span>
                  </td>
                  <td className="p-2 tabular-nums">{r.durationMs != null ? formatDuration(r.durationMs) : FINAL_RUN_STATUSES.has(r.status) ? '—' : 'running…'}</td>
                  <td className="p-2 text-slate-600">{r.backend || '—'}</td>
                  <td className="p-2 tabular-nums" data-testid="run-row-metric">
                    {formatHeadline(headlineMetric(r))}
                  </td>
                  <td className="p-2 tabular-nums text-slate-600">
                    {r.cachedSteps} of {r.stepCount}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>

        {compared.length === 2 ? (
          <RunComparison a={compared[0].id} b={compared[1].id} kinds={kinds} />
        ) : (
          <>
            {ticked.length === 1 && <p className="text-sm text-slate-500">Tick one more run to compare the two side by side.</p>}
            {openId ? (
              <RunDetails runId={openId} kinds={kinds} />
            ) : (
              runs.length > 0 && ticked.length === 0 && <p className="text-sm text-slate-500">Click a run to open it.</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function useSnapshot(runId: string) {
  const trpc = useTRPC();
  // The same query useRun reads: one request per run, shared.
  return useQuery({ ...trpc.runs.get.queryOptions({ runId }), staleTime: Infinity });
}

/** One run as the editor's Results tab shows it, with the params each step ran with. */
function RunResults({ runId, kinds, paramsOpen }: { runId: string; kinds: Kinds; paramsOpen: boolean }) {
  const snapshot = useSnapshot(runId);
  const view = useRun(runId);
  if (snapshot.error) return <p className="text-sm text-red-700">{snapshot.error.message}</p>;
  if (!view || !snapshot.data) return <p className="text-sm text-slate-500">Loading the run…</p>;
  const graph = snapshot.data.graph;
  return (
    <div className="space-y-4">
      <RunPanel run={view} labelOf={labeler(graph, kinds)} />
      <details open={paramsOpen} className="text-sm">
        <summary className="cursor-pointer font-semibold">Parameters each step ran with</summary>
        {graph ? <ParamsTable graph={graph} kinds={kinds} /> : <p className="mt-1 text-xs text-slate-500">This run’s graph can no longer be read.</p>}
      </details>
    </div>
  );
}

function RunDetails({ runId, kinds }: { runId: string; kinds: Kinds }) {
  const snapshot = useSnapshot(runId);
  const started = snapshot.data ? new Date(snapshot.data.run.startedAt ?? snapshot.data.run.createdAt).toLocaleString() : '';
  return (
    <section className="rounded border border-slate-200 bg-white p-4" data-testid="run-details">
      <h2 className="mb-3 text-lg font-semibold">Run started {started}</h2>
      <div className="max-w-2xl">
        <RunResults runId={runId} kinds={kinds} paramsOpen />
      </div>
    </section>
  );
}

function ParamValue({ param }: { param: StepParam | undefined }) {
  if (!param) return <span className="text-slate-400">not set</span>;
  return (
    <span>
      <code className="break-all">{formatParamValue(param.value)}</code>
      {param.isDefault && <span className="text-slate-400"> (default)</span>}
    </span>
  );
}

function ParamsTable({ graph, kinds }: { graph: GraphFile; kinds: Kinds }) {
  return (
    <table className="mt-2 w-full text-xs" data-testid="run-params">
      <thead>
        <tr className="text-left text-slate-500">
          <th className="py-1 pr-2">Step</th>
          <th className="py-1">Parameters</th>
        </tr>
      </thead>
      <tbody>
        {graph.nodes.map((node) => {
          const params = stepParams(node, paramDefaults(kinds.get(node.type)));
          return (
            <tr key={node.id} className="border-t border-slate-100 align-top">
              <td className="py-1 pr-2">
                <span className="font-medium">{kinds.get(node.type)?.label ?? node.type}</span> <span className="text-slate-400">{node.id}</span>
              </td>
              <td className="py-1">
                {params.length === 0 ? (
                  <span className="text-slate-400">none</span>
                ) : (
                  <ul className="space-y-0.5">
                    {params.map((p) => (
                      <li key={p.name}>
                        {p.name} = <ParamValue param={p} />
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RunComparison({ a, b, kinds }: { a: string; b: string; kinds: Kinds }) {
  const snapA = useSnapshot(a);
  const snapB = useSnapshot(b);
  const graphA = snapA.data?.graph;
  const graphB = snapB.data?.graph;
  const differences = useMemo(
    () => (graphA && graphB ? paramDifferences(graphA, graphB, (type) => paramDefaults(kinds.get(type))) : null),
    [graphA, graphB, kinds],
  );
  const labelA = labeler(graphA, kinds);
  const labelB = labeler(graphB, kinds);
  const started = (s: typeof snapA) => (s.data ? new Date(s.data.run.startedAt ?? s.data.run.createdAt).toLocaleString() : '…');
  return (
    <section className="space-y-4" data-testid="run-comparison">
      <div className="rounded border border-slate-200 bg-white p-4">
        <h2 className="mb-2 text-lg font-semibold">What changed between the two runs</h2>
        {!differences ? (
          <p className="text-sm text-slate-500">{snapA.error?.message ?? snapB.error?.message ?? 'Loading both runs…'}</p>
        ) : (
          <>
            {differences.length === 0 ? (
              <p className="text-sm text-slate-600">Both runs used the same parameters.</p>
            ) : (
              <table className="w-full text-sm" data-testid="param-differences">
                <thead className="text-left text-xs text-slate-500">
                  <tr>
                    <th className="py-1 pr-2">Step</th>
                    <th className="py-1 pr-2">Parameter</th>
                    <th className="py-1 pr-2">A · {started(snapA)}</th>
                    <th className="py-1">B · {started(snapB)}</th>
                  </tr>
                </thead>
                <tbody>
                  {differences.map((d) => (
                    <tr key={`${d.nodeId}/${d.param ?? ''}`} className="border-t border-slate-100" data-testid="param-difference">
                      <td className="py-1 pr-2">
                        <span className="font-medium">{graphA?.nodes.some((n) => n.id === d.nodeId) ? labelA(d.nodeId) : labelB(d.nodeId)}</span>{' '}
                        <span className="text-xs text-slate-400">{d.nodeId}</span>
                      </td>
                      {d.param === null ? (
                        <>
                          <td className="py-1 pr-2 text-slate-500">the step itself</td>
                          <td className="py-1 pr-2">{d.a ? (kinds.get(String(d.a.value))?.label ?? String(d.a.value)) : <span className="text-slate-400">not in this run</span>}</td>
                          <td className="py-1">{d.b ? (kinds.get(String(d.b.value))?.label ?? String(d.b.value)) : <span className="text-slate-400">not in this run</span>}</td>
                        </>
                      ) : (
                        <>
                          <td className="py-1 pr-2">{d.param}</td>
                          <td className="py-1 pr-2">
                            <ParamValue param={d.a} />
                          </td>
                          <td className="py-1">
                            <ParamValue param={d.b} />
                          </td>
                        </>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {graphA && graphB && wiringDiffers(graphA, graphB) && <p className="mt-2 text-sm text-slate-600">The steps are also wired differently.</p>}
          </>
        )}
      </div>
      <div className="grid grid-cols-2 gap-4">
        {[
          { id: a, name: 'A', snap: snapA, testId: 'compare-a' },
          { id: b, name: 'B', snap: snapB, testId: 'compare-b' },
        ].map((side) => (
          <div key={side.name} className="min-w-0 rounded border border-slate-200 bg-white p-4" data-testid={side.testId}>
            <h3 className="mb-3 font-semibold">
              {side.name} · started {started(side.snap)}
            </h3>
            <RunResults runId={side.id} kinds={kinds} paramsOpen={false} />
          </div>
        ))}
      </div>
    </section>
  );
}
