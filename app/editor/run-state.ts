/** What the editor shows of a run, folded from the run's ordered event log (same in snapshot and live). */
export interface RunEvent {
  id: number;
  nodeId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  at: number;
}

export interface StepView {
  status: string;
  progress: number;
  message?: string;
  error?: string;
  metrics?: Record<string, unknown> | null;
}

export interface RunView {
  runId: string;
  status: string;
  backend?: string;
  error?: string;
  steps: Record<string, StepView>;
  curves: Record<string, { epoch: number; values: Record<string, number> }[]>;
  logs: { at: number; nodeId: string | null; message: string }[];
  lastEventId: number;
}

/** The stored run as runs.get returns it (only what the view is folded from). */
export interface RunSnapshot {
  run: { id: string; status: string };
  steps: { nodeId: string; status: string }[];
  events: RunEvent[];
}

export function initialRunView(runId: string, steps: RunSnapshot['steps']): RunView {
  return {
    runId,
    status: 'running',
    steps: Object.fromEntries(
      steps.map((s) => [s.nodeId, { status: 'pending', progress: 0 }]),
    ),
    curves: {},
    logs: [],
    lastEventId: 0,
  };
}

/** The view of a stored run: its events folded in order. */
export function runViewFromSnapshot(snapshot: RunSnapshot): RunView {
  const base = initialRunView(snapshot.run.id, snapshot.steps);
  return snapshot.events.reduce<RunView>((v, e) => applyRunEvent(v, e), { ...base, status: snapshot.run.status });
}

/** Applies one event; events at or below lastEventId were seen already and change nothing. */
export function applyRunEvent(view: RunView, event: RunEvent): RunView {
  if (event.id <= view.lastEventId) return view;
  const next: RunView = { ...view, lastEventId: event.id };
  const p = event.payload;
  const nodeId = event.nodeId;
  if (event.kind === 'run') {
    next.status = String(p.status);
    if (typeof p.backend === 'string') next.backend = p.backend;
    if (typeof p.error === 'string') next.error = p.error;
  } else if (event.kind === 'step' && nodeId) {
    const before = view.steps[nodeId] ?? { status: 'pending', progress: 0 };
    const metrics = typeof p.metrics === 'string' ? (JSON.parse(p.metrics) as Record<string, unknown>) : before.metrics;
    next.steps = {
      ...view.steps,
      [nodeId]: {
        status: String(p.status),
        progress: typeof p.progress === 'number' ? p.progress : before.progress,
        message: typeof p.message === 'string' ? p.message : before.message,
        error: typeof p.error === 'string' ? p.error : before.error,
        metrics,
      },
    };
  } else if (event.kind === 'progress' && nodeId) {
    const before = view.steps[nodeId] ?? { status: 'running', progress: 0 };
    next.steps = {
      ...view.steps,
      [nodeId]: { ...before, progress: Number(p.fraction), message: typeof p.message === 'string' ? p.message : before.message },
    };
  } else if (event.kind === 'epoch' && nodeId) {
    next.curves = { ...view.curves, [nodeId]: [...(view.curves[nodeId] ?? []), { epoch: Number(p.epoch), values: p.values as Record<string, number> }] };
  } else if (event.kind === 'log') {
    next.logs = [...view.logs, { at: event.at, nodeId, message: String(p.message) }];
  }
  return next;
}

export const FINAL_RUN_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
