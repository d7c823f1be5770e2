import { z } from 'zod';
import { createRng, shuffledIndices } from '../../lib/rng';
import { cellValue, takeRows, type TableSchema } from '../../lib/table';
import { schemaColumn } from '../column-checks';
import type { TableArtifact } from '../../runtime/artifacts';
import { defineNode, type ConfigureProblem, type PortInfo } from '../define';
import { conditionMask, conditionSchema, describeCondition, isConditionProblem, parseCondition } from './filter-conditions';

/**
 * Steps that choose or reorder rows. They shape the training data only: a deployed model still
 * answers every row it is sent (they are not part of the recipe that travels with it).
 */
const TABLE_IN = [{ name: 'table', type: 'Table' as const, label: 'Table' }];
const TABLE_OUT = [{ name: 'table', type: 'Table' as const, label: 'Table' }];

function unknownColumns(table: TableSchema, names: string[], field: string): ConfigureProblem[] {
  return names
    .filter((name) => !table.columns.some((c) => c.name === name))
    .map((name) => ({ field, code: 'unknown-column' as const, message: `Column "${name}" is not in the table.` }));
}

/** Rows out = rows in, same schema; problems only about the named columns. */
function sameTable(inputs: Record<string, PortInfo | undefined>, problems: (table: TableSchema) => ConfigureProblem[]) {
  const table = inputs.table?.table;
  if (!table) return { outputs: {} };
  return { outputs: { table: { type: 'Table' as const, table } }, problems: problems(table) };
}

function withRows(input: TableArtifact, rows: ArrayLike<number>): { table: TableArtifact } {
  return { table: { table: takeRows(input.table, rows), recipe: input.recipe } };
}

export const filterRows = defineNode({
  type: 'cleaning.filter-rows',
  version: 2,
  category: 'cleaning',
  label: 'Filter rows',
  description:
    'Keeps the rows that meet your conditions, like "age ≥ 18" and "country is Norway": all of them (and) or any of them (or). ' +
    'Each condition picks a column and a test that fits it. An empty cell meets only "is empty".',
  inputs: TABLE_IN,
  outputs: TABLE_OUT,
  params: z.object({
    match: z
      .enum(['all', 'any'])
      .default('all')
      .meta({ title: 'Keep rows that meet', enumLabels: { all: 'all the conditions (and)', any: 'any of the conditions (or)' } }),
    conditions: z
      .array(conditionSchema)
      .default(() => [conditionSchema.parse({})])
      .meta({ title: 'Conditions', itemLabel: 'Condition', addLabel: 'Add a condition' }),
  }),
  /** Version 1 had one condition: {column, operator, value}. Its operators mean the same in version 2. */
  migrate(params, fromVersion) {
    if (fromVersion !== 1) throw new Error(`there is no version ${fromVersion} of Filter rows.`);
    const { column = '', operator = 'equals', value = '' } = params as { column?: string; operator?: string; value?: string };
    return { match: 'all', conditions: [{ column, operator, value, to: '' }] };
  },
  configure({ params, inputs }) {
    return sameTable(inputs, (table) => {
      if (params.conditions.length === 0) return [{ field: 'conditions', message: 'Add a condition: which rows to keep?' }];
      return params.conditions.flatMap((condition, i): ConfigureProblem[] => {
        const where = (field: string) => `conditions.${i}.${field}`;
        if (!condition.column) return [{ field: where('column'), message: `Condition ${i + 1}: choose the column to test.` }];
        const column = schemaColumn(table, condition.column);
        if (!column) return [{ field: where('column'), code: 'unknown-column', message: `Condition ${i + 1}: column "${condition.column}" is not in the table.` }];
        const parsed = parseCondition(condition, column.type);
        return isConditionProblem(parsed) ? [{ field: where(parsed.field), message: `Condition ${i + 1}: ${parsed.message}` }] : [];
      });
    });
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    const { rowCount } = input.table;
    const any = params.match === 'any';
    const kept = new Uint8Array(rowCount).fill(any ? 0 : 1);
    const described: string[] = [];
    params.conditions.forEach((condition, i) => {
      const column = input.table.columns.find((c) => c.name === condition.column);
      if (!column) throw new Error(`Filter rows, condition ${i + 1}: column "${condition.column}" is not in the table.`);
      const parsed = parseCondition(condition, column.type);
      if (isConditionProblem(parsed)) throw new Error(`Filter rows, condition ${i + 1}: ${parsed.message}`);
      const mask = conditionMask(column, parsed, rowCount);
      for (let r = 0; r < rowCount; r++) kept[r] = any ? kept[r] | mask[r] : kept[r] & mask[r];
      described.push(describeCondition(condition, column.type));
    });
    const keep: number[] = [];
    for (let r = 0; r < rowCount; r++) if (kept[r]) keep.push(r);
    ctx.log(`Kept ${keep.length} of ${rowCount} rows: ${described.join(any ? ' or ' : ' and ')}.`);
    return withRows(input, keep);
  },
});

