import { describe, expect, it } from 'vitest';
import { getColumn, labelOf, takeRows } from '../../lib/table';
import type { ModelSpec, SplitArtifact } from '../../runtime/artifacts';
import { nodeKinds } from '../../nodes';
import { loadSample } from '../../runtime/ingest/samples';
import { trainClassic } from '../../runtime/training/classic';
import { predictTable } from '../../runtime/training/predict';
import { testContext } from '../support/run-context';

/** Iris, interleaved: 105 training rows, 45 test rows. */
function irisSplit(task: 'classification' | 'regression' = 'classification'): SplitArtifact {
  const { table } = loadSample('iris');
  const order = Array.from({ length: 150 }, (_, i) => (i % 3) * 50 + Math.floor(i / 3));
  const part = (from: number, to: number) => takeRows(table, order.slice(from, to));
  if (task === 'regression') {
    return { target: 'petal_width_cm', task, labels: [], train: part(0, 105), validation: part(0, 0), test: part(105, 150), recipe: [], seed: 1 };
  }
  return { target: 'species', task, labels: ['setosa', 'versicolor', 'virginica'], train: part(0, 105), validation: part(0, 0), test: part(105, 150), recipe: [], seed: 1 };
}

async function specOf(type: string, params: Record<string, unknown> = {}): Promise<ModelSpec> {
  const kind = nodeKinds.get(type)!;
  return (await kind.run({ inputs: {}, params: kind.params.parse(params), ctx: testContext() })).model as ModelSpec;
}

describe('classic model nodes', () => {
  it.each([
    ['model.svm', {}],
    ['model.svm', { kernel: 'linear' }],
    ['model.svm', { kernel: 'poly', degree: 2 }],
    ['model.decision-tree', { maxDepth: 3 }],
    ['model.random-forest', { trees: 15 }],
  ])('%s %o: classifies iris test rows (classes + probabilities summing to 1)', async (type, params) => {
    const split = irisSplit();
    const trained = await trainClassic(split, (await specOf(type, params)) as Extract<ModelSpec, { trainer: 'classic' }>, 1, testContext());
    const result = await predictTable(trained, split.test);
    expect(result.predicted).toHaveLength(45);
    for (const p of result.probabilities!) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const species = getColumn(split.test, 'species');
    const correct = result.predicted.filter((label, r) => label === labelOf(species, r)).length;
    expect(correct / 45).toBeGreaterThan(0.85);
  });

  it.each([['model.svm'], ['model.random-forest']])('%s predicts a number for regression', async (type) => {
    const split = irisSplit('regression');
    const trained = await trainClassic(split, (await specOf(type)) as Extract<ModelSpec, { trainer: 'classic' }>, 1, testContext());
    const { predicted } = await predictTable(trained, split.test);
    expect(predicted.every((v) => typeof v === 'number' && v > -0.5 && v < 3.5)).toBe(true);
  });

  it('k-means answers a cluster id per row; PCA answers coordinates per component', async () => {
    const split = irisSplit();
    const clusters = await trainClassic(split, (await specOf('model.kmeans', { k: 3 })) as Extract<ModelSpec, { trainer: 'classic' }>, 1, testContext());
    const assigned = await predictTable(clusters, split.test);
    expect(new Set(assigned.predicted)).toEqual(new Set([0, 1, 2]));
    const pca = await trainClassic(split, (await specOf('model.pca', { components: 3 })) as Extract<ModelSpec, { trainer: 'classic' }>, 1, testContext());
    const projected = await predictTable(pca, split.test);
    expect(projected.predicted).toEqual([]);
    expect(projected.projection!.map((p) => p.length)).toEqual(new Array(45).fill(3));
  });

  it.each([
    ['model.kmeans', { k: 1 }, 'k'],
    ['model.svm', { C: 0 }, 'C'],
    ['model.svm', { kernel: 'sigmoid' }, 'kernel'],
    ['model.random-forest', { trees: 0 }, 'trees'],
    ['model.pca', { components: 0 }, 'components'],
    ['model.decision-tree', { maxDepth: -1 }, 'maxDepth'],
  ])('%s rejects %o on its field', (type, params, field) => {
    const result = nodeKinds.get(type)!.params.safeParse(params);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual([field]);
  });

  it('a kernel SVM above its row limit says so plainly instead of running for hours', async () => {
    const spec = (await specOf('model.svm', { maxRows: 50 })) as Extract<ModelSpec, { trainer: 'classic' }>;
    await expect(trainClassic(irisSplit(), spec, 1, testContext())).rejects.toThrow(/limited to 50.*linear SVM/);
  });
});
