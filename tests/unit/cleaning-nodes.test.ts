import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { missingValues } from '../../nodes/cleaning/missing-values';
import { selectColumns } from '../../nodes/cleaning/select-columns';
import type { CompileEnv } from '../../nodes/define';
import { testContext } from '../support/run-context';

const env: CompileEnv = { dataset: () => undefined };
const schema: TableSchema = {
  columns: [
    { name: 'id', type: 'text' },
    { name: 'age', type: 'number' },
    { name: 'city', type: 'category' },
  ],
};
const logs: string[] = [];
const ctx = testContext(logs);
const table: TableArtifact = {
  recipe: [],
  table: {
    rowCount: 4,
    columns: [
      { name: 'id', type: 'text', codes: new Int32Array([0, 1, 2, 3]), categories: ['a', 'b', 'c', 'd'] },
      { name: 'age', type: 'number', values: new Float64Array([30, NaN, 50, 40]) },
      { name: 'city', type: 'category', codes: new Int32Array([0, 1, -1, 1]), categories: ['Oslo', 'Rome'] },
    ],
  },
};

describe('Select columns', () => {
  it('drops or keeps the chosen columns, in schema and data', async () => {
    const dropped = selectColumns.configure({ params: selectColumns.params.parse({ columns: ['id'] }), inputs: { table: { type: 'Table', table: schema } }, env });
    expect(dropped.outputs.table?.table?.columns.map((c) => c.name)).toEqual(['age', 'city']);
    const kept = selectColumns.params.parse({ mode: 'keep', columns: ['city'] });
    expect(selectColumns.configure({ params: kept, inputs: { table: { type: 'Table', table: schema } }, env }).outputs.table?.table?.columns).toEqual([{ name: 'city', type: 'category' }]);
    const out = (await selectColumns.run({ inputs: { table }, params: kept, ctx })).table as TableArtifact;
    expect(out.table.columns.map((c) => c.name)).toEqual(['city']);
  });

  it('names an unknown column, and refuses to leave no column', () => {
    const unknown = selectColumns.configure({ params: selectColumns.params.parse({ columns: ['nope'] }), inputs: { table: { type: 'Table', table: schema } }, env });
    expect(unknown.problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column', message: expect.stringContaining('"nope"') })]);
    const none = selectColumns.configure({ params: selectColumns.params.parse({ mode: 'keep', columns: [] }), inputs: { table: { type: 'Table', table: schema } }, env });
    expect(none.problems?.[0].message).toContain('No column');
  });
});

describe('Missing values', () => {
  it('a fill strategy only adds a step to the recipe: fitting waits for the split', async () => {
    const params = missingValues.params.parse({ strategy: 'median', columns: ['age'] });
    const out = (await missingValues.run({ inputs: { table }, params, ctx })).table as TableArtifact;
    expect(out.table).toBe(table.table);
    expect(out.recipe).toEqual([{ kind: 'fill-missing', params }]);
  });

  it('"drop rows" removes rows with an empty cell in the chosen columns', async () => {
    const out = (await missingValues.run({ inputs: { table }, params: missingValues.params.parse({ strategy: 'drop-rows', columns: ['age'] }), ctx })).table as TableArtifact;
    expect(out.table.rowCount).toBe(3);
    const all = (await missingValues.run({ inputs: { table }, params: missingValues.params.parse({ strategy: 'drop-rows' }), ctx })).table as TableArtifact;
    expect(all.table.rowCount).toBe(2);
    expect(logs.at(-1)).toContain('Dropped 2 of 4');
  });

  it('compile refuses an average of categories, a constant left blank, and unknown columns', () => {
    const check = (p: Record<string, unknown>) => missingValues.configure({ params: missingValues.params.parse(p), inputs: { table: { type: 'Table', table: schema } }, env }).problems ?? [];
    expect(check({ strategy: 'mean', columns: ['city'] })[0]).toMatchObject({ field: 'strategy' });
    expect(check({ strategy: 'constant' })[0]).toMatchObject({ field: 'constant' });
    expect(check({ columns: ['ghost'] })[0]).toMatchObject({ field: 'columns', code: 'unknown-column' });
    expect(check({ strategy: 'most-frequent', columns: ['city', 'age'] })).toEqual([]);
  });
});
