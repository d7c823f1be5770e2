import { describe, expect, it } from 'vitest';
import { tableRows, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { filterRows, removeDuplicates, sampleRows, sortRows } from '../../nodes/cleaning/row-operations';
import type { CompileEnv } from '../../nodes/define';
import { testContext } from '../support/run-context';

const env: CompileEnv = { dataset: () => undefined };
const ctx = testContext();
const DAY = 86_400_000;
const input: TableArtifact = {
  recipe: [{ kind: 'standardize', params: { columns: [] } }],
  table: {
    rowCount: 5,
    columns: [
      { name: 'age', type: 'number', values: new Float64Array([30, NaN, 50, 30, 12]) },
      { name: 'city', type: 'category', codes: new Int32Array([0, 1, -1, 0, 1]), categories: ['Oslo', 'Rome'] },
      { name: 'day', type: 'date', values: new Float64Array([0, DAY, 2 * DAY, 0, 3 * DAY]) },
      { name: 'paid', type: 'boolean', values: new Float64Array([1, 0, NaN, 1, 0]) },
    ],
  },
};
const schema: TableSchema = {
  columns: [
    { name: 'age', type: 'number' },
    { name: 'city', type: 'category' },
    { name: 'day', type: 'date' },
    { name: 'paid', type: 'boolean' },
  ],
};

async function rows(node: typeof filterRows | typeof removeDuplicates | typeof sortRows | typeof sampleRows, params: Record<string, unknown>) {
  const out = (await node.run({ inputs: { table: input }, params: node.params.parse(params) as never, ctx })).table as TableArtifact;
  expect(out.recipe).toBe(input.recipe);
  return tableRows(out.table);
}

describe('row operations', () => {
  const filter = (match: 'all' | 'any', ...conditions: Record<string, unknown>[]) => rows(filterRows, { match, conditions });

  it('filter: numbers, dates, text and emptiness, one condition at a time', async () => {
    expect((await filter('all', { column: 'age', operator: 'greater-or-equal', value: '30' })).map((r) => r.age)).toEqual([30, 50, 30]);
    expect((await filter('all', { column: 'age', operator: 'between', value: '12', to: ' 30 ' })).map((r) => r.age)).toEqual([30, 30, 12]);
    expect((await filter('all', { column: 'day', operator: 'greater', value: '1970-01-02' })).map((r) => r.day)).toEqual(['1970-01-03', '1970-01-04']);
    expect((await filter('all', { column: 'day', operator: 'less', value: '1970-01-02' })).map((r) => r.day)).toEqual(['1970-01-01', '1970-01-01']);
    expect((await filter('all', { column: 'day', operator: 'between', value: '1970-01-02', to: '1970-01-03T00:00Z' })).map((r) => r.day)).toEqual(['1970-01-02', '1970-01-03']);
    expect((await filter('all', { column: 'city', operator: 'equals', value: 'Rome' })).map((r) => r.age)).toEqual([null, 12]);
    expect((await filter('all', { column: 'city', operator: 'contains', value: 'os' })).length).toBe(2);
    expect((await filter('all', { column: 'city', operator: 'starts-with', value: 'ro' })).map((r) => r.city)).toEqual(['Rome', 'Rome']);
    expect((await filter('all', { column: 'city', operator: 'one-of', value: 'Oslo, Paris' })).map((r) => r.city)).toEqual(['Oslo', 'Oslo']);
    expect((await filter('all', { column: 'age', operator: 'is-missing' })).length).toBe(1);
    expect((await filter('all', { column: 'city', operator: 'is-not-missing' })).length).toBe(4);
    // An empty cell meets only "is empty": not "is not Rome".
    expect((await filter('all', { column: 'city', operator: 'not-equals', value: 'Rome' })).map((r) => r.city)).toEqual(['Oslo', 'Oslo']);
    expect((await filter('all', { column: 'paid', operator: 'is-true' })).map((r) => r.age)).toEqual([30, 30]);
    expect((await filter('all', { column: 'paid', operator: 'is-false' })).map((r) => r.age)).toEqual([null, 12]);
  });

  it('filter: all (and) or any (or) of several conditions; the log says what was kept', async () => {
    const young = { column: 'age', operator: 'less', value: '40' };
    const rome = { column: 'city', operator: 'equals', value: 'Rome' };
    expect((await filter('all', young, rome)).map((r) => r.age)).toEqual([12]);
    expect((await filter('any', young, rome)).map((r) => r.age)).toEqual([30, null, 30, 12]);
    const logs: string[] = [];
    await filterRows.run({ inputs: { table: input }, params: filterRows.params.parse({ match: 'any', conditions: [young, rome] }), ctx: testContext(logs) });
    expect(logs).toEqual(['Kept 4 of 5 rows: "age" < 40 or "city" is "Rome".']);
  });

  it('filter: compile names the condition and the field that is wrong', () => {
    const check = (p: Record<string, unknown>) => filterRows.configure({ params: filterRows.params.parse(p), inputs: { table: { type: 'Table', table: schema } }, env }).problems;
    const one = (condition: Record<string, unknown>) => check({ conditions: [condition] });
    // A new node has one empty condition.
    expect(check({})).toEqual([{ field: 'conditions.0.column', message: 'Condition 1: choose the column to test.' }]);
    expect(check({ conditions: [] })).toEqual([expect.objectContaining({ field: 'conditions' })]);
    expect(one({ column: 'ghost', value: '1' })).toEqual([expect.objectContaining({ field: 'conditions.0.column', code: 'unknown-column' })]);
    expect(one({ column: 'age', operator: 'greater', value: 'abc' })).toEqual([
      { field: 'conditions.0.value', message: 'Condition 1: "abc" is not a number: write numbers like 3.5.' },
    ]);
    expect(one({ column: 'age', operator: 'greater' })).toEqual([expect.objectContaining({ field: 'conditions.0.value' })]);
    expect(one({ column: 'age', operator: 'between', value: '5' })).toEqual([expect.objectContaining({ field: 'conditions.0.to' })]);
    expect(one({ column: 'age', operator: 'between', value: '5', to: '1' })).toEqual([expect.objectContaining({ field: 'conditions.0.to', message: expect.stringContaining('smaller value first') })]);
    expect(one({ column: 'day', operator: 'less', value: '03/01/2024' })).toEqual([
      { field: 'conditions.0.value', message: 'Condition 1: "03/01/2024" is not a date: write dates as 2024-03-01 (or 2024-03-01T14:30 with a time).' },
    ]);
    expect(one({ column: 'day', operator: 'less', value: '2024-02-30' })).toEqual([expect.objectContaining({ field: 'conditions.0.value' })]);
    expect(one({ column: 'age', operator: 'starts-with', value: '1' })).toEqual([
      expect.objectContaining({ field: 'conditions.0.operator', message: expect.stringMatching(/^Condition 1: "starts with" does not fit "age", which holds numbers: choose "=", "≠"/) }),
    ]);
    expect(one({ column: 'paid', operator: 'equals', value: 'true' })).toEqual([expect.objectContaining({ field: 'conditions.0.operator' })]);
    expect(one({ column: 'city', operator: 'one-of', value: ' , ' })).toEqual([expect.objectContaining({ field: 'conditions.0.value' })]);
    expect(one({ column: 'age', operator: 'is-missing' })).toEqual([]);
    // Each condition is checked; the second one's problem names it.
    expect(check({ conditions: [{ column: 'age', operator: 'less', value: '3' }, { column: 'city', operator: 'less', value: 'x' }] })).toEqual([
      expect.objectContaining({ field: 'conditions.1.operator', message: expect.stringContaining('Condition 2:') }),
    ]);
  });

  it('filter: a column whose type changed before the run is refused with the condition named', async () => {
    await expect(filter('all', { column: 'city', operator: 'greater', value: '3' })).rejects.toThrow(/condition 1: "> \/ is after" does not fit "city"/);
  });

  it('remove duplicates: whole rows or chosen columns, first one kept', async () => {
    expect((await rows(removeDuplicates, {})).length).toBe(4);
    expect((await rows(removeDuplicates, { columns: ['city'] })).map((r) => r.age)).toEqual([30, null, 50]);
  });

  it('sort: numbers either way, empty cells last, stable', async () => {
    expect((await rows(sortRows, { column: 'age' })).map((r) => r.age)).toEqual([12, 30, 30, 50, null]);
    expect((await rows(sortRows, { column: 'age', descending: true })).map((r) => r.age)).toEqual([50, 30, 30, 12, null]);
    expect((await rows(sortRows, { column: 'city' })).map((r) => r.city)).toEqual(['Oslo', 'Oslo', 'Rome', 'Rome', null]);
  });

  it('sample: the share asked for, the same rows for the same seed, original order kept', async () => {
    const a = await rows(sampleRows, { fraction: 0.6, seed: 3 });
    expect(a).toHaveLength(3);
    expect(await rows(sampleRows, { fraction: 0.6, seed: 3 })).toEqual(a);
    const days = a.map((r) => Date.parse(String(r.day)));
    expect([...days].sort((x, y) => x - y)).toEqual(days);
  });
});
