'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import {
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
} from '@xyflow/react';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { GraphFile } from '../../lib/graph';
import type { PortType } from '../../lib/ports';
import type { CatalogEntry } from '../../lib/catalog';
import { useTRPC } from '../trpc';
import { ExportBundle } from '../bundles/ExportBundle';
import { TemplateGallery } from '../templates/TemplateGallery';
import { useWorkIn } from '../account/role';
import { DuplicateButton } from '../DuplicateButton';
import { ChangedBanner } from './ChangedBanner';
import { connectionProblem, editorJson, mergeEdges, mergeNodes, passedOutputTypes, toCanvas, toGraphFile, type CanvasNode } from './canvas-graph';
import { CanvasMenus, EditButtons } from './CanvasMenus';
import { EditorContext, type DiffMark, type NodeProblem } from './context';
import { Inspector } from './Inspector';
import { OutputPreview } from './OutputPreview';
import { Palette } from './Palette';
import { PipelineNode } from './PipelineNode';
import { FINAL_RUN_STATUSES } from './run-state';
import { RunPanel } from './RunPanel';
import { ShareDialog } from './ShareDialog';
import { DRAG_MIME } from './StepFinder';
import { useCanvasMenu } from './useCanvasMenu';
import { useEditorCommands } from './useEditorCommands';
import { useGraphHistory } from './useGraphHistory';
import { useGraphSaver } from './useGraphSaver';
import { useRun } from './useRun';
import { VersionsPanel } from './VersionsPanel';

const nodeTypes = { pipeline: PipelineNode };
const UNDO_CLEARED = 'Someone else saved this pipeline: the undo history starts again here, so undoing never takes back their work.';

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

export function Editor({ graphId }: { graphId: string }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.list.queryOptions(undefined, { staleTime: Infinity }));
  const saved = useQuery(trpc.graphs.get.queryOptions({ id: graphId }, { staleTime: Infinity }));
  // A pipeline shared with the user belongs to a workspace they are not a member of: it opens where they are.
  const sharedWithYou = saved.data?.sharedWithYou ?? null;
  const inItsWorkspace = useWorkIn(saved.data && !sharedWithYou ? saved.data.workspaceId : undefined);
  if (saved.error) return <p className="p-8 text-red-700">{saved.error.message}</p>;
  if (catalog.error) return <p className="p-8 text-red-700">{catalog.error.message}</p>;
  if (!catalog.data || !saved.data) return <p className="p-8 text-slate-500">Loading the pipeline…</p>;
  if (!sharedWithYou && !inItsWorkspace) return <p className="p-8 text-slate-500">Opening the pipeline&apos;s workspace…</p>;
  return (
    <ReactFlowProvider>
      <EditorCanvas
        graphId={graphId}
        initial={saved.data.graph}
        loadedRevision={saved.data.revision}
        catalog={catalog.data}
        readOnly={saved.data.role === 'viewer'}
        sharedWithYou={sharedWithYou}
        mayShare={!sharedWithYou && saved.data.role !== 'viewer'}
      />
    </ReactFlowProvider>
  );
}

type SharedWithYou = { role: 'viewer' | 'editor'; sharedBy: string | null; expiresAt: number | null };

/** Who shared the pipeline with the user, and what they may do with it. */
function SharedBanner({ share }: { share: SharedWithYou }) {
  return (
    <p role="note" className="border-b border-sky-200 bg-sky-50 px-3 py-1.5 text-sm text-sky-950" data-testid="shared-banner">
      Shared with you by {share.sharedBy ?? 'someone no longer here'} — {share.role === 'viewer' ? 'you can view' : 'you can edit and run'}
      {share.expiresAt !== null && `, until ${new Date(share.expiresAt).toLocaleDateString()}`}. Only this pipeline is shared, not the rest of its workspace.
    </p>
  );
}

