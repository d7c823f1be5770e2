/**
 * The deep families on real workers (wasm), judged on the test rows, mean over 3 seeds: a CNN on the
 * 8×8 digits, an RNN and a transformer on the support tickets' text, an RNN forecasting Seattle's
 * next-day maximum temperature from the past week (beside persistence and a linear autoregression).
 * For each family the deployed model, loaded by the web server's predict route in this process,
 * answers raw rows (text as text) exactly as the Predict node did on a worker.
 */
import { describe, expect, it } from 'vitest';
import type { GraphEdge, GraphFile, GraphNode } from '../../lib/graph';
import type { ClassificationMetrics, RegressionMetrics } from '../../lib/metrics';
import { tableRows, type CellValue, type Table } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { edge, node } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';
import { ownerRequest } from '../support/accounts';

const server = useTestServer('deep-models', 2, { warmWorkers: true });

const SEEDS = [1, 2, 3];

/**
 * `prep` (a chain from the sample dataset), then per seed: split → train (each model) → evaluate.
 * Seed 1's trained models are deployed and score the rows at `scoreFrom` with a Predict node.
 */
function seededGraph(options: {
  name: string;
  prep: GraphNode[];
  split: (seed: number) => GraphNode;
  models: { id: string; type: string; params: Record<string, unknown> }[];
  train: Record<string, unknown>;
  scoreFrom: string;
}): GraphFile {
  const nodes: GraphNode[] = [...options.prep];
  const edges: GraphEdge[] = options.prep.slice(1).map((n, i) => edge(options.prep[i].id, 'table', n.id, 'table'));
  const last = options.prep.at(-1)!.id;
  for (const model of options.models) nodes.push(node(model.id, model.type, model.params));
  for (const seed of SEEDS) {
    nodes.push({ ...options.split(seed), id: `split${seed}` });
    edges.push(edge(last, 'table', `split${seed}`, 'table'));
    for (const model of options.models) {
      const train = `train_${model.id}_${seed}`;
      const evaluate = `evaluate_${model.id}_${seed}`;
      nodes.push(node(train, 'train.train', { ...options.train, seed }), node(evaluate, 'evaluate.evaluate'));
      edges.push(edge(`split${seed}`, 'split', train, 'split'), edge(model.id, 'model', train, 'model'), edge(train, 'model', evaluate, 'model'), edge(`split${seed}`, 'split', evaluate, 'split'));
      if (seed === 1) {
        nodes.push(node(`deploy_${model.id}`, 'deploy.deploy', { modelName: `${options.name}-${model.id}` }), node(`score_${model.id}`, 'evaluate.predict'));
        edges.push(edge(train, 'model', `deploy_${model.id}`, 'model'), edge(train, 'model', `score_${model.id}`, 'model'), edge(options.scoreFrom, 'table', `score_${model.id}`, 'table'));
      }
    }
  }
  return { version: 1, name: options.name, nodes, edges };
}

