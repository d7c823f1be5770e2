import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  servesGpu,
  TaskFailed,
  type EngineMessage,
  type StepQueue,
  type StepTask,
  type TaskHandlers,
  type TaskResult,
  type WorkerInfo,
  type WorkerMessage,
  type WorkerStatus,
} from './protocol';

const WORKER_ENTRY = 'server/worker/main.ts';
/** A cancelled step gets this long to stop by itself before its worker is killed. */
const CANCEL_GRACE_MS = 10_000;
const STDERR_TAIL_BYTES = 8192;

interface Pending {
  task: StepTask;
  handlers: TaskHandlers;
  attempt: number;
  cancelled: boolean;
  resolve(result: TaskResult): void;
  reject(error: Error): void;
}

interface Slot {
  child: ChildProcess;
  info?: WorkerInfo;
  current?: Pending;
  startedAt: number;
  stderrTail: string;
  /** Why we killed it ourselves (time limit, a cancel that did not stop), if we did. */
  killedFor?: 'timeout' | 'cancel';
  timer?: NodeJS.Timeout;
}

export function describeWorkerDeath(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): string {
  if (/heap out of memory|Reached heap limit|Allocation failed|ENOMEM/i.test(stderrTail)) {
    return 'The worker ran out of memory while running this step. Try fewer rows, a smaller model or batch, or a machine with more memory.';
  }
  if (signal === 'SIGKILL') {
    return 'The worker running this step was killed (SIGKILL). If nobody stopped it, the machine most likely ran out of memory.';
  }
  return `The worker running this step stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).`;
}

/**
 * Embedded mode: the server owns the queue and hands steps to N local worker processes over IPC.
 * A worker that dies mid-step is replaced and the step retried (from its checkpoint) up to the
 * step's attempt limit; a step over its time limit is stopped with a plain message.
 */
export class LocalWorkerPool implements StepQueue {
  readonly mode = 'embedded' as const;
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private closed = false;
  private started = false;

  constructor(private readonly options: { size: number; root: string; env: Record<string, string> }) {}

  /** Starts the worker processes now (the server warms them at start); otherwise the first step does. */
  start(): void {
    this.started = true;
    while (this.slots.length < this.options.size) this.spawn();
  }

