/**
 * `pipeloom worker` in cluster mode: takes steps from BullMQ on Redis and runs each in a local
 * child process (LocalWorkerPool), so CPU-bound training never starves this process's event loop
 * and BullMQ's lock renewal keeps working. Any machine with the same Redis URL and artifact path joins.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  CANCEL_CHANNEL,
  createRedis,
  DETAILS_SEPARATOR,
  QUEUE_NAMES,
  redisConnection,
  reportRedisErrors,
  heartbeatMs,
  readWorkerRegistry,
  stalledIntervalMs,
  WORKER_KEY_PREFIX,
  type ClusterProgress,
} from '../engine/bullmq-queue';
import { LocalWorkerPool } from '../engine/local-pool';
import { servesGpu, TaskFailed, type StepTask, type TaskResult, type WorkerStatus } from '../engine/protocol';

/** How long a GPU-preferring step handed back by a worker without a GPU waits before it is offered again. */
const GPU_DEFER_MS = 1000;

export interface ClusterWorkerOptions {
  redisUrl: string;
  /** Steps this process runs at once (one child process each). */
  concurrency: number;
  root: string;
  artifacts: string;
  /** How long a job's lock lasts without renewal: a killed worker's step is retried after about this long. */
  lockMs: number;
  /** Times a step may be picked up again after its worker vanished. */
  maxStalls: number;
  log(message: string): void;
}

export async function runClusterWorker(options: ClusterWorkerOptions): Promise<{ close(): Promise<void> }> {
  const pool = new LocalWorkerPool({ size: options.concurrency, root: options.root, env: { PIPELOOM_ARTIFACTS: options.artifacts } });
  pool.start();
  const infos = await pool.ready();
  const startedAt = Date.now();
  const hasGpu = infos.some(servesGpu);
  const onError = reportRedisErrors(options.redisUrl, 'worker');
  const redis = createRedis(options.redisUrl);
  redis.on('error', onError);

  const processor = async (job: Job<StepTask>, token?: string): Promise<TaskResult> => {
    // Without a GPU, take a GPU-preferring step only while no GPU worker is alive; else hand it back.
    if (job.queueName === QUEUE_NAMES.gpu && !hasGpu && (await readWorkerRegistry(redis)).some((w) => w.info && servesGpu(w.info))) {
      await job.moveToDelayed(Date.now() + GPU_DEFER_MS, token);
      throw new DelayedError();
    }
    const progress = (message: ClusterProgress) => void job.updateProgress(message).catch(onError);
    try {
      // This process's BullMQ attempts are the retries: a lost child is not retried locally too.
      return await pool.run({ ...job.data, maxAttempts: 1 }, { onStart: (worker) => progress({ type: 'started', worker }), onEvent: progress });
    } catch (error) {
      const failed = error instanceof TaskFailed ? error : new TaskFailed(String(error), String(error));
      const reason = `${failed.message}${DETAILS_SEPARATOR}${failed.details}`;
      // A step that threw will throw again: only a lost worker process is worth another attempt.
      throw failed.workerLost ? new Error(reason) : new UnrecoverableError(reason);
    }
  };

  const connection = redisConnection(options.redisUrl);
  const settings = {
    connection,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: stalledIntervalMs(options.lockMs),
    maxStalledCount: options.maxStalls,
    // After Redis comes back, take steps again within a second (BullMQ waits 15 s by default).
    runRetryDelay: 1000,
  };
  // Every worker consumes both queues, so GPU-preferring steps never wait for a GPU that is gone.
  const queueNames = [QUEUE_NAMES.gpu, QUEUE_NAMES.cpu];
  const workers = queueNames.map((name) => {
    const worker = new Worker<StepTask, TaskResult>(name, processor, settings);
    worker.on('error', onError);
    worker.on('failed', (job, error) => job && options.log(`step ${job.data.nodeId} (run ${job.data.runId.slice(0, 8)}) failed: ${error.message.split(DETAILS_SEPARATOR)[0]}`));
    worker.on('completed', (job) => options.log(`step ${job.data.nodeId} (run ${job.data.runId.slice(0, 8)}) done`));
    // The job's lock is gone (Redis restarted without it, or it ran out): another worker may be
    // running the step by now, so this one stops its copy instead of computing a result for nobody.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) {
        options.log(`lost the lock of job ${jobId}: stopping its step here`);
        pool.cancel(jobId);
      }
    });
    return worker;
  });

  const subscriber: Redis = redis.duplicate();
  subscriber.on('error', onError);
  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel, taskId: string) => pool.cancel(taskId));

  const beat = heartbeatMs();
  const heartbeat = async () => {
    for (const status of await pool.workers()) {
      if (!status.info) continue;
      const entry: WorkerStatus = { ...status, startedAt, heartbeatAt: Date.now() };
      await redis.set(`${WORKER_KEY_PREFIX}${status.info.id}`, JSON.stringify(entry), 'PX', beat * 3);
    }
  };
  await heartbeat().catch(onError);
  const timer = setInterval(() => void heartbeat().catch(onError), beat);
  options.log(
    `Worker joined ${options.redisUrl}: ${infos.length} process(es), backend ${[...new Set(infos.map((i) => i.backend))].join(', ')}${hasGpu ? ', GPU-capable' : ''}.`,
  );

  return {
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await pool.close();
      await redis.del(...infos.map((i) => `${WORKER_KEY_PREFIX}${i.id}`)).catch(() => undefined);
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
