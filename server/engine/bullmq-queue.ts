import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { servesGpu, TaskFailed, type StepQueue, type StepTask, type TaskHandlers, type TaskResult, type WorkerEvent, type WorkerInfo, type WorkerStatus } from './protocol';

/** Steps that prefer a GPU go to their own queue, served only by GPU-capable workers. */
export const QUEUE_NAMES = { cpu: 'pipeloom-cpu', gpu: 'pipeloom-gpu' } as const;
export const WORKER_KEY_PREFIX = 'pipeloom:worker:';
export const CANCEL_CHANNEL = 'pipeloom:cancel';
/** Workers refresh their registry entry this often; an entry lives three beats. */
export function heartbeatMs(): number {
  return Number(process.env.PIPELOOM_HEARTBEAT_MS) || 5000;
}
/** A failed job's reason carries the plain message, then this line, then the technical details. */
export const DETAILS_SEPARATOR = '\n--- details ---\n';
const enqueueTimeoutMs = () => Number(process.env.PIPELOOM_ENQUEUE_TIMEOUT_MS) || 30_000;

/**
 * How often workers look for jobs whose lock ran out (their worker died). A lock runs out at most
 * `lock` after its worker died, and the next look moves the job back to the queue, where an idle
 * worker takes it at once: a lost step is running again within lock + this + a moment, so at most
 * 2 s past the lock (BullMQ's default, once per lock, made it up to twice the lock).
 */
export function stalledIntervalMs(lock: number): number {
  return Math.max(250, Math.min(Math.round(lock / 4), 2000));
}

/** How often the server checks that Redis still holds the jobs of its steps in flight. */
const WATCH_MS = 1000;
/** A check Redis does not answer within this counts as Redis being away. */
const WATCH_TIMEOUT_MS = 2000;

/** Progress messages a cluster worker sends through job.updateProgress. */
export type ClusterProgress = WorkerEvent | { type: 'started'; worker: WorkerInfo };

/** Reconnection delays while Redis is away: short, so that server and workers are back within 2 s of Redis. */
const reconnectDelay = (times: number) => Math.min(times * 250, 2000);

export function redisConnection(url: string): ConnectionOptions {
  // maxRetriesPerRequest null: BullMQ blocks on Redis, and ioredis retries with backoff while Redis is away.
  return { url, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}

export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
}

/** A connection failure, as opposed to an answer (BullMQ's "Missing key for job", a lost lock). */
const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed/;

/** Logs a Redis problem once until it changes, instead of once per retry. */
export function reportRedisErrors(url: string, label: string): (error: Error) => void {
  let last = '';
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    if (CONNECTION_ERROR.test(error.message)) console.error(`Pipeloom ${label}: cannot reach Redis at ${url} (${error.message}); retrying with backoff.`);
    // An answer, not an outage (a job Redis no longer holds, a lost lock): say what Redis said.
    else console.error(`Pipeloom ${label}: Redis at ${url} answered: ${error.message}`);
  };
}

/** Every worker whose heartbeat entry has not expired. */
export async function readWorkerRegistry(redis: Redis): Promise<WorkerStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${WORKER_KEY_PREFIX}*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values.filter((v): v is string => Boolean(v)).map((v) => JSON.parse(v) as WorkerStatus);
}

interface Pending {
  task: StepTask;
  handlers: TaskHandlers;
  resolve(result: TaskResult): void;
  reject(error: Error): void;
  /** The job carrying the step: the task id, then `<task id>-r<n>` each time Redis lost it. */
  jobId: string;
  /** The queue its job is in, once Redis has taken it. */
  queue?: Queue;
  /** Times it was queued again because Redis lost its job. */
  requeues: number;
}

/**
 * Cluster mode: steps become BullMQ jobs on Redis; `pipeloom worker` processes on any machine with
 * the same Redis URL and artifact path take them. Progress comes back through the queue's events.
 *
 * Every step in flight ends: a job Redis lost (restarted without its data) is found within a
 * second of Redis answering again and queued again, so a worker resumes the step from its
 * checkpoint; Redis away longer than the enqueue timeout fails the step with a plain message; a
 * cancel settles the step at once, Redis or not, and its job is stopped once Redis answers.
 */
export class BullmqQueue implements StepQueue {
  readonly mode = 'cluster' as const;
  private readonly queues: Record<keyof typeof QUEUE_NAMES, Queue>;
  private readonly queueEvents: QueueEvents[];
  private readonly redis: Redis;
  /** Steps in flight, by task id and by the id of the job now carrying them. */
  private readonly pending = new Map<string, Pending>();
  private readonly byJob = new Map<string, Pending>();
  private readonly watcher: NodeJS.Timeout;
  private watching = false;
  private unreachableSince: number | null = null;

