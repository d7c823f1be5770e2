import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { statusTrail, stepsOf, waitUntil, type StepRow } from '../support/engine-harness';
import { irisGraph, useTempDataDir, withParams } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

// Engine settings are read once, when getEngine() first runs: this file gets its own process and a
// tiny artifact cap (about 10 KB, less than one run's cached outputs). Set before importing.
const temp = useTempDataDir('gc', 2);
process.env.PIPELOOM_ARTIFACT_CAP_MB = '0.01';
delete process.env.PIPELOOM_STEP_TIMEOUT_S;

type Db = typeof import('../../server/db');
type Instance = typeof import('../../server/engine/instance');
let db: Db;
let instance: Instance;
const pool = () => instance.getEngine().queue as LocalWorkerPool;
const artifacts = path.join(temp.dataDir, 'artifacts');
const CAP = 0.01 * 2 ** 20;

interface CacheRow {
  cacheKey: string;
  sizeBytes: number;
  lastUsedAt: number;
}

/** step_cache as it was at the last event of each watched run: just before that run's collection. */
const beforeCollection = new Map<string, CacheRow[]>();
const savedKeys = () => new Set(db.getDb().select({ id: db.schema.models.id }).from(db.schema.models).all().map((m) => m.id));
/** What the collection may remove: the cached outputs that are not saved models (those are never collected). */
const cacheRows = (): CacheRow[] => {
  const saved = savedKeys();
  return db
    .getDb()
    .select()
    .from(db.schema.stepCache)
    .all()
    .filter((r) => !saved.has(r.cacheKey))
    .map(({ cacheKey, sizeBytes, lastUsedAt }) => ({ cacheKey, sizeBytes, lastUsedAt }));
};

beforeAll(async () => {
  db = await import('../../server/db');
  instance = await import('../../server/engine/instance');
  await pool().ready();
  // The engine emits a run's final 'run' event, then collects garbage, then resolves waitFor: a
  // snapshot taken on every event of a run ends up holding the cache as the collection found it.
  instance.getEngine().events.on('event', (runId: string) => {
    if (beforeCollection.has(runId)) beforeCollection.set(runId, cacheRows());
  });
});

afterAll(async () => {
  await instance?.shutdownEngine();
  db?.getDb().$client.close();
  temp.cleanup();
});

const graphWith = (learningRate: number, epochs = 30, extra: Record<string, unknown> = {}): GraphFile =>
  withParams(withParams(irisGraph(), 'train', { learningRate, epochs, ...extra }), 'deploy', { modelName: 'gc-model' });

async function start(graph: GraphFile): Promise<string> {
  const started = await instance.getEngine().start(graph, { workspaceId: FIRST_WORKSPACE_ID });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  beforeCollection.set(started.runId, cacheRows());
  return started.runId;
}

const sum = (rows: CacheRow[]) => rows.reduce((total, r) => total + r.sizeBytes, 0);

/**
 * What the collection at the end of `runId` did, checked against the rule: entries not used by an
 * active run are removed least recently used first, until the total is within the cap.
 */
