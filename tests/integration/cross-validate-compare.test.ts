import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { CrossValidationSummary } from '../../lib/metrics';
import { tableRows, type Table } from '../../lib/table';
import { edge, node } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';

const server = useTestServer('cross-validate', 2, { warmWorkers: true });

const graph: GraphFile = {
  version: 1,
  name: 'Iris: cross-validation and a leaderboard',
  nodes: [
    node('data', 'dataset.sample', { dataset: 'iris' }),
    node('folds', 'split.k-fold', { target: 'species', folds: 4, seed: 3 }),
    node('scale', 'features.standardize'),
    node('logistic', 'model.logistic-regression'),
    node('cv', 'evaluate.cross-validate', { epochs: 40, seed: 3 }),
    node('split', 'split.train-test', { target: 'species', testFraction: 0.3, validationFraction: 0, seed: 3 }),
    node('mlp', 'model.mlp', { units: 8 }),
    node('trainLogistic', 'train.train', { epochs: 40, seed: 3 }),
    node('trainMlp', 'train.train', { epochs: 40, seed: 3 }),
    node('evalLogistic', 'evaluate.evaluate'),
    node('evalMlp', 'evaluate.evaluate'),
    node('compare', 'evaluate.compare', { rankBy: 'F1 (macro)' }),
  ],
  edges: [
    edge('data', 'table', 'folds', 'table'),
    // Standardize after the k-fold: fitted on each fold's training rows.
    edge('folds', 'folds', 'scale', 'table'),
    edge('scale', 'table', 'cv', 'folds'),
    edge('logistic', 'model', 'cv', 'model'),
    edge('data', 'table', 'split', 'table'),
    edge('split', 'split', 'trainLogistic', 'split'),
    edge('logistic', 'model', 'trainLogistic', 'model'),
    edge('split', 'split', 'trainMlp', 'split'),
    edge('mlp', 'model', 'trainMlp', 'model'),
    edge('trainLogistic', 'model', 'evalLogistic', 'model'),
    edge('split', 'split', 'evalLogistic', 'split'),
    edge('trainMlp', 'model', 'evalMlp', 'model'),
    edge('split', 'split', 'evalMlp', 'split'),
    edge('evalLogistic', 'metrics', 'compare', 'a'),
    edge('evalMlp', 'metrics', 'compare', 'b'),
    edge('cv', 'metrics', 'compare', 'c'),
  ],
};

describe('cross-validation and compare on real workers', () => {
  it('trains one part per fold in parallel, reports mean ± std, and ranks three results', async () => {
    const { steps: byNode } = await runToEnd(server, graph);
    const steps = Object.values(byNode);

    // One step per fold, plus the gathering step.
    expect(steps.filter((s) => s.nodeId.startsWith('cv#')).map((s) => s.nodeId).sort()).toEqual(['cv#fold 1', 'cv#fold 2', 'cv#fold 3', 'cv#fold 4']);
    const cv = (JSON.parse(steps.find((s) => s.nodeId === 'cv')!.metrics!) as { crossValidation: CrossValidationSummary }).crossValidation;
    expect(cv.folds).toBe(4);
    const accuracy = cv.scores[0];
    expect(accuracy.name).toBe('accuracy');
    expect(accuracy.perFold).toHaveLength(4);
    expect(accuracy.mean).toBeGreaterThan(0.85);
    expect(accuracy.mean).toBeCloseTo(accuracy.perFold.reduce((a, b) => a + b, 0) / 4, 10);
    expect(accuracy.std).toBeGreaterThanOrEqual(0);

    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const { artifactsDir } = await import('../../server/engine/instance');
    const compareKey = steps.find((s) => s.nodeId === 'compare')!.cacheKey;
    const { table } = (await new ArtifactStore(artifactsDir()).readAsync(compareKey, 'table')) as { table: Table };
    const rows = tableRows(table);
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(rows.map((r) => String(r.model).slice(0, 2)).sort()).toEqual(['A:', 'B:', 'C:']);
    const f1 = rows.map((r) => r['F1 (macro)'] as number);
    expect([...f1].sort((a, b) => b - a)).toEqual(f1);
    expect(rows.find((r) => String(r.model).startsWith('C:'))!.judged_on).toBe('4-fold cross-validation (mean)');
  });
});
