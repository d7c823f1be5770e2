import { z } from 'zod';
import { createRng, shuffledIndices } from '../../lib/rng';
import { cellValue, isValueColumn, takeRows, type Column, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../artifacts';
import { defineNode, type ConfigureProblem, type PortInfo } from '../define';

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

const OPERATORS = ['equals', 'not-equals', 'greater', 'greater-or-equal', 'less', 'less-or-equal', 'contains', 'is-missing', 'is-not-missing'] as const;
type Operator = (typeof OPERATORS)[number];

/** Whether row r of the column passes the condition; numbers and dates compare as numbers. */
function passes(column: Column, r: number, operator: Operator, value: string, target: number): boolean {
  const cell = cellValue(column, r);
  if (operator === 'is-missing') return cell === null;
  if (operator === 'is-not-missing') return cell !== null;
  if (cell === null) return false;
  if (isValueColumn(column) && column.type !== 'boolean' && operator !== 'contains') {
    const v = column.values[r];
    if (operator === 'equals') return v === target;
    if (operator === 'not-equals') return v !== target;
    if (operator === 'greater') return v > target;
    if (operator === 'greater-or-equal') return v >= target;
    if (operator === 'less') return v < target;
    return v <= target;
  }
  const text = String(cell);
  if (operator === 'contains') return text.toLowerCase().includes(value.toLowerCase());
  if (operator === 'equals') return text === value;
  if (operator === 'not-equals') return text !== value;
  const cmp = text.localeCompare(value);
  if (operator === 'greater') return cmp > 0;
  if (operator === 'greater-or-equal') return cmp >= 0;
  if (operator === 'less') return cmp < 0;
  return cmp <= 0;
}

export const filterRows = defineNode({
  type: 'cleaning.filter-rows',
  version: 1,
  category: 'cleaning',
  label: 'Filter rows',
  description: 'Keeps the rows that meet a condition, like "age greater than 18" or "country equals Norway". Chain several for "and".',
  inputs: TABLE_IN,
  outputs: TABLE_OUT,
  params: z.object({
    column: z.string().default('').meta({ title: 'Column', widget: 'column' }),
    operator: z
      .enum(OPERATORS)
      .default('equals')
      .meta({
        title: 'Condition',
        enumLabels: {
          equals: 'equals',
          'not-equals': 'does not equal',
          greater: 'is greater than',
          'greater-or-equal': 'is at least',
          less: 'is less than',
          'less-or-equal': 'is at most',
          contains: 'contains the text',
          'is-missing': 'is empty',
          'is-not-missing': 'is not empty',
        },
      }),
    value: z.string().default('').meta({ title: 'Value', description: 'Numbers as 3.5; dates as 2024-03-01.' }),
  }),
  configure({ params, inputs }) {
    return sameTable(inputs, (table) => {
      if (!params.column) return [{ field: 'column', message: 'Choose the column to test.' }];
      const column = table.columns.find((c) => c.name === params.column);
      if (!column) return unknownColumns(table, [params.column], 'column');
      const needsValue = params.operator !== 'is-missing' && params.operator !== 'is-not-missing';
      if (needsValue && params.value === '') return [{ field: 'value', message: 'Give the value to compare with.' }];
      const numericCompare = needsValue && params.operator !== 'contains' && (column.type === 'number' || column.type === 'date');
      const parsed = column.type === 'date' ? Date.parse(params.value) : Number(params.value);
      if (numericCompare && !Number.isFinite(parsed)) {
        return [{ field: 'value', message: `"${params.column}" holds ${column.type === 'date' ? 'dates' : 'numbers'}: "${params.value}" is not one.` }];
      }
      return [];
    });
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    const column = input.table.columns.find((c) => c.name === params.column);
    if (!column) throw new Error(`Column "${params.column}" is not in the table.`);
    const target = column.type === 'date' ? Date.parse(params.value) : Number(params.value);
    const keep: number[] = [];
    for (let r = 0; r < input.table.rowCount; r++) if (passes(column, r, params.operator, params.value, target)) keep.push(r);
    ctx.log(`Kept ${keep.length} of ${input.table.rowCount} rows.`);
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