  private spawn(): void {
    // spawn rather than fork: the worker runs from source (tsx), outside whatever bundled this module.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(this.options.root, WORKER_ENTRY)], {
      cwd: this.options.root,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const slot: Slot = { child, startedAt: Date.now(), stderrTail: '' };
    this.slots.push(slot);
    // Whatever a worker prints is diagnostics: keep it off our stdout (the CLI's --json output).
    child.stdout?.pipe(process.stderr);
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      slot.stderrTail = (slot.stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
    });
    child.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    child.on('exit', (code, signal) => this.onExit(slot, code, signal));
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(slot.timer);
    this.slots = this.slots.filter((s) => s !== slot);
    const pending = slot.current;
    if (pending && this.closed) {
      pending.reject(new TaskFailed('The worker pool was shut down while this step ran.', 'pool closed'));
    } else if (pending) {
      if (slot.killedFor === 'timeout') {
        const limit = Math.round(pending.task.timeoutMs / 1000);
        pending.reject(new TaskFailed(`Stopped: the step ran longer than its time limit of ${limit} s (PIPELOOM_STEP_TIMEOUT_S).`, `killed after ${limit} s`));
      } else if (slot.killedFor === 'cancel' || pending.cancelled) {
        pending.reject(new TaskFailed('Cancelled.', 'the worker was stopped after a cancel'));
      } else {
        const why = describeWorkerDeath(code, signal, slot.stderrTail);
        if (pending.attempt < pending.task.maxAttempts) {
          pending.attempt++;
          pending.handlers.onEvent({
            type: 'log',
            taskId: pending.task.taskId,
            message: `${why} Retrying on another worker (attempt ${pending.attempt} of ${pending.task.maxAttempts}).`,
          });
          this.queue.unshift(pending);
        } else {
          pending.reject(new TaskFailed(why, `worker pid ${slot.child.pid}: code ${code}, signal ${signal}\n${slot.stderrTail}`, true));
        }
      }
    }
    if (!this.closed) {
      this.spawn();
      this.dispatch();
    }
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready') {
      slot.info = message.info;
      this.dispatch();
      return;
    }
    const pending = slot.current;
    if (!pending || pending.task.taskId !== message.taskId) return;
    if (message.type === 'done' || message.type === 'failed') {
      clearTimeout(slot.timer);
      slot.current = undefined;
      if (message.type === 'done') pending.resolve({ summary: message.summary });
      else pending.reject(new TaskFailed(pending.cancelled ? 'Cancelled.' : message.message, message.details));
      this.dispatch();
    } else {
      pending.handlers.onEvent(message);
    }
  }

  /** Hands queued steps to idle workers; a step that wants a GPU waits for a GPU worker when there is one. */
  private dispatch(): void {
    const gpuExists = this.slots.some((s) => s.info && servesGpu(s.info));
    for (let i = 0; i < this.queue.length; i++) {
      const pending = this.queue[i];
      const idle = this.slots.filter((s) => s.info && !s.current && s.child.connected);
      if (idle.length === 0) return;
      const wantsGpu = pending.task.wants.gpu && gpuExists;
      const slot = wantsGpu ? idle.find((s) => servesGpu(s.info!)) : (idle.find((s) => !servesGpu(s.info!)) ?? idle[0]);
      if (!slot) continue;
      this.queue.splice(i--, 1);
      slot.current = pending;
      slot.killedFor = undefined;
      slot.timer = setTimeout(() => {
        slot.killedFor = 'timeout';
        slot.child.kill('SIGKILL');
      }, pending.task.timeoutMs);
      slot.child.send({ type: 'run', task: { ...pending.task } } satisfies EngineMessage);
      pending.handlers.onStart(slot.info!);
    }
  }

  run(task: StepTask, handlers: TaskHandlers): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('The worker pool is closed.'));
    if (!this.started) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ task, handlers, attempt: 1, cancelled: false, resolve, reject });
      this.dispatch();
    });
  }

  /** Cancels a queued step at once; asks a running one to stop, and stops its worker if it does not. */
  cancel(taskId: string): void {
    const queued = this.queue.findIndex((q) => q.task.taskId === taskId);
    if (queued >= 0) {
      this.queue.splice(queued, 1)[0].reject(new TaskFailed('Cancelled.', 'cancelled before it started'));
      return;
    }
    const slot = this.slots.find((s) => s.current?.task.taskId === taskId);
    if (!slot?.current) return;
    slot.current.cancelled = true;
    slot.child.send({ type: 'cancel', taskId } satisfies EngineMessage);
    const pending = slot.current;
    setTimeout(() => {
      if (slot.current === pending) {
        slot.killedFor = 'cancel';
        slot.child.kill('SIGKILL');
      }
    }, CANCEL_GRACE_MS).unref();
  }

  async workers(): Promise<WorkerStatus[]> {
    return this.slots.map((s) => ({
      info: s.info ?? null,
      busyWith: s.current ? [{ runId: s.current.task.runId, nodeId: s.current.task.nodeId }] : [],
      startedAt: s.startedAt,
      heartbeatAt: Date.now(),
    }));
  }

  /** Resolves once every worker has loaded TensorFlow.js and said which backend it uses. */
  async ready(timeoutMs = 120_000): Promise<WorkerInfo[]> {
    if (!this.started) this.start();
    const deadline = Date.now() + timeoutMs;
    while (this.slots.length < this.options.size || this.slots.some((s) => !s.info)) {
      if (Date.now() > deadline) throw new Error(`Worker processes did not start within ${timeoutMs / 1000} s.`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.slots.map((s) => s.info!);
  }

  /** The worker processes' pids (fault tests kill one). */
  pids(): number[] {
    return this.slots.map((s) => s.child.pid!).filter(Boolean);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('The worker pool was shut down.'));
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            clearTimeout(s.timer);
            if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
            s.child.once('exit', () => resolve());
            s.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
