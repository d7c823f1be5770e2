import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableRows, type Table, type ValueColumn } from '../../lib/table';
import { robustScale } from '../../nodes/features/robust-scale';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import type { MetricsArtifact, SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { edge, node, trainAndEvaluate } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';
import { testContext } from '../support/run-context';

/**
 * Robust scale, the stateful step added to prove the runtime tier's shape: its whole behaviour is
 * its node file. (Before or after every split kind, fitted on the training rows alone: the
 * after-split test runs every Split-accepting kind, this one with its defaults.)
 */
const server = useTestServer('robust-scale', 1);

const column = (name: string, values: number[]) => ({ name, type: 'number' as const, values: Float64Array.from(values) });

describe('Robust scale', () => {
  it('(x - median) / IQR with both learned from the rows it is fitted on; missing stays missing, the target untouched', async () => {
    const table: Table = { rowCount: 6, columns: [column('x', [1, 2, 3, 4, 100, NaN]), column('flat', [5, 5, 5, 5, 5, 9]), column('label', [0, 1, 0, 1, 0, 1])] };
    const { table: out } = (await robustScale.run({ inputs: { table: { table, recipe: [] } }, params: robustScale.params.parse({}), ctx: testContext() })) as {
      table: TableArtifact;
    };
    expect(out.recipe).toEqual([{ kind: 'robust-scale', params: { columns: [] } }]);
    const fitted = fitRecipe(out.recipe, table, { target: 'label' });
    // x: median 3, quartiles 2 and 4 (NaN left out); flat: its middle half is one value, so it is divided by 1.
    expect(fitted[0].state).toEqual({ columns: [{ name: 'x', median: 3, iqr: 2 }, { name: 'flat', median: 5, iqr: 1 }] });
    const scaled = applyRecipe(fitted, table);
    expect(Array.from((scaled.columns[0] as ValueColumn).values)).toEqual([-1, -0.5, 0, 0.5, 48.5, NaN]);
    expect(Array.from((scaled.columns[1] as ValueColumn).values)).toEqual([0, 0, 0, 0, 0, 4]);
    expect(scaled.columns[2]).toEqual(table.columns[2]);
  });

  it('compile names a column that is missing or not numeric', () => {
    const inputs = { table: { type: 'Table' as const, table: { columns: [{ name: 'x', type: 'number' as const }, { name: 'kind', type: 'category' as const }] } } };
    const problems = robustScale.configure({ params: robustScale.params.parse({ columns: ['kind', 'nope'] }), inputs, env: { dataset: () => undefined } }).problems;
    expect(problems?.map((p) => p.message)).toEqual(['Column "kind" holds categories, not numbers.', 'Column "nope" is not in the table.']);
  });

  it('travels with the trained model: the deployed endpoint answers raw rows as Evaluate did on the same test rows', async () => {
    const { steps } = await runToEnd(server, {
      version: 1,
      name: 'robust scale to the endpoint',
      nodes: [
        node('data', 'dataset.sample', { dataset: 'iris' }),
        node('robust', 'features.robust-scale'),
        node('split', 'split.train-test', { target: 'species', testFraction: 0.3, validationFraction: 0, seed: 2 }),
        node('model', 'model.logistic-regression'),
        node('train', 'train.train', { epochs: 30, seed: 2 }),
        node('evaluate', 'evaluate.evaluate'),
        node('deploy', 'deploy.deploy', { modelName: 'robust-iris' }),
      ],
      edges: [
        edge('data', 'table', 'robust', 'table'),
        edge('robust', 'table', 'split', 'table'),
        edge('train', 'model', 'deploy', 'model'),
        ...trainAndEvaluate({ split: 'split', model: 'model', train: 'train', evaluate: 'evaluate' }),
      ],
    });
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const { predict } = await import('../../server/serving/predict');
    const store = new ArtifactStore(path.join(server.dataDir, 'artifacts'));
    const split = store.read(steps.split.cacheKey, 'split') as SplitArtifact;
    const evaluation = store.read(steps.evaluate.cacheKey, 'metrics') as MetricsArtifact;
    expect(split.recipe.map((s) => s.kind)).toEqual(['robust-scale']);
    expect((evaluation.metrics as { accuracy: number }).accuracy).toBeGreaterThan(0.8);

    const rows = tableRows(split.test).map(({ species: _target, ...features }) => features);
    const served = await predict('robust-iris', { rows });
    const answers = served.predictions as { predicted: string; probabilities: Record<string, number> }[];
    expect(answers.map((a) => a.predicted)).toEqual(evaluation.predictions.predicted);
    answers.forEach((answer, i) => split.labels.forEach((label, c) => expect(answer.probabilities[label]).toBeCloseTo(evaluation.predictions.probabilities![i][c], 6)));
  });
});
