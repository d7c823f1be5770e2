/**
 * Cluster mode for real: redis-server, two plain `pipeloom worker` processes and one that declares
 * a GPU, the engine on BullMQ. Routing, a worker SIGKILLed mid-training, and Redis going away.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerProcesses } from '../support/cluster';
import { irisGraph, useTempDataDir, withParams } from '../support/pipeloom';
import { TestRedis } from '../support/redis';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const temp = useTempDataDir('cluster');
let redis: TestRedis;
const processes = new WorkerProcesses();
const workers = processes.byName;
type Instance = typeof import('../../server/engine/instance');
type DbModule = typeof import('../../server/db');
let instance: Instance;
let dbModule: DbModule;

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function steps(runId: string) {
  const { getDb, schema } = dbModule;
  const rows = getDb().select().from(schema.runSteps).all().filter((s) => s.runId === runId);
  return Object.fromEntries(rows.map((r) => [r.nodeId, r]));
}

function events(runId: string) {
  const { getDb, schema } = dbModule;
  return getDb()
    .select()
    .from(schema.runEvents)
    .all()
    .filter((e) => e.runId === runId)
    .map((e) => ({ ...e, payload: JSON.parse(e.payload) as Record<string, unknown> }));
}

beforeAll(async () => {
  redis = await TestRedis.start();
  Object.assign(process.env, {
    PIPELOOM_REDIS_URL: redis.url,
    PIPELOOM_ARTIFACTS: path.join(temp.dataDir, 'shared-artifacts'),
    PIPELOOM_LOCK_MS: '2000',
    PIPELOOM_HEARTBEAT_MS: '500',
    PIPELOOM_ENQUEUE_TIMEOUT_MS: '4000',
  });
  processes.start('a');
  processes.start('b');
  processes.start('gpu', { PIPELOOM_WORKER_TAGS: 'gpu' });
  dbModule = await import('../../server/db');
  instance = await import('../../server/engine/instance');
  await until(async () => ((await instance.getEngine().queue.workers()).length === 3 ? true : undefined), 'three workers to register');
});

afterAll(async () => {
  await instance?.shutdownEngine();
  processes.killAll();
  await redis?.stop();
  dbModule?.getDb().$client.close();
  temp.cleanup();
});

describe('cluster mode (BullMQ on Redis)', () => {
  it('runs the iris pipeline on the workers and routes training to the GPU-capable one', async () => {
    const engine = instance.getEngine();
    expect(engine.queue.mode).toBe('cluster');
    const registry = await engine.queue.workers();
    const gpuPid = registry.find((w) => w.info?.tags.includes('gpu'))!.info!.pid;
    const started = await engine.start(irisGraph(), { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('succeeded');
    const s = steps(started.runId);
    expect(JSON.parse(s.evaluate.metrics!).accuracy).toBeGreaterThanOrEqual(0.9);
    const startedOn = events(started.runId).filter((e) => e.nodeId === 'train' && e.kind === 'log' && String(e.payload.message).startsWith('Started on worker'));
    expect(startedOn.map((e) => String(e.payload.message))).toEqual([expect.stringContaining(`pid ${gpuPid}`)]);
    // Progress came back through the queue's events: an epoch event per epoch.
    expect(events(started.runId).filter((e) => e.nodeId === 'train' && e.kind === 'epoch')).toHaveLength(60);
  });

  it('a worker SIGKILLed mid-training: the step is picked up by another worker and the run completes', async () => {
    const engine = instance.getEngine();
    const graph = withParams(withParams(irisGraph(), 'train', { epochs: 2500 }), 'deploy', { modelName: 'iris-cluster' });
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const runId = started.runId;
    // Kill once training has saved a checkpoint (every 2 s), so the retry has something to resume from.
    const checkpoint = path.join(process.env.PIPELOOM_ARTIFACTS!, 'checkpoints', steps(runId).train.cacheKey);
    await until(() => (existsSync(checkpoint) ? true : undefined), 'a training checkpoint');
    // Training prefers the GPU worker: kill that whole `pipeloom worker` process.
    workers.gpu.kill('SIGKILL');
    expect(await engine.waitFor(runId)).toBe('succeeded');
    const s = steps(runId);
    expect(s.train.status).toBe('done');
    const trainLogs = events(runId).filter((e) => e.nodeId === 'train' && e.kind === 'log').map((e) => String(e.payload.message));
    expect(trainLogs.some((m) => m.includes('Resuming from the checkpoint'))).toBe(true);
    expect(trainLogs.filter((m) => m.startsWith('Started on worker')).length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(s.evaluate.metrics!).accuracy).toBeGreaterThanOrEqual(0.9);
    // Nothing upstream re-ran.
    for (const nodeId of ['data', 'split', 'model']) {
      expect(events(runId).filter((e) => e.nodeId === nodeId && e.kind === 'step' && e.payload.status === 'running')).toHaveLength(s[nodeId].status === 'cached' ? 0 : 1);
    }
  });

  it('Redis away mid-run: the step waits and retries, and the run finishes once Redis is back', async () => {
    const engine = instance.getEngine();
    await redis.stop();
    const graph = withParams(irisGraph(), 'train', { epochs: 61 });
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    // The run record exists at once, in SQLite, whatever Redis does.
    expect(steps(started.runId).train.status).toMatch(/pending|queued/);
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    expect(await engine.waitFor(started.runId)).toBe('succeeded');
  });

  it('Redis gone for good while a step runs: the step fails with a plain message once the enqueue timeout has passed', async () => {
    const engine = instance.getEngine();
    const started = await engine.start(withParams(irisGraph(), 'train', { epochs: 2500, seed: 5 }), { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    await until(() => (steps(started.runId).train.status === 'running' ? true : undefined), 'train to run');
    await redis.stop();
    const stoppedAt = Date.now();
    expect(await engine.waitFor(started.runId)).toBe('failed');
    // PIPELOOM_ENQUEUE_TIMEOUT_MS is 4 s here; the server looks every second.
    expect(Date.now() - stoppedAt).toBeLessThan(4000 + 3000);
    expect(steps(started.runId).train.error).toMatch(/^Lost contact with Redis for more than \d+ s while this step was queued or running\. Check that Redis is running, then run again\.$/);
    expect(['evaluate', 'deploy'].map((id) => steps(started.runId)[id].status)).toEqual(['skipped', 'skipped']);
  });

  it('Redis gone for good: the step fails with a plain message and the run record stays', async () => {
    const engine = instance.getEngine();
    await redis.stop();
    const started = await engine.start(withParams(irisGraph(), 'train', { epochs: 62 }), { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('failed');
    // Whichever step came first to the queue (all cached ones are reused) fails in plain words.
    const s = Object.values(steps(started.runId));
    const failed = s.filter((step) => step.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const step of failed) expect(step.error).toMatch(/could not be queued.*Redis/);
    expect(s.find((step) => step.nodeId === 'deploy')?.status).toBe('skipped');
  });
});
