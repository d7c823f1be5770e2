import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { and, eq, inArray, isNull, max } from 'drizzle-orm';
import type { GraphFile } from '../../lib/graph';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import type { Db } from '../db';
import { deployments, runEvents, runs, runSteps, stepCache } from '../../drizzle/schema';
import type { ArtifactStore } from './artifact-store';
import { compile, type CompileError, type PlanStep } from './compile';
import { TaskFailed, type LocalWorkerPool } from './local-pool';
import type { WorkerEvent, WorkerInfo } from './protocol';
import { downstreamOf, isRunFinished, readySteps, runOutcome, type RunStatus, type StepStatus } from './scheduler';

export type RunEventKind = 'run' | 'step' | 'progress' | 'epoch' | 'log';

interface ActiveRun {
  runId: string;
  graphId: string | null;
  plan: PlanStep[];
  status: Record<string, StepStatus>;
  /** Where each finished step's outputs lie (its cache key, or a per-run key for side effects). */
  outputKeys: Record<string, string>;
  taskIds: Record<string, string>;
  cancelled: boolean;
  finished: Promise<RunStatus>;
  finish(status: RunStatus): void;
}

export type StartResult = { ok: true; runId: string } | { ok: false; errors: CompileError[] };

/**
 * The I/O edge around the pure compiler and scheduler: persists every transition in SQLite,
 * dispatches ready steps to workers, reuses cached steps, and records deployments.
 */
export class Engine {
  /** Emits 'event' with the run id whenever a run event is persisted. */
  readonly events = new EventEmitter();
  private active = new Map<string, ActiveRun>();

  constructor(
    private readonly deps: {
      db: Db;
      store: ArtifactStore;
      pool: LocalWorkerPool;
      kinds: ReadonlyMap<string, NodeDefinition>;
      env: () => CompileEnv;
    },
  ) {
    this.events.setMaxListeners(0);
    this.markInterruptedRuns();
  }

  compile(graph: GraphFile, upTo?: string) {
    return compile(graph, this.deps.kinds, this.deps.env(), { upTo });
  }

  async start(graph: GraphFile, options: { graphId?: string; upTo?: string } = {}): Promise<StartResult> {
    const compiled = this.compile(graph, options.upTo);
    if (!compiled.ok) return { ok: false, errors: compiled.errors };
    const { db } = this.deps;
    const runId = randomUUID();
    const now = Date.now();
    db.transaction((tx) => {
      tx.insert(runs)
        .values({ id: runId, graphId: options.graphId ?? null, document: JSON.stringify(graph), status: 'running', ownerPid: process.pid, startedAt: now })
        .run();
      for (const step of compiled.plan) {
        tx.insert(runSteps).values({ runId, nodeId: step.nodeId, nodeType: step.type, status: 'pending', cacheKey: step.cacheKey }).run();
      }
    });
    let finish!: (status: RunStatus) => void;
    const finished = new Promise<RunStatus>((resolve) => (finish = resolve));
    const run: ActiveRun = {
      runId,
      graphId: options.graphId ?? null,
      plan: compiled.plan,
      status: Object.fromEntries(compiled.plan.map((s) => [s.nodeId, 'pending' as StepStatus])),
      outputKeys: {},
      taskIds: {},
      cancelled: false,
      finished,
      finish,
    };
    this.active.set(runId, run);
    const backends = [...new Set((await this.deps.pool.ready()).map((w) => w.backend))].join(', ');
    db.update(runs).set({ backend: backends }).where(eq(runs.id, runId)).run();
    this.emit(runId, null, 'run', { status: 'running', backend: backends });
    this.emit(runId, null, 'log', { message: `Workers use the TensorFlow.js backend: ${backends}.` });
    this.advance(run);
    return { ok: true, runId };
  }

