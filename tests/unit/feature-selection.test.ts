import { describe, expect, it } from 'vitest';
import { applyRecipe, describeRecipe, fitRecipe, ignorableColumns, type RecipeStep } from '../../runtime/recipe';
import { featureSelectionStep, type FeatureSelectionParams } from '../../runtime/steps/feature-selection';
import { takeRows, type Table, type TableSchema } from '../../lib/table';
import type { FoldsArtifact, SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv } from '../../nodes/define';
import { featureSelection } from '../../nodes/features/feature-selection';
import { kFold } from '../../nodes/split/k-fold';
import { readRows } from '../../server/serving/predict';
import { testContext } from '../support/run-context';

const env: CompileEnv = { dataset: () => undefined };
const num = (name: string, values: number[]) => ({ name, type: 'number' as const, values: Float64Array.from(values) });

/**
 * Rows 0-5 play "training", 6-7 "test". b = 2a + 1 (one cell missing), minus = -a, d constant on the
 * training rows only, e mostly "x", f always empty, label constant on the training rows (the target).
 */
const table: Table = {
  rowCount: 8,
  columns: [
    num('a', [1, 2, 3, 4, 5, 6, 7, 8]),
    num('b', [3, 5, NaN, 9, 11, 13, 0, 0]),
    num('c', [5, 1, 4, 2, 6, 3, 1, 1]),
    num('d', [7, 7, 7, 7, 7, 7, 1, 2]),
    { name: 'e', type: 'category', codes: new Int32Array([0, 0, 0, 0, 0, 1, 1, 1]), categories: ['x', 'y'] },
    { name: 'f', type: 'category', codes: new Int32Array(8).fill(-1), categories: [] },
    num('minus', [-1, -2, -3, -4, -5, -6, 5, 5]),
    { name: 'label', type: 'category', codes: new Int32Array([0, 0, 0, 0, 0, 0, 1, 1]), categories: ['no', 'yes'] },
  ],
};
const train = takeRows(table, [0, 1, 2, 3, 4, 5]);
const test = takeRows(table, [6, 7]);
const DEFAULTS: FeatureSelectionParams = { columns: [], sameValueShare: 1, dropCorrelated: true, correlation: 0.95 };
const select = (params: Partial<FeatureSelectionParams> = {}, rows = train) => featureSelectionStep.fit(rows, { ...DEFAULTS, ...params }, { target: 'label' });
const droppedNames = (params: Partial<FeatureSelectionParams> = {}) => select(params).dropped.map((d) => d.name);