function checkCollection(runId: string, inUse: ReadonlySet<string> = new Set()) {
  const before = beforeCollection.get(runId)!;
  const now = new Set(cacheRows().map((r) => r.cacheKey));
  const kept = before.filter((r) => now.has(r.cacheKey));
  const removed = before.filter((r) => !now.has(r.cacheKey));
  const collectable = kept.filter((r) => !inUse.has(r.cacheKey));
  const total = sum(kept);
  expect(sum(before), 'the cap was exceeded before the collection (else this checks nothing)').toBeGreaterThan(CAP);
  expect(removed.length).toBeGreaterThan(0);
  // Within the cap, unless only what active runs use is left.
  if (collectable.length > 0) expect(total).toBeLessThanOrEqual(CAP);
  // Nothing an active run uses was removed.
  for (const r of removed) expect(inUse.has(r.cacheKey), r.cacheKey).toBe(false);
  // Least recently used first: every removed entry was last used no later than any collectable one kept.
  const newestRemoved = Math.max(...removed.map((r) => r.lastUsedAt));
  for (const r of collectable) expect(r.lastUsedAt).toBeGreaterThanOrEqual(newestRemoved);
  // And no more than needed: the last entry removed was still over the cap.
  const lastRemoved = removed.filter((r) => r.lastUsedAt === newestRemoved);
  expect(lastRemoved.some((r) => total + r.sizeBytes > CAP)).toBe(true);
  // Files follow the table: removed entries' folders are gone, kept ones are there.
  for (const r of removed) expect(existsSync(path.join(artifacts, r.cacheKey)), `removed ${r.cacheKey}`).toBe(false);
  for (const r of kept) expect(existsSync(path.join(artifacts, r.cacheKey)), `kept ${r.cacheKey}`).toBe(true);
  return { kept, removed };
}

const firstRun: { graph?: GraphFile; steps?: Record<string, StepRow> } = {};

