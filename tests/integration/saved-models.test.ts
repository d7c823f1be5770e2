/** The model registry end to end on real workers: runs save their trained models with lineage; the Models page's list, deploy and delete. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { eventsOf, stepsOf } from '../support/engine-harness';
import { edge, irisGraph, node, trainAndEvaluate, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const server = useTestServer('saved-models', 2, { warmWorkers: true });

const engine = () => server.instance.getEngine();
const savedRows = () => server.db.getDb().select().from(server.db.schema.models).all();

async function runGraph(graphId: string) {
  const started = await server.caller.runs.start({ graphId });
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  expect(await engine().waitFor(started.runId)).toBe('succeeded');
  return { runId: started.runId, steps: stepsOf(server.db, started.runId) };
}

/** What a step wrote to its run log. */
const logsOf = (runId: string, nodeId: string) =>
  eventsOf(server.db, runId)
    .filter((e) => e.nodeId === nodeId && e.kind === 'log')
    .map((e) => String(e.payload.message));

async function rejection(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => new Error('expected the call to be rejected'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** Iris through a decision tree: a saved model that is not a network. */
const treeGraph: GraphFile = {
  version: 1,
  name: 'Iris tree',
  nodes: [
    node('data', 'dataset.sample', { dataset: 'iris' }),
    node('split', 'split.train-test', { target: 'species', testFraction: 0.3, validationFraction: 0 }),
    node('model', 'model.decision-tree'),
    node('train', 'train.train'),
  ],
  edges: [edge('data', 'table', 'split', 'table'), edge('split', 'split', 'train', 'split'), edge('model', 'model', 'train', 'model')],
};

/** A saved model as the start of a new one: `dataset` → split → Start from a saved model → Train → Evaluate. */
function transferGraph(dataset: string, target: string, savedId: string): GraphFile {
  return {
    version: 1,
    name: 'From a saved model',
    nodes: [
      node('data', 'dataset.sample', { dataset }),
      node('split', 'split.train-test', { target, testFraction: 0.3, validationFraction: 0 }),
      node('start', 'model.pretrained', { model: savedId }),
      node('train', 'train.train', { epochs: 20, learningRate: 0.05 }),
      node('evaluate', 'evaluate.evaluate'),
    ],
    edges: [edge('data', 'table', 'split', 'table'), ...trainAndEvaluate({ split: 'split', model: 'start', train: 'train', evaluate: 'evaluate' })],
  };
}

const IRIS_ROW = { sepal_length_cm: 6.3, sepal_width_cm: 3.3, petal_length_cm: 6.0, petal_width_cm: 2.5 };

describe('saved models (the Models page)', () => {
  let graphId = '';
  let first: Awaited<ReturnType<typeof runGraph>>;

  it('a run saves its trained model with lineage: graph, run, step, dataset content hash, the evaluation that judged it', async () => {
    ({ id: graphId } = await server.caller.graphs.create({ graph: irisGraph() }));
    first = await runGraph(graphId);
    const { loadSample } = await import('../../runtime/ingest/samples');
    const list = await server.caller.models.list();
    expect(list).toHaveLength(1);
    const [saved] = list;
    expect(saved).toMatchObject({
      id: first.steps.train.cacheKey,
      port: 'model',
      runId: first.runId,
      graphId,
      graphName: 'Iris classifier',
      nodeId: 'train',
      nodeType: 'train.train',
      family: 'logistic-regression',
      trainer: 'gradient',
      task: 'classification',
      target: 'species',
      inputColumnCount: 4,
      datasets: [{ nodeId: 'data', dataset: 'iris', hash: loadSample('iris').contentHash }],
      evaluations: 1,
      headline: { name: 'accuracy', value: first.steps.evaluate.metrics!.accuracy },
    });
    // The full metrics are kept with the row, under the Evaluate step that produced them.
    expect(JSON.parse(savedRows()[0].metrics!)).toEqual([{ nodeId: 'evaluate', metrics: first.steps.evaluate.metrics }]);
    expect(logsOf(first.runId, 'train')).toContainEqual(expect.stringContaining('Saved the trained model'));
  });

  it('a cached re-run saves no second row for the same artifact; a changed training saves a new one', async () => {
    const again = await runGraph(graphId);
    expect(again.steps.train.status).toBe('cached');
    expect(savedRows()).toEqual([expect.objectContaining({ id: first.steps.train.cacheKey, runId: first.runId })]);
    // Its model is live already: the Deploy step is unchanged too, and publishes no identical version.
    expect(again.steps.deploy).toMatchObject({ status: 'cached', message: 'Already live as v1: nothing published.' });
    expect(again.steps.deploy.metrics).toEqual({ modelName: 'iris', version: 1, live: true, unchanged: true });

    const changed = withParams(irisGraph(), 'train', { learningRate: 0.1 });
    await server.caller.graphs.save({ id: graphId, graph: changed });
    const third = await runGraph(graphId);
    expect(third.steps.train.status).toBe('done');
    const list = await server.caller.models.list();
    expect(list.map((m) => m.id)).toEqual([third.steps.train.cacheKey, first.steps.train.cacheKey]);
    expect(list[0]).toMatchObject({ runId: third.runId, evaluations: 1 });
  });

  it('Tune learning rate saves the model it keeps', async () => {
    const tune: GraphFile = {
      version: 1,
      name: 'Iris tuned',
      nodes: [
        node('data', 'dataset.sample', { dataset: 'iris' }),
        node('split', 'split.train-test', { target: 'species', testFraction: 0.3, validationFraction: 0.2 }),
        node('model', 'model.mlp', { units: 8 }),
        node('tune', 'train.tune-learning-rate', { learningRates: [0.01, 0.05], epochs: 15 }),
      ],
      edges: [edge('data', 'table', 'split', 'table'), edge('split', 'split', 'tune', 'split'), edge('model', 'model', 'tune', 'model')],
    };
    const { id } = await server.caller.graphs.create({ graph: tune });
    const run = await runGraph(id);
    const saved = (await server.caller.models.list()).find((m) => m.runId === run.runId);
    // The parts (one per learning rate) are not models of their own: the step that keeps the best is.
    expect(saved).toMatchObject({ id: run.steps.tune.cacheKey, nodeId: 'tune', nodeType: 'train.tune-learning-rate', family: 'mlp', evaluations: 0, headline: null });
  });

  it('deploy publishes a saved model as the next version of a name, served by the same predict route', async () => {
    const { predict, describeDeployment } = await import('../../server/serving/predict');
    const id = first.steps.train.cacheKey;
    // The graph's own Deploy step published "iris" v1 and v2 (the second run's model was v1's: nothing published); v3 comes from here, in the same table.
    expect((await server.caller.deployments.list()).find((d) => d.name === 'iris')!.versions.map((d) => d.version)).toEqual([2, 1]);
    const published = await server.caller.models.deploy({ id, name: 'iris' });
    expect(published).toEqual({ name: 'iris', version: 3, unchanged: false, predictUrl: '/api/v1/models/iris/predict' });
    // Deploying it again changes nothing: it is live as v3.
    expect(await server.caller.models.deploy({ id, name: 'iris' })).toEqual({ name: 'iris', version: 3, unchanged: true, predictUrl: '/api/v1/models/iris/predict' });
    const row = server.db
      .getDb()
      .select()
      .from(server.db.schema.deployments)
      .all()
      .find((d) => d.name === 'iris' && d.version === 3)!;
    expect(row).toMatchObject({ runId: first.runId, nodeId: 'train', graphId });
    expect(JSON.parse(row.metrics!)).toEqual(first.steps.evaluate.metrics);
    const answer = await predict('iris', { rows: [IRIS_ROW] });
    expect(answer).toMatchObject({ model: 'iris', version: 3, task: 'classification', target: 'species' });
    // The same model the Deploy step of the first run published (v1): the same answer.
    expect(answer.predictions).toEqual((await predict('iris', { rows: [IRIS_ROW] }, 1)).predictions);
    expect(await describeDeployment('iris')).toMatchObject({ version: 3, inputColumns: expect.arrayContaining([{ name: 'petal_width_cm', type: 'number' }]) });

    expect(await server.caller.models.deploy({ id, name: 'iris-saved' })).toMatchObject({ name: 'iris-saved', version: 1 });
    const deployments = await server.caller.deployments.list();
    expect(deployments.find((d) => d.name === 'iris-saved')!.versions.map((d) => d.version)).toEqual([1]);

    expect((await rejection(server.caller.models.deploy({ id, name: 'Not A Name' }))).code).toBe('BAD_REQUEST');
    const missing = await rejection(server.caller.models.deploy({ id: 'f'.repeat(32), name: 'x' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: `There is no saved model "${'f'.repeat(32)}".` });
    expect((await rejection(server.caller.models.deploy({ id: 'no-such-model', name: 'x' }))).code).toBe('BAD_REQUEST');
  });

  it('delete releases a saved model to the cache (deployed versions keep answering); a later run saves it again', async () => {
    const { predict } = await import('../../server/serving/predict');
    const id = first.steps.train.cacheKey;
    const artifacts = path.join(server.dataDir, 'artifacts');
    const stepCache = server.db.schema.stepCache;
    expect(await server.caller.models.delete({ id })).toEqual({ deleted: true });
    expect((await server.caller.models.list()).map((m) => m.id)).not.toContain(id);
    // Released, not removed: the cache still lists it, so its files stay until the collection needs the room.
    expect(server.db.getDb().select().from(stepCache).all().map((r) => r.cacheKey)).toContain(id);
    expect(existsSync(path.join(artifacts, id))).toBe(true);
    expect((await predict('iris-saved', { rows: [IRIS_ROW] })).predictions).toHaveLength(1);
    expect((await rejection(server.caller.models.delete({ id }))).code).toBe('NOT_FOUND');

    // The graph as it first ran: its training is reused from the cache and saved again, with this run's lineage.
    await server.caller.graphs.save({ id: graphId, graph: irisGraph() });
    const again = await runGraph(graphId);
    expect(again.steps.train.status).toBe('cached');
    expect((await server.caller.models.list()).find((m) => m.id === id)).toMatchObject({ runId: again.runId, evaluations: 1 });
  });

  it('Start from a saved model: compile names what does not fit; a network continues on workers with its own preprocessing', async () => {
    const tree = await runGraph((await server.caller.graphs.create({ graph: treeGraph })).id);
    const treeId = tree.steps.train.cacheKey;
    expect((await server.caller.models.list()).find((m) => m.id === treeId)).toMatchObject({ family: 'decision-tree', trainer: 'classic' });
    const irisId = first.steps.train.cacheKey;

    const compileErrors = (graph: GraphFile) => {
      const compiled = engine().compile(graph, FIRST_WORKSPACE_ID);
      return compiled.errors.map((e) => `${e.nodeId}${e.field ? `.${e.field}` : ''}: ${e.message}`);
    };
    expect(compileErrors(transferGraph('iris', 'species', treeId))).toEqual([
      'start.model: This saved model is a decision-tree, fitted in one go rather than a neural network: it has no layers to reuse. Choose a saved neural network, regression or CNN.',
    ]);
    expect(compileErrors(transferGraph('iris', 'species', 'd'.repeat(32)))[0]).toMatch(/^start\.model: Saved model dddddddd… is not in this workspace/);
    expect(compileErrors(transferGraph('iris', 'species', 'gone'))).toEqual(['start.model: model: not a saved model id']);
    expect(compileErrors(transferGraph('iris', 'species', ''))).toEqual(['start.model: Choose a saved model to start from (the Models page lists them).']);
    expect(compileErrors(transferGraph('wine', 'cultivar', irisId))[0]).toMatch(
      /^train: The saved model reads columns "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm", which the data does not have/,
    );
    expect(compileErrors(transferGraph('iris', 'petal_width_cm', irisId))).toContainEqual(
      'train: The target "petal_width_cm" was one of the saved model\'s inputs: it would be given the answer. Choose another target or another saved model.',
    );

    const { id } = await server.caller.graphs.create({ graph: transferGraph('iris', 'species', irisId) });
    const run = await runGraph(id);
    expect(logsOf(run.runId, 'train')).toContainEqual(expect.stringContaining(`Starting from saved model ${irisId.slice(0, 8)}… (logistic-regression, trained to predict "species")`));
    expect(run.steps.evaluate.metrics!.accuracy).toBeGreaterThanOrEqual(0.9);
    // The new model is saved in turn; its spec names the model it started from, without a copy of it.
    const saved = (await server.caller.models.list()).find((m) => m.runId === run.runId)!;
    expect(saved).toMatchObject({ family: 'logistic-regression', nodeId: 'train' });
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const trained = new ArtifactStore(path.join(server.dataDir, 'artifacts')).read(saved.id, 'model') as { spec: { base?: Record<string, unknown> } };
    expect(trained.spec.base).toEqual({ modelKey: irisId, freeze: 'all-but-head', shrink: 0.5 });
  });
});
