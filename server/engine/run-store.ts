import { EventEmitter } from 'node:events';
import path from 'node:path';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { runEvents, runs, runSteps } from '../../drizzle/schema';
import type { GraphFile } from '../../lib/graph';
import type { Db } from '../db';
import { isDiskFull } from '../errors';
import type { ActiveRun, StepChange, StepFields } from './active-run';
import type { PlanStep, StepSignature } from './compile';
import { DiskReserve } from './disk-reserve';
import { TaskFailed } from './protocol';
import type { RunStatus, StepStatus } from './scheduler';

export type RunEventKind = 'run' | 'step' | 'progress' | 'epoch' | 'log';

export type RunRow = typeof runs.$inferSelect;

/** A database (or disk) failure rather than a failed step: the run's records cannot be trusted to be written. */
export function isStorageFailure(error: unknown): boolean {
  return !(error instanceof TaskFailed) && (isDiskFull(error) || (error instanceof Error && error.name === 'SqliteError'));
}

/** A process that still runs (not this one): it drives its runs itself. */
function isAlive(pid: number | null): boolean {
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where a run comes from: its saved pipeline and the version of it, and the account that started it (null: the command line, or a graph run unsaved). */
export interface RunOrigin {
  graphId: string | null;
  versionId: number | null;
  startedBy: string | null;
}

/**
 * The runs' records in SQLite: the run, its steps and its events. Writes for a run in progress are
 * guarded: when one fails (the disk is full) `onStorageFailure` decides how the run stops, and the
 * disk reserve the store holds can be given back so that the run's end still gets written.
 */
export class RunStore {
  /** Emits 'event' with the run id whenever a run event is persisted. */
  readonly events = new EventEmitter();
  private readonly reserve: DiskReserve;

  constructor(
    private readonly db: Db,
    private readonly onStorageFailure: (run: ActiveRun, error: unknown) => void,
  ) {
    this.events.setMaxListeners(0);
    const dbFile = db.$client.name;
    this.reserve = new DiskReserve(dbFile && dbFile !== ':memory:' ? path.join(path.dirname(dbFile), '.pipeloom-disk-reserve') : null);
  }

  /** Records a new run, running, with every planned step pending, and where it comes from (RunOrigin). */
  begin(runId: string, workspaceId: string, graph: GraphFile, plan: PlanStep[], origin: RunOrigin): void {
    this.reserve.ensure();
    this.db.transaction((tx) => {
      tx.insert(runs)
        .values({ id: runId, workspaceId, graphId: origin.graphId, startedBy: origin.startedBy, versionId: origin.versionId, document: JSON.stringify(graph), status: 'running', ownerPid: process.pid, startedAt: Date.now() })
        .run();
      for (const step of plan) {
        tx.insert(runSteps)
          .values({ runId, nodeId: step.nodeId, nodeType: step.type, status: 'pending', cacheKey: step.cacheKey, signature: JSON.stringify(step.signature) })
          .run();
      }
    });
  }

  /**
   * One database write for an active run. When it fails (the disk is full, the database cannot be
   * written) the run stops with the reason instead of the error escaping into a queue's callback;
   * after that nothing more is written for the run but its end. False when nothing was written.
   */
  write(run: ActiveRun, action: () => void): boolean {
    if (run.failure) return false;
    try {
      action();
      return true;
    } catch (error) {
      this.onStorageFailure(run, error);
      return false;
    }
  }

  /** Gives the disk reserve back, so that the ends of the runs in progress can be written. */
  releaseReserve(): void {
    this.reserve.release();
  }

  /** Moves a step to `status`, in memory and in the database (or with the run's end, when the database refuses it now). */
  setStep(run: ActiveRun, nodeId: string, status: StepStatus, fields: StepFields): void {
    run.status[nodeId] = status;
    const change = { status, ...fields };
    // Noted first: if the write fails, the run's end writes it (a storage failure may override it).
    run.unsaved.set(nodeId, change);
    if (this.write(run, () => this.updateStep(run.runId, nodeId, change))) run.unsaved.delete(nodeId);
    this.emit(run, nodeId, 'step', { ...change, errorDetails: undefined });
  }

  private updateStep(runId: string, nodeId: string, change: StepChange): void {
    this.db
      .update(runSteps)
      .set(change)
      .where(and(eq(runSteps.runId, runId), eq(runSteps.nodeId, nodeId)))
      .run();
  }

  /** A running step's progress: on its row, and as an event. */
  setProgress(run: ActiveRun, nodeId: string, fraction: number, message: string | undefined): void {
    this.write(run, () =>
      this.db
        .update(runSteps)
        .set({ progress: fraction, message: message ?? null })
        .where(and(eq(runSteps.runId, run.runId), eq(runSteps.nodeId, nodeId)))
        .run(),
    );
    this.emit(run, nodeId, 'progress', { fraction, message });
  }

  /** The backend of the run's first step on a worker is the run's (the runs table shows it). */
  recordBackend(run: ActiveRun, backend: string): void {
    let first = false;
    this.write(run, () => (first = this.db.update(runs).set({ backend }).where(and(eq(runs.id, run.runId), isNull(runs.backend))).run().changes > 0));
    if (first) this.emit(run, null, 'run', { status: 'running', backend });
  }

  /** Noted so that a server restart never resumes the run. */
  recordCancel(run: ActiveRun): void {
    this.write(run, () => this.db.update(runs).set({ cancelRequestedAt: Date.now() }).where(eq(runs.id, run.runId)).run());
  }

  /** Appends a run event and wakes its subscribers. */
  emit(run: ActiveRun, nodeId: string | null, kind: RunEventKind, payload: Record<string, unknown>): void {
    if (this.write(run, () => this.insertEvent(run.runId, nodeId, kind, payload))) this.notify(run.runId);
  }

  private insertEvent(runId: string, nodeId: string | null, kind: RunEventKind, payload: Record<string, unknown>): void {
    this.db.insert(runEvents).values({ runId, nodeId, kind, payload: JSON.stringify(payload) }).run();
  }

  /** Wakes the run's subscribers. */
  notify(runId: string): void {
    this.events.emit('event', runId);
  }

  /**
   * Writes the end of a run in one transaction: the step changes not yet written, then the run's
   * status (and the reason it stopped early). False when the database refuses it now (the reserve
   * is then given back); any other error is thrown.
   */
  writeEnd(run: ActiveRun, status: RunStatus): boolean {
    const finishedAt = Date.now();
    try {
      this.db.transaction(() => {
        for (const [nodeId, change] of run.unsaved) {
          this.updateStep(run.runId, nodeId, change);
          this.insertEvent(run.runId, nodeId, 'step', { ...change, errorDetails: undefined });
        }
        this.db
          .update(runs)
          .set({ status, finishedAt, ...(run.failure ? { error: run.failure } : {}) })
          .where(eq(runs.id, run.runId))
          .run();
        this.insertEvent(run.runId, null, 'run', { status, ...(run.failure ? { error: run.failure } : {}) });
      });
      return true;
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.reserve.release();
      return false;
    }
  }

  /** The run's status as recorded; undefined when there is no such run. */
  statusOf(runId: string): RunStatus | undefined {
    return this.db.select({ status: runs.status }).from(runs).where(eq(runs.id, runId)).get()?.status as RunStatus | undefined;
  }

  /** The signature each node had in the newest run of the graph that planned it. */
  lastSignatures(graphId: string): Map<string, StepSignature> {
    const rows = this.db
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

  /** The metrics a step of the run recorded, if any. */
  stepMetrics(runId: string, nodeId: string): string | null {
    return this.db.select({ metrics: runSteps.metrics }).from(runSteps).where(and(eq(runSteps.runId, runId), eq(runSteps.nodeId, nodeId))).get()?.metrics ?? null;
  }

  /** Runs recorded as in progress whose driving process is gone (a server that stopped). */
  orphanedRuns(): RunRow[] {
    return this.db
      .select()
      .from(runs)
      .where(inArray(runs.status, ['running', 'queued']))
      .all()
      .filter((r) => !isAlive(r.ownerPid));
  }

  stepsOf(runId: string) {
    return this.db.select().from(runSteps).where(eq(runSteps.runId, runId)).all();
  }

  /** This process drives the run from now on. */
  adopt(runId: string): void {
    this.db.update(runs).set({ ownerPid: process.pid }).where(eq(runs.id, runId)).run();
  }

  /** Ends a run that no process drives: its unfinished steps cancelled with `message`, the run `status`. */
  endUnfinished(runId: string, status: RunStatus, message: string, error?: string): void {
    this.db.transaction(() => {
      this.db
        .update(runs)
        .set({ status, finishedAt: Date.now(), ...(error ? { error } : {}) })
        .where(eq(runs.id, runId))
        .run();
      this.db
        .update(runSteps)
        .set({ status: 'cancelled', message })
        .where(and(eq(runSteps.runId, runId), inArray(runSteps.status, ['pending', 'queued', 'running'])))
        .run();
      this.insertEvent(runId, null, 'run', { status, ...(error ? { error } : {}) });
    });
    this.notify(runId);
  }

  /** The unfinished steps of every run in progress, in this process or another on the same database. */
  unfinishedSteps(): { runId: string; cacheKey: string }[] {
    return this.db
      .select({ runId: runSteps.runId, cacheKey: runSteps.cacheKey })
      .from(runSteps)
      .innerJoin(runs, eq(runs.id, runSteps.runId))
      .where(and(inArray(runs.status, ['running', 'queued']), inArray(runSteps.status, ['pending', 'queued', 'running'])))
      .all();
  }
}