describe('garbage collection of cached step outputs (PIPELOOM_ARTIFACT_CAP_MB=0.01)', () => {
  it('after each run, the cache is back within the cap, least recently used entries removed first', async () => {
    expect(instance.engineSettings().artifactCapBytes).toBe(CAP);
    const engine = instance.getEngine();
    for (const [i, learningRate] of [0.05, 0.1, 0.2].entries()) {
      const graph = graphWith(learningRate);
      const runId = await start(graph);
      expect(await engine.waitFor(runId)).toBe('succeeded');
      const steps = stepsOf(db, runId);
      if (i === 0) Object.assign(firstRun, { graph, steps });
      expect(steps.evaluate.metrics?.accuracy, `run ${i}`).toBeGreaterThanOrEqual(0.8);
      checkCollection(runId);
      expect(sum(cacheRows())).toBeLessThanOrEqual(CAP);
    }
  });

  it('a collection while another run is active keeps everything that run uses; that run then finishes', async () => {
    const engine = instance.getEngine();
    // A run long enough to still be training while a short run starts and finishes next to it.
    const long = graphWith(0.3, 500, { batchSize: 128, seed: 9 });
    const longId = await start(long);
    await waitUntil('the long run to be training', () => stepsOf(db, longId).train.status === 'running');
    const longKeys = new Set(Object.values(stepsOf(db, longId)).map((s) => s.cacheKey));
    const shortId = await start(graphWith(0.4));
    expect(await engine.waitFor(shortId)).toBe('succeeded');
    expect(engine.isActive(longId)).toBe(true);
    const { kept } = checkCollection(shortId, longKeys);
    // The long run's finished steps (data, split, model) survived, with their files, though the
    // cache is over its cap because of them: the long run still needs split for Evaluate.
    const longSteps = stepsOf(db, longId);
    for (const id of ['data', 'split', 'model']) {
      expect(kept.map((r) => r.cacheKey), id).toContain(longSteps[id].cacheKey);
      expect(existsSync(path.join(artifacts, longSteps[id].cacheKey)), id).toBe(true);
    }
    expect(sum(kept)).toBeGreaterThan(CAP);
    expect(await engine.waitFor(longId)).toBe('succeeded');
    expect(stepsOf(db, longId).evaluate.metrics?.accuracy).toBeGreaterThanOrEqual(0.8);
    checkCollection(longId);
    expect(sum(cacheRows())).toBeLessThanOrEqual(CAP);
  });

  it('deployed models are never collected: every published version still answers predictions', async () => {
    const { predict } = await import('../../server/serving/predict');
    const deployments = db.getDb().select().from(db.schema.deployments).all();
    expect(deployments.map((d) => d.version).sort()).toEqual([1, 2, 3, 4, 5]);
    const cached = new Set(cacheRows().map((r) => r.cacheKey));
    const row = { sepal_length_cm: 6.3, sepal_width_cm: 3.3, petal_length_cm: 6.0, petal_width_cm: 2.5 };
    for (const d of deployments) {
      expect(cached.has(d.artifactKey)).toBe(false);
      expect(existsSync(path.join(artifacts, d.artifactKey, 'deployment.json')), `version ${d.version}`).toBe(true);
      const answer = await predict('gc-model', { rows: [row] }, d.version);
      expect(answer).toMatchObject({ model: 'gc-model', version: d.version, task: 'classification' });
      expect(['setosa', 'versicolor', 'virginica']).toContain(answer.predictions[0].predicted);
    }
  });

  it('every trained model is saved and never collected, though the cache is over its cap with them', async () => {
    const saved = db.getDb().select().from(db.schema.models).all();
    // One per run that trained: three learning rates, the long run and the short one.
    expect(saved).toHaveLength(5);
    expect(saved.map((m) => m.id)).toContain(firstRun.steps!.train.cacheKey);
    const cache = new Map(db.getDb().select().from(db.schema.stepCache).all().map((r) => [r.cacheKey, r.sizeBytes]));
    for (const m of saved) {
      expect(cache.has(m.id), m.id).toBe(true);
      expect(existsSync(path.join(artifacts, m.id, 'model.json')), m.id).toBe(true);
    }
    expect(sum(cacheRows())).toBeLessThanOrEqual(CAP);
    expect(sum(cacheRows()) + saved.reduce((total, m) => total + cache.get(m.id)!, 0)).toBeGreaterThan(CAP);
  });

  it('deleting saved models releases them: the next collection removes the least recently used first', async () => {
    const engine = instance.getEngine();
    const released = db.getDb().select().from(db.schema.models).all();
    for (const m of released) expect(engine.deleteSavedModel(FIRST_WORKSPACE_ID, m.id)).toBe(true);
    const before = cacheRows();
    expect(sum(before)).toBeGreaterThan(CAP);
    const { removed } = engine.collectGarbage();
    expect(removed).toBeGreaterThan(0);
    const now = new Set(cacheRows().map((r) => r.cacheKey));
    expect(sum(cacheRows())).toBeLessThanOrEqual(CAP);
    const oldestKept = Math.min(...before.filter((r) => now.has(r.cacheKey)).map((r) => r.lastUsedAt));
    for (const r of before.filter((r) => !now.has(r.cacheKey))) {
      expect(r.lastUsedAt).toBeLessThanOrEqual(oldestKept);
      expect(existsSync(path.join(artifacts, r.cacheKey))).toBe(false);
    }
    // The first run's training, used by no run since, was among them.
    expect(now.has(firstRun.steps!.train.cacheKey)).toBe(false);
  });

  it('a re-run recomputes the collected steps and gets the same result', async () => {
    const engine = instance.getEngine();
    const { graph, steps: original } = firstRun as Required<typeof firstRun>;
    const cached = new Set(cacheRows().map((r) => r.cacheKey));
    // The first run's training was collected once its saved model was deleted.
    expect(cached.has(original.train.cacheKey)).toBe(false);
    const runId = await start(graph);
    expect(await engine.waitFor(runId)).toBe('succeeded');
    const steps = stepsOf(db, runId);
    for (const id of ['data', 'split', 'model', 'train', 'evaluate']) {
      expect(steps[id].cacheKey, id).toBe(original[id].cacheKey);
      const expected = cached.has(original[id].cacheKey) ? 'cached' : 'done';
      expect(steps[id].status, id).toBe(expected);
      expect(statusTrail(db, runId, id), id).toEqual(expected === 'cached' ? ['cached'] : ['queued', 'running', 'done']);
    }
    expect(steps.train.status).toBe('done');
    // Same seeds, same backend: the recomputed model scores exactly as the first one did.
    expect(steps.evaluate.metrics).toEqual(original.evaluate.metrics);
    checkCollection(runId);
  });
});
