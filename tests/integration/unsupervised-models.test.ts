import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { ClusteringMetrics, ProjectionMetrics } from '../../lib/metrics';
import { edge, node } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';

const server = useTestServer('unsupervised', 2, { warmWorkers: true });

/** dataset → split → model → train → evaluate, predict (on the test rows) and deploy. */
function graph(dataset: string, target: string, modelType: string, modelParams: Record<string, unknown>, name: string): GraphFile {
  return {
    version: 1,
    name,
    nodes: [
      node('data', 'dataset.sample', { dataset }),
      node('split', 'split.train-test', { target, testFraction: 0.3, validationFraction: 0, seed: 1 }),
      node('model', modelType, modelParams),
      node('train', 'train.train', { seed: 1 }),
      node('evaluate', 'evaluate.evaluate'),
      node('predict', 'evaluate.predict'),
      node('deploy', 'deploy.deploy', { modelName: name }),
    ],
    edges: [
      edge('data', 'table', 'split', 'table'),
      edge('split', 'split', 'train', 'split'),
      edge('model', 'model', 'train', 'model'),
      edge('train', 'model', 'evaluate', 'model'),
      edge('split', 'split', 'evaluate', 'split'),
      edge('train', 'model', 'predict', 'model'),
      edge('data', 'table', 'predict', 'table'),
      edge('train', 'model', 'deploy', 'model'),
    ],
  };
}

async function run(g: GraphFile) {
  const { runId, steps } = await runToEnd(server, g);
  return { runId, metrics: JSON.parse(steps.evaluate.metrics ?? 'null') as Record<string, unknown>, predictKey: steps.predict.cacheKey };
}

async function predictedTable(cacheKey: string) {
  const { ArtifactStore } = await import('../../server/engine/artifact-store');
  const { artifactsDir } = await import('../../server/engine/instance');
  const { tableRows } = await import('../../lib/table');
  const artifact = (await new ArtifactStore(artifactsDir()).readAsync(cacheKey, 'table')) as { table: import('../../lib/table').Table };
  return tableRows(artifact.table);
}

describe('unsupervised models on real workers', () => {
  it('k-means on raw iris (k = 3): silhouette ≥ 0.45, test sizes add up, route and Predict node agree', async () => {
    const { metrics, predictKey } = await run(graph('iris', 'species', 'model.kmeans', { k: 3 }, 'iris-clusters'));
    const m = metrics as unknown as ClusteringMetrics;
    expect(m.task).toBe('clustering');
    expect(m.silhouette).toBeGreaterThanOrEqual(0.45);
    expect(m.clusterSizes.reduce((a, b) => a + b, 0)).toBe(45);
    expect(m.elbow.map((p) => p.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The elbow: inertia falls as k grows.
    expect(m.elbow[0].inertia).toBeGreaterThan(m.elbow[2].inertia);
    // Each cluster is mostly one species (crossTab: rows per [cluster][class]).
    const purity = m.crossTab!.counts.reduce((s, row) => s + Math.max(...row), 0) / 45;
    expect(purity).toBeGreaterThan(0.8);

    const rows = await predictedTable(predictKey);
    const { predict } = await import('../../server/serving/predict');
    const sample = rows.slice(0, 20).map(({ species: _s, cluster: _c, ...features }) => features);
    const answered = (await predict('iris-clusters', { rows: sample })).predictions as { cluster: number }[];
    expect(answered.map((a) => a.cluster)).toEqual(rows.slice(0, 20).map((r) => r.cluster));
  });

  it('PCA on raw digits: 2 components explain ≥ 0.28 of the variance; the route answers the Predict node\'s coordinates', async () => {
    const { metrics, predictKey } = await run(graph('digits_8x8', 'digit', 'model.pca', { components: 2 }, 'digits-map'));
    const m = metrics as unknown as ProjectionMetrics;
    expect(m.task).toBe('projection');
    expect(m.explainedVarianceRatio[0] + m.explainedVarianceRatio[1]).toBeGreaterThanOrEqual(0.28);
    expect(m.testExplained).toBeGreaterThan(0.2);
    expect(m.points.length).toBeGreaterThan(100);

    const rows = await predictedTable(predictKey);
    const { predict } = await import('../../server/serving/predict');
    const sample = rows.slice(0, 5).map(({ digit: _d, pc_1: _a, pc_2: _b, ...pixels }) => pixels);
    const answered = (await predict('digits-map', { rows: sample })).predictions as { components: { pc_1: number; pc_2: number } }[];
    answered.forEach((a, i) => {
      expect(a.components.pc_1).toBeCloseTo(rows[i].pc_1 as number, 4);
      expect(a.components.pc_2).toBeCloseTo(rows[i].pc_2 as number, 4);
    });
  });
});