describe('Feature selection', () => {
  it('drops single-valued columns and the later of two correlated ones, judged on the training rows; never the target', () => {
    const state = select();
    expect(state.dropped).toEqual([
      { name: 'b', because: 'correlated', with: 'a', r: expect.closeTo(1, 12) },
      { name: 'd', because: 'same-value', value: 7, share: 1 },
      { name: 'f', because: 'same-value', value: null, share: 1 },
      { name: 'minus', because: 'correlated', with: 'a', r: expect.closeTo(-1, 12) },
    ]);
    // The test rows lose the same columns, though "d" varies there.
    const out = featureSelectionStep.transform(test, state, DEFAULTS);
    expect(out.columns.map((c) => c.name)).toEqual(['a', 'c', 'e', 'label']);
    expect(out.columns[0]).toBe(test.columns[0]);
  });

  it('near-constant columns at a lower share; correlation off or higher; only the columns named', () => {
    expect(droppedNames({ sameValueShare: 0.8 })).toEqual(['b', 'd', 'e', 'f', 'minus']);
    expect(droppedNames({ dropCorrelated: false })).toEqual(['d', 'f']);
    // c against a: r ≈ 0.09, so only a very low threshold drops it.
    expect(droppedNames({ correlation: 0.05 })).toEqual(['b', 'c', 'd', 'f', 'minus']);
    expect(droppedNames({ columns: ['c', 'd'] })).toEqual(['d']);
    // Pairs only among the columns considered: "b" alone has no earlier column to repeat.
    expect(droppedNames({ columns: ['b'] })).toEqual([]);
    expect(() => select({ columns: ['label'] })).toThrow(/target column/);
    expect(() => select({ columns: ['ghost'] })).toThrow(/not in the table/);
    expect(select({}, takeRows(table, [])).dropped).toEqual([]);
  });

  it('the run log says what was dropped and why, in plain words', () => {
    const fitted = fitRecipe([{ kind: 'feature-selection', params: { ...DEFAULTS, sameValueShare: 0.8 } }], train, { target: 'label' });
    expect(describeRecipe(fitted)).toEqual([
      'Feature selection dropped 5 columns:',
      '  "b": moves with "a" (correlation 1.000).',
      '  "d": every training row has the same value (7).',
      '  "e": 83.3% of the training rows have the same value ("x").',
      '  "f": every training row has the same value (empty).',
      '  "minus": moves with "a" (correlation -1.000).',
    ]);
    expect(describeRecipe(fitRecipe([{ kind: 'feature-selection', params: { ...DEFAULTS, columns: ['a'] } }], train, { target: 'label' }))).toEqual([
      'Feature selection: kept every column.',
    ]);
  });

  it('compile: every column it may drop is marked so (not the target); problems name "columns"', () => {
    const schema: TableSchema = { columns: table.columns.map((c) => ({ name: c.name, type: c.type })), target: 'label', task: 'classification' };
    const configure = (params: Record<string, unknown>) =>
      featureSelection.configure({ params: featureSelection.params.parse(params), inputs: { table: { type: 'Split', table: schema } }, env });
    const out = configure({});
    expect(out.problems ?? []).toEqual([]);
    expect(out.outputs.table?.type).toBe('Split');
    expect(out.outputs.table?.table?.columns.map((c) => `${c.name}${c.droppable ? '?' : ''}`)).toEqual(['a?', 'b?', 'c?', 'd?', 'e?', 'f?', 'minus?', 'label']);
    expect(configure({ columns: ['c'] }).outputs.table?.table?.columns.filter((c) => c.droppable).map((c) => c.name)).toEqual(['c']);
    expect(configure({ columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(configure({ columns: ['label'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('target') })]);
    expect(() => featureSelection.params.parse({ correlation: 0 })).toThrow();
    expect(() => featureSelection.params.parse({ sameValueShare: 0.2 })).toThrow();
  });

  it('after k-fold each fold decides on its own training rows, and the node logs it per fold', async () => {
    const logs: string[] = [];
    const ctx = testContext(logs);
    const { folds } = (await kFold.run({ inputs: { table: { table, recipe: [] } }, params: kFold.params.parse({ target: 'label', folds: 2, seed: 1 }), ctx })) as {
      folds: FoldsArtifact;
    };
    logs.length = 0;
    const out = (await featureSelection.run({ inputs: { table: folds }, params: featureSelection.params.parse({}), ctx })).table as FoldsArtifact;
    expect(out.folds).toHaveLength(2);
    expect(logs.filter((l) => /^Fold \d: Feature selection/.test(l))).toHaveLength(2);
    const before = (await featureSelection.run({ inputs: { table: { table, recipe: [] } as TableArtifact }, params: featureSelection.params.parse({}), ctx })).table;
    expect((before as TableArtifact).recipe).toEqual([{ kind: 'feature-selection', params: DEFAULTS }]);
    expect(logs.at(-1)).toMatch(/at the split/);
  });
});

describe('a deployed model and the columns its recipe drops', () => {
  const split = (recipe: RecipeStep[]): Pick<SplitArtifact, 'recipe'> => ({ recipe: fitRecipe(recipe, train, { target: 'label' }) });
  const selection: RecipeStep = { kind: 'feature-selection', params: DEFAULTS };

  it('columns dropped before any step reads them need not be sent', () => {
    expect([...ignorableColumns(split([selection]).recipe)].sort()).toEqual(['b', 'd', 'f', 'minus']);
    // In-place steps before it do not count as reading.
    expect([...ignorableColumns(split([{ kind: 'standardize', params: { columns: ['b'] } }, selection]).recipe)].sort()).toEqual(['b', 'd', 'f', 'minus']);
    // PCA reads "b" to make its components: a request must still send it.
    const pca: RecipeStep = { kind: 'pca', params: { columns: ['a', 'b'], components: 1, keepOriginal: true, scale: true } };
    expect([...ignorableColumns(split([pca, selection]).recipe)]).not.toContain('b');
  });

  it('the request may leave them out or send anything in them; they are reported as ignored', () => {
    const { recipe } = split([selection]);
    const inputColumns = table.columns.filter((c) => c.name !== 'label').map((c) => ({ name: c.name, type: c.type }));
    const ignorable = ignorableColumns(recipe);
    const sent = { a: 2, c: 4, e: 'y', b: 'not a number', d: 1 };
    const contract = { inputColumns, fillable: new Set<string>(), ignorable, known: new Map() };
    const { table: rows, ignored, problemCount } = readRows([sent, { a: 3, c: 1, e: 'x' }], contract);
    expect(problemCount).toBe(0);
    expect(ignored.sort()).toEqual(['b', 'd']);
    const prepared = applyRecipe(recipe, rows);
    expect(prepared.columns.map((c) => c.name)).toEqual(['a', 'c', 'e']);
    // Without the recipe's say-so, a missing column is still refused.
    const strict = readRows([{ a: 3, c: 1, e: 'x' }], { ...contract, ignorable: new Set() });
    // Every column not sent is named, not only the first.
    expect(strict.problems.map((p) => p.field)).toEqual(['b', 'd', 'f', 'minus']);
    expect(strict.problems[0]).toEqual({ row: 0, field: 'b', message: expect.stringMatching(/rows\[0\]\.b is not sent/) });
  });
});
