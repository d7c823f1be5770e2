/**
 * Leak-free by construction: a stateful step placed before the split is fitted at the split on the
 * training rows alone, never on test rows, and the same fitted state is what serving applies.
 */
import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe, type RecipeStep } from '../../runtime/recipe';
import type { Table } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { randomTable } from '../support/random-table';
import { testContext } from '../support/run-context';
import { trainTestSplit } from '../../nodes/split/train-test-split';
import { timeOrderedSplit } from '../../nodes/split/time-ordered-split';
import { foldTrainRows, kFold } from '../../nodes/split/k-fold';
import type { FoldsArtifact } from '../../runtime/artifacts';
import { takeRows } from '../../lib/table';
// Every node kind registers the recipe step it adds (recipes find steps by kind).
import '../../nodes';

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
  'clip outliers (IQR)': [{ kind: 'clip-outliers', params: { columns: [], method: 'iqr', iqrFactor: 1.5, zThreshold: 3 } }],
  'fill then clip outliers (z-score)': [
    { kind: 'fill-missing', params: { strategy: 'mean', columns: ['y'], constant: '' } },
    { kind: 'clip-outliers', params: { columns: ['x', 'y'], method: 'z-score', iqrFactor: 1.5, zThreshold: 1 } },
  ],
  'bucketize (quantile)': [{ kind: 'bucketize', params: { columns: ['x', 'y'], bins: 4, method: 'quantile' } }],
  // The bucket labels come from the training rows' edges, so the vocabulary differs too.
  'bucketize then ordinal encode the buckets': [
    { kind: 'bucketize', params: { columns: ['x'], bins: 5, method: 'quantile' } },
    { kind: 'ordinal-encode', params: { columns: ['x'], order: '' } },
  ],
  'date parts, standardize, bucketize the day': [
    { kind: 'date-parts', params: { column: 'when', hour: false, keepOriginal: false } },
    { kind: 'standardize', params: { columns: ['when_year', 'when_day'] } },
    { kind: 'bucketize', params: { columns: ['when_day'], bins: 3, method: 'quantile' } },
  ],
  // x and y both have missing cells (filled with the training means) and very different spreads.
  'pca (x and y, standardized, 1 component)': [{ kind: 'pca', params: { columns: ['x', 'y'], components: 1, keepOriginal: false, scale: true } }],
  'one-hot (top 2 and other)': [{ kind: 'one-hot', params: { columns: ['kind'], maxCategories: 2 } }],
  // The one-hot columns' names are known only once fitted; standardize (every number column) finds them.
  'one-hot then standardize': [
    { kind: 'one-hot', params: { columns: ['kind'], maxCategories: 0 } },
    { kind: 'standardize', params: { columns: [] } },
  ],
  'feature selection (near-constant, correlated)': [{ kind: 'feature-selection', params: { columns: [], sameValueShare: 0.5, dropCorrelated: true, correlation: 0.05 } }],
  'fill then one-hot then feature selection': [
    { kind: 'fill-missing', params: { strategy: 'most-frequent', columns: ['kind'], constant: '' } },
    { kind: 'one-hot', params: { columns: ['kind'], maxCategories: 0 } },
    { kind: 'feature-selection', params: { columns: [], sameValueShare: 0.6, dropCorrelated: true, correlation: 0.5 } },
  ],
  // The vocabulary's word counts grow with every row that uses a word.
  'tokenize the note': [{ kind: 'tokenize', params: { column: 'note', maxVocabulary: 3, minCount: 1, sequenceLength: 3 } }],
  'image normalize (standardize the pixels)': [{ kind: 'image-normalize', params: { method: 'standardize', perChannel: true } }],
};

/** Recipes whose fitted state may equal a fit on every row by chance (a most frequent value, an extreme, a vocabulary, a choice of columns). */
const MAY_COINCIDE = new Set([
  'fill most frequent',
  'min-max',
  'one-hot (top 2 and other)',
  'feature selection (near-constant, correlated)',
  'fill then one-hot then feature selection',
]);

describe.each(Object.entries(RECIPES))('%s placed before the split', (name, recipe) => {
  it.each([1, 2, 3])('is fitted on exactly the training rows (seed %i)', async (seed) => {
    const input: TableArtifact = { table: randomTable(seed), recipe };
    const params = trainTestSplit.params.parse({ target: 'label', testFraction: 0.25, validationFraction: 0.15, seed });
    const { split } = (await trainTestSplit.run({ inputs: { table: input }, params, ctx })) as { split: SplitArtifact };
    // The state the split fitted equals a fit on the training partition alone...
    expect(split.recipe).toEqual(fitRecipe(recipe, split.train, { target: 'label' }));
    // ...and differs from a fit that saw every row (so the test would catch a leak): a most-frequent
    // value or an extreme can coincide, averages and spreads do not.
    if (!MAY_COINCIDE.has(name)) expect(split.recipe).not.toEqual(fitRecipe(recipe, input.table, { target: 'label' }));
    // The target is never touched, and test rows are transformed with the training state.
    const test = applyRecipe(split.recipe, split.test);
    expect(test.columns.find((c) => c.name === 'label')).toEqual(split.test.columns.find((c) => c.name === 'label'));
  });
});

