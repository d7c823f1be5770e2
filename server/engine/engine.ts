import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { graphSchema, type GraphFile } from '../../lib/graph';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import type { Db } from '../db';
import { DISK_FULL_MESSAGE, isDiskFull, publicErrorMessage } from '../errors';
import { inFlight, newActiveRun, outputKeyOf, type ActiveRun } from './active-run';
import type { ArtifactStore } from './artifact-store';
import { compile, type CompileError, type PlanStep, type StepSignature } from './compile';
import { forecastStep, paramTitle, type StepForecast } from './explain';
import { collectCachedOutputs, sweepLeftovers } from './garbage-collection';
import { ENGINE_AS_WORKER, runInline } from './inline-step';
import { ModelHooks } from './model-hooks';
import { TaskFailed, type StepQueue, type WorkerEvent, type WorkerInfo } from './protocol';
import { isStorageFailure, RunStore, type RunOrigin, type RunRow } from './run-store';
import { deleteSavedModel, deploySavedModel } from './saved-models';
import { downstreamOf, FINISHED_OK, isRunFinished, readySteps, runOutcome, type RunStatus, type StepStatus } from './scheduler';
import { StepCache } from './step-cache';

export interface EngineSettings {
  /** A step running longer is stopped (PIPELOOM_STEP_TIMEOUT_S). */
  stepTimeoutMs: number;
  /** Runs of a step whose worker dies, counting the first (PIPELOOM_STEP_ATTEMPTS). */
  maxAttempts: number;
  /** Cached step outputs beyond this size are collected, least recently used first (PIPELOOM_ARTIFACT_CAP_MB). */
  artifactCapBytes: number;
}

export type StartResult = { ok: true; runId: string } | { ok: false; errors: CompileError[] };

/** How often the end of a run is written again while the database refuses it. */
const SETTLE_RETRY_MS = 2000;

/**
 * The orchestration around the pure compiler and scheduler: sends ready steps to the queue (local
 * workers or BullMQ), reuses cached steps, records every transition in the run store, lets each
 * step's kind say what its result publishes (model hooks), and collects old artifacts.
 */
export class Engine {
  /** Emits 'event' with the run id whenever a run event is persisted. */
  readonly events: EventEmitter;
  private active = new Map<string, ActiveRun>();
  private readonly runs: RunStore;
  private readonly cache: StepCache;
  private readonly hooks: ModelHooks;

  constructor(
    private readonly deps: {
      db: Db;
      store: ArtifactStore;
      queue: StepQueue;
      kinds: ReadonlyMap<string, NodeDefinition>;
      /** What compile may know in a workspace: its datasets and saved models. */
      env: (workspaceId: string) => CompileEnv;
      settings: EngineSettings;
    },
  ) {
    this.runs = new RunStore(deps.db, (run, error) => this.storageFailed(run, error));
    this.events = this.runs.events;
    this.cache = new StepCache(deps.db, deps.store);
    this.hooks = new ModelHooks({ db: deps.db, store: deps.store, kinds: deps.kinds, runs: this.runs });
  }

  get queue(): StepQueue {
    return this.deps.queue;
  }

  /** Compiles a graph as it would run in `workspaceId` (whose datasets and saved models it may name). */
  compile(graph: GraphFile, workspaceId: string, upTo?: string) {
    return compile(graph, this.deps.kinds, this.deps.env(workspaceId), { upTo });
  }

  /**
   * Starts a run. `mayPublish: false` (someone a pipeline is shared with, not a member of its
   * workspace) refuses a plan with a step that publishes a deployment: that is the workspace's to do.
   */
  async start(graph: GraphFile, options: { workspaceId: string; upTo?: string; mayPublish?: boolean } & Partial<RunOrigin>): Promise<StartResult> {
    const compiled = this.compile(graph, options.workspaceId, options.upTo);
    if (!compiled.ok) return { ok: false, errors: compiled.errors };
    if (options.mayPublish === false) {
      const publishing = compiled.plan.filter((step) => this.deps.kinds.get(step.type)?.publishes);
      if (publishing.length > 0) {
        const message = 'Only members of the workspace may deploy: run up to the step before this one ("Run up to here"), or ask a member to run it.';
        return { ok: false, errors: publishing.map((step) => ({ code: 'not-allowed' as const, nodeId: step.nodeId.split('#')[0], message })) };
      }
    }
    const runId = randomUUID();
    this.runs.begin(runId, options.workspaceId, graph, compiled.plan, { graphId: options.graphId ?? null, versionId: options.versionId ?? null, startedBy: options.startedBy ?? null });
    const run = this.activate(runId, options.workspaceId, options.graphId ?? null, compiled.plan, {});
    this.runs.emit(run, null, 'run', { status: 'running', mode: this.deps.queue.mode });
    this.advance(run);
    return { ok: true, runId };
  }