  constructor(private readonly url: string) {
    const connection = redisConnection(url);
    const onError = reportRedisErrors(url, 'server');
    this.redis = createRedis(url);
    this.redis.on('error', onError);
    this.queues = { cpu: new Queue(QUEUE_NAMES.cpu, { connection }), gpu: new Queue(QUEUE_NAMES.gpu, { connection }) };
    this.queueEvents = Object.values(QUEUE_NAMES).map((name) => {
      const events = new QueueEvents(name, { connection });
      events.on('error', onError);
      events.on('progress', ({ jobId, data }) => {
        const progress = data as ClusterProgress;
        const pending = this.byJob.get(jobId);
        if (!pending || typeof progress !== 'object') return;
        if (progress.type === 'started') pending.handlers.onStart(progress.worker);
        else pending.handlers.onEvent(progress);
      });
      events.on('completed', ({ jobId, returnvalue }) => {
        const pending = this.byJob.get(jobId);
        if (!pending || !this.release(pending)) return;
        const value = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as TaskResult | null;
        pending.resolve({ summary: value?.summary ?? null });
      });
      events.on('failed', ({ jobId, failedReason }) => {
        const pending = this.byJob.get(jobId);
        if (!pending) return;
        if (STALLED_TOO_OFTEN.test(failedReason)) {
          const runs = pending.task.maxAttempts;
          return this.fail(pending, new TaskFailed(`The workers running this step stopped answering ${runs} times (killed or disconnected); it is not tried again.`, failedReason, true));
        }
        const [message, details] = failedReason.split(DETAILS_SEPARATOR);
        this.fail(pending, new TaskFailed(message, details ?? failedReason));
      });
      events.on('stalled', ({ jobId }) => {
        this.byJob.get(jobId)?.handlers.onEvent({
          type: 'log',
          taskId: jobId,
          message: 'The worker running this step stopped answering (killed or disconnected); the step goes back to the queue for another worker.',
        });
      });
      return events;
    });
    for (const queue of Object.values(this.queues)) queue.on('error', onError);
    this.watcher = setInterval(() => void this.watch(), WATCH_MS);
    this.watcher.unref();
  }

  private async gpuWorkerAvailable(): Promise<boolean> {
    return (await this.workers()).some((w) => w.info && servesGpu(w.info));
  }

