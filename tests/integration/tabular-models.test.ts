import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { tableRows, type Table } from '../../lib/table';
import { edge, node } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';

const server = useTestServer('tabular-models', 2, { warmWorkers: true });

const SEEDS = [1, 2, 3];

/** dataset → split → model → train → evaluate (+ predict on the raw test rows, + deploy), one seed. */
function graph(dataset: string, modelType: string, modelParams: Record<string, unknown>, trainParams: Record<string, unknown>, seed: number, deployAs?: string): GraphFile {
  return {
    version: 1,
    name: `${dataset} ${modelType} seed ${seed}`,
    nodes: [
      node('data', 'dataset.sample', { dataset }),
      node('split', 'split.train-test', { testFraction: 0.25, validationFraction: 0.1, seed }),
      node('model', modelType, modelParams),
      node('train', 'train.train', { ...trainParams, seed }),
      node('evaluate', 'evaluate.evaluate'),
      ...(deployAs ? [node('deploy', 'deploy.deploy', { modelName: deployAs })] : []),
    ],
    edges: [
      edge('data', 'table', 'split', 'table'),
      edge('split', 'split', 'train', 'split'),
      edge('model', 'model', 'train', 'model'),
      edge('train', 'model', 'evaluate', 'model'),
      edge('split', 'split', 'evaluate', 'split'),
      ...(deployAs ? [edge('train', 'model', 'deploy', 'model')] : []),
    ],
  };
}

async function run(g: GraphFile) {
  const { steps } = await runToEnd(server, g);
  return {
    evaluate: JSON.parse(steps.evaluate.metrics!) as Record<string, number>,
    train: JSON.parse(steps.train.metrics ?? '{}') as Record<string, unknown>,
    evaluateKey: steps.evaluate.cacheKey,
    splitKey: steps.split.cacheKey,
  };
}

async function meanOver(dataset: string, modelType: string, modelParams: Record<string, unknown>, trainParams: Record<string, unknown>, score: string) {
  const values = [];
  for (const seed of SEEDS) values.push((await run(graph(dataset, modelType, modelParams, trainParams, seed))).evaluate[score]);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('tabular model quality on real workers (mean over 3 seeds, test split)', () => {
  it('iris, logistic regression: accuracy ≥ 0.93', async () => {
    expect(await meanOver('iris', 'model.logistic-regression', {}, { epochs: 100, learningRate: 0.05 }, 'accuracy')).toBeGreaterThanOrEqual(0.93);
  });

  it('breast cancer, RBF SVM: accuracy ≥ 0.94', async () => {
    expect(await meanOver('breast_cancer', 'model.svm', {}, {}, 'accuracy')).toBeGreaterThanOrEqual(0.94);
  });

  it('breast cancer, random forest: accuracy ≥ 0.94', async () => {
    expect(await meanOver('breast_cancer', 'model.random-forest', { trees: 60 }, {}, 'accuracy')).toBeGreaterThanOrEqual(0.94);
  });

  it('diabetes, linear regression: R² ≥ 0.40', async () => {
    expect(await meanOver('diabetes', 'model.linear-regression', {}, { epochs: 200, learningRate: 0.05 }, 'r2')).toBeGreaterThanOrEqual(0.4);
  });
});

describe('classic models answer the same through Evaluate and the deployed route', () => {
  it.each([
    ['model.svm', { kernel: 'rbf' }],
    ['model.svm', { kernel: 'linear' }],
    ['model.decision-tree', { maxDepth: 4 }],
    ['model.random-forest', { trees: 20 }],
  ] as const)('%s %o: same classes and probabilities; trees report feature importance', async (modelType, params) => {
    const name = `cancer-${modelType.slice(6)}-${Object.values(params)[0]}`;
    const result = await run(graph('breast_cancer', modelType, params, {}, 7, name));
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const { artifactsDir } = await import('../../server/engine/instance');
    const store = new ArtifactStore(artifactsDir());
    const evaluation = (await store.readAsync(result.evaluateKey, 'metrics')) as { predictions: { predicted: string[]; probabilities: number[][] } };
    const split = (await store.readAsync(result.splitKey, 'split')) as { test: Table };
    const rows = tableRows(split.test).map(({ diagnosis: _d, ...features }) => features);
    const { predict } = await import('../../server/serving/predict');
    const answered = (await predict(name, { rows })).predictions;
    expect(answered.map((a) => a.predicted)).toEqual(evaluation.predictions.predicted);
    answered.forEach((a, i) => expect(Object.values(a.probabilities!)[1]).toBeCloseTo(evaluation.predictions.probabilities[i][1], 5));
    if (modelType !== 'model.svm') {
      const importance = result.train.featureImportance as { name: string; importance: number }[];
      expect(importance.reduce((s, f) => s + f.importance, 0)).toBeCloseTo(1, 6);
      expect(importance[0].importance).toBeGreaterThan(importance.at(-1)!.importance);
    }
  });
});
