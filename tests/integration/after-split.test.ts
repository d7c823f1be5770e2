import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { edge, node } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';

const server = useTestServer('after-split', 2, { warmWorkers: true });

/** Wine (columns in very different units): fill, standardize and PCA either before or after the split. */
function wineGraph(placement: 'before' | 'after'): GraphFile {
  const steps = [
    node('fill', 'cleaning.missing-values', { strategy: 'mean' }),
    node('scale', 'features.standardize'),
    node('pca', 'features.pca', { columns: ['alcohol', 'malic_acid', 'ash', 'magnesium', 'proline'], components: 3 }),
  ];
  const chain = [edge('fill', 'table', 'scale', 'table'), edge('scale', 'table', 'pca', 'table')];
  const wiring =
    placement === 'before'
      ? [edge('data', 'table', 'fill', 'table'), ...chain, edge('pca', 'table', 'split', 'table'), edge('split', 'split', 'train', 'split'), edge('split', 'split', 'evaluate', 'split')]
      : [edge('data', 'table', 'split', 'table'), edge('split', 'split', 'fill', 'table'), ...chain, edge('pca', 'table', 'train', 'split'), edge('pca', 'table', 'evaluate', 'split')];
  return {
    version: 1,
    name: `Wine, preprocessing ${placement} the split`,
    nodes: [
      node('data', 'dataset.sample', { dataset: 'wine' }),
      node('split', 'split.train-test', { testFraction: 0.3, validationFraction: 0.1, seed: 5 }),
      ...steps,
      node('model', 'model.mlp', { hiddenLayers: 1, units: 8 }),
      node('train', 'train.train', { epochs: 15, seed: 5 }),
      node('evaluate', 'evaluate.evaluate'),
      node('deploy', 'deploy.deploy', { modelName: `wine-${placement}` }),
    ],
    edges: [...wiring, edge('model', 'model', 'train', 'model'), edge('train', 'model', 'evaluate', 'model'), edge('train', 'model', 'deploy', 'model')],
  };
}

async function evaluationOf(graph: GraphFile): Promise<Record<string, unknown>> {
  const { steps } = await runToEnd(server, graph);
  return JSON.parse(steps.evaluate.metrics ?? 'null') as Record<string, unknown>;
}

describe('fitted steps before or after the split, on real workers', () => {
  it('give identical test metrics, and both deployed models answer raw rows', async () => {
    const before = await evaluationOf(wineGraph('before'));
    const after = await evaluationOf(wineGraph('after'));
    expect(before.accuracy).toBeGreaterThan(0.8);
    expect(after).toEqual(before);

    const { predict } = await import('../../server/serving/predict');
    const row = {
      alcohol: 13.2, malic_acid: 1.78, ash: 2.14, alcalinity_of_ash: 11.2, magnesium: 100, total_phenols: 2.65, flavanoids: 2.76,
      nonflavanoid_phenols: 0.26, proanthocyanins: 1.28, color_intensity: 4.38, hue: 1.05, od280_od315_of_diluted_wines: 3.4, proline: 1050,
    };
    const answers = await Promise.all(['before', 'after'].map(async (p) => (await predict(`wine-${p}`, { rows: [row] })).predictions));
    expect(answers[0][0].predicted).toBe('class_0');
    expect(answers[1]).toEqual(answers[0]);
  });
});
