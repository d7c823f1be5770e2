import { describe, expect, it } from 'vitest';
import { applyRecipe, describeRecipe, fitRecipe } from '../../runtime/recipe';
import { oneHotStep } from '../../runtime/steps/one-hot';
import { tableRows, takeRows, type Table, type TableSchema } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import { oneHot } from '../../nodes/features/one-hot';
import { standardize } from '../../nodes/features/scaling';
import { bucketize } from '../../nodes/features/bucketize';
import { trainTestSplit } from '../../nodes/split/train-test-split';
import { testContext } from '../support/run-context';

const env: CompileEnv = { dataset: () => undefined };

/** 8 rows; rows 0-5 play "training", 6-7 "test". "XL" only in a test row; a missing size in each part. */
const table: Table = {
  rowCount: 8,
  columns: [
    { name: 'size', type: 'category', codes: new Int32Array([0, 1, 1, 2, 1, -1, 3, -1]), categories: ['M', 'S', 'L', 'XL'] },
    { name: 'price', type: 'number', values: new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]) },
    { name: 'label', type: 'category', codes: new Int32Array([0, 1, 0, 1, 0, 1, 0, 1]), categories: ['no', 'yes'] },
  ],
};
const train = takeRows(table, [0, 1, 2, 3, 4, 5]);
const test = takeRows(table, [6, 7]);
const schema: TableSchema = {
  columns: [
    { name: 'size', type: 'category', distinct: 4 },
    { name: 'price', type: 'number', integer: true, distinct: 8 },
    { name: 'label', type: 'category', distinct: 2 },
  ],
};

type AnyNode = NodeDefinition<any>;
const configure = (node: AnyNode, params: Record<string, unknown>, input: TableSchema = schema) =>
  node.configure({ params: node.params.parse(params), inputs: { table: { type: 'Table', table: input } }, env });
const fit = (maxCategories: number, rows = train) => fitRecipe([{ kind: 'one-hot', params: { columns: ['size'], maxCategories } }], rows, { target: 'label' });
const names = (t: Table) => t.columns.map((c) => c.name);

