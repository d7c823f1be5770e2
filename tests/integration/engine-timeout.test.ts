import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { eventsOf, statusTrail, stepsOf } from '../support/engine-harness';
import { irisGraph, useTempDataDir, withParams } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

// Engine settings are read once, when getEngine() first runs: this file gets its own process and a
// 2 s step time limit. Set before importing any server module.
const temp = useTempDataDir('timeout', 2);
process.env.PIPELOOM_STEP_TIMEOUT_S = '2';
process.env.PIPELOOM_STEP_ATTEMPTS = '3';
delete process.env.PIPELOOM_ARTIFACT_CAP_MB;

type Db = typeof import('../../server/db');
type Instance = typeof import('../../server/engine/instance');
let db: Db;
let instance: Instance;
const pool = () => instance.getEngine().queue as LocalWorkerPool;

beforeAll(async () => {
  db = await import('../../server/db');
  instance = await import('../../server/engine/instance');
  await pool().ready();
});

afterAll(async () => {
  await instance?.shutdownEngine();
  db?.getDb().$client.close();
  temp.cleanup();
});

describe('step time limit (PIPELOOM_STEP_TIMEOUT_S=2)', () => {
  it('a step over the limit is stopped and fails with a plain message; its downstream is skipped; it is not retried', async () => {
    expect(instance.engineSettings().stepTimeoutMs).toBe(2000);
    const engine = instance.getEngine();
    // About 12 s of training: far over the limit.
    const graph = withParams(withParams(irisGraph(), 'train', { epochs: 3000, batchSize: 128, seed: 5 }), 'deploy', { modelName: 'too-slow' });
    const pidsBefore = pool().pids();
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const status = await engine.waitFor(started.runId);

    expect(status).toBe('failed');
    const steps = stepsOf(db, started.runId);
    for (const id of ['data', 'split', 'model']) expect(steps[id].status, id).toBe('done');
    expect(steps.train.status).toBe('failed');
    expect(steps.train.error).toMatch(/ran longer than its time limit of 2 s/);
    expect(steps.train.error).toContain('PIPELOOM_STEP_TIMEOUT_S');
    // A time limit is final: no second attempt (unlike a worker that dies on its own).
    expect(steps.train.attempts).toBe(1);
    expect(statusTrail(db, started.runId, 'train')).toEqual(['queued', 'running', 'failed']);
    const ranMs = steps.train.finishedAt! - steps.train.startedAt!;
    expect(ranMs).toBeGreaterThanOrEqual(2000);
    expect(ranMs).toBeLessThan(6000);
    const events = eventsOf(db, started.runId);
    expect(events.some((e) => e.kind === 'log' && /Retrying/.test(String(e.payload.message)))).toBe(false);
    // It was stopped mid-training, long before its last epoch.
    const epochs = events.filter((e) => e.kind === 'epoch' && e.nodeId === 'train').map((e) => Number(e.payload.epoch));
    expect(epochs.length).toBeGreaterThan(0);
    expect(Math.max(...epochs)).toBeLessThan(3000);

    for (const id of ['evaluate', 'deploy']) {
      expect(steps[id].status, id).toBe('skipped');
      expect(statusTrail(db, started.runId, id), id).toEqual(['skipped']);
    }
    const { getDb, schema } = db;
    const row = getDb().select().from(schema.runSteps).all().find((s) => s.runId === started.runId && s.nodeId === 'train')!;
    expect(row.errorDetails).toContain('killed after 2 s');
    expect(getDb().select().from(schema.stepCache).all().map((c) => c.cacheKey)).not.toContain(steps.train.cacheKey);
    expect(getDb().select().from(schema.deployments).all()).toEqual([]);

    // The worker that ran over was killed and replaced: the pool is back to two ready workers.
    const killed = Number(/pid (\d+)/.exec(String(events.find((e) => e.kind === 'log' && e.nodeId === 'train')?.payload.message))?.[1]);
    expect(pidsBefore).toContain(killed);
    await pool().ready();
    expect(pool().pids()).toHaveLength(2);
    expect(pool().pids()).not.toContain(killed);
  });

  it('the pool recovers: a following short run succeeds, reusing what the failed run finished', async () => {
    const engine = instance.getEngine();
    const graph = withParams(withParams(irisGraph(), 'train', { epochs: 20, seed: 6 }), 'deploy', { modelName: 'quick' });
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('succeeded');
    const steps = stepsOf(db, started.runId);
    for (const id of ['data', 'split', 'model']) expect(steps[id].status, id).toBe('cached');
    for (const id of ['train', 'evaluate', 'deploy']) expect(steps[id].status, id).toBe('done');
    expect(steps.deploy.metrics).toMatchObject({ modelName: 'quick', version: 1 });
    expect((await pool().workers()).every((w) => w.busyWith.length === 0)).toBe(true);
  });
});
