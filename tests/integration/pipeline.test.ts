import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { edge, irisGraph, node, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const server = useTestServer('pipeline', 2, { warmWorkers: true });

interface StepRow {
  nodeId: string;
  status: string;
  cacheKey: string;
  error: string | null;
  metrics: Record<string, unknown> | null;
}

function stepsOf(runId: string): Record<string, StepRow> {
  const { getDb, schema } = server.db;
  const rows = getDb().select().from(schema.runSteps).all().filter((s) => s.runId === runId);
  return Object.fromEntries(
    rows.map((s) => [s.nodeId, { nodeId: s.nodeId, status: s.status, cacheKey: s.cacheKey, error: s.error, metrics: s.metrics ? JSON.parse(s.metrics) : null }]),
  );
}

function eventsOf(runId: string) {
  const { getDb, schema } = server.db;
  return getDb()
    .select()
    .from(schema.runEvents)
    .all()
    .filter((e) => e.runId === runId)
    .map((e) => ({ id: e.id, nodeId: e.nodeId, kind: e.kind, payload: JSON.parse(e.payload) as Record<string, unknown>, at: e.createdAt }));
}

/** Every status a step went through, from its 'step' events. */
function statusTrail(runId: string, nodeId: string): string[] {
  return eventsOf(runId)
    .filter((e) => e.kind === 'step' && e.nodeId === nodeId)
    .map((e) => String(e.payload.status));
}

async function run(graph: GraphFile): Promise<{ runId: string; status: string; steps: Record<string, StepRow> }> {
  const engine = server.instance.getEngine();
  const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  const status = await engine.waitFor(started.runId);
  return { runId: started.runId, status, steps: stepsOf(started.runId) };
}

const NON_DEPLOY = ['data', 'split', 'model', 'train', 'evaluate'];
const iris = irisGraph();

describe('pipeline runs on real worker processes', () => {
  let first: Awaited<ReturnType<typeof run>>;

  it('runs the iris example: every step done, accuracy ≥ 0.9, deploy publishes version 1', async () => {
    first = await run(iris);
    expect(first.status).toBe('succeeded');
    expect(Object.keys(first.steps).sort()).toEqual(['data', 'deploy', 'evaluate', 'model', 'split', 'train']);
    for (const step of Object.values(first.steps)) expect(step.status, step.nodeId).toBe('done');

    const metrics = first.steps.evaluate.metrics!;
    expect(metrics.task).toBe('classification');
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(metrics.testRows).toBe(45); // 30% of 150, stratified
    expect(first.steps.deploy.metrics).toMatchObject({ modelName: 'iris', version: 1 });

    // Each step went pending → queued → running → done, and train reported one epoch event per epoch.
    expect(statusTrail(first.runId, 'train')).toEqual(['queued', 'running', 'done']);
    const epochs = eventsOf(first.runId).filter((e) => e.kind === 'epoch' && e.nodeId === 'train');
    expect(epochs.map((e) => e.payload.epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));

    const { getDb, schema } = server.db;
    const runRow = getDb().select().from(schema.runs).all().find((r) => r.id === first.runId)!;
    expect(runRow).toMatchObject({ status: 'succeeded', backend: expect.any(String) });
    expect(runRow.finishedAt).toBeGreaterThanOrEqual(runRow.startedAt!);
  });

  it('a second start of the same graph reuses every step: its model is live already, so Deploy publishes nothing', async () => {
    const second = await run(iris);
    expect(second.status).toBe('succeeded');
    expect(second.runId).not.toBe(first.runId);
    for (const id of [...NON_DEPLOY, 'deploy']) {
      expect(second.steps[id].status, id).toBe('cached');
      if (id !== 'deploy') expect(second.steps[id].cacheKey, id).toBe(first.steps[id].cacheKey);
      // Nothing was dispatched: the only status a cached step ever had is 'cached'.
      expect(statusTrail(second.runId, id), id).toEqual(['cached']);
    }
    expect(eventsOf(second.runId).filter((e) => e.kind === 'epoch')).toEqual([]);
    // Cached steps keep the metrics of the run that computed them.
    expect(second.steps.evaluate.metrics).toEqual(first.steps.evaluate.metrics);
    expect(second.steps.deploy.metrics).toEqual({ modelName: 'iris', version: 1, live: true, unchanged: true });

    const { getDb, schema } = server.db;
    const versions = getDb().select().from(schema.deployments).all().filter((d) => d.name === 'iris');
    expect(versions.map((d) => [d.version, d.runId])).toEqual([[1, first.runId]]);
    // The version carries the test metrics of the model it publishes (Deploy waits for the Evaluate judging it).
    expect(JSON.parse(versions[0].metrics ?? 'null')).toEqual(first.steps.evaluate.metrics);
  });

  it('changing the learning rate re-runs train, evaluate and deploy; data, split and model stay cached', async () => {
    const changed = await run(withParams(iris, 'train', { learningRate: 0.1 }));
    expect(changed.status).toBe('succeeded');
    for (const id of ['data', 'split', 'model']) {
      expect(changed.steps[id].status, id).toBe('cached');
      expect(statusTrail(changed.runId, id), id).toEqual(['cached']);
    }
    for (const id of ['train', 'evaluate', 'deploy']) {
      expect(changed.steps[id].status, id).toBe('done');
      expect(statusTrail(changed.runId, id), id).toContain('running');
    }
    expect(changed.steps.train.cacheKey).not.toBe(first.steps.train.cacheKey);
    expect(changed.steps.evaluate.cacheKey).not.toBe(first.steps.evaluate.cacheKey);
    expect(changed.steps.evaluate.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(changed.steps.deploy.metrics).toMatchObject({ modelName: 'iris', version: 2, live: true });
    const { getDb, schema } = server.db;
    const v2 = getDb().select().from(schema.deployments).all().find((d) => d.name === 'iris' && d.version === 2)!;
    expect(JSON.parse(v2.metrics ?? 'null')).toEqual(changed.steps.evaluate.metrics);
  });

  it('a failing branch skips only its own downstream; the other branch finishes and the run fails', async () => {
    const graph: GraphFile = {
      version: 1,
      name: 'two branches',
      nodes: [
        node('data', 'dataset.sample', { dataset: 'iris' }),
        node('model', 'model.logistic-regression'),
        // Branch A: a fresh train (a new seed, so nothing is cached) that must finish.
        node('splitA', 'split.train-test', { target: 'species', testFraction: 0.3 }),
        node('trainA', 'train.train', { epochs: 40, seed: 7 }),
        node('evalA', 'evaluate.evaluate'),
        // Branch B: compiles, but at run time 0.1% of 50 rows per class leaves no test rows.
        node('splitB', 'split.train-test', { target: 'species', testFraction: 0.001 }),
        node('trainB', 'train.train', { epochs: 40, seed: 7 }),
        node('evalB', 'evaluate.evaluate'),
        node('deployB', 'deploy.deploy', { modelName: 'never-published' }),
      ],
      edges: [
        edge('data', 'table', 'splitA', 'table'),
        edge('data', 'table', 'splitB', 'table'),
        edge('splitA', 'split', 'trainA', 'split'),
        edge('model', 'model', 'trainA', 'model'),
        edge('trainA', 'model', 'evalA', 'model'),
        edge('splitA', 'split', 'evalA', 'split'),
        edge('splitB', 'split', 'trainB', 'split'),
        edge('model', 'model', 'trainB', 'model'),
        edge('trainB', 'model', 'evalB', 'model'),
        edge('splitB', 'split', 'evalB', 'split'),
        edge('trainB', 'model', 'deployB', 'model'),
      ],
    };
    const result = await run(graph);
    expect(result.status).toBe('failed');
    const { steps } = result;
    expect(steps.splitB.status).toBe('failed');
    expect(steps.splitB.error).toContain('leaves no test rows');
    for (const id of ['trainB', 'evalB', 'deployB']) {
      expect(steps[id].status, id).toBe('skipped');
      expect(statusTrail(result.runId, id), id).toEqual(['skipped']);
    }
    expect(['done', 'cached']).toContain(steps.data.status);
    expect(['done', 'cached']).toContain(steps.model.status);
    // splitA has the example split's params, so it may come from the cache; trainA and evalA are new.
    expect(['done', 'cached']).toContain(steps.splitA.status);
    for (const id of ['trainA', 'evalA']) expect(steps[id].status, id).toBe('done');
    expect(statusTrail(result.runId, 'trainA')).toEqual(['queued', 'running', 'done']);
    expect(steps.evalA.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);

    // The failure is recorded with details, and nothing was published for the failed branch.
    const { getDb, schema } = server.db;
    const row = getDb().select().from(schema.runSteps).all().find((s) => s.runId === result.runId && s.nodeId === 'splitB')!;
    expect(row.errorDetails).toBeTruthy();
    expect(getDb().select().from(schema.deployments).all().filter((d) => d.name === 'never-published')).toEqual([]);
    // A failed step's outputs are not cached: the next run tries it again.
    expect(getDb().select().from(schema.stepCache).all().map((c) => c.cacheKey)).not.toContain(steps.splitB.cacheKey);
  });

  it('cancel stops a long training between epochs: the run ends cancelled, long before it could have finished', async () => {
    const EPOCHS = 5000;
    const graph = withParams(withParams(iris, 'train', { epochs: EPOCHS, seed: 11 }), 'deploy', { modelName: 'cancelled-model' });
    const engine = server.instance.getEngine();
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const { runId } = started;

    // Wait until train is running and has finished a few epochs, so the cancel lands mid-training.
    await new Promise<void>((resolve, reject) => {
      void engine.waitFor(runId).then((status) => reject(new Error(`the run ended (${status}) before it could be cancelled`)));
      const check = () => {
        const epochs = eventsOf(runId).filter((e) => e.kind === 'epoch');
        if (stepsOf(runId).train.status === 'running' && epochs.length >= 3) {
          engine.events.off('event', onEvent);
          resolve();
        }
      };
      const onEvent = (id: string) => id === runId && check();
      engine.events.on('event', onEvent);
      check();
    });
    const epochsBeforeCancel = eventsOf(runId).filter((e) => e.kind === 'epoch').length;

    const cancelledAt = Date.now();
    expect(engine.cancel(runId)).toBe(true);
    const status = await engine.waitFor(runId);
    const latencyMs = Date.now() - cancelledAt;

    expect(status).toBe('cancelled');
    const steps = stepsOf(runId);
    expect(steps.train.status).toBe('cancelled');
    for (const id of ['evaluate', 'deploy']) expect(steps[id].status, id).toBe('cancelled');
    expect(['done', 'cached']).toContain(steps.split.status);

    const lastEpoch = Math.max(...eventsOf(runId).filter((e) => e.kind === 'epoch').map((e) => Number(e.payload.epoch)));
    expect(lastEpoch).toBeLessThan(EPOCHS);
    // The worker stops within a few epochs of the cancel (it checks between epochs), not after the
    // thousands left: 5000 epochs take tens of seconds here.
    expect(lastEpoch - epochsBeforeCancel).toBeLessThan(50);
    expect(latencyMs).toBeLessThan(5000);

    const { getDb, schema } = server.db;
    const runRow = getDb().select().from(schema.runs).all().find((r) => r.id === runId)!;
    expect(runRow.status).toBe('cancelled');
    expect(eventsOf(runId).at(-1)).toMatchObject({ kind: 'run', payload: { status: 'cancelled' } });
    // Nothing half-trained is cached or published, and the worker is free again.
    expect(getDb().select().from(schema.stepCache).all().map((c) => c.cacheKey)).not.toContain(steps.train.cacheKey);
    expect(getDb().select().from(schema.deployments).all().filter((d) => d.name === 'cancelled-model')).toEqual([]);
    expect((await server.instance.getEngine().queue.workers()).every((w) => w.busyWith.length === 0)).toBe(true);
    expect(engine.cancel(runId)).toBe(false);
  });
});