async function run(graph: GraphFile) {
  const start = Date.now();
  const { steps } = await runToEnd(server, graph);
  console.log(`${graph.name}: ran in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return {
    metrics: <M>(id: string) => JSON.parse(steps[id].metrics ?? 'null') as M,
    scored: async (id: string) => {
      const { ArtifactStore } = await import('../../server/engine/artifact-store');
      const { artifactsDir } = await import('../../server/engine/instance');
      return ((await new ArtifactStore(artifactsDir()).readAsync(steps[id].cacheKey, 'table')) as TableArtifact).table;
    },
  };
}

/** Per seed, a score of each seed's Evaluate step for this model, and their mean. */
function perSeed<M>(metrics: <T>(id: string) => T, model: string, score: (m: M) => number) {
  const values = SEEDS.map((seed) => score(metrics<M>(`evaluate_${model}_${seed}`)));
  return { values, mean: values.reduce((a, b) => a + b, 0) / values.length };
}

/** What the Predict node answered and what the predict route answers for the same raw rows (as a client sends them). */
async function routeAndNode(scored: Table, model: string, target: string, rows: number) {
  const { POST } = await import('../../app/api/v1/models/[name]/predict/route');
  const byNode = tableRows(scored, rows);
  const raw = byNode.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== target && !k.startsWith('predicted_') && !k.startsWith('probability_'))));
  const response = await POST(
    await ownerRequest(`http://localhost/api/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: raw }) }),
    { params: Promise.resolve({ name: model }) },
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { predictions: { predicted: CellValue; probabilities?: Record<string, number> }[] };
  return { raw, byNode, byRoute: body.predictions };
}

/** Classification: the same labels, and probabilities within 1e-5. */
function expectSameClasses(byNode: Record<string, CellValue>[], byRoute: { predicted: CellValue; probabilities?: Record<string, number> }[], target: string) {
  expect(byRoute.map((p) => p.predicted)).toEqual(byNode.map((r) => r[`predicted_${target}`]));
  byRoute.forEach((p, r) => {
    for (const [label, probability] of Object.entries(p.probabilities!)) expect(Math.abs(probability - Number(byNode[r][`probability_${label}`])), `row ${r} ${label}`).toBeLessThanOrEqual(1e-5);
  });
}

describe('deep model families on real workers', () => {
  it('CNN on the 8x8 digits: test accuracy ≥ 0.95 (mean of 3 seeds); the route answers pixel rows as the Predict node did', async () => {
    const { metrics, scored } = await run(
      seededGraph({
        name: 'digits',
        prep: [node('data', 'dataset.sample', { dataset: 'digits_8x8' })],
        split: (seed) => node('split', 'split.train-test', { target: 'digit', testFraction: 0.3, validationFraction: 0, seed }),
        models: [{ id: 'cnn', type: 'model.cnn', params: {} }],
        train: { epochs: 10, learningRate: 0.005, batchSize: 32 },
        scoreFrom: 'data',
      }),
    );
    const accuracy = perSeed<ClassificationMetrics>(metrics, 'cnn', (m) => m.accuracy);
    console.log(`digits CNN test accuracy per seed ${accuracy.values.map((v) => v.toFixed(4)).join(', ')}; mean ${accuracy.mean.toFixed(4)}`);
    expect(accuracy.mean).toBeGreaterThanOrEqual(0.95);

    const { byNode, byRoute } = await routeAndNode(await scored('score_cnn'), 'digits-cnn', 'digit', 60);
    expectSameClasses(byNode, byRoute, 'digit');
  });

  it('RNN and transformer on support tickets (text cleanup → tokenize → split): test accuracy ≥ 0.97 each; the route answers raw text as the Predict node did', async () => {
    const { metrics, scored } = await run(
      seededGraph({
        name: 'tickets',
        prep: [
          node('data', 'dataset.sample', { dataset: 'support_tickets' }),
          node('select', 'cleaning.select-columns', { columns: ['ticket_id'] }),
          node('clean', 'cleaning.text-cleanup', { columns: ['text'] }),
          node('words', 'features.tokenize', { column: 'text', sequenceLength: 20 }),
        ],
        split: (seed) => node('split', 'split.train-test', { target: 'category', testFraction: 0.3, validationFraction: 0, seed }),
        models: [
          { id: 'rnn', type: 'model.rnn', params: {} },
          { id: 'transformer', type: 'model.transformer', params: {} },
        ],
        train: { epochs: 3, learningRate: 0.01, batchSize: 64 },
        scoreFrom: 'select',
      }),
    );
    for (const model of ['rnn', 'transformer']) {
      const accuracy = perSeed<ClassificationMetrics>(metrics, model, (m) => m.accuracy);
      console.log(`tickets ${model} test accuracy per seed ${accuracy.values.map((v) => v.toFixed(4)).join(', ')}; mean ${accuracy.mean.toFixed(4)}`);
      expect(accuracy.mean, model).toBeGreaterThanOrEqual(0.97);

      const { raw, byNode, byRoute } = await routeAndNode(await scored(`score_${model}`), `tickets-${model}`, 'category', 60);
      // Sent as a client would: the raw text, which the deployed model cleans and tokenizes itself.
      expect(typeof raw[0].text).toBe('string');
      expect(Object.keys(raw[0]).sort()).toEqual(['channel', 'priority', 'text']);
      expectSameClasses(byNode, byRoute, 'category');
    }
  });

  it("RNN forecasting Seattle's next-day temp_max from the past 7 days: MAE no worse than persistence, beside the linear AR baseline; the route answers as the Predict node did", async () => {
    const { metrics, scored } = await run(
      seededGraph({
        name: 'seattle',
        prep: [
          node('data', 'dataset.sample', { dataset: 'seattle_weather' }),
          node('windows', 'features.sequence-windows', { orderColumn: 'date', target: 'temp_max', window: 7, horizon: 1 }),
        ],
        split: () => node('split', 'split.time-ordered', { target: 'temp_max_ahead1', task: 'regression', orderColumn: 'date', testFraction: 0.2, validationFraction: 0 }),
        models: [{ id: 'rnn', type: 'model.rnn', params: {} }],
        train: { epochs: 12, learningRate: 0.01, batchSize: 32 },
        scoreFrom: 'windows',
      }),
    );
    const mae = perSeed<RegressionMetrics>(metrics, 'rnn', (m) => m.mae);
    const first = metrics<RegressionMetrics>('evaluate_rnn_1');
    expect(first.baselines?.map((b) => b.name)).toEqual(['persistence: the last known temp_max (temp_max_lag0), 1 step ahead', 'linear autoregression on the last 7 values of temp_max']);
    const [persistence, autoregression] = first.baselines!;
    console.log(
      `seattle RNN test MAE per seed ${mae.values.map((v) => v.toFixed(3)).join(', ')}; mean ${mae.mean.toFixed(3)} ` +
        `(persistence ${persistence.mae.toFixed(3)}, linear AR ${autoregression.mae.toFixed(3)}, training mean ${first.baseline.mae.toFixed(3)})`,
    );
    expect(mae.mean).toBeLessThanOrEqual(persistence.mae);
    expect(autoregression.mae).toBeLessThan(first.baseline.mae);

    const { byNode, byRoute } = await routeAndNode(await scored('score_rnn'), 'seattle-rnn', 'temp_max_ahead1', 60);
    byRoute.forEach((p, r) => expect(Math.abs(Number(p.predicted) - Number(byNode[r].predicted_temp_max_ahead1)), `row ${r}`).toBeLessThanOrEqual(1e-4));
  });
});