  run(task: StepTask, handlers: TaskHandlers): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { task, handlers, resolve, reject, jobId: task.taskId, requeues: 0 };
      this.pending.set(task.taskId, pending);
      this.byJob.set(pending.jobId, pending);
      this.enqueue(pending);
    });
  }

  /** Whether `jobId` still carries a step in flight (not settled, not queued again under another id). */
  private carries(pending: Pending, jobId: string): boolean {
    return this.pending.get(pending.task.taskId) === pending && pending.jobId === jobId;
  }

  /** Lets go of a step in flight; false when it was settled already (a late or second report). */
  private release(pending: Pending): boolean {
    if (this.pending.get(pending.task.taskId) !== pending) return false;
    this.pending.delete(pending.task.taskId);
    this.byJob.delete(pending.jobId);
    return true;
  }

  private fail(pending: Pending, error: TaskFailed): void {
    if (this.release(pending)) pending.reject(error);
  }

  /** Adds the step's job; the step fails with a plain message when Redis does not take it within the enqueue timeout. */
  private enqueue(pending: Pending): void {
    const { task, jobId } = pending;
    const adding = (async () => {
      const queue = task.wants.gpu && (await this.gpuWorkerAvailable()) ? this.queues.gpu : this.queues.cpu;
      // The job's task id is the job's: the worker's cancels and reports name the job that runs.
      await queue.add(task.type, { ...task, taskId: jobId }, {
        jobId,
        // Attempts cover failures a retry can fix (a lost worker); step errors are final (UnrecoverableError).
        attempts: task.maxAttempts,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      return queue;
    })();
    const limit = enqueueTimeoutMs();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`Redis did not take the step within ${limit / 1000} s.`)), limit);
      timer.unref();
    });
    Promise.race([adding, timeout]).then(
      (queue) => {
        clearTimeout(timer);
        if (this.carries(pending, jobId)) pending.queue = queue;
        // Given up on meanwhile (cancelled, timed out): a job nobody waits for must not run.
        else void this.stopJob(jobId);
      },
      (error: Error) => {
        clearTimeout(timer);
        if (!this.carries(pending, jobId)) return;
        console.error(`Pipeloom: step ${task.nodeId} could not be queued on Redis at ${this.url}: ${error.message}`);
        this.fail(pending, new TaskFailed(`The step could not be queued: ${error.message} Check that Redis is running, then run again.`, error.stack ?? error.message));
        // Should Redis take it later after all, it is removed then.
        void adding.then(() => this.stopJob(jobId)).catch(() => undefined);
      },
    );
  }

  /**
   * Checks that Redis still holds the job of every step in flight. A job it lost (restarted without
   * its data) is queued again; Redis away for longer than the enqueue timeout fails the steps.
   */
  private async watch(): Promise<void> {
    const watched = [...this.pending.values()].filter((p) => p.queue).map((p) => ({ pending: p, jobId: p.jobId, key: p.queue!.toKey(p.jobId) }));
    if (this.watching || watched.length === 0) {
      if (watched.length === 0) this.unreachableSince = null;
      return;
    }
    this.watching = true;
    try {
      if (this.redis.status !== 'ready') throw new Error(`the connection is ${this.redis.status}`);
      const batch = this.redis.pipeline();
      for (const { key } of watched) batch.exists(key);
      const answered = await Promise.race([batch.exec(), new Promise<null>((resolve) => setTimeout(() => resolve(null), WATCH_TIMEOUT_MS).unref())]);
      if (!answered) throw new Error(`no answer within ${WATCH_TIMEOUT_MS / 1000} s`);
      this.unreachableSince = null;
      watched.forEach(({ pending, jobId }, i) => {
        const [error, exists] = answered[i];
        if (!error && exists === 0 && this.carries(pending, jobId)) this.requeue(pending);
      });
    } catch (error) {
      this.unreachableSince ??= Date.now();
      const away = Date.now() - this.unreachableSince;
      if (away > enqueueTimeoutMs()) {
        for (const { pending, jobId } of watched) {
          if (!this.carries(pending, jobId)) continue;
          const message = `Lost contact with Redis for more than ${Math.round(away / 1000)} s while this step was queued or running. Check that Redis is running, then run again.`;
          this.fail(pending, new TaskFailed(message, (error as Error).message, true));
          // Its job, should Redis come back with it, is nobody's any more.
          void this.stopJob(jobId).catch(() => undefined);
        }
      }
    } finally {
      this.watching = false;
    }
  }

  /** Redis lost the step's job: it is queued again under a new id (up to the step's attempts), and whoever still runs the lost one is told to stop. */
  private requeue(pending: Pending): void {
    const lost = pending.jobId;
    void this.redis.publish(CANCEL_CHANNEL, lost).catch(() => undefined);
    if (pending.requeues + 1 >= pending.task.maxAttempts) {
      const message = `Redis lost this step ${pending.requeues + 1} times (it restarted without its data); it is not queued again. Give Redis persistence (appendonly yes), then run again.`;
      return this.fail(pending, new TaskFailed(message, `job ${lost} vanished from Redis`, true));
    }
    pending.requeues++;
    this.byJob.delete(lost);
    pending.jobId = `${pending.task.taskId}-r${pending.requeues}`;
    pending.queue = undefined;
    this.byJob.set(pending.jobId, pending);
    pending.handlers.onEvent({
      type: 'log',
      taskId: pending.task.taskId,
      message: 'Redis lost this step (it restarted without its data); it is queued again and resumes from its last checkpoint.',
    });
    this.enqueue(pending);
  }

  /** Removes a job that has not started; a job that has is stopped by its worker (the cancel channel). */
  private async stopJob(jobId: string): Promise<void> {
    for (const queue of Object.values(this.queues)) {
      const job = await queue.getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        // It may start meanwhile: then the worker holds its lock, the removal fails, and the cancel below stops it.
        if (await job.remove().then(() => true, () => false)) return;
      }
    }
    await this.redis.publish(CANCEL_CHANNEL, jobId);
  }

  /** The step is cancelled at once, whatever Redis does; its job is removed or stopped as soon as Redis answers. */
  cancel(taskId: string): void {
    const pending = this.pending.get(taskId);
    if (!pending) return;
    this.fail(pending, new TaskFailed('Cancelled.', 'cancelled while queued or running on a worker'));
    this.stopJob(pending.jobId).catch((error: Error) => console.error(`Pipeloom: stopping step ${pending.task.nodeId} (job ${pending.jobId}) failed: ${error.message}`));
  }

  workers(): Promise<WorkerStatus[]> {
    return readWorkerRegistry(this.redis);
  }

  async close(): Promise<void> {
    clearInterval(this.watcher);
    for (const pending of [...this.pending.values()]) this.fail(pending, new TaskFailed('The server is shutting down.', 'queue closed'));
    const closing = Promise.all([...Object.values(this.queues).map((q) => q.close()), ...this.queueEvents.map((e) => e.close())]);
    // With Redis unreachable a graceful close never finishes: give it a moment, then drop the connections.
    await Promise.race([closing, new Promise((r) => setTimeout(r, 3000).unref())]);
    for (const client of [...Object.values(this.queues), ...this.queueEvents]) void client.disconnect().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** BullMQ's reason for a job whose workers vanished more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/;
