import type { PlanStep } from './compile';
import type { RunStatus, StepStatus } from './scheduler';

/** What a step's row can change to besides its status. */
export type StepFields = {
  progress?: number;
  message?: string;
  error?: string;
  errorDetails?: string;
  metrics?: string | null;
  startedAt?: number;
  finishedAt?: number;
  attempts?: number;
};

export type StepChange = StepFields & { status: StepStatus };

/** A run this process drives: its plan, where each step stands, and what is not yet written of it. */
export interface ActiveRun {
  runId: string;
  /** The workspace it runs in: what it saves and publishes is that workspace's. */
  workspaceId: string;
  graphId: string | null;
  plan: PlanStep[];
  status: Record<string, StepStatus>;
  /** Where each finished step's outputs lie (its cache key, or a per-run key for side effects). */
  outputKeys: Record<string, string>;
  taskIds: Record<string, string>;
  cancelled: boolean;
  /** Why the run stopped early: saving its progress failed (the disk is full…). It ends with this reason. */
  failure?: string;
  /** Step changes the database has not taken yet (after a failed write), written with the run's end. */
  unsaved: Map<string, StepChange>;
  /** Its end is being written (retried until it is: the disk may be full until someone frees space). */
  settling: boolean;
  finished: Promise<RunStatus>;
  finish(status: RunStatus): void;
}

/** A run about to be driven: steps not in `status` are pending. */
export function newActiveRun(runId: string, workspaceId: string, graphId: string | null, plan: PlanStep[], status: Record<string, StepStatus>): ActiveRun {
  let finish!: (status: RunStatus) => void;
  const finished = new Promise<RunStatus>((resolve) => (finish = resolve));
  return {
    runId,
    workspaceId,
    graphId,
    plan,
    status: Object.fromEntries(plan.map((s) => [s.nodeId, status[s.nodeId] ?? ('pending' as StepStatus)])),
    outputKeys: {},
    taskIds: {},
    cancelled: false,
    unsaved: new Map(),
    settling: false,
    finished,
    finish,
  };
}

/** Whether the step is still waiting for its queue's answer (not finished, failed, cancelled or stopped). */
export function inFlight(run: ActiveRun, step: PlanStep): boolean {
  const status = run.status[step.nodeId];
  return status === 'queued' || status === 'running';
}

/** Where a side-effect step's outputs lie: its own per-run key (it runs every time, so it is never cached). */
export const sideEffectKey = (cacheKey: string, runId: string) => `${cacheKey}-${runId.slice(0, 8)}`;

/** Where the step's outputs lie in this run. */
export function outputKeyOf(run: ActiveRun, step: PlanStep): string {
  return step.sideEffect ? sideEffectKey(step.cacheKey, run.runId) : step.cacheKey;
}
