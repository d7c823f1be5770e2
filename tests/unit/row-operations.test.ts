import { describe, expect, it } from 'vitest';
import { tableRows, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../nodes/artifacts';
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
    ],
  },
};
const schema: TableSchema = { columns: [{ name: 'age', type: 'number' }, { name: 'city', type: 'category' }, { name: 'day', type: 'date' }] };

async function rows(node: typeof filterRows | typeof removeDuplicates | typeof sortRows | typeof sampleRows, params: Record<string, unknown>) {
  const out = (await node.run({ inputs: { table: input }, params: node.params.parse(params) as never, ctx })).table as TableArtifact;
  expect(out.recipe).toBe(input.recipe);
  return tableRows(out.table);
}

describe('row operations', () => {
  it('filter: numbers, dates, text and emptiness', async () => {
    expect((await rows(filterRows, { column: 'age', operator: 'greater-or-equal', value: '30' })).map((r) => r.age)).toEqual([30, 50, 30]);
    expect((await rows(filterRows, { column: 'day', operator: 'greater', value: '1970-01-02' })).map((r) => r.day)).toEqual(['1970-01-03', '1970-01-04']);
    expect((await rows(filterRows, { column: 'city', operator: 'equals', value: 'Rome' })).map((r) => r.age)).toEqual([null, 12]);
    expect((await rows(filterRows, { column: 'city', operator: 'contains', value: 'os' })).length).toBe(2);
    expect((await rows(filterRows, { column: 'age', operator: 'is-missing' })).length).toBe(1);
    expect((await rows(filterRows, { column: 'city', operator: 'not-equals', value: 'Rome' })).map((r) => r.city)).toEqual(['Oslo', 'Oslo']);
  });

  it('filter: compile names the field that is wrong', () => {
    const check = (p: Record<string, unknown>) => filterRows.configure({ params: filterRows.params.parse(p), inputs: { table: { type: 'Table', table: schema } }, env }).problems;
    expect(check({})).toEqual([expect.objectContaining({ field: 'column' })]);
    expect(check({ column: 'ghost', value: '1' })).toEqual([expect.objectContaining({ field: 'column', code: 'unknown-column' })]);
    expect(check({ column: 'age', operator: 'greater', value: 'abc' })).toEqual([expect.objectContaining({ field: 'value' })]);
    expect(check({ column: 'age', operator: 'greater' })).toEqual([expect.objectContaining({ field: 'value' })]);
    expect(check({ column: 'age', operator: 'is-missing' })).toEqual([]);
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
