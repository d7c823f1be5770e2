/**
 * Leak-free by construction: a stateful step placed before the split is fitted at the split on the
 * training rows alone, never on test rows, and the same fitted state is what serving applies.
 */
import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe, type RecipeStep } from '../../lib/recipe';
import { createRng } from '../../lib/rng';
import type { Table } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../nodes/artifacts';
import { testContext } from '../support/run-context';
import { trainTestSplit } from '../../nodes/split/train-test-split';

function randomTable(seed: number, rows = 200): Table {
  const rng = createRng(seed);
  const x = new Float64Array(rows);
  const y = new Float64Array(rows);
  const kind = new Int32Array(rows);
  const label = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i] = rng() < 0.1 ? NaN : rng() * 100 - 30;
    y[i] = rng() < 0.2 ? NaN : Math.exp(rng() * 3);
    kind[i] = rng() < 0.15 ? -1 : Math.floor(rng() * 3);
    label[i] = i % 2;
  }
  return {
    rowCount: rows,
    columns: [
      { name: 'x', type: 'number', values: x },
      { name: 'y', type: 'number', values: y },
      { name: 'kind', type: 'category', codes: kind, categories: ['a', 'b', 'c'] },
      { name: 'label', type: 'category', codes: label, categories: ['no', 'yes'] },
    ],
  };
}

const ctx = testContext();

const RECIPES: Record<string, RecipeStep[]> = {
  standardize: [{ kind: 'standardize', params: { columns: [] } }],
  'fill median': [{ kind: 'fill-missing', params: { strategy: 'median', columns: ['x', 'y'], constant: '' } }],
  'fill mean': [{ kind: 'fill-missing', params: { strategy: 'mean', columns: [], constant: '' } }],
  'fill most frequent': [{ kind: 'fill-missing', params: { strategy: 'most-frequent', columns: ['kind', 'x'], constant: '' } }],
  'min-max': [{ kind: 'min-max', params: { columns: ['x'] } }],
  'fill then log then min-max': [
    { kind: 'fill-missing', params: { strategy: 'mean', columns: ['y'], constant: '' } },
    { kind: 'log1p', params: { columns: ['y'] } },
    { kind: 'min-max', params: { columns: ['y'] } },
  ],
  'fill then standardize': [
    { kind: 'fill-missing', params: { strategy: 'median', columns: ['x', 'y'], constant: '' } },
    { kind: 'standardize', params: { columns: ['x', 'y'] } },
  ],
};

describe.each(Object.entries(RECIPES))('%s placed before the split', (name, recipe) => {
  it.each([1, 2, 3])('is fitted on exactly the training rows (seed %i)', async (seed) => {
    const input: TableArtifact = { table: randomTable(seed), recipe };
    const params = trainTestSplit.params.parse({ target: 'label', testFraction: 0.25, validationFraction: 0.15, seed });
    const { split } = (await trainTestSplit.run({ inputs: { table: input }, params, ctx })) as { split: SplitArtifact };
    // The state the split fitted equals a fit on the training partition alone...
    expect(split.recipe).toEqual(fitRecipe(recipe, split.train, { target: 'label' }));
    // ...and differs from a fit that saw every row (so the test would catch a leak): a most-frequent
    // value or an extreme can coincide, averages and spreads do not.
    if (name !== 'fill most frequent' && name !== 'min-max') expect(split.recipe).not.toEqual(fitRecipe(recipe, input.table, { target: 'label' }));
    // The target is never touched, and test rows are transformed with the training state.
    const test = applyRecipe(split.recipe, split.test);
    expect(test.columns.find((c) => c.name === 'label')).toEqual(split.test.columns.find((c) => c.name === 'label'));
  });
});

it('a fill leaves no missing value in the columns it fills, on rows it never saw', async () => {
  const recipe = RECIPES['fill most frequent'];
  const input: TableArtifact = { table: randomTable(9), recipe };
  const params = trainTestSplit.params.parse({ target: 'label', seed: 9 });
  const { split } = (await trainTestSplit.run({ inputs: { table: input }, params, ctx })) as { split: SplitArtifact };
  const test = applyRecipe(split.recipe, split.test);
  const kind = test.columns.find((c) => c.name === 'kind')!;
  expect('codes' in kind && Array.from(kind.codes).every((c) => c >= 0)).toBe(true);
  const x = test.columns.find((c) => c.name === 'x')!;
  expect('values' in x && Array.from(x.values).every((v) => !Number.isNaN(v))).toBe(true);
});