  /** Resolves with the run's final status (CLI and tests). */
  waitFor(runId: string): Promise<RunStatus> {
    const run = this.active.get(runId);
    if (run) return run.finished;
    const row = this.deps.db.select({ status: runs.status }).from(runs).where(eq(runs.id, runId)).get();
    return Promise.resolve((row?.status ?? 'failed') as RunStatus);
  }

  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    run.cancelled = true;
    for (const step of run.plan) {
      const s = run.status[step.nodeId];
      if (s === 'pending') this.setStep(run, step.nodeId, 'cancelled', { message: 'Cancelled before it started.' });
      else if (s === 'queued' || s === 'running') this.deps.pool.cancel(run.taskIds[step.nodeId]);
    }
    this.maybeFinish(run);
    return true;
  }

  private advance(run: ActiveRun): void {
    if (run.cancelled) return this.maybeFinish(run);
    for (const step of readySteps(run.plan, run.status)) {
      if (!step.sideEffect && this.isCached(step.cacheKey)) {
        const cached = this.deps.db.select().from(stepCache).where(eq(stepCache.cacheKey, step.cacheKey)).get();
        run.outputKeys[step.nodeId] = step.cacheKey;
        this.setStep(run, step.nodeId, 'cached', { progress: 1, metrics: cached?.metrics ?? null, message: 'Unchanged since an earlier run: reused.' });
        continue;
      }
      this.dispatch(run, step);
    }
    // Cached steps may have made more steps ready.
    if (readySteps(run.plan, run.status).length > 0) return this.advance(run);
    this.maybeFinish(run);
  }

  private isCached(cacheKey: string): boolean {
    const row = this.deps.db.select({ key: stepCache.cacheKey }).from(stepCache).where(eq(stepCache.cacheKey, cacheKey)).get();
    return Boolean(row) && this.deps.store.has(cacheKey);
  }

  private dispatch(run: ActiveRun, step: PlanStep): void {
    const taskId = randomUUID();
    const outputKey = step.sideEffect ? `${step.cacheKey}-${run.runId.slice(0, 8)}` : step.cacheKey;
    run.taskIds[step.nodeId] = taskId;
    this.setStep(run, step.nodeId, 'queued', {});
    const inputs = Object.fromEntries(
      Object.entries(step.inputs).map(([port, src]) => [port, { key: run.outputKeys[src.nodeId], port: src.port }]),
    );
    const handlers = {
      onStart: (worker: WorkerInfo) => this.setStep(run, step.nodeId, 'running', { startedAt: Date.now(), message: `on worker ${worker.pid} (${worker.backend})` }),
      onEvent: (event: WorkerEvent) => this.onWorkerEvent(run, step, event),
    };
    this.deps.pool
      .run({ taskId, runId: run.runId, nodeId: step.nodeId, type: step.type, params: step.params, inputs, outputKey }, handlers)
      .then(({ summary }) => {
        run.outputKeys[step.nodeId] = outputKey;
        if (step.type === 'deploy.deploy') summary = { ...summary, version: this.recordDeployment(run, step, outputKey) };
        const metrics = summary ? JSON.stringify(summary) : null;
        if (!step.sideEffect) {
          this.deps.db.insert(stepCache).values({ cacheKey: step.cacheKey, nodeType: step.type, metrics }).onConflictDoNothing().run();
        }
        this.setStep(run, step.nodeId, 'done', { progress: 1, metrics, finishedAt: Date.now() });
        if (step.type === 'evaluate.evaluate' && metrics) this.attachEvaluation(run, step, metrics);
      })
      .catch((error: Error) => {
        if (run.cancelled) {
          this.setStep(run, step.nodeId, 'cancelled', { message: 'Cancelled.', finishedAt: Date.now() });
        } else {
          const details = error instanceof TaskFailed ? error.details : (error.stack ?? error.message);
          this.setStep(run, step.nodeId, 'failed', { error: error.message, errorDetails: details, finishedAt: Date.now() });
          for (const nodeId of downstreamOf(run.plan, step.nodeId, run.status)) {
            this.setStep(run, nodeId, 'skipped', { message: 'Skipped because a step before it failed.' });
          }
        }
      })
      .finally(() => this.advance(run));
  }

  private onWorkerEvent(run: ActiveRun, step: PlanStep, event: WorkerEvent): void {
    const { db } = this.deps;
    if (event.type === 'progress') {
      db.update(runSteps)
        .set({ progress: event.fraction, message: event.message ?? null })
        .where(and(eq(runSteps.runId, run.runId), eq(runSteps.nodeId, step.nodeId)))
        .run();
      this.emit(run.runId, step.nodeId, 'progress', { fraction: event.fraction, message: event.message });
    } else if (event.type === 'epoch') {
      this.emit(run.runId, step.nodeId, 'epoch', { epoch: event.epoch, values: event.values });
    } else {
      this.emit(run.runId, step.nodeId, 'log', { message: event.message });
    }
  }

  private recordDeployment(run: ActiveRun, step: PlanStep, artifactKey: string): number {
    const { db } = this.deps;
    const name = String(step.params.modelName);
    // Deploy and Evaluate both wait only on Train, so the evaluation may still be running: then
    // attachEvaluation fills the metrics in when it finishes.
    const evaluation = evaluationOf(run.plan, step);
    const evaluated = evaluation && (run.status[evaluation.nodeId] === 'done' || run.status[evaluation.nodeId] === 'cached');
    const metricsRow = evaluated
      ? db.select({ metrics: runSteps.metrics }).from(runSteps).where(and(eq(runSteps.runId, run.runId), eq(runSteps.nodeId, evaluation.nodeId))).get()
      : undefined;
    const version = db.transaction((tx) => {
      const latest = tx.select({ v: max(deployments.version) }).from(deployments).where(eq(deployments.name, name)).get();
      const next = (latest?.v ?? 0) + 1;
      tx.insert(deployments)
        .values({ name, version: next, artifactKey, runId: run.runId, nodeId: step.nodeId, graphId: run.graphId, metrics: metricsRow?.metrics ?? null })
        .run();
      return next;
    });
    this.emit(run.runId, step.nodeId, 'log', { message: `Published "${name}" version ${version} at /api/v1/models/${name}/predict.` });
    return version;
  }

  /** An Evaluate step finished after the Deploy of the same trained model: give the deployment its metrics. */
  private attachEvaluation(run: ActiveRun, evaluation: PlanStep, metrics: string): void {
    for (const step of run.plan) {
      if (step.type !== 'deploy.deploy' || evaluationOf(run.plan, step) !== evaluation) continue;
      this.deps.db
        .update(deployments)
        .set({ metrics })
        .where(and(eq(deployments.runId, run.runId), eq(deployments.nodeId, step.nodeId), isNull(deployments.metrics)))
        .run();
    }
  }

  private setStep(
    run: ActiveRun,
    nodeId: string,
    status: StepStatus,
    fields: { progress?: number; message?: string; error?: string; errorDetails?: string; metrics?: string | null; startedAt?: number; finishedAt?: number },
  ): void {
    run.status[nodeId] = status;
    this.deps.db
      .update(runSteps)
      .set({ status, ...fields })
      .where(and(eq(runSteps.runId, run.runId), eq(runSteps.nodeId, nodeId)))
      .run();
    this.emit(run.runId, nodeId, 'step', { status, ...fields, errorDetails: undefined });
  }

  private maybeFinish(run: ActiveRun): void {
    if (!isRunFinished(run.status) || !this.active.has(run.runId)) return;
    this.active.delete(run.runId);
    const status = runOutcome(run.status);
    this.deps.db.update(runs).set({ status, finishedAt: Date.now() }).where(eq(runs.id, run.runId)).run();
    this.emit(run.runId, null, 'run', { status });
    run.finish(status);
  }

  private emit(runId: string, nodeId: string | null, kind: RunEventKind, payload: Record<string, unknown>): void {
    this.deps.db.insert(runEvents).values({ runId, nodeId, kind, payload: JSON.stringify(payload) }).run();
    this.events.emit('event', runId);
  }

  /** A run whose owning process is gone (a server restart, a killed CLI) can never finish: say so plainly. */
  private markInterruptedRuns(): void {
    const { db } = this.deps;
    const unfinished = db.select({ id: runs.id, ownerPid: runs.ownerPid }).from(runs).where(inArray(runs.status, ['running', 'queued'])).all();
    for (const { id } of unfinished.filter((r) => !isAlive(r.ownerPid))) {
      const reason = 'The server stopped while this run was in progress. Run it again: finished steps are reused from the cache.';
      db.update(runs).set({ status: 'interrupted', error: reason, finishedAt: Date.now() }).where(eq(runs.id, id)).run();
      db.update(runSteps)
        .set({ status: 'cancelled', message: 'Interrupted by a server restart.' })
        .where(and(eq(runSteps.runId, id), inArray(runSteps.status, ['pending', 'queued', 'running'])))
        .run();
      this.emit(id, null, 'run', { status: 'interrupted', error: reason });
    }
  }
}

/** The Evaluate step judging the trained model that a Deploy step publishes (same upstream output). */
function evaluationOf(plan: PlanStep[], deploy: PlanStep): PlanStep | undefined {
  const source = deploy.inputs.model;
  return plan.find(
    (s) => s.type === 'evaluate.evaluate' && s.inputs.model?.nodeId === source?.nodeId && s.inputs.model?.port === source?.port,
  );
}

function isAlive(pid: number | null): boolean {
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
