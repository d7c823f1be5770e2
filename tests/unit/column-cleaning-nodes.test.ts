import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { cleanText } from '../../runtime/steps/text-cleanup';
import { tableRows, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { changeType, convertColumn } from '../../nodes/cleaning/change-type';
import { outliers } from '../../nodes/cleaning/outliers';
import { parseRenames, renameColumns } from '../../nodes/cleaning/rename-columns';
import { textCleanup } from '../../nodes/cleaning/text-cleanup';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import { testContext } from '../support/run-context';
// Every node kind registers the recipe step it adds (recipes find steps by kind).
import '../../nodes';

const env: CompileEnv = { dataset: () => undefined };
const DAY = 86_400_000;

/** 6 rows with a missing cell in every column. */
const input: TableArtifact = {
  recipe: [],
  table: {
    rowCount: 6,
    columns: [
      { name: 'age', type: 'number', values: new Float64Array([30, NaN, 50, 1, 0, 41]) },
      { name: 'code', type: 'category', codes: new Int32Array([0, 1, 2, -1, 0, 3]), categories: ['12', '7.5', 'abc', '1e3'] },
      { name: 'when', type: 'category', codes: new Int32Array([0, 1, -1, 2, 0, 0]), categories: ['2024-03-01', '2024/03/02 10:30', '01/02/2024'] },
      { name: 'flag', type: 'category', codes: new Int32Array([0, 1, 2, 3, -1, 4]), categories: ['yes', 'No', 'TRUE', '1', 'maybe'] },
      { name: 'city', type: 'text', codes: new Int32Array([0, 1, 2, -1, 3, 4]), categories: ['Oslo', ' oslo. ', 'OSLO!', 'New   York', '?!'] },
      { name: 'day', type: 'date', values: new Float64Array([0, DAY, NaN, 2 * DAY, 0, 3 * DAY + 3_600_000]) },
    ],
  },
};
const schema: TableSchema = {
  columns: [
    { name: 'age', type: 'number', integer: true, distinct: 5 },
    { name: 'code', type: 'category', distinct: 4 },
    { name: 'when', type: 'category', distinct: 3 },
    { name: 'flag', type: 'category', distinct: 5 },
    { name: 'city', type: 'text', distinct: 5 },
    { name: 'day', type: 'date' },
  ],
};

// Each node's params type differs; the helpers take any of them.
type AnyNode = NodeDefinition<any>;

function configure(node: AnyNode, params: Record<string, unknown>, table: TableSchema = schema) {
  return node.configure({ params: node.params.parse(params), inputs: { table: { type: 'Table', table } }, env });
}

async function run(node: AnyNode, params: Record<string, unknown>, from: TableArtifact = input, logs: string[] = []) {
  return (await node.run({ inputs: { table: from }, params: node.params.parse(params), ctx: testContext(logs) })).table as TableArtifact;
}

const column = (artifact: TableArtifact, name: string) => tableRows(artifact.table).map((r) => r[name]);

describe('Change type', () => {
  it('compile: the output schema shows the new type', () => {
    const out = configure(changeType, { columns: ['code', 'age'], to: 'text' });
    expect(out.problems ?? []).toEqual([]);
    expect(out.outputs.table?.table?.columns.slice(0, 2)).toEqual([
      { name: 'age', type: 'text' },
      { name: 'code', type: 'text', distinct: 4 },
    ]);
    const toNumber = configure(changeType, { columns: ['code'], to: 'number' });
    expect(toNumber.outputs.table?.table?.columns[1]).toEqual({ name: 'code', type: 'number' });
  });

  it('compile: no columns, unknown columns and impossible conversions name their field', () => {
    expect(configure(changeType, {}).problems).toEqual([expect.objectContaining({ field: 'columns' })]);
    expect(configure(changeType, { columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    const toDate = configure(changeType, { columns: ['age'], to: 'date' });
    expect(toDate.problems).toEqual([expect.objectContaining({ field: 'to', message: expect.stringContaining('"age" holds numbers') })]);
    expect(toDate.outputs).toEqual({});
    expect(configure(changeType, { columns: ['day'], to: 'number' }).problems).toEqual([expect.objectContaining({ field: 'to', message: expect.stringContaining('Date parts') })]);
    // Changing a column to the type it has is allowed (nothing changes).
    expect(configure(changeType, { columns: ['age'], to: 'number' }).problems ?? []).toEqual([]);
  });

  it('category → number: what does not read as a number becomes missing, and the log counts it', async () => {
    const logs: string[] = [];
    const out = await run(changeType, { columns: ['code'], to: 'number' }, input, logs);
    expect(column(out, 'code')).toEqual([12, 7.5, null, null, 12, 1000]);
    expect(out.table.columns[1].type).toBe('number');
    expect(logs).toEqual(['"code": category → number; 1 value did not convert and is now empty (e.g. "abc").']);
    expect(out.recipe).toBe(input.recipe);
  });

  it('category → date reads ISO dates only; day-first forms become missing', async () => {
    const logs: string[] = [];
    const out = await run(changeType, { columns: ['when'], to: 'date' }, input, logs);
    expect(column(out, 'when')).toEqual(['2024-03-01', '2024-03-02T10:30:00.000Z', null, null, '2024-03-01', '2024-03-01']);
    expect(logs[0]).toContain('1 value did not convert');
  });

  it('→ yes/no reads true/false, yes/no and 1/0; numbers other than 0 and 1 become missing', async () => {
    const logs: string[] = [];
    expect(column(await run(changeType, { columns: ['flag'], to: 'boolean' }, input, logs), 'flag')).toEqual([true, false, true, true, null, null]);
    expect(logs[0]).toContain('(e.g. "maybe")');
    expect(column(await run(changeType, { columns: ['age'], to: 'boolean' }, input, logs), 'age')).toEqual([null, null, null, true, false, null]);
    expect(logs[1]).toContain('3 values did not convert and are now empty (e.g. "30", "50", "41")');
  });

  it('number, date and yes/no → labels; yes/no → number; text ↔ category keeps the labels', async () => {
    const out = await run(changeType, { columns: ['age', 'day'], to: 'category' });
    expect(column(out, 'age')).toEqual(['30', null, '50', '1', '0', '41']);
    expect(column(out, 'day')).toEqual(['1970-01-01', '1970-01-02', null, '1970-01-03', '1970-01-01', '1970-01-04T01:00:00.000Z']);
    const flags = convertColumn({ name: 'b', type: 'boolean', values: new Float64Array([1, 0, NaN]) }, 'number').column;
    expect(flags).toEqual({ name: 'b', type: 'number', values: new Float64Array([1, 0, NaN]) });
    const city = await run(changeType, { columns: ['city'], to: 'category' });
    expect(city.table.columns[4]).toEqual({ ...input.table.columns[4], type: 'category' });
  });

  it('refuses to change a column an earlier recipe step names (that step runs later, at the split)', async () => {
    const pending: TableArtifact = { ...input, recipe: [{ kind: 'standardize', params: { columns: ['age'] } }] };
    await expect(run(changeType, { columns: ['age'], to: 'category' }, pending)).rejects.toThrow(/used by an earlier "standardize" step/);
    // A step that picks its columns by type does not name it.
    const byType: TableArtifact = { ...input, recipe: [{ kind: 'standardize', params: { columns: [] } }] };
    expect((await run(changeType, { columns: ['age'], to: 'category' }, byType)).recipe).toBe(byType.recipe);
  });
});

describe('Rename columns', () => {
  it('parses "old: new" pairs and says what is wrong with the rest', () => {
    expect(parseRenames(' age : years, city:town ;\n day: date ')).toEqual({
      renames: [
        { from: 'age', to: 'years' },
        { from: 'city', to: 'town' },
        { from: 'day', to: 'date' },
      ],
      problems: [],
    });
    expect(parseRenames('age years').problems[0]).toContain('has no colon');
    expect(parseRenames('age:').problems[0]).toContain('both sides');
    expect(parseRenames('  ').problems[0]).toContain('at least one rename');
  });

  it('compile: renamed columns flow on; every problem names the "renames" field', () => {
    const out = configure(renameColumns, { renames: 'age: years, city: town' });
    expect(out.problems ?? []).toEqual([]);
    expect(out.outputs.table?.table?.columns.map((c) => c.name)).toEqual(['years', 'code', 'when', 'flag', 'town', 'day']);
    expect(out.outputs.table?.table?.columns[0]).toEqual({ name: 'years', type: 'number', integer: true, distinct: 5 });
    const problems = (renames: string) => configure(renameColumns, { renames }).problems;
    expect(problems('')).toEqual([expect.objectContaining({ field: 'renames' })]);
    expect(problems('ghost: x')).toEqual([expect.objectContaining({ field: 'renames', code: 'unknown-column' })]);
    expect(problems('age: code')).toEqual([expect.objectContaining({ field: 'renames', message: expect.stringContaining('Two columns would be called "code"') })]);
    expect(problems('age: x, age: y')).toEqual([expect.objectContaining({ field: 'renames', message: expect.stringContaining('renamed twice') })]);
    expect(configure(renameColumns, { renames: 'ghost: x' }).outputs).toEqual({});
    // Renames apply at once, so two columns may swap names.
    expect(configure(renameColumns, { renames: 'age: code, code: age' }).outputs.table?.table?.columns.slice(0, 2).map((c) => `${c.name}:${c.type}`)).toEqual([
      'code:number',
      'age:category',
    ]);
  });

  it('run renames the data, keeping values and recipe', async () => {
    const out = await run(renameColumns, { renames: 'age: years' });
    expect(out.table.columns.map((c) => c.name)).toEqual(['years', 'code', 'when', 'flag', 'city', 'day']);
    expect(column(out, 'years')).toEqual(column(input, 'age'));
    expect(out.recipe).toBe(input.recipe);
    await expect(run(renameColumns, { renames: 'ghost: x' })).rejects.toThrow('Column "ghost" is not in the table.');
    const pending: TableArtifact = { ...input, recipe: [{ kind: 'min-max', params: { columns: ['age'] } }] };
    await expect(run(renameColumns, { renames: 'age: years' }, pending)).rejects.toThrow(/Place Rename columns before that step/);
  });
});

describe('Outliers', () => {
  // IQR of 1..8 plus 100: q1 = 3, q3 = 7, bounds 3 - 6 = -3 and 7 + 6 = 13.
  const numbers: TableArtifact = {
    recipe: [],
    table: {
      rowCount: 10,
      columns: [
        { name: 'x', type: 'number', values: new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 100, NaN]) },
        { name: 'y', type: 'number', values: new Float64Array([0, 0, 0, 0, 0, 0, 0, 0, 0, -50]) },
        { name: 'label', type: 'category', codes: new Int32Array(10), categories: ['a'] },
      ],
    },
  };

  it('compile: numeric columns only, each problem on "columns"; the schema passes through', () => {
    const out = configure(outliers, { columns: ['age'] });
    expect(out.problems).toEqual([]);
    expect(out.outputs.table?.table).toBe(schema);
    expect(configure(outliers, { columns: ['city'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('not numbers') })]);
    expect(configure(outliers, { columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(configure(outliers, {}, { columns: [{ name: 'c', type: 'category' }] }).problems).toEqual([expect.objectContaining({ field: 'columns' })]);
    expect(() => outliers.params.parse({ iqrFactor: 0 })).toThrow();
  });

  it('clip only adds a recipe step; the split fits the range and clips, missing stays missing', async () => {
    const out = await run(outliers, { columns: ['x'] }, numbers);
    expect(out.table).toBe(numbers.table);
    expect(out.recipe).toEqual([{ kind: 'clip-outliers', params: { columns: ['x'], method: 'iqr', iqrFactor: 1.5, zThreshold: 3 } }]);
    const fitted = fitRecipe(out.recipe, numbers.table, { target: 'label' });
    expect(fitted[0].state).toEqual({ columns: [{ name: 'x', low: -3, high: 13 }] });
    expect(column({ table: applyRecipe(fitted, numbers.table), recipe: [] }, 'x')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 13, null]);
  });

  it('drop removes the rows with an outlier in any chosen column (missing is not an outlier) and logs it', async () => {
    const logs: string[] = [];
    const out = await run(outliers, { action: 'drop' }, numbers, logs);
    // y: every value 0 but one -50: IQR 0, so -50 is out. x: 100 is out.
    expect(column(out, 'x')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.recipe).toBe(numbers.recipe);
    expect(logs.at(-1)).toBe('Dropped 2 of 10 rows with outliers (training and evaluation only; serving never drops rows).');
    // z-score over 1..8 and 100 (mean 15.1, std ~30.1): 100 is within 3 std, nothing goes.
    expect((await run(outliers, { action: 'drop', columns: ['x'], method: 'z-score' }, numbers)).table.rowCount).toBe(10);
    expect((await run(outliers, { action: 'drop', columns: ['x'], method: 'z-score', zThreshold: 2 }, numbers)).table.rowCount).toBe(9);
  });

  it('drop refuses a column an earlier recipe step changes (it is still the old column here)', async () => {
    const pending: TableArtifact = { ...numbers, recipe: [{ kind: 'log1p', params: { columns: ['x'] } }] };
    await expect(run(outliers, { action: 'drop', columns: ['x'] }, pending)).rejects.toThrow(/earlier "log1p" step/);
  });
});

describe('Text cleanup', () => {
  it('cleans labels: lower-case, punctuation, spaces (each optional), idempotently', () => {
    const all = { lowerCase: true, stripPunctuation: true, trimSpaces: true };
    expect(cleanText("  Don't   STOP!! ", all)).toBe('dont stop');
    expect(cleanText("  Don't ", { ...all, stripPunctuation: false })).toBe("don't");
    expect(cleanText(' A.B ', { lowerCase: false, stripPunctuation: true, trimSpaces: false })).toBe(' AB ');
    for (const s of ['Ça  va?', ' İstanbul ', 'e-mail, (fax)']) expect(cleanText(cleanText(s, all), all)).toBe(cleanText(s, all));
  });

  it('compile: category and text columns only, at least one cleanup, problems on their fields', () => {
    const out = configure(textCleanup, { columns: ['city'] });
    expect(out.problems).toEqual([]);
    expect(out.outputs.table?.table?.columns[4]).toEqual({ name: 'city', type: 'text' });
    expect(configure(textCleanup, { columns: ['age'] }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('"age" holds numbers') })]);
    expect(configure(textCleanup, { columns: ['ghost'] }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(configure(textCleanup, { lowerCase: false, stripPunctuation: false, trimSpaces: false }).problems).toEqual([expect.objectContaining({ field: 'lowerCase' })]);
    expect(configure(textCleanup, {}, { columns: [{ name: 'n', type: 'number' }] }).problems).toEqual([expect.objectContaining({ field: 'columns' })]);
  });

  it('run cleans now (merging labels; cleaned to nothing → missing) and adds a step so serving cleans too', async () => {
    const logs: string[] = [];
    const out = await run(textCleanup, { columns: ['city'] }, input, logs);
    expect(column(out, 'city')).toEqual(['oslo', 'oslo', 'oslo', null, 'new york', null]);
    expect(logs).toEqual(['"city": 5 distinct values became 2; 1 cell cleaned to nothing and now empty.']);
    expect(out.recipe).toEqual([{ kind: 'text-cleanup', params: { columns: ['city'], lowerCase: true, stripPunctuation: true, trimSpaces: true } }]);
    // Applied again at the split it changes nothing; on a request it cleans the raw text.
    const fitted = fitRecipe(out.recipe, out.table, { target: 'age' });
    expect(tableRows(applyRecipe(fitted, out.table))).toEqual(tableRows(out.table));
    const request = { rowCount: 1, columns: [{ name: 'city', type: 'text' as const, codes: new Int32Array([0]), categories: ['  OSLO. '] }] };
    expect(tableRows(applyRecipe(fitted, request))).toEqual([{ city: 'oslo' }]);
  });

  it('no columns named: every category and text column except the target (at the split)', async () => {
    const out = await run(textCleanup, {});
    expect(column(out, 'flag')).toEqual(['yes', 'no', 'true', '1', null, 'maybe']);
    const fitted = fitRecipe(out.recipe, input.table, { target: 'flag' });
    expect(fitted[0].state).toEqual({ columns: ['code', 'when', 'city'] });
  });
});
