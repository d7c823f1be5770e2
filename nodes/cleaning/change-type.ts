import { z } from 'zod';
import { parseBoolean, parseDate, parseNumber } from '../../runtime/ingest/infer';
import { COLUMN_TYPES, formatDate, isValueColumn, type Column, type ColumnSchema, type ColumnType } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { assertDirectColumns, columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';

/** Which type each type may become (a type may always "become" itself: nothing changes). */
const CONVERSIONS: Record<ColumnType, readonly ColumnType[]> = {
  number: ['category', 'text', 'boolean'],
  category: ['number', 'text', 'date', 'boolean'],
  text: ['number', 'category', 'date', 'boolean'],
  date: ['category', 'text'],
  boolean: ['number', 'category', 'text'],
};

/** Why `from` cannot become `to`, in words, or undefined when it can. */
export function conversionProblem(name: string, from: ColumnType, to: ColumnType): string | undefined {
  if (from === to || CONVERSIONS[from].includes(to)) return undefined;
  if (from === 'number' && to === 'date') {
    return `"${name}" holds numbers, which cannot become dates (counted in what unit?). Dates written as text like 2024-03-01 can.`;
  }
  if (from === 'date') return `"${name}" holds dates, which cannot become ${to === 'number' ? 'one number' : 'yes/no'}: use Date parts for year, month, day and weekday.`;
  return `"${name}" holds yes/no values, which cannot become dates.`;
}

/** A label as a value of `to` (NaN when it does not read as one): numbers as 3.5, dates as 2024-03-01, yes/no as true/false/yes/no/1/0. */
function parseLabel(label: string, to: 'number' | 'date' | 'boolean'): number {
  if (to === 'number') return parseNumber(label) ?? NaN;
  if (to === 'date') return parseDate(label) ?? NaN;
  const word = label.trim();
  if (word === '1' || word === '0') return Number(word);
  const b = parseBoolean(label);
  return b === null ? NaN : Number(b);
}

/** A value as a label: numbers printed plainly, dates as ISO, booleans as true/false. */
function formatValue(v: number, from: 'number' | 'date' | 'boolean'): string {
  if (from === 'date') return formatDate(v);
  if (from === 'boolean') return v !== 0 ? 'true' : 'false';
  return String(v);
}

export interface Conversion {
  column: Column;
  /** Cells that held a value which did not convert (now missing), and a few of those values. */
  failed: number;
  examples: string[];
}

/** Converts one column; a value that does not convert becomes missing and is counted. */
export function convertColumn(column: Column, to: ColumnType): Conversion {
  const problem = conversionProblem(column.name, column.type, to);
  if (problem) throw new Error(`Change type: ${problem}`);
  const examples = new Set<string>();
  let failed = 0;
  if (isValueColumn(column)) {
    if (to === 'category' || to === 'text') {
      const from = column.type;
      const dictionary = new Map<string, number>();
      const codes = Int32Array.from(column.values, (v) => {
        if (Number.isNaN(v)) return -1;
        const label = formatValue(v, from);
        if (!dictionary.has(label)) dictionary.set(label, dictionary.size);
        return dictionary.get(label)!;
      });
      return { column: { name: column.name, type: to, codes, categories: [...dictionary.keys()] }, failed, examples: [] };
    }
    // number ↔ boolean: 0 and 1 are the yes/no values; other numbers do not convert.
    const values = Float64Array.from(column.values, (v) => {
      if (to === 'boolean' && !Number.isNaN(v) && v !== 0 && v !== 1) {
        failed++;
        if (examples.size < 3) examples.add(String(v));
        return NaN;
      }
      return v;
    });
    return { column: { name: column.name, type: to as 'number' | 'boolean', values }, failed, examples: [...examples] };
  }
  if (to === 'category' || to === 'text') return { column: { ...column, type: to }, failed, examples: [] };
  const valueType = to as 'number' | 'date' | 'boolean';
  // Each label is read once; rows look their value up by code.
  const byCode = column.categories.map((label) => parseLabel(label, valueType));
  const values = Float64Array.from(column.codes, (code) => {
    if (code < 0) return NaN;
    const v = byCode[code];
    if (Number.isNaN(v)) {
      failed++;
      if (examples.size < 3) examples.add(column.categories[code]);
    }
    return v;
  });
  return { column: { name: column.name, type: valueType, values }, failed, examples: [...examples] };
}

/** The column's schema after the change: what compile knows about numbers (whole, distinct) is known no more. */
function convertedSchema(column: ColumnSchema, to: ColumnType): ColumnSchema {
  if (column.type === to) return column;
  const keepsDistinct = (column.type === 'category' || column.type === 'text') && (to === 'category' || to === 'text');
  return keepsDistinct && column.distinct !== undefined ? { name: column.name, type: to, distinct: column.distinct } : { name: column.name, type: to };
}

const TYPE_LABELS: Record<ColumnType, string> = {
  number: 'number',
  category: 'category (a few repeated labels)',
  text: 'free text',
  date: 'date (2024-03-01)',
  boolean: 'yes/no',
};

export const changeType = defineNode({
  type: 'cleaning.change-type',
  version: 1,
  category: 'cleaning',
  label: 'Change type',
  description:
    'Changes what kind of values columns hold: numbers, categories, free text, dates (written like 2024-03-01) or yes/no. A value that does not fit the new type (like "abc" as a number) becomes empty, and the run log says how many did.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    columns: z.array(z.string()).default([]).meta({ title: 'Columns', description: 'The columns to change.', widget: 'columns' }),
    to: z
      .enum(COLUMN_TYPES)
      .default('category')
      .meta({ title: 'New type', description: 'Yes/no reads true/false, yes/no and 1/0.', enumLabels: TYPE_LABELS }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    if (params.columns.length === 0) return { outputs: {}, problems: [{ field: 'columns', message: 'Choose the columns to change.' }] };
    const problems: ConfigureProblem[] = columnProblems(table, params.columns, 'columns', COLUMN_TYPES);
    for (const column of table.columns) {
      if (!params.columns.includes(column.name)) continue;
      const problem = conversionProblem(column.name, column.type, params.to);
      if (problem) problems.push({ field: 'to', message: problem });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    const columns = table.columns.map((c) => (params.columns.includes(c.name) ? convertedSchema(c, params.to) : c));
    return { outputs: { table: { type: 'Table', table: { ...table, columns } } } };
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    assertDirectColumns(input, params.columns, 'Change type');
    const columns = input.table.columns.map((column) => {
      if (!params.columns.includes(column.name)) return column;
      const { column: converted, failed, examples } = convertColumn(column, params.to);
      const lost = failed ? `; ${failed} value${failed > 1 ? 's' : ''} did not convert and ${failed > 1 ? 'are' : 'is'} now empty (e.g. ${examples.map((e) => JSON.stringify(e)).join(', ')})` : '';
      ctx.log(`"${column.name}": ${column.type} → ${params.to}${lost}.`);
      return converted;
    });
    const table: TableArtifact = { table: { rowCount: input.table.rowCount, columns }, recipe: input.recipe };
    return { table };
  },
});
