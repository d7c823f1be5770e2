import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { and, asc, desc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import { z } from 'zod';
import { graphSchema, type GraphFile } from '../../lib/graph';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import { deployments, models, runEvents, runs, runSteps, stepCache } from '../../drizzle/schema';
import type { Db } from '../db';
import type { ArtifactStore } from './artifact-store';
import { compile, type CompileError, type PlanStep, type StepSignature } from './compile';
import { forecastStep, type StepForecast } from './explain';
import { attachModelEvaluation, deleteSavedModel, deploySavedModel, publishVersion, recordSavedModel } from './saved-models';
import { executeStep } from './execute-step';
import { DISK_FULL_MESSAGE, isDiskFull, publicErrorMessage } from '../errors';
import { DiskReserve } from './disk-reserve';
import { TaskFailed, type StepQueue, type StepTask, type TaskHandlers, type TaskResult, type WorkerEvent, type WorkerInfo } from './protocol';
import { downstreamOf, isRunFinished, readySteps, runOutcome, type RunStatus, type StepStatus } from './scheduler';

export type RunEventKind = 'run' | 'step' | 'progress' | 'epoch' | 'log';

export interface EngineSettings {
  /** A step running longer is stopped (PIPELOOM_STEP_TIMEOUT_S). */
  stepTimeoutMs: number;
  /** Runs of a step whose worker dies, counting the first (PIPELOOM_STEP_ATTEMPTS). */
  maxAttempts: number;
  /** Cached step outputs beyond this size are collected, least recently used first (PIPELOOM_ARTIFACT_CAP_MB). */
  artifactCapBytes: number;
}

interface ActiveRun {
  runId: string;
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
  unsaved: Map<string, StepFields & { status: StepStatus }>;
  /** Its end is being written (retried until it is: the disk may be full until someone frees space). */
  settling: boolean;
  finished: Promise<RunStatus>;
  finish(status: RunStatus): void;
}

type StepFields = {
  progress?: number;
  message?: string;
  error?: string;
  errorDetails?: string;
  metrics?: string | null;
  startedAt?: number;
  finishedAt?: number;
  attempts?: number;
};

export type StartResult = { ok: true; runId: string } | { ok: false; errors: CompileError[] };

const FINISHED_OK = new Set<StepStatus>(['done', 'cached']);
/** A temporary file untouched this long was left by a writer that failed or was killed. */
const TEMP_GRACE_MS = 10 * 60_000;
/** How often the end of a run is written again while the database refuses it. */
const SETTLE_RETRY_MS = 2000;

/** Where a side-effect step's outputs lie: its own per-run key (it runs every time, so it is never cached). */
const sideEffectKey = (cacheKey: string, runId: string) => `${cacheKey}-${runId.slice(0, 8)}`;

/** Whether the step is still waiting for its queue's answer (not finished, failed, cancelled or stopped). */
function inFlight(run: ActiveRun, step: PlanStep): boolean {
  const status = run.status[step.nodeId];
  return status === 'queued' || status === 'running';
}

/** A database (or disk) failure rather than a failed step: the run's records cannot be trusted to be written. */
function isStorageFailure(error: unknown): boolean {
  return !(error instanceof TaskFailed) && (isDiskFull(error) || (error instanceof Error && error.name === 'SqliteError'));
}

/** How inline steps appear in the run log. */
const ENGINE_AS_WORKER: WorkerInfo = {
  id: 'engine',
  host: os.hostname(),
  pid: process.pid,
  backend: 'none (runs in the engine)',
  cores: 1,
  memoryMb: 0,
  gpu: null,
  tags: ['inline'],
};

/**
 * The I/O edge around the pure compiler and scheduler: persists every transition in SQLite,
 * sends ready steps to the queue (local workers or BullMQ), reuses cached steps, records
 * deployments, and collects old artifacts.
 */
export class Engine {
  /** Emits 'event' with the run id whenever a run event is persisted. */
  readonly events = new EventEmitter();
  private active = new Map<string, ActiveRun>();
  private readonly reserve: DiskReserve;

  constructor(
    private readonly deps: {
      db: Db;
      store: ArtifactStore;
      queue: StepQueue;
      kinds: ReadonlyMap<string, NodeDefinition>;
      env: () => CompileEnv;
      settings: EngineSettings;
    },
  ) {
    this.events.setMaxListeners(0);
    const dbFile = deps.db.$client.name;
    this.reserve = new DiskReserve(dbFile && dbFile !== ':memory:' ? path.join(path.dirname(dbFile), '.pipeloom-disk-reserve') : null);
  }

  get queue(): StepQueue {
    return this.deps.queue;
  }

  compile(graph: GraphFile, upTo?: string) {
    return compile(graph, this.deps.kinds, this.deps.env(), { upTo });
  }

  async start(graph: GraphFile, options: { graphId?: string; upTo?: string } = {}): Promise<StartResult> {
    const compiled = this.compile(graph, options.upTo);
    if (!compiled.ok) return { ok: false, errors: compiled.errors };
    const runId = randomUUID();
    this.reserve.ensure();
    this.deps.db.transaction((tx) => {
      tx.insert(runs)
        .values({ id: runId, graphId: options.graphId ?? null, document: JSON.stringify(graph), status: 'running', ownerPid: process.pid, startedAt: Date.now() })
        .run();
      for (const step of compiled.plan) {
        tx.insert(runSteps)
          .values({ runId, nodeId: step.nodeId, nodeType: step.type, status: 'pending', cacheKey: step.cacheKey, signature: JSON.stringify(step.signature) })
          .run();
      }
    });
    const run = this.activate(runId, options.graphId ?? null, compiled.plan, {});
    this.emit(run, null, 'run', { status: 'running', mode: this.deps.queue.mode });
    this.advance(run);
    return { ok: true, runId };
  }

  private activate(runId: string, graphId: string | null, plan: PlanStep[], status: Record<string, StepStatus>): ActiveRun {
    let finish!: (status: RunStatus) => void;
    const finished = new Promise<RunStatus>((resolve) => (finish = resolve));
    const run: ActiveRun = {
      runId,
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
    this.active.set(runId, run);
    return run;
  }

  /** Resolves with the run's final status (CLI and tests). */
  waitFor(runId: string): Promise<RunStatus> {
    const run = this.active.get(runId);
    if (run) return run.finished;
    const row = this.deps.db.select({ status: runs.status }).from(runs).where(eq(runs.id, runId)).get();
    return Promise.resolve((row?.status ?? 'failed') as RunStatus);
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /**
   * Cancels a run; it always wins: pending steps stop now, running ones are stopped by their queue
   * (which gives up on them within its bound, Redis away or not), and the cancel is recorded so a
   * server restart never resumes the run. False when the run is not in progress here (or already ending).
   */
  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (!run || run.settling) return false;
    run.cancelled = true;
    this.write(run, () => this.deps.db.update(runs).set({ cancelRequestedAt: Date.now() }).where(eq(runs.id, runId)).run());
    for (const step of run.plan) {
      const s = run.status[step.nodeId];
      if (s === 'pending') this.setStep(run, step.nodeId, 'cancelled', { message: 'Cancelled before it started.' });
      else if (s === 'queued' || s === 'running') this.deps.queue.cancel(run.taskIds[step.nodeId]);
    }
    this.maybeFinish(run);
    return true;
  }

  /** For each step of the graph: will it run, and why (or is it reused from the cache)? */
  forecast(graph: GraphFile, graphId: string | undefined): Record<string, StepForecast> {
    const compiled = this.compile(graph);
    if (!compiled.ok) return {};
    const labels = new Map(graph.nodes.map((n) => [n.id, this.deps.kinds.get(n.type)?.label ?? n.type]));
    const previous = graphId ? this.lastSignatures(graphId) : new Map<string, StepSignature>();
    const forecast: Record<string, StepForecast> = {};
    for (const step of compiled.plan) {
      forecast[step.nodeId] = forecastStep(step, this.isCached(step.cacheKey), previous.get(step.nodeId) ?? null, {
        paramTitle: (type, key) => paramTitle(this.deps.kinds.get(type), key),
        nodeLabel: (nodeId) => labels.get(nodeId) ?? nodeId,
      });
    }
    return forecast;
  }

  /** The signature each node had in the newest run of the graph that planned it. */
  private lastSignatures(graphId: string): Map<string, StepSignature> {
    const rows = this.deps.db
      .select({ nodeId: runSteps.nodeId, signature: runSteps.signature })
      .from(runSteps)
      .innerJoin(runs, eq(runs.id, runSteps.runId))
      .where(eq(runs.graphId, graphId))
      .orderBy(desc(runs.createdAt))
      .all();
    const out = new Map<string, StepSignature>();
    for (const row of rows) if (row.signature && !out.has(row.nodeId)) out.set(row.nodeId, JSON.parse(row.signature) as StepSignature);
    return out;
  }

  /** Forgets a node's cached outputs (and its parts'), so the next run computes them again. */
  clearCache(graph: GraphFile, nodeId: string): { cleared: number } {
    const compiled = this.compile(graph, nodeId);
    if (!compiled.ok) return { cleared: 0 };
    const keys = compiled.plan.filter((s) => s.nodeId === nodeId || s.partOf === nodeId).map((s) => s.cacheKey);
    // A saved model keeps its files (the next run trains again, and the saved files stay the result).
    const saved = new Set(this.deps.db.select({ id: models.id }).from(models).where(inArray(models.id, keys)).all().map((m) => m.id));
    for (const key of keys) if (!saved.has(key)) this.deps.store.remove(key);
    const removed = this.deps.db.delete(stepCache).where(inArray(stepCache.cacheKey, keys)).run();
    return { cleared: removed.changes };
  }

  private advance(run: ActiveRun): void {
    if (run.cancelled || run.failure) return this.maybeFinish(run);
    let ready = readySteps(run.plan, run.status);
    while (ready.length > 0 && !run.failure) {
      for (const step of ready) {
        if (run.failure) break;
        if (!step.sideEffect && this.isCached(step.cacheKey)) {
          const cached = this.deps.db.select().from(stepCache).where(eq(stepCache.cacheKey, step.cacheKey)).get();
          this.write(run, () => this.deps.db.update(stepCache).set({ lastUsedAt: Date.now() }).where(eq(stepCache.cacheKey, step.cacheKey)).run());
          run.outputKeys[step.nodeId] = step.cacheKey;
          this.setStep(run, step.nodeId, 'cached', { progress: 1, metrics: cached?.metrics ?? null, message: 'Unchanged since an earlier run: reused.' });
          this.afterStep(run, step, cached?.metrics ?? null);
        } else {
          this.dispatch(run, step);
        }
      }
      // Cached steps may have made more steps ready.
      ready = readySteps(run.plan, run.status);
    }
    this.maybeFinish(run);
  }

  private isCached(cacheKey: string): boolean {
    const row = this.deps.db.select({ key: stepCache.cacheKey }).from(stepCache).where(eq(stepCache.cacheKey, cacheKey)).get();
    return Boolean(row) && this.deps.store.has(cacheKey);
  }

  private outputKeyOf(run: ActiveRun, step: PlanStep): string {
    return step.sideEffect ? sideEffectKey(step.cacheKey, run.runId) : step.cacheKey;
  }

  private dispatch(run: ActiveRun, step: PlanStep): void {
    const { settings, queue, db } = this.deps;
    const taskId = randomUUID();
    const outputKey = this.outputKeyOf(run, step);
    run.taskIds[step.nodeId] = taskId;
    this.setStep(run, step.nodeId, 'queued', {});
    const kind = this.deps.kinds.get(step.type);
    const inputs = {
      ...kind?.reads?.(step.params),
      ...Object.fromEntries(Object.entries(step.inputs).map(([port, src]) => [port, { key: run.outputKeys[src.nodeId], port: src.port }])),
    };
    let attempts = 0;
    const handlers = {
      onStart: (worker: WorkerInfo) => {
        // A start reported after the step was cancelled (or the run stopped) changes nothing.
        if (!inFlight(run, step)) return;
        attempts++;
        const where = `${worker.host} pid ${worker.pid}, ${worker.backend}${worker.gpu ? `, ${worker.gpu}` : ''}`;
        this.setStep(run, step.nodeId, 'running', { startedAt: Date.now(), message: `on worker ${where}`, attempts });
        if (worker !== ENGINE_AS_WORKER) {
          let first = false;
          this.write(run, () => (first = db.update(runs).set({ backend: worker.backend }).where(and(eq(runs.id, run.runId), isNull(runs.backend))).run().changes > 0));
          if (first) this.emit(run, null, 'run', { status: 'running', backend: worker.backend });
        }
        this.emit(run, step.nodeId, 'log', { message: `Started on worker ${where}${attempts > 1 ? ` (attempt ${attempts})` : ''}.` });
      },
      onEvent: (event: WorkerEvent) => this.onWorkerEvent(run, step, event),
    };
    const task = {
      taskId,
      runId: run.runId,
      nodeId: step.nodeId,
      type: step.type,
      params: step.params,
      inputs,
      outputKey,
      mode: step.mode,
      wants: { gpu: step.wantsGpu },
      timeoutMs: settings.stepTimeoutMs,
      maxAttempts: settings.maxAttempts,
    };
    const execution = kind?.inline ? this.runInline(kind, task, handlers) : queue.run(task, handlers);
    execution
      .then(({ summary }) => {
        // A queue may report a step twice (a retried job finishing late), or after a cancel: only the first counts.
        if (!inFlight(run, step)) return;
        run.outputKeys[step.nodeId] = outputKey;
        if (step.type === 'deploy.deploy') summary = { ...summary, version: this.recordDeployment(run, step, outputKey) };
        const metrics = summary ? JSON.stringify(summary) : null;
        if (!step.sideEffect) {
          const sizeBytes = this.deps.store.sizeOf(outputKey);
          this.write(run, () =>
            db.insert(stepCache).values({ cacheKey: step.cacheKey, nodeType: step.type, metrics, sizeBytes, lastUsedAt: Date.now() }).onConflictDoNothing().run(),
          );
        }
        this.setStep(run, step.nodeId, 'done', { progress: 1, metrics, finishedAt: Date.now() });
        if (step.type === 'evaluate.evaluate' && metrics) this.attachEvaluation(run, step, metrics);
        this.afterStep(run, step, metrics);
      })
      .catch((error: Error) => {
        if (!inFlight(run, step)) return;
        // Recording the result failed (the disk is full): the run stops, not just this step.
        if (isStorageFailure(error)) return this.storageFailed(run, error);
        if (run.cancelled) {
          this.setStep(run, step.nodeId, 'cancelled', { message: 'Cancelled.', finishedAt: Date.now() });
          return;
        }
        // The message is for the person who ran it; the details (a stack) stay in the database and the server log.
        const details = error instanceof TaskFailed ? error.details : (error.stack ?? error.message);
        const message = error instanceof TaskFailed ? error.message : publicErrorMessage(error);
        console.error(`Pipeloom: step ${step.nodeId} of run ${run.runId} failed: ${message}\n${details}`);
        this.setStep(run, step.nodeId, 'failed', { error: message, errorDetails: details, finishedAt: Date.now() });
        for (const nodeId of downstreamOf(run.plan, step.nodeId, run.status)) {
          this.setStep(run, nodeId, 'skipped', { message: 'Skipped because a step before it failed.' });
        }
      })
      .finally(() => this.advance(run));
  }

  /**
   * One step outside any run (ingesting an upload), on a worker like any other step; resolves with
   * its summary once its outputs are in the artifact store under `outputKey`.
   */
  runDetached(type: string, params: Record<string, unknown>, outputKey: string): Promise<Record<string, unknown> | null> {
    const taskId = randomUUID();
    return this.deps.queue
      .run(
        {
          taskId,
          runId: 'detached',
          nodeId: type,
          type,
          params,
          inputs: {},
          outputKey,
          mode: 'node',
          wants: { gpu: false },
          timeoutMs: this.deps.settings.stepTimeoutMs,
          maxAttempts: 1,
        },
        { onStart: () => undefined, onEvent: () => undefined },
      )
      .then((result) => result.summary);
  }

  /** Light steps (deploy) run here, in the engine's process: no worker to wait for. */
  private async runInline(kind: NodeDefinition, task: StepTask, handlers: TaskHandlers): Promise<TaskResult> {
    handlers.onStart(ENGINE_AS_WORKER);
    try {
      return { summary: await executeStep(kind, task, this.deps.store, handlers.onEvent, new AbortController().signal) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      throw new TaskFailed(publicErrorMessage(err), err.stack ?? err.message);
    }
  }

  private onWorkerEvent(run: ActiveRun, step: PlanStep, event: WorkerEvent): void {
    // A worker still winding down after a cancel reports nothing more.
    if (!inFlight(run, step)) return;
    if (event.type === 'progress') {
      this.write(run, () =>
        this.deps.db
          .update(runSteps)
          .set({ progress: event.fraction, message: event.message ?? null })
          .where(and(eq(runSteps.runId, run.runId), eq(runSteps.nodeId, step.nodeId)))
          .run(),
      );
      this.emit(run, step.nodeId, 'progress', { fraction: event.fraction, message: event.message });
    } else if (event.type === 'epoch') {
      this.emit(run, step.nodeId, 'epoch', { epoch: event.epoch, values: event.values });
    } else {
      this.emit(run, step.nodeId, 'log', { message: event.message });
    }
  }

  /** A step finished or was reused: save the trained model it made; link an evaluation to the saved model it judged. */
  private afterStep(run: ActiveRun, step: PlanStep, metrics: string | null): void {
    try {
      const saved = recordSavedModel(this.deps.db, this.deps.store, this.deps.kinds, run, step);
      if (saved) this.emit(run, step.nodeId, 'log', { message: `Saved the trained model (${saved.slice(0, 8)}…): the Models page lists it.` });
      if (step.type === 'evaluate.evaluate' && metrics) attachModelEvaluation(this.deps.db, run, step, metrics);
    } catch (error) {
      if (isStorageFailure(error)) return this.storageFailed(run, error);
      this.emit(run, step.nodeId, 'log', { message: `The trained model could not be saved: ${publicErrorMessage(error)}` });
    }
  }

  /** Publishes a saved model under `name` as the Deploy step would (next version); null when there is no such saved model. */
  deploySavedModel(id: string, name: string): Promise<{ name: string; version: number } | null> {
    return deploySavedModel(this.deps.db, this.deps.store, id, name);
  }

  /** Deletes a saved model, releasing its artifact to the garbage collection; false when there is no such model. */
  deleteSavedModel(id: string): boolean {
    return deleteSavedModel(this.deps.db, this.deps.store, id, this.keysInUse());
  }

  /** Artifacts the active runs use: their steps' outputs and what their steps read besides (a saved model to start from). */
  private keysInUse(): Set<string> {
    const inUse = new Set<string>();
    for (const run of this.active.values()) {
      for (const step of run.plan) {
        inUse.add(step.cacheKey);
        for (const read of Object.values(this.deps.kinds.get(step.type)?.reads?.(step.params) ?? {})) inUse.add(read.key);
      }
    }
    return inUse;
  }

  private recordDeployment(run: ActiveRun, step: PlanStep, artifactKey: string): number {
    const { db } = this.deps;
    const name = String(step.params.modelName);
    // Deploy and Evaluate both wait only on Train, so the evaluation may still be running: then
    // attachEvaluation fills the metrics in when it finishes.
    const evaluation = evaluationOf(run.plan, step);
    const evaluated = evaluation && FINISHED_OK.has(run.status[evaluation.nodeId]);
    const metricsRow = evaluated
      ? db.select({ metrics: runSteps.metrics }).from(runSteps).where(and(eq(runSteps.runId, run.runId), eq(runSteps.nodeId, evaluation.nodeId))).get()
      : undefined;
    const version = publishVersion(db, { name, artifactKey, runId: run.runId, nodeId: step.nodeId, graphId: run.graphId, metrics: metricsRow?.metrics ?? null });
    this.emit(run, step.nodeId, 'log', { message: `Published "${name}" version ${version} at /api/v1/models/${name}/predict.` });
    return version;
  }

  /** An Evaluate step finished after the Deploy of the same trained model: give the deployment its metrics. */
  private attachEvaluation(run: ActiveRun, evaluation: PlanStep, metrics: string): void {
    for (const step of run.plan) {
      if (step.type !== 'deploy.deploy' || evaluationOf(run.plan, step) !== evaluation) continue;
      this.write(run, () =>
        this.deps.db
          .update(deployments)
          .set({ metrics })
          .where(and(eq(deployments.runId, run.runId), eq(deployments.nodeId, step.nodeId), isNull(deployments.metrics)))
          .run(),
      );
    }
  }

  private setStep(run: ActiveRun, nodeId: string, status: StepStatus, fields: StepFields): void {
    run.status[nodeId] = status;
    const change = { status, ...fields };
    // Noted first: if the write fails, the run's end writes it (storageFailed may override it).
    run.unsaved.set(nodeId, change);
    if (this.write(run, () => this.updateStep(run.runId, nodeId, change))) run.unsaved.delete(nodeId);
    this.emit(run, nodeId, 'step', { ...change, errorDetails: undefined });
  }

  private updateStep(runId: string, nodeId: string, change: StepFields & { status: StepStatus }): void {
    this.deps.db
      .update(runSteps)
      .set(change)
      .where(and(eq(runSteps.runId, runId), eq(runSteps.nodeId, nodeId)))
      .run();
  }

  private maybeFinish(run: ActiveRun): void {
    if (!isRunFinished(run.status) || run.settling) return;
    this.settle(run);
  }

  /** Appends a run event and wakes its subscribers. */
  private emit(run: ActiveRun, nodeId: string | null, kind: RunEventKind, payload: Record<string, unknown>): void {
    if (this.write(run, () => this.insertEvent(run.runId, nodeId, kind, payload))) this.events.emit('event', run.runId);
  }

  private insertEvent(runId: string, nodeId: string | null, kind: RunEventKind, payload: Record<string, unknown>): void {
    this.deps.db.insert(runEvents).values({ runId, nodeId, kind, payload: JSON.stringify(payload) }).run();
  }

  /**
   * One database write for an active run. When it fails (the disk is full, the database cannot be
   * written) the run stops with the reason instead of the error escaping into a queue's callback;
   * after that nothing more is written for the run but its end. False when nothing was written.
   */
  private write(run: ActiveRun, action: () => void): boolean {
    if (run.failure) return false;
    try {
      action();
      return true;
    } catch (error) {
      this.storageFailed(run, error);
      return false;
    }
  }

  /**
   * Saving a run's progress failed: the run ends now, failed with the reason in plain words (or
   * cancelled, when a cancel came first), and the disk reserve is given back so that its end can be
   * written. A full disk is full for every run: they all end at once, before any of them could use
   * up the reserve with more progress.
   */
  private storageFailed(run: ActiveRun, error: unknown): void {
    if (run.failure) return;
    console.error(`Pipeloom: run ${run.runId} stops: saving its progress failed.`, error);
    this.reserve.release();
    if (!isDiskFull(error)) return this.stopRun(run, publicErrorMessage(error));
    for (const other of [...this.active.values()]) if (!other.failure && !other.settling) this.stopRun(other, DISK_FULL_MESSAGE);
    this.stopRun(run, DISK_FULL_MESSAGE);
  }

  /** Ends a run now with `reason`: its running steps are stopped, its pending ones skipped (all cancelled after a cancel). */
  private stopRun(run: ActiveRun, reason: string): void {
    if (run.failure) return;
    run.failure = reason;
    const finishedAt = Date.now();
    for (const step of run.plan) {
      const status = run.status[step.nodeId];
      if (status === 'queued' || status === 'running') this.deps.queue.cancel(run.taskIds[step.nodeId]);
      else if (status !== 'pending') continue;
      const change =
        run.cancelled ? { status: 'cancelled' as const, message: 'Cancelled.', finishedAt }
        : status === 'pending' ? { status: 'skipped' as const, message: 'Skipped: the run stopped before this step.' }
        : { status: 'failed' as const, error: run.failure, finishedAt };
      run.status[step.nodeId] = change.status;
      run.unsaved.set(step.nodeId, change);
    }
    this.settle(run);
  }

  /**
   * Writes the end of a finished (or stopped) run in one transaction, then lets go of it. While the
   * database refuses the write it is retried, so the run leaves 'running' as soon as there is room.
   */
  private settle(run: ActiveRun): void {
    run.settling = true;
    const status = runOutcome(run.status);
    const finishedAt = Date.now();
    try {
      this.deps.db.transaction(() => {
        for (const [nodeId, change] of run.unsaved) {
          this.updateStep(run.runId, nodeId, change);
          this.insertEvent(run.runId, nodeId, 'step', { ...change, errorDetails: undefined });
        }
        this.deps.db
          .update(runs)
          .set({ status, finishedAt, ...(run.failure ? { error: run.failure } : {}) })
          .where(eq(runs.id, run.runId))
          .run();
        this.insertEvent(run.runId, null, 'run', { status, ...(run.failure ? { error: run.failure } : {}) });
      });
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.reserve.release();
      setTimeout(() => this.settle(run), SETTLE_RETRY_MS).unref();
      return;
    }
    this.active.delete(run.runId);
    this.events.emit('event', run.runId);
    try {
      this.collectGarbage();
    } catch (error) {
      console.error(`Pipeloom: collecting old outputs after run ${run.runId} failed.`, error);
    }
    // What a failed or cancelled step left behind: its checkpoint, a half-written output.
    if (status !== 'succeeded') this.sweep();
    run.finish(status);
  }

  /**
   * Keeps cached step outputs under the size cap, least recently used first. Deployed models live
   * under their own keys (never in the step cache); saved models (the Models page) and what steps of
   * active runs use are kept.
   */
  collectGarbage(): { removed: number; freedBytes: number } {
    const { db, store, settings } = this.deps;
    const inUse = this.keysInUse();
    const deployed = db.select({ key: deployments.artifactKey }).from(deployments).all().map((d) => d.key);
    const entries = db
      .select({ key: stepCache.cacheKey, size: stepCache.sizeBytes })
      .from(stepCache)
      .where(and(deployed.length ? notInArray(stepCache.cacheKey, deployed) : undefined, notInArray(stepCache.cacheKey, db.select({ id: models.id }).from(models))))
      .orderBy(asc(stepCache.lastUsedAt))
      .all();
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    let removed = 0;
    let freedBytes = 0;
    for (const entry of entries) {
      if (total <= settings.artifactCapBytes) break;
      if (inUse.has(entry.key)) continue;
      store.remove(entry.key);
      db.delete(stepCache).where(eq(stepCache.cacheKey, entry.key)).run();
      total -= entry.size;
      freedBytes += entry.size;
      removed++;
    }
    return { removed, freedBytes };
  }

  /**
   * At server start: leftovers of failed writes are removed (sweep); runs whose driving process is
   * gone resume where they were (finished steps are kept, the rest re-planned and reused from the
   * cache where possible), except a run that was cancelled (it ends cancelled) and a run whose
   * graph no longer compiles (marked interrupted with the reason).
   */
  recoverRuns(): string[] {
    const { db } = this.deps;
    const unfinished = db.select().from(runs).where(inArray(runs.status, ['running', 'queued'])).all();
    const resumed: string[] = [];
    for (const row of unfinished.filter((r) => !isAlive(r.ownerPid) && !this.active.has(r.id))) {
      try {
        if (this.recoverRun(row)) resumed.push(row.id);
      } catch (error) {
        // The database refuses the write (the disk is full): the run stays as it is until the next start.
        console.error(`Pipeloom: run ${row.id} could not be recovered now; the next start tries again.`, error);
      }
    }
    // After the runs above ended or resumed: only the resumed ones keep their checkpoints.
    this.sweep();
    return resumed;
  }

  /** One run left unfinished by a dead process: ended (cancelled, or interrupted when it cannot be planned again) or resumed (true). */
  private recoverRun(row: typeof runs.$inferSelect): boolean {
    const { db } = this.deps;
    if (row.cancelRequestedAt !== null) {
      this.endUnfinished(row.id, 'cancelled', 'Cancelled.');
      return false;
    }
    const parsed = graphSchema.safeParse(JSON.parse(row.document));
    const compiled = parsed.success ? this.compile(parsed.data) : null;
    const stepRows = db.select().from(runSteps).where(eq(runSteps.runId, row.id)).all();
    const planned = new Set(stepRows.map((s) => s.nodeId));
    if (!compiled?.ok || compiled.plan.some((s) => !planned.has(s.nodeId))) {
      const reason = 'The server stopped while this run was in progress, and its graph cannot be planned the same way now. Run it again.';
      this.endUnfinished(row.id, 'interrupted', 'Interrupted by a server restart.', reason);
      return false;
    }
    const kept: Record<string, StepStatus> = {};
    for (const s of stepRows) if (FINISHED_OK.has(s.status as StepStatus) || s.status === 'failed' || s.status === 'skipped') kept[s.nodeId] = s.status as StepStatus;
    db.update(runs).set({ ownerPid: process.pid }).where(eq(runs.id, row.id)).run();
    const run = this.activate(row.id, row.graphId, compiled.plan, kept);
    for (const step of compiled.plan) {
      if (FINISHED_OK.has(kept[step.nodeId])) run.outputKeys[step.nodeId] = this.outputKeyOf(run, step);
      else if (!kept[step.nodeId]) this.setStep(run, step.nodeId, 'pending', { progress: 0, message: 'Waiting again after a server restart.' });
    }
    this.emit(run, null, 'log', { message: 'The server restarted during this run; it resumes here, reusing every finished step.' });
    this.advance(run);
    return true;
  }

  /** Ends a run that no process drives: its unfinished steps cancelled with `message`, the run `status`. */
  private endUnfinished(runId: string, status: RunStatus, message: string, error?: string): void {
    const { db } = this.deps;
    db.transaction(() => {
      db.update(runs)
        .set({ status, finishedAt: Date.now(), ...(error ? { error } : {}) })
        .where(eq(runs.id, runId))
        .run();
      db.update(runSteps)
        .set({ status: 'cancelled', message })
        .where(and(eq(runSteps.runId, runId), inArray(runSteps.status, ['pending', 'queued', 'running'])))
        .run();
      this.insertEvent(runId, null, 'run', { status, ...(error ? { error } : {}) });
    });
    this.events.emit('event', runId);
  }

  /**
   * Removes what failed or killed writers left in the artifact store: temporary files untouched for
   * a while, and checkpoints that no unfinished step of a run in progress (here or in another
   * process on the same database) can resume from. At start-up, and after a run that did not succeed.
   */
  private sweep(): void {
    try {
      const live = this.keysInUse();
      const unfinished = this.deps.db
        .select({ runId: runSteps.runId, cacheKey: runSteps.cacheKey })
        .from(runSteps)
        .innerJoin(runs, eq(runs.id, runSteps.runId))
        .where(and(inArray(runs.status, ['running', 'queued']), inArray(runSteps.status, ['pending', 'queued', 'running'])))
        .all();
      for (const { runId, cacheKey } of unfinished) live.add(cacheKey).add(sideEffectKey(cacheKey, runId));
      const removed = this.deps.store.sweep({ graceMs: TEMP_GRACE_MS, keepCheckpoint: (key) => live.has(key) });
      if (removed > 0) console.log(`Pipeloom: removed ${removed} leftover temporary file(s) and checkpoint(s) from the artifact store.`);
    } catch (error) {
      // Leftovers only cost space: the next sweep tries again.
      console.error('Pipeloom: sweeping the artifact store failed.', error);
    }
  }
}

/** The Evaluate step judging the trained model that a Deploy step publishes (same upstream output). */
function evaluationOf(plan: PlanStep[], deploy: PlanStep): PlanStep | undefined {
  const source = deploy.inputs.model;
  return plan.find((s) => s.type === 'evaluate.evaluate' && s.inputs.model?.nodeId === source?.nodeId && s.inputs.model?.port === source?.port);
}

function paramTitle(kind: NodeDefinition | undefined, key: string): string {
  if (!kind) return key;
  const schema = z.toJSONSchema(kind.params, { io: 'input' }) as { properties?: Record<string, { title?: string }> };
  return schema.properties?.[key]?.title ?? key;
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