it('an ordinal vocabulary leaves out a category only a test row uses', async () => {
  // (Not in RECIPES: a vocabulary the training rows cover completely equals a fit on every row.)
  const recipe: RecipeStep[] = [{ kind: 'ordinal-encode', params: { columns: ['kind'], order: '' } }];
  const base = randomTable(4);
  // A row number column tells which rows the split made test rows.
  const table: Table = { ...base, columns: [...base.columns, { name: 'row', type: 'number', values: Float64Array.from({ length: base.rowCount }, (_, r) => r) }] };
  const params = trainTestSplit.params.parse({ target: 'label', seed: 4, testFraction: 0.3, validationFraction: 0 });
  const splitOf = async () => ((await trainTestSplit.run({ inputs: { table: { table, recipe } }, params, ctx })) as { split: SplitArtifact }).split;
  const rowColumn = (await splitOf()).test.columns.find((c) => c.name === 'row')!;
  const testRow = 'values' in rowColumn ? rowColumn.values[0] : -1;
  // Only that row uses "d"; the split assigns rows by target and seed, so it stays a test row.
  const kind = table.columns.find((c) => c.name === 'kind')!;
  if (!('codes' in kind)) throw new Error('kind is a category column');
  kind.categories = [...kind.categories, 'd'];
  kind.codes[testRow] = 3;
  const split = await splitOf();
  expect(split.recipe).toEqual(fitRecipe(recipe, split.train, { target: 'label' }));
  expect(split.recipe[0].state).toEqual({ columns: [{ name: 'kind', vocabulary: ['a', 'b', 'c'] }] });
  expect(fitRecipe(recipe, table, { target: 'label' })[0].state).toEqual({ columns: [{ name: 'kind', vocabulary: ['a', 'b', 'c', 'd'] }] });
  const encoded = applyRecipe(split.recipe, split.test).columns.find((c) => c.name === 'kind')!;
  expect('values' in encoded && Number.isNaN(encoded.values[0])).toBe(true);
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

/**
 * Recipes whose fitted state is an average or a spread: a fit on any other set of rows differs, so
 * for these the checks below would catch a leak. (A median, a most frequent value, an extreme or a vocabulary
 * can coincide by chance, so other recipes are checked for the exact state only.)
 */
const AVERAGES_AND_SPREADS = new Set([
  'standardize',
  'fill mean',
  'fill then log then min-max',
  'fill then standardize',
  'pca (x and y, standardized, 1 component)',
  'image normalize (standardize the pixels)',
]);

describe.each(Object.entries(RECIPES))('%s placed before a time-ordered split', (name, recipe) => {
  it.each([1, 2, 3])('is fitted on exactly the earlier (training) rows (seed %i)', async (seed) => {
    const input: TableArtifact = { table: randomTable(seed), recipe };
    // Ordered by x: rows without an x are dropped, the rest sorted, so the training rows are the smallest x.
    const params = timeOrderedSplit.params.parse({ target: 'label', orderColumn: 'x', testFraction: 0.25, validationFraction: 0.15 });
    const { split } = (await timeOrderedSplit.run({ inputs: { table: input }, params, ctx })) as { split: SplitArtifact };
    expect(split.recipe).toEqual(fitRecipe(recipe, split.train, { target: 'label' }));
    if (AVERAGES_AND_SPREADS.has(name)) expect(split.recipe).not.toEqual(fitRecipe(recipe, input.table, { target: 'label' }));
  });
});

describe.each(Object.entries(RECIPES))('%s placed before k-fold', (name, recipe) => {
  it.each([
    [1, 5],
    [2, 3],
    [3, 10],
  ])("each fold is fitted on exactly that fold's training rows (seed %i, k = %i)", async (seed, k) => {
    const input: TableArtifact = { table: randomTable(seed), recipe };
    const params = kFold.params.parse({ target: 'label', folds: k, seed });
    const { folds } = (await kFold.run({ inputs: { table: input }, params, ctx })) as { folds: FoldsArtifact };
    expect(folds.folds).toHaveLength(k);
    for (const [f, fold] of folds.folds.entries()) {
      const trainRows = foldTrainRows(folds, f);
      // The training rows are exactly the rows outside this fold's test rows.
      const test = new Set(fold.test);
      expect(Array.from(trainRows).every((r) => !test.has(r))).toBe(true);
      expect(trainRows.length + fold.test.length).toBe(folds.table.rowCount);
      const train = takeRows(folds.table, trainRows);
      expect(fold.recipe, `fold ${f}`).toEqual(fitRecipe(recipe, train, { target: 'label' }));
      // A fit that also saw the fold's test rows would differ (a leak would show).
      if (AVERAGES_AND_SPREADS.has(name)) expect(fold.recipe, `fold ${f}`).not.toEqual(fitRecipe(recipe, folds.table, { target: 'label' }));
      // The target is never touched when the fold's recipe is applied to its test rows.
      const testRows = takeRows(folds.table, fold.test);
      expect(applyRecipe(fold.recipe, testRows).columns.find((c) => c.name === 'label')).toEqual(testRows.columns.find((c) => c.name === 'label'));
    }
    // Each fold saw different rows, so each has its own state.
    if (AVERAGES_AND_SPREADS.has(name)) expect(folds.folds[0].recipe).not.toEqual(folds.folds[1].recipe);
  });
});