  private activate(runId: string, workspaceId: string, graphId: string | null, plan: PlanStep[], status: Record<string, StepStatus>): ActiveRun {
    const run = newActiveRun(runId, workspaceId, graphId, plan, status);
    this.active.set(runId, run);
    return run;
  }

  /** Resolves with the run's final status (CLI and tests). */
  waitFor(runId: string): Promise<RunStatus> {
    const run = this.active.get(runId);
    if (run) return run.finished;
    return Promise.resolve(this.runs.statusOf(runId) ?? 'failed');
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
    this.runs.recordCancel(run);
    for (const step of run.plan) {
      const s = run.status[step.nodeId];
      if (s === 'pending') this.runs.setStep(run, step.nodeId, 'cancelled', { message: 'Cancelled before it started.' });
      else if (s === 'queued' || s === 'running') this.deps.queue.cancel(run.taskIds[step.nodeId]);
    }
    this.maybeFinish(run);
    return true;
  }

  /** For each step of the graph: will it run, and why (or is it reused from the cache)? */
  forecast(graph: GraphFile, workspaceId: string, graphId: string | undefined): Record<string, StepForecast> {
    const compiled = this.compile(graph, workspaceId);
    if (!compiled.ok) return {};
    const labels = new Map(graph.nodes.map((n) => [n.id, this.deps.kinds.get(n.type)?.label ?? n.type]));
    const previous = graphId ? this.runs.lastSignatures(graphId) : new Map<string, StepSignature>();
    const forecast: Record<string, StepForecast> = {};
    for (const step of compiled.plan) {
      const unchanged = step.sideEffect ? this.hooks.alreadyPublished(compiled.plan, step, workspaceId, graph.name) : this.cache.has(step.cacheKey);
      forecast[step.nodeId] = forecastStep(step, unchanged, previous.get(step.nodeId) ?? null, {
        paramTitle: (type, key) => paramTitle(this.deps.kinds.get(type), key),
        nodeLabel: (nodeId) => labels.get(nodeId) ?? nodeId,
      });
    }
    return forecast;
  }

  /** Forgets a node's cached outputs (and its parts'), so the next run computes them again. */
  clearCache(graph: GraphFile, workspaceId: string, nodeId: string): { cleared: number } {
    const compiled = this.compile(graph, workspaceId, nodeId);
    if (!compiled.ok) return { cleared: 0 };
    // Not what a run in progress (of any workspace: the cache is shared by content) is using.
    const inUse = this.keysInUse();
    const keys = compiled.plan.filter((s) => (s.nodeId === nodeId || s.partOf === nodeId) && !inUse.has(s.cacheKey)).map((s) => s.cacheKey);
    return { cleared: this.cache.clear(keys) };
  }

  private advance(run: ActiveRun): void {
    if (run.cancelled || run.failure) return this.maybeFinish(run);
    // A publishing step waits for the step judging its model (see ModelHooks.waitsToPublish).
    const readyNow = () => readySteps(run.plan, run.status).filter((step) => !this.hooks.waitsToPublish(run, step));
    let ready = readyNow();
    while (ready.length > 0 && !run.failure) {
      for (const step of ready) {
        if (run.failure) break;
        const settled = step.sideEffect ? this.hooks.settle(run, step) : undefined;
        if (settled && 'refused' in settled) {
          this.failStep(run, step, settled.refused, settled.refused);
        } else if (settled) {
          // Its model is live under its name already: nothing to publish, the step is unchanged.
          const { artifactKey, ...published } = settled.unchanged;
          const metrics = JSON.stringify({ ...published, unchanged: true });
          run.outputKeys[step.nodeId] = artifactKey;
          const message = published.live ? `Already live as v${published.version}: nothing published.` : `Already published as v${published.version} (another version is pinned live): nothing published.`;
          this.runs.setStep(run, step.nodeId, 'cached', { progress: 1, metrics, message });
        } else if (!step.sideEffect && this.cache.has(step.cacheKey)) {
          const metrics = this.cache.metricsOf(step.cacheKey);
          this.runs.write(run, () => this.cache.touch(step.cacheKey));
          run.outputKeys[step.nodeId] = step.cacheKey;
          this.runs.setStep(run, step.nodeId, 'cached', { progress: 1, metrics, message: 'Unchanged since an earlier run: reused.' });
          this.afterStep(run, step, metrics);
        } else {
          this.dispatch(run, step);
        }
      }
      // Cached steps may have made more steps ready.
      ready = readyNow();
    }
    this.maybeFinish(run);
  }

