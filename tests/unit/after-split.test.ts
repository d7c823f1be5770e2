/**
 * A stateful step may sit before or after a split. Either way it is fitted on the training rows
 * alone, so the fitted recipe (and with it everything Train and Evaluate compute) is identical.
 * Checked through the nodes themselves, for every node kind whose input takes a Split.
 */
import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { takeRows } from '../../lib/table';
import type { FoldsArtifact, SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import type { NodeDefinition } from '../../nodes/define';
import { NODE_KINDS } from '../../nodes';
import { foldTrainRows, kFold } from '../../nodes/split/k-fold';
import { timeOrderedSplit } from '../../nodes/split/time-ordered-split';
import { trainTestSplit } from '../../nodes/split/train-test-split';
import { randomTable } from '../support/random-table';
import { testContext } from '../support/run-context';

/** Params for stateful node kinds on randomTable; a kind not listed runs with its defaults. */
const PARAMS: Record<string, Record<string, unknown>> = {
  'features.standardize': {},
  'features.min-max-scale': { columns: ['x'] },
  'features.log-transform': { columns: ['y'] },
  'cleaning.missing-values': { strategy: 'median', columns: ['x', 'y'] },
  'cleaning.outliers': { method: 'z-score', zThreshold: 1 },
  'cleaning.text-cleanup': { columns: ['note'] },
  'features.ordinal-encode': { columns: ['kind'] },
  'features.bucketize': { columns: ['x', 'y'], bins: 4 },
  'features.date-parts': { column: 'when' },
  'features.pca': { columns: ['x', 'y'], components: 1, scale: true },
  'features.one-hot': { columns: ['kind'], maxCategories: 2 },
  'features.feature-selection': { sameValueShare: 0.5, correlation: 0.1 },
  'features.tokenize': { column: 'note', sequenceLength: 3, minCount: 1 },
  'features.image-normalize': { method: 'standardize' },
};

const ctx = testContext();
const stateful = NODE_KINDS.filter((kind) => kind.inputs.some((port) => port.accepts?.includes('Split')));

async function runNode(kind: NodeDefinition, data: unknown): Promise<unknown> {
  const params = kind.params.parse(PARAMS[kind.type] ?? {});
  return (await kind.run({ inputs: { table: data }, params, ctx })).table;
}

it('every node kind that takes a Split is checked here (listed params name kinds that exist)', () => {
  expect(stateful.length).toBeGreaterThanOrEqual(10);
  expect(Object.keys(PARAMS).filter((type) => !stateful.some((k) => k.type === type))).toEqual([]);
});

const splits: [string, NodeDefinition, Record<string, unknown>][] = [
  ['Split', trainTestSplit, { target: 'label', testFraction: 0.25, validationFraction: 0.15 }],
  ['Time split', timeOrderedSplit, { target: 'label', orderColumn: 'when', testFraction: 0.25, validationFraction: 0.15 }],
];

describe.each(stateful.map((kind) => [kind.type, kind] as const))('%s', (_type, kind) => {
  describe.each(splits)('before or after a %s', (_name, splitNode, splitParams) => {
    it.each([1, 2, 3])('fits the same state on the training rows alone, so test rows are transformed the same (seed %i)', async (seed) => {
      const table = randomTable(seed);
      const params = splitNode.params.parse({ ...splitParams, seed });
      const split = async (data: TableArtifact) => ((await splitNode.run({ inputs: { table: data }, params, ctx })) as { split: SplitArtifact }).split;

      const before = await split((await runNode(kind, { table, recipe: [] })) as TableArtifact);
      const after = (await runNode(kind, await split({ table, recipe: [] }))) as SplitArtifact;

      // (Text cleanup also cleans a table at once, so raw rows may differ; what models see may not.)
      expect(applyRecipe(after.recipe, after.train)).toEqual(applyRecipe(before.recipe, before.train));
      expect(after.recipe).toEqual(before.recipe);
      // ...which is the state fitted on the training partition alone.
      const pendingStep = ((await runNode(kind, { table, recipe: [] })) as TableArtifact).recipe;
      expect(after.recipe).toEqual(fitRecipe(pendingStep, after.train, { target: 'label' }));
      // Identical recipes on identical rows: every number Train and Evaluate compute is identical.
      expect(applyRecipe(after.recipe, after.test)).toEqual(applyRecipe(before.recipe, before.test));
    });
  });

  it.each([
    [1, 3],
    [2, 5],
  ])('before or after k-fold: each fold fits the same state on its training rows (seed %i, k = %i)', async (seed, k) => {
    const table = randomTable(seed);
    const params = kFold.params.parse({ target: 'label', folds: k, seed });
    const foldsOf = async (data: TableArtifact) => ((await kFold.run({ inputs: { table: data }, params, ctx })) as { folds: FoldsArtifact }).folds;

    const before = await foldsOf((await runNode(kind, { table, recipe: [] })) as TableArtifact);
    const after = (await runNode(kind, await foldsOf({ table, recipe: [] }))) as FoldsArtifact;

    const pendingStep = ((await runNode(kind, { table, recipe: [] })) as TableArtifact).recipe;
    for (const [f, fold] of after.folds.entries()) {
      expect(fold.test).toEqual(before.folds[f].test);
      expect(fold.recipe, `fold ${f}`).toEqual(before.folds[f].recipe);
      const testRows = (folds: FoldsArtifact) => applyRecipe(folds.folds[f].recipe, takeRows(folds.table, folds.folds[f].test));
      expect(testRows(after)).toEqual(testRows(before));
      expect(fold.recipe, `fold ${f}`).toEqual(fitRecipe(pendingStep, takeRows(after.table, foldTrainRows(after, f)), { target: 'label' }));
    }
  });
});

it('a chain split across the split (fill before, standardize after) fits like both before', async () => {
  const table = randomTable(7);
  const fill = NODE_KINDS.find((k) => k.type === 'cleaning.missing-values')!;
  const standardize = NODE_KINDS.find((k) => k.type === 'features.standardize')!;
  const params = trainTestSplit.params.parse({ target: 'label', seed: 7 });
  const split = async (data: TableArtifact) => ((await trainTestSplit.run({ inputs: { table: data }, params, ctx })) as { split: SplitArtifact }).split;
  const bothBefore = await split((await runNode(standardize, await runNode(fill, { table, recipe: [] }))) as TableArtifact);
  const straddling = (await runNode(standardize, await split((await runNode(fill, { table, recipe: [] })) as TableArtifact))) as SplitArtifact;
  expect(straddling.recipe).toEqual(bothBefore.recipe);
  expect(straddling.recipe.map((s) => s.kind)).toEqual(['fill-missing', 'standardize']);
});