describe('One-hot encode', () => {
  it('learns the categories from the training rows; each becomes a 0/1 column where the original was', () => {
    const fitted = fit(0);
    expect(fitted[0].state).toEqual({ columns: [{ name: 'size', categories: ['L', 'M', 'S'], other: false }] });
    const out = applyRecipe(fitted, train);
    expect(names(out)).toEqual(['size=L', 'size=M', 'size=S', 'price', 'label']);
    expect(out.columns.slice(0, 3).every((c) => c.type === 'number' && c.values instanceof Float64Array)).toBe(true);
    expect(tableRows(out).map((r) => [r['size=L'], r['size=M'], r['size=S']])).toEqual([
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 0], // missing → all zeros
    ]);
    // "XL" was never seen in training: all zeros too.
    expect(tableRows(applyRecipe(fitted, test)).map((r) => [r['size=L'], r['size=M'], r['size=S']])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('the most frequent categories only, plus "other" for the rest and for unseen ones (missing stays all zeros)', () => {
    const fitted = fit(1);
    // S is the most frequent training category (3 rows).
    expect(fitted[0].state).toEqual({ columns: [{ name: 'size', categories: ['S'], other: true }] });
    const rows = (t: Table) => tableRows(applyRecipe(fitted, t)).map((r) => [r['size=S'], r['size=(other)']]);
    expect(rows(train)).toEqual([
      [0, 1],
      [1, 0],
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 0],
    ]);
    expect(rows(test)).toEqual([
      [0, 1],
      [0, 0],
    ]);
    // Ties go by natural order: L and M are both once, L comes first.
    expect(fit(2).at(0)!.state).toEqual({ columns: [{ name: 'size', categories: ['L', 'S'], other: true }] });
  });

  it('a request is matched by label, not by code; the run log lists the columns made', () => {
    const fitted = fit(0);
    const request: Table = { rowCount: 2, columns: [{ name: 'size', type: 'category', codes: new Int32Array([0, 1]), categories: ['S', 'L'] }] };
    expect(tableRows(oneHotStep.transform(request, fitted[0].state as never, fitted[0].params as never))).toEqual([
      { 'size=L': 0, 'size=M': 0, 'size=S': 1 },
      { 'size=L': 1, 'size=M': 0, 'size=S': 0 },
    ]);
    expect(describeRecipe(fitted)).toEqual(['One-hot encode: "size" became 3 columns ("size=L", "size=M", "size=S").']);
  });

  it('refuses the target, non-category columns, a name clash and too many categories', () => {
    expect(() => oneHotStep.fit(train, { columns: ['label'], maxCategories: 0 }, { target: 'label' })).toThrow(/target column/);
    expect(() => oneHotStep.fit(train, { columns: ['price'], maxCategories: 0 }, { target: 'label' })).toThrow(/needs a category column/);
    const clash: Table = { ...train, columns: [...train.columns, { name: 'size=S', type: 'number', values: new Float64Array(6) }] };
    expect(() => fit(0, clash)).toThrow(/already has a column "size=S"/);
    const many: Table = {
      rowCount: 600,
      columns: [
        { name: 'id', type: 'category', codes: Int32Array.from({ length: 600 }, (_, i) => i), categories: Array.from({ length: 600 }, (_, i) => `c${i}`) },
      ],
    };
    expect(() => oneHotStep.fit(many, { columns: ['id'], maxCategories: 0 }, { target: 'label' })).toThrow(/600 categories.*Most categories/);
    expect((oneHotStep.fit(many, { columns: ['id'], maxCategories: 20 }, { target: 'label' }).columns[0].categories)).toHaveLength(20);
  });

  it('compile: the column is replaced by a family of number columns known once fitted; problems name "columns"', () => {
    const out = configure(oneHot, { columns: ['size'] });
    expect(out.problems ?? []).toEqual([]);
    expect(out.outputs.table?.table).toEqual({ columns: [schema.columns[1], schema.columns[2]], families: [{ prefix: 'size=', type: 'number', from: 'size' }] });
    expect(configure(oneHot, {}).problems).toEqual([expect.objectContaining({ field: 'columns' })]);
    expect(configure(oneHot, { columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(configure(oneHot, { columns: ['price'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('"price" holds numbers') })]);
    expect(configure(oneHot, { columns: ['label'] }, { ...schema, target: 'label' }).problems).toEqual([expect.objectContaining({ message: expect.stringContaining('target') })]);
    const clashing: TableSchema = { columns: [...schema.columns, { name: 'size=S', type: 'number' }] };
    expect(configure(oneHot, { columns: ['size'] }, clashing).problems).toEqual([expect.objectContaining({ message: expect.stringContaining('"size=S"') })]);
    expect(() => oneHot.params.parse({ maxCategories: -1 })).toThrow();
    expect(() => oneHot.params.parse({ maxCategories: 1.5 })).toThrow();
  });

  it('compile: downstream steps may name a one-hot column; a name outside the family is still unknown', () => {
    const encoded = configure(oneHot, { columns: ['size'] }).outputs.table!.table!;
    expect(configure(standardize, { columns: ['size=S', 'price'] }, encoded).problems).toEqual([]);
    expect(configure(bucketize, { columns: ['size=M'] }, encoded).problems ?? []).toEqual([]);
    expect(configure(standardize, { columns: ['size'] }, encoded).problems).toEqual([expect.objectContaining({ code: 'unknown-column' })]);
    expect(configure(standardize, { columns: ['colour=red'] }, encoded).problems).toEqual([expect.objectContaining({ code: 'unknown-column' })]);
    // A split after it still counts the family as columns besides the target.
    const onlyFamily = configure(oneHot, { columns: ['size'] }, { columns: [schema.columns[0], schema.columns[2]] }).outputs.table!.table!;
    expect(configure(trainTestSplit, { target: 'label' }, onlyFamily).problems).toEqual([]);
  });

  it('placed before the split, it adds a pending step that the split fits and logs', async () => {
    const ctx = testContext();
    const input: TableArtifact = { table, recipe: [] };
    const pending = (await oneHot.run({ inputs: { table: input }, params: oneHot.params.parse({ columns: ['size'] }), ctx })).table as TableArtifact;
    expect(pending.table).toBe(table);
    expect(pending.recipe).toEqual([{ kind: 'one-hot', params: { columns: ['size'], maxCategories: 0 } }]);
    const messages: string[] = [];
    const params = trainTestSplit.params.parse({ target: 'label', testFraction: 0.25, validationFraction: 0, seed: 3 });
    const { split } = (await trainTestSplit.run({ inputs: { table: pending }, params, ctx: testContext(messages) })) as { split: SplitArtifact };
    expect(split.recipe).toEqual(fitRecipe(pending.recipe, split.train, { target: 'label' }));
    expect(messages.some((m) => m.startsWith('One-hot encode: "size" became'))).toBe(true);
  });
});