  private dispatch(run: ActiveRun, step: PlanStep): void {
    const { settings, queue, store } = this.deps;
    const taskId = randomUUID();
    const outputKey = outputKeyOf(run, step);
    run.taskIds[step.nodeId] = taskId;
    this.runs.setStep(run, step.nodeId, 'queued', {});
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
        this.runs.setStep(run, step.nodeId, 'running', { startedAt: Date.now(), message: `on worker ${where}`, attempts });
        if (worker !== ENGINE_AS_WORKER) this.runs.recordBackend(run, worker.backend);
        this.runs.emit(run, step.nodeId, 'log', { message: `Started on worker ${where}${attempts > 1 ? ` (attempt ${attempts})` : ''}.` });
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
    const execution = kind?.inline ? runInline(kind, task, store, handlers) : queue.run(task, handlers);
    execution
      .then(({ summary }) => {
        // A queue may report a step twice (a retried job finishing late), or after a cancel: only the first counts.
        if (!inFlight(run, step)) return;
        run.outputKeys[step.nodeId] = outputKey;
        const published = this.hooks.publish(run, step, outputKey);
        if (published) summary = { ...summary, ...published };
        const metrics = summary ? JSON.stringify(summary) : null;
        if (!step.sideEffect) {
          const sizeBytes = store.sizeOf(outputKey);
          this.runs.write(run, () => this.cache.record(step, metrics, sizeBytes));
        }
        this.runs.setStep(run, step.nodeId, 'done', { progress: 1, metrics, finishedAt: Date.now() });
        this.afterStep(run, step, metrics);
      })
      .catch((error: Error) => {
        if (!inFlight(run, step)) return;
        // Recording the result failed (the disk is full): the run stops, not just this step.
        if (isStorageFailure(error)) return this.storageFailed(run, error);
        if (run.cancelled) {
          this.runs.setStep(run, step.nodeId, 'cancelled', { message: 'Cancelled.', finishedAt: Date.now() });
          return;
        }
        // The message is for the person who ran it; the details (a stack) stay in the database and the server log.
        const details = error instanceof TaskFailed ? error.details : (error.stack ?? error.message);
        this.failStep(run, step, error instanceof TaskFailed ? error.message : publicErrorMessage(error), details);
      })
      .finally(() => this.advance(run));
  }

