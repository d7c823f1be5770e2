import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { bucketEdges, bucketLabels, bucketizeStep } from '../../runtime/steps/bucketize';
import { datePartsStep } from '../../runtime/steps/date-parts';
import { ordinalEncodeStep, parseOrder } from '../../runtime/steps/ordinal-encode';
import { tableRows, takeRows, type Table, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import { bucketize } from '../../nodes/features/bucketize';
import { dateParts } from '../../nodes/features/date-parts';
import { ordinalEncode } from '../../nodes/features/ordinal-encode';
import { testContext } from '../support/run-context';

const env: CompileEnv = { dataset: () => undefined };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 2024-01-01 was a Monday.
const JAN1 = Date.UTC(2024, 0, 1);

/** 6 rows, a missing cell in every column; rows 0-3 play "training", 4-5 "test". */
const table: Table = {
  rowCount: 6,
  columns: [
    { name: 'size', type: 'category', codes: new Int32Array([0, 1, 2, -1, 3, 1]), categories: ['M', 'S', 'L', 'XL'] },
    { name: 'price', type: 'number', values: new Float64Array([1, 2, NaN, 10, 100, -5]) },
    { name: 'when', type: 'date', values: new Float64Array([JAN1, JAN1 + 6 * DAY, NaN, JAN1 + 40 * DAY + 13 * HOUR, JAN1 + 400 * DAY, JAN1]) },
    { name: 'note', type: 'text', codes: new Int32Array([0, 0, 0, 0, 0, 0]), categories: ['hi'] },
    { name: 'label', type: 'category', codes: new Int32Array([0, 1, 0, 1, 0, 1]), categories: ['no', 'yes'] },
  ],
};
const train = takeRows(table, [0, 1, 2, 3]);
const test = takeRows(table, [4, 5]);
const schema: TableSchema = {
  columns: [
    { name: 'size', type: 'category', distinct: 4 },
    { name: 'price', type: 'number', integer: false, distinct: 5 },
    { name: 'when', type: 'date' },
    { name: 'note', type: 'text', distinct: 1 },
    { name: 'label', type: 'category', distinct: 2 },
  ],
};

type AnyNode = NodeDefinition<any>;
const configure = (node: AnyNode, params: Record<string, unknown>) =>
  node.configure({ params: node.params.parse(params), inputs: { table: { type: 'Table', table: schema } }, env });
const types = (s: TableSchema | undefined) => s?.columns.map((c) => `${c.name}:${c.type}`);
const rows = (t: Table, name: string) => tableRows(t).map((r) => r[name]);

async function recipeOf(node: AnyNode, params: Record<string, unknown>) {
  const input: TableArtifact = { table, recipe: [{ kind: 'standardize', params: { columns: [] } }] };
  const out = (await node.run({ inputs: { table: input }, params: node.params.parse(params), ctx: testContext() })).table as TableArtifact;
  // Feature nodes only add a step: the rows are untouched until the split fits it.
  expect(out.table).toBe(table);
  expect(out.recipe.slice(0, 1)).toEqual(input.recipe);
  return out.recipe.slice(1);
}

describe('Ordinal encode', () => {
  it('compile: the encoded column becomes a number; problems name "columns"', () => {
    const out = configure(ordinalEncode, { columns: ['size'] });
    expect(out.problems ?? []).toEqual([]);
    expect(types(out.outputs.table?.table)).toEqual(['size:number', 'price:number', 'when:date', 'note:text', 'label:category']);
    expect(configure(ordinalEncode, {}).problems).toEqual([expect.objectContaining({ field: 'columns' })]);
    expect(configure(ordinalEncode, { columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(configure(ordinalEncode, { columns: ['price'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('"price" holds numbers') })]);
    expect(configure(ordinalEncode, { columns: ['note'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('Change type') })]);
  });

  it('vocabulary from the training rows only, alphabetical; unseen and missing → NaN', async () => {
    const recipe = await recipeOf(ordinalEncode, { columns: ['size'] });
    expect(recipe).toEqual([{ kind: 'ordinal-encode', params: { columns: ['size'], order: '' } }]);
    const fitted = fitRecipe(recipe, train, { target: 'label' });
    // "XL" is in the dictionary the rows share but only test rows use it.
    expect(fitted[0].state).toEqual({ columns: [{ name: 'size', vocabulary: ['L', 'M', 'S'] }] });
    expect(rows(applyRecipe(fitted, train), 'size')).toEqual([1, 2, 0, null]);
    expect(rows(applyRecipe(fitted, test), 'size')).toEqual([null, 2]);
  });

  it('a given order comes first; other training labels follow alphabetically', () => {
    expect(parseOrder(' S, M ,, L, S ')).toEqual(['S', 'M', 'L']);
    const state = ordinalEncodeStep.fit(train, { columns: ['size'], order: 'XS, S, M' }, { target: 'label' });
    expect(state.columns[0].vocabulary).toEqual(['XS', 'S', 'M', 'L']);
    // A request's dictionary is its own: labels are matched by text, not code.
    const request: Table = { rowCount: 3, columns: [{ name: 'size', type: 'category', codes: new Int32Array([0, 1, 2]), categories: ['L', 'XS', 'XXL'] }] };
    expect(rows(ordinalEncodeStep.transform(request, state, { columns: ['size'], order: '' }), 'size')).toEqual([3, 0, null]);
  });

  it('refuses the target and non-category columns at the split', () => {
    expect(() => ordinalEncodeStep.fit(train, { columns: ['label'], order: '' }, { target: 'label' })).toThrow(/target column/);
    expect(() => ordinalEncodeStep.fit(train, { columns: ['price'], order: '' }, { target: 'label' })).toThrow(/needs a category column/);
  });
});

describe('Bucketize', () => {
  it('compile: the column becomes a category; problems name their field', () => {
    const out = configure(bucketize, { columns: ['price'] });
    expect(out.problems ?? []).toEqual([]);
    expect(types(out.outputs.table?.table)).toEqual(['size:category', 'price:category', 'when:date', 'note:text', 'label:category']);
    expect(configure(bucketize, {}).problems).toEqual([expect.objectContaining({ field: 'columns' })]);
    expect(configure(bucketize, { columns: ['size'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('"size" holds categories') })]);
    expect(configure(bucketize, { columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(() => bucketize.params.parse({ bins: 1 })).toThrow();
  });

  it('edges: equal width or quantiles of the present values; repeated quantiles merge', () => {
    const values = new Float64Array([0, 10, NaN, 20, 40]);
    expect(bucketEdges(values, 4, 'equal-width')).toEqual([10, 20, 30]);
    expect(bucketEdges(values, 2, 'quantile')).toEqual([15]);
    expect(bucketEdges(new Float64Array([0, 0, 0, 0, 5]), 4, 'quantile')).toEqual([]);
    expect(bucketEdges(new Float64Array([0, 0, 0, 1, 5]), 4, 'quantile')).toEqual([1]);
    expect(bucketEdges(new Float64Array([NaN]), 4, 'quantile')).toEqual([]);
    expect(bucketLabels([10, 20])).toEqual(['1: under 10', '2: 10 to 20', '3: 20 and over']);
    // 4 significant digits, more where two edges would print the same.
    expect(bucketLabels([1 / 3, 0.33334])).toEqual(['1: under 0.33333', '2: 0.33333 to 0.33334', '3: 0.33334 and over']);
    expect(bucketLabels([])).toEqual(['all values']);
  });

  it('edges from the training rows; other rows use them (a value on an edge goes up, beyond the ends to the end groups)', async () => {
    const recipe = await recipeOf(bucketize, { columns: ['price'], bins: 3, method: 'equal-width' });
    expect(recipe).toEqual([{ kind: 'bucketize', params: { columns: ['price'], bins: 3, method: 'equal-width' } }]);
    const fitted = fitRecipe(recipe, train, { target: 'label' });
    // Training prices 1, 2, (missing), 10 → edges 4 and 7; the test rows' 100 and -5 play no part.
    const plain = fitted[0].state as ReturnType<typeof bucketizeStep.fit>;
    expect(plain.columns[0]).toEqual({ name: 'price', edges: [4, 7], labels: ['1: under 4', '2: 4 to 7', '3: 7 and over'] });
    expect(rows(applyRecipe(fitted, train), 'price')).toEqual(['1: under 4', '1: under 4', null, '3: 7 and over']);
    expect(rows(applyRecipe(fitted, test), 'price')).toEqual(['3: 7 and over', '1: under 4']);
    expect(applyRecipe(fitted, test).columns[1]).toMatchObject({ type: 'category', categories: ['1: under 4', '2: 4 to 7', '3: 7 and over'] });
    const onEdges: Table = { rowCount: 4, columns: [{ name: 'price', type: 'number', values: new Float64Array([4, 7, 3.99, 1e9]) }] };
    expect(rows(bucketizeStep.transform(onEdges, plain, { columns: ['price'], bins: 3, method: 'equal-width' }), 'price')).toEqual([
      '2: 4 to 7',
      '3: 7 and over',
      '1: under 4',
      '3: 7 and over',
    ]);
    expect(() => bucketizeStep.fit(train, { columns: ['size'], bins: 3, method: 'quantile' }, { target: 'label' })).toThrow(/numeric column/);
  });
});

it('bucketize then ordinal encode: the numbers follow the ranges, even past nine of them', () => {
  const values = Float64Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) - 50);
  const t: Table = { rowCount: 200, columns: [{ name: 'v', type: 'number', values }] };
  const fitted = fitRecipe(
    [
      { kind: 'bucketize', params: { columns: ['v'], bins: 12, method: 'quantile' } },
      { kind: 'ordinal-encode', params: { columns: ['v'], order: '' } },
    ],
    t,
    { target: 'none' },
  );
  const codes = rows(applyRecipe(fitted, t), 'v') as number[];
  const byValue = Array.from(values.keys()).sort((a, b) => values[a] - values[b]).map((r) => codes[r]);
  expect(byValue).toEqual([...byValue].sort((a, b) => a - b));
  expect(new Set(codes).size).toBe(12);
});

describe('Date parts', () => {
  it('compile: lists the new number columns in place of (or after) the date; problems on "column"', () => {
    expect(types(configure(dateParts, { column: 'when' }).outputs.table?.table)).toEqual([
      'size:category',
      'price:number',
      'when_year:number',
      'when_month:number',
      'when_day:number',
      'when_weekday:number',
      'note:text',
      'label:category',
    ]);
    const kept = configure(dateParts, { column: 'when', hour: true, keepOriginal: true }).outputs.table?.table;
    expect(types(kept)?.slice(2, 8)).toEqual(['when:date', 'when_year:number', 'when_month:number', 'when_day:number', 'when_weekday:number', 'when_hour:number']);
    expect(configure(dateParts, {}).problems).toEqual([expect.objectContaining({ field: 'column' })]);
    expect(configure(dateParts, { column: 'ghost' }).problems).toEqual([expect.objectContaining({ field: 'column', code: 'unknown-column' })]);
    expect(configure(dateParts, { column: 'note' }).problems).toEqual([expect.objectContaining({ field: 'column', message: expect.stringContaining('Change type') })]);
    const clash = dateParts.configure({
      params: dateParts.params.parse({ column: 'when' }),
      inputs: { table: { type: 'Table', table: { columns: [...schema.columns, { name: 'when_month', type: 'number' }] } } },
      env,
    });
    expect(clash.problems).toEqual([expect.objectContaining({ field: 'column', message: expect.stringContaining('"when_month"') })]);
  });

  it('takes dates apart in UTC (weekday 1 = Monday); missing stays missing; serving gets the date', async () => {
    const logs: string[] = [];
    const input: TableArtifact = { table, recipe: [] };
    const out = (await dateParts.run({ inputs: { table: input }, params: dateParts.params.parse({ column: 'when', hour: false }), ctx: testContext(logs) })).table as TableArtifact;
    expect(logs).toEqual(['"when" has times of day: tick "Hour" to add the hour as well.']);
    expect(out.recipe).toEqual([{ kind: 'date-parts', params: { column: 'when', hour: false, keepOriginal: false } }]);
    const params = { column: 'when', hour: true, keepOriginal: false };
    const fitted = fitRecipe([{ kind: 'date-parts', params }], train, { target: 'label' });
    const parts = tableRows(applyRecipe(fitted, train)).map(({ when_year, when_month, when_day, when_weekday, when_hour }) => [when_year, when_month, when_day, when_weekday, when_hour]);
    expect(parts).toEqual([
      [2024, 1, 1, 1, 0],
      [2024, 1, 7, 7, 0],
      [null, null, null, null, null],
      [2024, 2, 10, 6, 13],
    ]);
    expect(applyRecipe(fitted, test).columns.map((c) => c.name)).toEqual(['size', 'price', 'when_year', 'when_month', 'when_day', 'when_weekday', 'when_hour', 'note', 'label']);
    expect(rows(applyRecipe(fitted, test), 'when_year')).toEqual([2025, 2024]);
  });

  it('refuses a non-date column, the target, and a part name already taken', () => {
    const params = { column: 'price', hour: false, keepOriginal: false };
    expect(() => datePartsStep.fit(train, params, { target: 'label' })).toThrow(/needs a date column/);
    expect(() => datePartsStep.fit(train, { ...params, column: 'when' }, { target: 'when' })).toThrow(/target column/);
    const taken: Table = { ...train, columns: [...train.columns, { name: 'when_day', type: 'number', values: new Float64Array(4) }] };
    expect(() => datePartsStep.transform(taken, { column: 'when' }, { ...params, column: 'when' })).toThrow(/already has a column "when_day"/);
  });
});
