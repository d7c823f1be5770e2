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

/** Progress messages a cluster worker sends through job.updateProgress. */
export type ClusterProgress = WorkerEvent | { type: 'started'; worker: WorkerInfo };

export function redisConnection(url: string): ConnectionOptions {
  // maxRetriesPerRequest null: BullMQ blocks on Redis, and ioredis retries with backoff while Redis is away.
  return { url, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(times * 500, 5000) };
}

export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(times * 500, 5000) });
}

/** Logs a Redis connection problem once until it changes, instead of once per retry. */
export function reportRedisErrors(url: string, label: string): (error: Error) => void {
  let last = '';
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    console.error(`Pipeloom ${label}: cannot reach Redis at ${url} (${error.message}); retrying with backoff.`);
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
  handlers: TaskHandlers;
  resolve(result: TaskResult): void;
  reject(error: Error): void;
}

/**
 * Cluster mode: steps become BullMQ jobs on Redis; `pipeloom worker` processes on any machine with
 * the same Redis URL and artifact path take them. Progress comes back through the queue's events.
 */
export class BullmqQueue implements StepQueue {
  readonly mode = 'cluster' as const;
  private readonly queues: Record<keyof typeof QUEUE_NAMES, Queue>;
  private readonly queueEvents: QueueEvents[];
  private readonly redis: Redis;
  private readonly pending = new Map<string, Pending>();

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
        const pending = this.pending.get(jobId);
        if (!pending || typeof progress !== 'object') return;
        if (progress.type === 'started') pending.handlers.onStart(progress.worker);
        else pending.handlers.onEvent(progress);
      });
      events.on('completed', ({ jobId, returnvalue }) => {
        const pending = this.pending.get(jobId);
        if (!pending) return;
        this.pending.delete(jobId);
        const value = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as TaskResult | null;
        pending.resolve({ summary: value?.summary ?? null });
      });
      events.on('failed', ({ jobId, failedReason }) => {
        const pending = this.pending.get(jobId);
        if (!pending) return;
        this.pending.delete(jobId);
        const [message, details] = failedReason.split(DETAILS_SEPARATOR);
        pending.reject(new TaskFailed(message, details ?? failedReason));
      });
      events.on('stalled', ({ jobId }) => {
        this.pending.get(jobId)?.handlers.onEvent({
          type: 'log',
          taskId: jobId,
          message: 'The worker running this step stopped answering (killed or disconnected); the step goes back to the queue for another worker.',
        });
      });
      return events;
    });
    for (const queue of Object.values(this.queues)) queue.on('error', onError);
  }

  private async gpuWorkerAvailable(): Promise<boolean> {
    return (await this.workers()).some((w) => w.info && servesGpu(w.info));
  }

  run(task: StepTask, handlers: TaskHandlers): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.pending.set(task.taskId, { handlers, resolve, reject });
      const enqueue = (async () => {
        const queue = task.wants.gpu && (await this.gpuWorkerAvailable()) ? this.queues.gpu : this.queues.cpu;
        await queue.add(task.type, task, {
          jobId: task.taskId,
          // Attempts cover failures a retry can fix (a lost worker); step errors are final (UnrecoverableError).
          attempts: task.maxAttempts,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        });
      })();
      const limit = enqueueTimeoutMs();
      const timeout = new Promise<never>((_, fail) =>
        setTimeout(() => fail(new Error(`Redis at ${this.url} did not take the step within ${limit / 1000} s.`)), limit).unref(),
      );
      Promise.race([enqueue, timeout]).catch((error: Error) => {
        if (!this.pending.delete(task.taskId)) return;
        reject(new TaskFailed(`The step could not be queued: ${error.message} Check that Redis is running, then run again.`, error.stack ?? error.message));
      });
    });
  }

  cancel(taskId: string): void {
    void (async () => {
      for (const queue of Object.values(this.queues)) {
        const job = await queue.getJob(taskId);
        if (!job) continue;
        const state = await job.getState();
        if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
          await job.remove();
          const pending = this.pending.get(taskId);
          this.pending.delete(taskId);
          pending?.reject(new TaskFailed('Cancelled.', 'removed from the queue before it started'));
          return;
        }
      }
      await this.redis.publish(CANCEL_CHANNEL, taskId);
    })().catch((error: Error) => console.error(`Pipeloom: cancelling step ${taskId} failed: ${error.message}`));
  }

  workers(): Promise<WorkerStatus[]> {
    return readWorkerRegistry(this.redis);
  }

  async close(): Promise<void> {
    for (const pending of this.pending.values()) pending.reject(new TaskFailed('The server is shutting down.', 'queue closed'));
    this.pending.clear();
    const closing = Promise.all([...Object.values(this.queues).map((q) => q.close()), ...this.queueEvents.map((e) => e.close())]);
    // With Redis unreachable a graceful close never finishes: give it a moment, then drop the connections.
    await Promise.race([closing, new Promise((r) => setTimeout(r, 3000).unref())]);
    for (const client of [...Object.values(this.queues), ...this.queueEvents]) void client.disconnect().catch(() => undefined);
    this.redis.disconnect();
  }
}