function EditorCanvas({
  graphId,
  initial,
  loadedRevision,
  catalog,
  readOnly,
  sharedWithYou,
  mayShare,
}: {
  graphId: string;
  initial: GraphFile;
  /** The revision `initial` is: saves are based on it, so none overwrites someone else's. */
  loadedRevision: number;
  catalog: { nodes: CatalogEntry[]; portColors: Record<PortType, string> };
  /** A viewer's editor: the pipeline, its runs and results to look at; nothing changes, saves or runs. */
  readOnly: boolean;
  /** The share the user sees the pipeline through (not being a member of its workspace), or null. */
  sharedWithYou: SharedWithYou | null;
  /** A member of its workspace who may edit it: they may share it. */
  mayShare: boolean;
}) {
  const trpc = useTRPC();
  const kinds = useMemo(() => new Map(catalog.nodes.map((k) => [k.type, k])), [catalog.nodes]);
  const start = useMemo(() => toCanvas(initial), [initial]);
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(start.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>(start.edges);
  const [name, setName] = useState(initial.name);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  useEffect(() => {
    if (!hint) return;
    const t = setTimeout(() => setHint(null), 8000);
    return () => clearTimeout(t);
  }, [hint]);
  const [tab, setTab] = useState<'inspector' | 'results'>('inspector');
  const [sharing, setSharing] = useState(false);
  const closeSharing = useCallback(() => setSharing(false), []);
  const { screenToFlowPosition, fitView } = useReactFlow();
  // Fit the saved graph into view once, on open; never re-fit while the user builds.
  const [fitOnOpen] = useState(initial.nodes.length > 0);

  // Autosave: every edit, debounced, as the one graph file format, on the revision last loaded or
  // saved; after someone else's save it stops and asks (useGraphSaver): nothing is overwritten.
  const graph = useMemo(() => toGraphFile(name.trim() || 'Untitled pipeline', nodes, edges), [name, nodes, edges]);
  const graphJson = JSON.stringify(graph);
  const debouncedJson = useDebounced(graphJson, 400);
  const lastSaved = useRef(editorJson(initial));
  const latestJson = useRef(graphJson);
  latestJson.current = graphJson;
  const isDirty = useCallback(() => latestJson.current !== lastSaved.current, []);
  const saver = useGraphSaver(graphId, loadedRevision, isDirty);
  const { persist, conflict } = saver;
  const saveNow = () => {
    lastSaved.current = graphJson;
    return persist(graph);
  };
  useEffect(() => {
    // Only a settled edit (not one a reload or restore just replaced), and nothing after a conflict until the user chooses.
    if (readOnly || conflict || debouncedJson !== graphJson || debouncedJson === lastSaved.current) return;
    lastSaved.current = debouncedJson;
    void persist(JSON.parse(debouncedJson) as GraphFile);
  }, [readOnly, conflict, debouncedJson, graphJson, persist]);
  // After a conflict the edits on screen are not saved: leaving the page warns.
  const unsaved = !readOnly && (graphJson !== lastSaved.current || saver.pending || conflict !== null);
  /** Puts a graph on the canvas (an undo, a paste…): `selected` names the steps selected after, or the selection stays. */
  const show = useCallback(
    (next: GraphFile, selected?: ReadonlySet<string>) => {
      setNodes((ns) => mergeNodes(ns, next, selected));
      setEdges((es) => mergeEdges(es, next));
      setName(next.name);
      if (selected) setSelectedId([...selected][0] ?? null);
      if (selected?.size) setTab('inspector');
    },
    [setNodes, setEdges],
  );
  const undoStack = useGraphHistory({ graph, settling: nodes.some((n) => n.dragging), enabled: !readOnly, show });
  const { reset, nextIsOwnStep } = undoStack;
  /**
   * Shows a graph as saved, local changes discarded: a restored version is one step to undo; a reload
   * (someone else's save) starts the history afresh, saying so in `cleared`.
   */
  const showSaved = (saved: GraphFile, cleared?: string) => {
    lastSaved.current = editorJson(saved);
    if (cleared) {
      reset(lastSaved.current);
      setHint(cleared);
    } else nextIsOwnStep();
    show(saved, new Set());
  };
  // Someone else saved: undoing would work on a pipeline that is not the one saved any more.
  const othersSaved = saver.othersChange !== null;
  useEffect(() => {
    if (!othersSaved) return;
    reset();
    setHint(UNDO_CLEARED);
  }, [othersSaved, reset]);
  const canvasMenu = useCanvasMenu({ wiring: { nodes, edges, kinds }, selectedId, enabled: !readOnly });
  const commands = useEditorCommands({
    nodes,
    edges,
    kinds,
    graph,
    show,
    enabled: !readOnly,
    pointer: canvasMenu.pointer,
    viewCenter: canvasMenu.viewCenter,
    undo: undoStack.undo,
    redo: undoStack.redo,
  });

  const reload = () => void saver.reload().then((saved) => showSaved(saved, UNDO_CLEARED));
  const compareParam = Number(useSearchParams().get('compare'));
  const [versionsOpen, setVersionsOpen] = useState(Number.isInteger(compareParam) && compareParam > 0);
  const closeVersions = useCallback(() => setVersionsOpen(false), []);
  const [diffMarks, setDiffMarks] = useState<Record<string, DiffMark>>({});
  const restoreVersion = useMutation(trpc.versions.restore.mutationOptions());
  const { mutateAsync: restore } = restoreVersion;
  const onRestore = async (versionId: number) => {
    const restored = await saver.enqueue((baseRevision) => restore({ id: graphId, versionId, baseRevision }));
    if (restored) showSaved(await saver.reload());
    return restored !== null;
  };
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (unsaved) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);

  // Compile on every edit: problems show on the nodes before anything runs.
  const check = useQuery({
    ...trpc.graphs.check.queryOptions({ graph: JSON.parse(debouncedJson) as GraphFile, graphId }),
    placeholderData: (previous) => previous,
  });
  const problems = useMemo(() => {
    const byNode: Record<string, NodeProblem[]> = {};
    for (const e of check.data?.errors ?? []) if (e.nodeId) (byNode[e.nodeId] ??= []).push(e);
    return byNode;
  }, [check.data]);
  const graphProblems = (check.data?.errors ?? []).filter((e) => !e.nodeId);

  // The latest run of this graph (so a reload mid-run shows it), or the one just started.
  const history = useQuery(trpc.runs.listForGraph.queryOptions({ graphId, limit: 1 }));
  const [runId, setRunId] = useState<string | null>(null);
  const shownRunId = runId ?? history.data?.[0]?.id ?? null;
  const run = useRun(shownRunId);
  const running = Boolean(run && !FINAL_RUN_STATUSES.has(run.status));
  const [startErrors, setStartErrors] = useState<string[]>([]);
  const startRun = useMutation(
    trpc.runs.start.mutationOptions({
      onSuccess: (result) => {
        if (result.ok) {
          setStartErrors([]);
          setRunId(result.runId);
          setTab('results');
        } else {
          setStartErrors(result.errors.map((e) => e.message));
        }
      },
      onError: (error) => setStartErrors([error.message]),
    }),
  );
  const cancelRun = useMutation(trpc.runs.cancel.mutationOptions());

  const runPipeline = (upTo?: string) => {
    // Save first so the server runs exactly what is on screen (refused after someone else's save: the banner says so).
    void saveNow().then((saved) => saved && startRun.mutate({ graphId, upTo }));
  };

  const isValidConnection: IsValidConnection = useCallback(
    (c) => connectionProblem(c as Connection, { nodes, edges, kinds }) === null,
    [nodes, edges, kinds],
  );
  const onConnect = (c: Connection) => {
    setHint(null);
    commands.connect(c);
  };
  const onConnectEnd = (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid || !state.fromHandle || !state.fromNode || readOnly) return;
    if (!state.toHandle || !state.toNode) {
      // A wire let go of on empty canvas: the steps that fit its end, to add there.
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if ((event.target as Element | null)?.classList.contains('react-flow__pane')) canvasMenu.openWire(state.fromNode.id, state.fromHandle, point);
      return;
    }
    const from = state.fromHandle.type === 'source' ? state : { fromNode: state.toNode, fromHandle: state.toHandle, toNode: state.fromNode, toHandle: state.fromHandle };
    const problem = connectionProblem(
      { source: from.fromNode!.id, sourceHandle: from.fromHandle!.id ?? null, target: from.toNode!.id, targetHandle: from.toHandle!.id ?? null },
      { nodes, edges, kinds },
    );
    if (problem) setHint(problem);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const type = event.dataTransfer.getData(DRAG_MIME);
    if (kinds.has(type)) commands.addStep(type, { at: screenToFlowPosition({ x: event.clientX, y: event.clientY }), near: null });
  };

  const selected = nodes.find((n) => n.id === selectedId);
  const selectedKind = selected ? kinds.get(selected.data.kind) : undefined;
  const selectedColumns = selected
    ? Object.values(check.data?.ports[selected.id]?.inputs ?? {}).find((p) => p?.table)?.table?.columns
    : undefined;
  const labelOf = (stepId: string) => {
    // Parts of an expanded node are "<nodeId>#<part>".
    const [nodeId, part] = stepId.split('#');
    const node = nodes.find((n) => n.id === nodeId);
    const label = node ? (kinds.get(node.data.kind)?.label ?? node.data.kind) : nodeId;
    return part ? `${label} (${part})` : label;
  };

  // After a run finishes, what is cached has changed: ask again which steps the next run needs.
  const runStatus = run?.status;
  useEffect(() => {
    if (runStatus && FINAL_RUN_STATUSES.has(runStatus)) void check.refetch();
  }, [runStatus]);
  const forecast = useMemo(() => (running ? {} : (check.data?.forecast ?? {})), [running, check.data]);
  const clearCache = useMutation(trpc.graphs.clearCache.mutationOptions({ onSuccess: () => void check.refetch() }));
  const forgetCached = (nodeId: string) => clearCache.mutate({ id: graphId, nodeId });
  // Recomputed on every canvas change (drags too), but kept as the same object unless a type changed.
  const passedTypesKey = JSON.stringify(passedOutputTypes({ nodes, edges, kinds }));
  const passedTypes = useMemo(() => JSON.parse(passedTypesKey) as Record<string, PortType>, [passedTypesKey]);
  const contextValue = useMemo(
    () => ({ graphId, kinds, portColors: catalog.portColors, passedTypes, problems, run, forecast, diffMarks }),
    [graphId, kinds, catalog.portColors, passedTypes, problems, run, forecast, diffMarks],
  );

  return (
    <EditorContext.Provider value={contextValue}>
      <div className="flex h-full">
        {!readOnly && <Palette kinds={catalog.nodes} onAdd={(type) => commands.addStep(type)} />}
        <div className="flex min-w-0 flex-1 flex-col">
          <div className="flex items-center gap-3 border-b border-slate-200 bg-white px-3 py-2">
            <input
              aria-label="Pipeline name"
              className="w-64 rounded border border-transparent px-2 py-1 text-sm font-medium hover:border-slate-300"
              value={name}
              readOnly={readOnly}
              onChange={(e) => setName(e.target.value)}
            />
            {readOnly ? (
              <span
                className="rounded bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700"
                title={
                  sharedWithYou
                    ? 'This pipeline is shared with you to look at: you can see it, its runs and results, but not change or run it.'
                    : "You are a viewer of this pipeline's workspace: you can look at it, its runs and results, but not change or run it."
                }
                data-testid="view-only"
              >
                View only
              </span>
            ) : (
              <span className="text-xs text-slate-500" data-testid="save-status">
                {conflict ? 'Not saved: someone else saved first' : saver.error ? `Not saved: ${saver.error}` : unsaved ? 'Saving…' : 'All changes saved'}
              </span>
            )}
            {!readOnly && (
              <EditButtons
                undoLabel={undoStack.undoLabel}
                redoLabel={undoStack.redoLabel}
                onUndo={undoStack.undo}
                onRedo={undoStack.redo}
                onConnect={selected ? () => canvasMenu.openConnect(selected.id) : null}
              />
            )}
            <div className="ml-auto flex items-center gap-2">
              <button
                type="button"
                aria-pressed={versionsOpen}
                className="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
                title="Every saved version of this pipeline: compare, restore"
                onClick={() => setVersionsOpen(!versionsOpen)}
              >
                Versions
              </button>
              {mayShare && <DuplicateButton graphId={graphId} label="Duplicate" className="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50" />}
              {mayShare && (
                <button type="button" className="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50" onClick={() => setSharing(true)}>
                  Share
                </button>
              )}
              {readOnly ? null : running ? (
                <button className="rounded border border-slate-300 px-3 py-1.5 text-sm" onClick={() => shownRunId && cancelRun.mutate({ runId: shownRunId })}>
                  Cancel
                </button>
              ) : null}
              {selected && !readOnly && (
                <button
                  className="rounded border border-slate-300 px-3 py-1.5 text-sm"
                  disabled={running || startRun.isPending}
                  onClick={() => runPipeline(selected.id)}
                  title="Run this step and the steps it needs"
                >
                  Run up to here
                </button>
              )}
              {!readOnly && (
                <button
                  className="rounded bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
                  disabled={running || startRun.isPending}
                  onClick={() => runPipeline()}
                >
                  {running ? 'Running…' : 'Run'}
                </button>
              )}
              <Link
                href={`/graphs/${graphId}/runs`}
                className="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
                title="Every run of this pipeline: results, parameters, two side by side"
                onClick={() => {
                  // Leaving before the debounced autosave: save what is on screen now.
                  if (!readOnly && !conflict && graphJson !== lastSaved.current) void saveNow();
                }}
              >
                Runs
              </Link>
              <ExportBundle graphId={graphId} />
            </div>
          </div>
          {sharedWithYou && <SharedBanner share={sharedWithYou} />}
          {conflict ? (
            <ChangedBanner message={conflict} conflict busy={saver.pending} onReload={reload}>
              <button type="button" disabled={saver.pending} className="rounded bg-indigo-600 px-3 py-1 font-medium text-white disabled:opacity-50" onClick={() => {
                  lastSaved.current = graphJson;
                  void saver.keepMine(graph);
                }}
              >
                Keep mine as a new version
              </button>
            </ChangedBanner>
          ) : (
            saver.othersChange && (
              <ChangedBanner message={`${saver.othersChange.by} changed this pipeline (${saver.othersChange.summary}).`} conflict={false} busy={false} onReload={reload}>
                <button type="button" className="rounded px-2 py-1 text-slate-600 hover:underline" onClick={saver.dismissOthersChange}>
                  Dismiss
                </button>
              </ChangedBanner>
            )
          )}
          {sharing && <ShareDialog graphId={graphId} pipelineName={graph.name} onClose={closeSharing} />}
          <div className="relative min-h-0 flex-1" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} {...canvasMenu.boxProps}>
            {(hint || startErrors.length > 0 || graphProblems.length > 0) && (
              <div className="pointer-events-none absolute inset-x-3 top-3 z-10 rounded border border-amber-200 bg-amber-50/95 px-3 py-1.5 text-xs text-amber-900 shadow-sm" role="status" data-testid="editor-hint">
                {hint && <div>{hint}</div>}
                {graphProblems.map((p, i) => (
                  <div key={i}>{p.message}</div>
                ))}
                {startErrors.length > 0 && <div>Cannot run yet: {startErrors.join(' · ')}</div>}
              </div>
            )}
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onConnectEnd={onConnectEnd}
              isValidConnection={isValidConnection}
              nodesDraggable={!readOnly}
              nodesConnectable={!readOnly}
              edgesReconnectable={!readOnly}
              onSelectionChange={({ nodes: sel }) => setSelectedId(sel[0]?.id ?? null)}
              multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
              onNodeContextMenu={(e, node) => {
                e.preventDefault();
                canvasMenu.openNode(node.id, e);
              }}
              onNodeClick={() => setTab('inspector')}
              deleteKeyCode={readOnly ? null : ['Backspace', 'Delete']}
              fitView={fitOnOpen}
              fitViewOptions={{ maxZoom: 1 }}
              proOptions={{ hideAttribution: true }}
            >
              <Background />
              <Controls />
            </ReactFlow>
            {canvasMenu.menu && (
              <CanvasMenus
                menu={canvasMenu.menu}
                wiring={{ nodes, edges, kinds }}
                commands={commands}
                runUpTo={running || startRun.isPending ? null : runPipeline}
                forgetCached={forgetCached}
                isCached={(id) => forecast[id]?.willRun === false}
                onOpen={canvasMenu.setMenu}
                onClose={canvasMenu.close}
              />
            )}
          </div>
        </div>
        {versionsOpen && (
          <VersionsPanel
            graphId={graphId}
            kinds={kinds}
            mayEdit={!readOnly}
            initialCompare={compareParam > 0 ? compareParam : null}
            onMarks={setDiffMarks}
            onRestore={onRestore}
            onClose={closeVersions}
          />
        )}
        <aside className="flex w-96 shrink-0 flex-col border-l border-slate-200 bg-white">
          <div className="flex border-b border-slate-200 text-sm">
            {(['inspector', 'results'] as const).map((t) => (
              <button
                key={t}
                className={`flex-1 px-3 py-2 capitalize ${tab === t ? 'border-b-2 border-indigo-600 font-medium' : 'text-slate-500'}`}
                onClick={() => setTab(t)}
              >
                {t}
              </button>
            ))}
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto p-3">
            {tab === 'inspector' ? (
              selected && selectedKind ? (
                <Inspector
                  readOnly={readOnly}
                  kind={selectedKind}
                  nodeId={selected.id}
                  params={selected.data.params}
                  columns={selectedColumns}
                  problems={problems[selected.id] ?? []}
                  onChange={(params) =>
                    setNodes((ns) => ns.map((n) => (n.id === selected.id ? { ...n, data: { ...n.data, params } } : n)))
                  }
                  forecast={forecast[selected.id]}
                  onClearCache={() => forgetCached(selected.id)}
                />
              ) : nodes.length === 0 && !readOnly ? (
                <div data-testid="empty-canvas-templates">
                  <h2 className="font-semibold">Start from a template</h2>
                  <p className="mb-3 text-sm text-slate-600">…or drag steps from the palette onto the canvas.</p>
                  <TemplateGallery
                    narrow
                    onUse={(t) => {
                      const canvas = toCanvas(t.graph);
                      setNodes(canvas.nodes);
                      setEdges(canvas.edges);
                      requestAnimationFrame(() => void fitView({ maxZoom: 1 }));
                    }}
                  />
                </div>
              ) : (
                <p className="text-sm text-slate-500">Select a step to see and change its settings.</p>
              )
            ) : (
              <RunPanel run={run} labelOf={labelOf} />
            )}
            {tab === 'inspector' && selected && run && ['done', 'cached'].includes(run.steps[selected.id]?.status ?? '') && (
              <OutputPreview runId={run.runId} nodeId={selected.id} mayDownload={!readOnly} />
            )}
          </div>
        </aside>
      </div>
    </EditorContext.Provider>
  );
}
