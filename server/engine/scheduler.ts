import type { PlanStep } from './compile';

/** Pure ready-set scheduling over a plan: which steps may start, which must be skipped, when a run is over. */
export const STEP_STATUSES = ['pending', 'queued', 'running', 'done', 'cached', 'failed', 'skipped', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** A step that finished well (ran, or was reused from the cache): its outputs can be read. */
export const FINISHED_OK: ReadonlySet<StepStatus> = new Set(['done', 'cached']);
const ACTIVE: ReadonlySet<StepStatus> = new Set(['pending', 'queued', 'running']);

/** Pending steps whose every input comes from a finished step, in plan order. */
export function readySteps(plan: PlanStep[], status: Record<string, StepStatus>): PlanStep[] {
  return plan.filter(
    (step) => status[step.nodeId] === 'pending' && Object.values(step.inputs).every((src) => FINISHED_OK.has(status[src.nodeId])),
  );
}

/** Every not-yet-started step downstream of `nodeId` (to be marked skipped when it fails). */
export function downstreamOf(plan: PlanStep[], nodeId: string, status: Record<string, StepStatus>): string[] {
  const hit = new Set([nodeId]);
  const out: string[] = [];
  for (const step of plan) {
    if (Object.values(step.inputs).some((src) => hit.has(src.nodeId))) {
      hit.add(step.nodeId);
      if (status[step.nodeId] === 'pending') out.push(step.nodeId);
    }
  }
  return out;
}

export function isRunFinished(status: Record<string, StepStatus>): boolean {
  return Object.values(status).every((s) => !ACTIVE.has(s));
}

export function runOutcome(status: Record<string, StepStatus>): RunStatus {
  const values = Object.values(status);
  if (values.some((s) => s === 'cancelled')) return 'cancelled';
  if (values.some((s) => s === 'failed' || s === 'skipped')) return 'failed';
  return 'succeeded';
}
