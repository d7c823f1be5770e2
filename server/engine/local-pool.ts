import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { EngineMessage, StepTask, WorkerEvent, WorkerInfo, WorkerMessage } from './protocol';

const WORKER_ENTRY = 'server/worker/main.ts';

export interface TaskHandlers {
  /** The task was handed to a worker. */
  onStart(worker: WorkerInfo): void;
  onEvent(event: WorkerEvent): void;
}

export interface TaskResult {
  summary: Record<string, unknown> | null;
}

export class TaskFailed extends Error {
  constructor(
    message: string,
    readonly details: string,
  ) {
    super(message);
  }
}

interface Slot {
  child: ChildProcess;
  info?: WorkerInfo;
  current?: { task: StepTask; handlers: TaskHandlers; resolve(result: TaskResult): void; reject(error: Error): void };
  startedAt: number;
}

interface Queued {
  task: StepTask;
  handlers: TaskHandlers;
  resolve(result: TaskResult): void;
  reject(error: Error): void;
}

/**
 * Embedded mode: the server owns the queue and hands steps to N local worker processes over IPC.
 * A worker that dies mid-step fails that step in plain words and is replaced.
 */
export class LocalWorkerPool {
  private slots: Slot[] = [];
  private queue: Queued[] = [];
  private closed = false;

  constructor(
    private readonly options: { size: number; root: string; env: Record<string, string> },
  ) {}

  start(): void {
    while (this.slots.length < this.options.size) this.spawn();
  }

  private spawn(): void {
    // spawn rather than fork: the worker runs from source (tsx), outside whatever bundled this module.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(this.options.root, WORKER_ENTRY)], {
      cwd: this.options.root,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    // Whatever a worker prints is diagnostics: keep it off our stdout (the CLI's --json output).
    child.stdout?.pipe(process.stderr);
    const slot: Slot = { child, startedAt: Date.now() };
    this.slots.push(slot);
    child.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    child.on('exit', (code, signal) => {
      this.slots = this.slots.filter((s) => s !== slot);
      const current = slot.current;
      if (current) {
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        current.reject(
          new TaskFailed(
            `The worker process running this step ${how}. If this keeps happening the step may need more memory than the machine has.`,
            `worker pid ${child.pid} ${how}`,
          ),
        );
      }
      if (!this.closed) {
        this.spawn();
        this.dispatch();
      }
    });
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready') {
      slot.info = message.info;
      this.dispatch();
      return;
    }
    const current = slot.current;
    if (!current || current.task.taskId !== message.taskId) return;
    if (message.type === 'done') {
      slot.current = undefined;
      current.resolve({ summary: message.summary });
      this.dispatch();
    } else if (message.type === 'failed') {
      slot.current = undefined;
      current.reject(new TaskFailed(message.message, message.details));
      this.dispatch();
    } else {
      current.handlers.onEvent(message);
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.info || slot.current || !slot.child.connected) continue;
      const next = this.queue.shift()!;
      slot.current = next;
      slot.child.send({ type: 'run', task: next.task } satisfies EngineMessage);
      next.handlers.onStart(slot.info);
    }
  }

  run(task: StepTask, handlers: TaskHandlers): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('The worker pool is closed.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, handlers, resolve, reject });
      this.dispatch();
    });
  }

  /** Cancels a queued task at once, or asks the worker running it to stop. */
  cancel(taskId: string): void {
    const queued = this.queue.findIndex((q) => q.task.taskId === taskId);
    if (queued >= 0) {
      this.queue.splice(queued, 1)[0].reject(new TaskFailed('Cancelled.', 'cancelled before it started'));
      return;
    }
    const slot = this.slots.find((s) => s.current?.task.taskId === taskId);
    slot?.child.send({ type: 'cancel', taskId } satisfies EngineMessage);
  }

  workers(): { pid: number | undefined; info?: WorkerInfo; busyWith?: { runId: string; nodeId: string }; since: number }[] {
    return this.slots.map((s) => ({
      pid: s.child.pid,
      info: s.info,
      busyWith: s.current ? { runId: s.current.task.runId, nodeId: s.current.task.nodeId } : undefined,
      since: s.startedAt,
    }));
  }

  /** Resolves once every worker has loaded TensorFlow.js and said which backend it uses. */
  async ready(timeoutMs = 120_000): Promise<WorkerInfo[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.slots.length < this.options.size || this.slots.some((s) => !s.info)) {
      if (Date.now() > deadline) throw new Error(`Worker processes did not start within ${timeoutMs / 1000} s.`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.slots.map((s) => s.info!);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('The worker pool was shut down.'));
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
            s.child.once('exit', () => resolve());
            s.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