export const removeDuplicates = defineNode({
  type: 'cleaning.remove-duplicates',
  version: 1,
  category: 'cleaning',
  label: 'Remove duplicates',
  description: 'Keeps the first of rows that are identical (in every column, or in the columns you choose).',
  inputs: TABLE_IN,
  outputs: TABLE_OUT,
  params: z.object({
    columns: z.array(z.string()).default([]).meta({ title: 'Compare columns', description: 'Leave empty to compare whole rows.', widget: 'columns' }),
  }),
  configure: ({ params, inputs }) => sameTable(inputs, (table) => unknownColumns(table, params.columns, 'columns')),
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    const columns = input.table.columns.filter((c) => params.columns.length === 0 || params.columns.includes(c.name));
    const seen = new Set<string>();
    const keep: number[] = [];
    for (let r = 0; r < input.table.rowCount; r++) {
      const key = JSON.stringify(columns.map((c) => cellValue(c, r)));
      if (seen.has(key)) continue;
      seen.add(key);
      keep.push(r);
    }
    ctx.log(`Removed ${input.table.rowCount - keep.length} duplicate rows.`);
    return withRows(input, keep);
  },
});

export const sortRows = defineNode({
  type: 'cleaning.sort',
  version: 1,
  category: 'cleaning',
  label: 'Sort',
  description: 'Orders the rows by a column (time series need their rows in time order).',
  inputs: TABLE_IN,
  outputs: TABLE_OUT,
  params: z.object({
    column: z.string().default('').meta({ title: 'Column', widget: 'column' }),
    descending: z.boolean().default(false).meta({ title: 'Largest first' }),
  }),
  configure: ({ params, inputs }) =>
    sameTable(inputs, (table) => (params.column ? unknownColumns(table, [params.column], 'column') : [{ field: 'column', message: 'Choose the column to sort by.' }])),
  async run({ inputs, params }) {
    const input = inputs.table as TableArtifact;
    const column = input.table.columns.find((c) => c.name === params.column);
    if (!column) throw new Error(`Column "${params.column}" is not in the table.`);
    const order = Array.from({ length: input.table.rowCount }, (_, r) => r);
    const sign = params.descending ? -1 : 1;
    // Empty cells last, whatever the direction; ties keep their order (Array.prototype.sort is stable).
    order.sort((a, b) => {
      const x = cellValue(column, a);
      const y = cellValue(column, b);
      if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
      if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
      return sign * String(x).localeCompare(String(y));
    });
    return withRows(input, order);
  },
});

export const sampleRows = defineNode({
  type: 'cleaning.sample',
  version: 1,
  category: 'cleaning',
  label: 'Sample rows',
  description: 'Takes a random share of the rows, to try ideas quickly on big data. The same seed gives the same rows.',
  inputs: TABLE_IN,
  outputs: TABLE_OUT,
  params: z.object({
    fraction: z.number().gt(0, 'must be more than 0').max(1, 'at most 1').default(0.1).meta({ title: 'Fraction', description: '0.1 keeps 10% of the rows.' }),
    seed: z.number().int().min(0).default(42).meta({ title: 'Seed', advanced: true }),
  }),
  configure: ({ inputs }) => sameTable(inputs, () => []),
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    const count = Math.round(input.table.rowCount * params.fraction);
    // Original order is kept, so a sorted (time-ordered) table stays sorted.
    const chosen = shuffledIndices(input.table.rowCount, createRng(params.seed)).slice(0, count).sort();
    ctx.log(`Sampled ${count} of ${input.table.rowCount} rows.`);
    return withRows(input, chosen);
  },
});