  /** A step failed: its message on the node, the steps after it skipped. */
  private failStep(run: ActiveRun, step: PlanStep, message: string, details: string): void {
    console.error(`Pipeloom: step ${step.nodeId} of run ${run.runId} failed: ${message}\n${details}`);
    this.runs.setStep(run, step.nodeId, 'failed', { error: message, errorDetails: details, finishedAt: Date.now() });
    for (const nodeId of downstreamOf(run.plan, step.nodeId, run.status)) {
      this.runs.setStep(run, nodeId, 'skipped', { message: 'Skipped because a step before it failed.' });
    }
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

  private onWorkerEvent(run: ActiveRun, step: PlanStep, event: WorkerEvent): void {
    // A worker still winding down after a cancel reports nothing more.
    if (!inFlight(run, step)) return;
    if (event.type === 'progress') this.runs.setProgress(run, step.nodeId, event.fraction, event.message);
    else if (event.type === 'epoch') this.runs.emit(run, step.nodeId, 'epoch', { epoch: event.epoch, values: event.values });
    else this.runs.emit(run, step.nodeId, 'log', { message: event.message });
  }

  /** A step finished or was reused: what it means for the model registry (a trained model to save, an evaluation to attach). */
  private afterStep(run: ActiveRun, step: PlanStep, metrics: string | null): void {
    try {
      this.hooks.recordModels(run, step, metrics);
    } catch (error) {
      if (isStorageFailure(error)) return this.storageFailed(run, error);
      this.runs.emit(run, step.nodeId, 'log', { message: `The trained model could not be saved: ${publicErrorMessage(error)}` });
    }
  }

  /** Publishes a workspace's saved model under a name as a deploying step would (next version, or the live one when unchanged); null when there is no such saved model. */
  deploySavedModel(target: Parameters<typeof deploySavedModel>[2]): ReturnType<typeof deploySavedModel> {
    return deploySavedModel(this.deps.db, this.deps.store, target);
  }

  /** Deletes a workspace's saved model, releasing its artifact to the garbage collection; false when there is no such model. */
  deleteSavedModel(workspaceId: string, id: string): boolean {
    return deleteSavedModel(this.deps.db, this.deps.store, workspaceId, id, this.keysInUse());
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

  private maybeFinish(run: ActiveRun): void {
    if (!isRunFinished(run.status) || run.settling) return;
    this.settle(run);
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
    this.runs.releaseReserve();
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
   * Writes the end of a finished (or stopped) run, then lets go of it. While the database refuses
   * the write it is retried, so the run leaves 'running' as soon as there is room.
   */
  private settle(run: ActiveRun): void {
    run.settling = true;
    const status = runOutcome(run.status);
    if (!this.runs.writeEnd(run, status)) {
      setTimeout(() => this.settle(run), SETTLE_RETRY_MS).unref();
      return;
    }
    this.active.delete(run.runId);
    this.runs.notify(run.runId);
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
   * Keeps cached step outputs under the size cap, least recently used first; deployed and saved
   * models, and what steps of active runs use, are kept.
   */
  collectGarbage(): { removed: number; freedBytes: number } {
    return collectCachedOutputs(this.deps.db, this.deps.store, this.deps.settings.artifactCapBytes, this.keysInUse());
  }

  /** Removes what failed or killed writers left in the artifact store (temporary files, orphaned checkpoints). */
  private sweep(): void {
    sweepLeftovers(this.deps.store, this.runs, this.keysInUse());
  }

  /**
   * At server start: leftovers of failed writes are removed (sweep); runs whose driving process is
   * gone resume where they were (finished steps are kept, the rest re-planned and reused from the
   * cache where possible), except a run that was cancelled (it ends cancelled) and a run whose
   * graph no longer compiles (marked interrupted with the reason).
   */
  recoverRuns(): string[] {
    const resumed: string[] = [];
    for (const row of this.runs.orphanedRuns().filter((r) => !this.active.has(r.id))) {
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
  private recoverRun(row: RunRow): boolean {
    if (row.cancelRequestedAt !== null) {
      this.runs.endUnfinished(row.id, 'cancelled', 'Cancelled.');
      return false;
    }
    const parsed = graphSchema.safeParse(JSON.parse(row.document));
    const compiled = parsed.success ? this.compile(parsed.data, row.workspaceId) : null;
    const stepRows = this.runs.stepsOf(row.id);
    const planned = new Set(stepRows.map((s) => s.nodeId));
    if (!compiled?.ok || compiled.plan.some((s) => !planned.has(s.nodeId))) {
      const reason = 'The server stopped while this run was in progress, and its graph cannot be planned the same way now. Run it again.';
      this.runs.endUnfinished(row.id, 'interrupted', 'Interrupted by a server restart.', reason);
      return false;
    }
    const kept: Record<string, StepStatus> = {};
    for (const s of stepRows) if (FINISHED_OK.has(s.status as StepStatus) || s.status === 'failed' || s.status === 'skipped') kept[s.nodeId] = s.status as StepStatus;
    this.runs.adopt(row.id);
    const run = this.activate(row.id, row.workspaceId, row.graphId, compiled.plan, kept);
    for (const step of compiled.plan) {
      if (FINISHED_OK.has(kept[step.nodeId])) run.outputKeys[step.nodeId] = outputKeyOf(run, step);
      else if (!kept[step.nodeId]) this.runs.setStep(run, step.nodeId, 'pending', { progress: 0, message: 'Waiting again after a server restart.' });
    }
    this.runs.emit(run, null, 'log', { message: 'The server restarted during this run; it resumes here, reusing every finished step.' });
    this.advance(run);
    return true;
  }
}
