/**
 * Cluster-mode faults with the default settings (a 30 s lock): a real redis-server killed and
 * restarted empty while Train runs, a cancel issued while Redis is away, and a `pipeloom worker`
 * SIGKILLed mid-training. Each ends (or resumes from its checkpoint) within PIPELOOM_LOCK_MS + 5 s.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { WorkerProcesses } from '../support/cluster';
import { childPidsOf, eventsOf, stepsOf, waitUntil } from '../support/engine-harness';
import { irisGraph, useTempDataDir, withParams } from '../support/pipeloom';
import { TestRedis } from '../support/redis';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const DEFAULT_LOCK_MS = 30_000;
const BOUND_MS = DEFAULT_LOCK_MS + 5000;

const temp = useTempDataDir('cluster-faults');
let redis: TestRedis;
const processes = new WorkerProcesses();
type Instance = typeof import('../../server/engine/instance');
type DbModule = typeof import('../../server/db');
let instance: Instance;
let db: DbModule;

beforeAll(async () => {
  redis = await TestRedis.start();
  delete process.env.PIPELOOM_LOCK_MS;
  delete process.env.PIPELOOM_ENQUEUE_TIMEOUT_MS;
  Object.assign(process.env, {
    PIPELOOM_REDIS_URL: redis.url,
    PIPELOOM_ARTIFACTS: path.join(temp.dataDir, 'shared-artifacts'),
    PIPELOOM_HEARTBEAT_MS: '500',
  });
  processes.start('a');
  processes.start('b');
  db = await import('../../server/db');
  instance = await import('../../server/engine/instance');
  await waitUntil('two workers to register', async () => (await instance.getEngine().queue.workers()).length === 2, 90_000, 100);
});

afterAll(async () => {
  await instance?.shutdownEngine();
  processes.killAll();
  await redis?.stop();
  db?.getDb().$client.close();
  temp.cleanup();
});

/** Iris with a Train of about 7 s (3000 one-batch epochs) that saves a checkpoint every 2 s; its own seed, so nothing is cached. */
function longIris(seed: number, modelName: string): GraphFile {
  return withParams(withParams(irisGraph(), 'train', { epochs: 3000, batchSize: 128, seed }), 'deploy', { modelName });
}

const trainLogs = (runId: string) =>
  eventsOf(db, runId)
    .filter((e) => e.kind === 'log' && e.nodeId === 'train')
    .map((e) => String(e.payload.message));

/** Starts the graph and waits until Train runs and has saved a checkpoint; returns the run id and the pid of the process training. */
async function trainingWithCheckpoint(graph: GraphFile): Promise<{ runId: string; trainerPid: number }> {
  const engine = instance.getEngine();
  const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  const { runId } = started;
  const checkpoint = path.join(process.env.PIPELOOM_ARTIFACTS!, 'checkpoints', stepsOf(db, runId).train.cacheKey);
  await waitUntil(
    'Train running with a checkpoint',
    () => {
      if (stepsOf(db, runId).train.status === 'done') throw new Error('Train finished before its first checkpoint: raise its epochs.');
      return stepsOf(db, runId).train.status === 'running' && existsSync(checkpoint);
    },
    90_000,
    20,
  );
  const startedOn = trainLogs(runId).find((m) => m.startsWith('Started on worker'))!;
  return { runId, trainerPid: Number(/ pid (\d+),/.exec(startedOn)![1]) };
}

async function workersIdle(): Promise<boolean> {
  const workers = await instance.getEngine().queue.workers();
  return workers.length === 2 && workers.every((w) => w.busyWith.length === 0);
}

describe('cluster faults with the default 30 s lock', () => {
  it('Redis killed and restarted empty mid-step: the lost step is queued again and resumes from its checkpoint', async () => {
    const engine = instance.getEngine();
    const { runId } = await trainingWithCheckpoint(longIris(101, 'cf-redis'));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    const restartedAt = Date.now();
    await waitUntil('Train to start again', () => trainLogs(runId).some((m) => /^Started on worker .*\(attempt 2\)/.test(m)), BOUND_MS + 10_000, 50);
    const requeuedMs = Date.now() - restartedAt;
    console.log(`Redis restarted empty: the lost step was running again ${requeuedMs} ms after Redis came back.`);
    expect(requeuedMs).toBeLessThanOrEqual(BOUND_MS);

    expect(await engine.waitFor(runId)).toBe('succeeded');
    const steps = stepsOf(db, runId);
    for (const step of Object.values(steps)) expect(step.status, step.nodeId).toBe('done');
    const logs = trainLogs(runId);
    expect(logs).toContain('Redis lost this step (it restarted without its data); it is queued again and resumes from its last checkpoint.');
    expect(logs.some((m) => /^Resuming from the checkpoint saved after epoch \d+/.test(m)), JSON.stringify(logs)).toBe(true);
    expect(steps.evaluate.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);
    await waitUntil('both workers idle again', workersIdle, 30_000, 100);
  });

  it('a cancel issued while Redis is away wins at once; the worker stops its copy once Redis is back', async () => {
    const engine = instance.getEngine();
    const { runId } = await trainingWithCheckpoint(longIris(202, 'cf-cancel'));
    await redis.stop();
    const cancelledAt = Date.now();
    expect(engine.cancel(runId)).toBe(true);
    expect(await engine.waitFor(runId)).toBe('cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(2000);
    const steps = stepsOf(db, runId);
    expect(steps.train.status).toBe('cancelled');
    for (const step of Object.values(steps)) expect(['done', 'cached', 'cancelled'], step.nodeId).toContain(step.status);
    const run = db.getDb().select().from(db.schema.runs).all().find((r) => r.id === runId)!;
    expect(run).toMatchObject({ status: 'cancelled' });
    expect(run.cancelRequestedAt).toBeGreaterThan(0);

    await redis.restart();
    const backAt = Date.now();
    await waitUntil('both workers idle again', workersIdle, BOUND_MS, 100);
    console.log(`Cancel during a Redis outage: the run ended at once; the worker stopped its copy ${Date.now() - backAt} ms after Redis came back.`);
    expect(stepsOf(db, runId).train.status).toBe('cancelled');
    expect(engine.recoverRuns()).toEqual([]);
  });

  it('a worker SIGKILLed mid-training: the surviving worker takes the step within the lock + 5 s and resumes it', async () => {
    const engine = instance.getEngine();
    const { runId, trainerPid } = await trainingWithCheckpoint(longIris(303, 'cf-kill'));
    const victim = Object.values(processes.byName).find((child) => childPidsOf(child.pid!).includes(trainerPid))!;
    expect(victim).toBeDefined();
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await waitUntil('Train to start on the other worker', () => trainLogs(runId).some((m) => /^Started on worker .*\(attempt 2\)/.test(m)), BOUND_MS + 10_000, 50);
    const pickupMs = Date.now() - killedAt;
    console.log(`Worker killed with the default 30 s lock: its step was running again on the other worker ${pickupMs} ms later.`);
    expect(pickupMs).toBeLessThanOrEqual(BOUND_MS);

    expect(await engine.waitFor(runId)).toBe('succeeded');
    const logs = trainLogs(runId);
    const restarted = logs.find((m) => /^Started on worker .*\(attempt 2\)/.test(m))!;
    expect(restarted).not.toContain(`pid ${trainerPid},`);
    expect(logs.some((m) => /stopped answering/.test(m))).toBe(true);
    expect(logs.some((m) => /^Resuming from the checkpoint saved after epoch \d+/.test(m)), JSON.stringify(logs)).toBe(true);
    expect(stepsOf(db, runId).train.attempts).toBe(2);
  });
});
