import { z } from 'zod';
import { aheadColumnName, lagColumnName } from '../../runtime/sequence';
import { formatDate, isValueColumn, takeRows, type Column, type ColumnSchema, type ColumnType, type Table, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { assertDirectColumns, columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem, type RunContext } from '../define';

const LABEL = 'Sequence windows';
const ORDER_TYPES: readonly ColumnType[] = ['date', 'number'];
const VALUE_TYPES: readonly ColumnType[] = ['number', 'boolean', 'category'];

export interface WindowOptions {
  /** Date or number column that puts the rows in time order; '' = the rows are in time order already. */
  orderColumn: string;
  /** The columns whose recent past becomes lag columns (the forecast column is always among them). */
  columns: string[];
  /** The column to forecast. */
  target: string;
  window: number;
  horizon: number;
}

/** The windowed columns: the ones chosen (or every number column but the time column), plus the forecast column. */
export function windowedColumns(columns: readonly ColumnSchema[], options: Pick<WindowOptions, 'columns' | 'orderColumn' | 'target'>): string[] {
  const chosen = options.columns.length > 0 ? options.columns : columns.filter((c) => c.type === 'number' && c.name !== options.orderColumn).map((c) => c.name);
  const names = new Set([...chosen, options.target]);
  // In table order, as they appear in the output.
  return columns.filter((c) => names.has(c.name)).map((c) => c.name);
}

/** The output columns: each windowed column replaced by its lags (oldest first), the forecast target last. */
function windowSchema<C extends ColumnSchema>(columns: readonly C[], windowed: readonly string[], options: WindowOptions): C[] {
  const out = columns.flatMap((c) =>
    windowed.includes(c.name) ? Array.from({ length: options.window }, (_, i) => ({ ...c, name: lagColumnName(c.name, options.window - 1 - i) })) : [c],
  );
  const target = columns.find((c) => c.name === options.target)!;
  return [...out, { ...target, name: aheadColumnName(options.target, options.horizon) }];
}

/** Compile-time checks; the output schema when there is no problem. */
function windowProblems(table: TableSchema, options: WindowOptions): ConfigureProblem[] {
  if (!options.target) return [{ field: 'target', message: 'Choose the column to forecast.' }];
  const problems = columnProblems(table, [options.target], 'target', VALUE_TYPES, 'Forecast a number, a category or a yes/no column.');
  if (options.orderColumn) {
    problems.push(...columnProblems(table, [options.orderColumn], 'orderColumn', ORDER_TYPES));
    if (options.orderColumn === options.target) problems.push({ field: 'orderColumn', message: `"${options.target}" is the column to forecast: order the rows by a time column.` });
    else if (options.columns.includes(options.orderColumn)) {
      problems.push({ field: 'columns', message: `"${options.orderColumn}" is the time column: it stays as it is (the Time split orders by it), so leave it out of the windowed columns.` });
    }
  }
  problems.push(...columnProblems(table, options.columns, 'columns', VALUE_TYPES, 'Only numbers, categories and yes/no values can be windowed.'));
  if (problems.length > 0) return problems;
  const names = windowSchema(table.columns, windowedColumns(table.columns, options), options).map((c) => c.name);
  const clash = names.find((name, i) => names.indexOf(name) !== i);
  if (clash) return [{ field: 'columns', message: `The table already has a column "${clash}", a name this step gives: rename it first.` }];
  return [];
}

/** Row numbers in time order (rows without a time dropped); refuses two rows at one time. */
function timeOrder(table: Table, orderColumn: string, ctx: RunContext): Int32Array {
  const all = Int32Array.from({ length: table.rowCount }, (_, r) => r);
  if (!orderColumn) return all;
  const column = table.columns.find((c) => c.name === orderColumn);
  if (!column || !isValueColumn(column) || !ORDER_TYPES.includes(column.type)) throw new Error(`${LABEL}: "${orderColumn}" is not a date or number column.`);
  const t = column.values;
  const timed = all.filter((r) => !Number.isNaN(t[r]));
  if (timed.length < all.length) ctx.log(`Dropped ${all.length - timed.length} rows whose time "${orderColumn}" is missing.`);
  timed.sort((a, b) => t[a] - t[b] || a - b);
  for (let i = 1; i < timed.length; i++) {
    if (t[timed[i]] === t[timed[i - 1]]) {
      const when = column.type === 'date' ? formatDate(t[timed[i]]) : String(t[timed[i]]);
      throw new Error(
        `${LABEL} needs one row per time, but several rows share ${orderColumn} = ${when}. Remove duplicates, or keep one series (Filter rows), first.`,
      );
    }
  }
  return timed;
}

function missingAt(column: Column, row: number): boolean {
  return isValueColumn(column) ? Number.isNaN(column.values[row]) : column.codes[row] < 0;
}

/**
 * Windows over a time series, past-only by construction: output row t holds, per windowed column, the
 * values at the window's rows t-(window-1) … t (lag window-1 … lag0) in time order, the other columns
 * as they are at t, and the forecast column's value `horizon` rows later. Rows without a full window,
 * without a later row or whose later value is missing are dropped.
 */
export function windowRows(table: Table, options: WindowOptions, ctx: RunContext): Table {
  const order = timeOrder(table, options.orderColumn, ctx);
  const { window, horizon } = options;
  const m = order.length;
  if (m < window + horizon) {
    throw new Error(`${LABEL}: ${m} rows are too few for a window of ${window} and a forecast ${horizon} step${horizon > 1 ? 's' : ''} ahead (at least ${window + horizon}).`);
  }
  const target = table.columns.find((c) => c.name === options.target);
  if (!target) throw new Error(`${LABEL}: column "${options.target}" is not in the table.`);
  // Positions p (in time order) with a full window behind and a present value `horizon` ahead.
  const positions: number[] = [];
  for (let p = window - 1; p + horizon < m; p++) if (!missingAt(target, order[p + horizon])) positions.push(p);
  const rowsAt = (shift: number) => Int32Array.from(positions, (p) => order[p + shift]);
  const gather = (column: Column, rows: Int32Array, name: string): Column => ({ ...takeRows({ rowCount: table.rowCount, columns: [column] }, rows).columns[0], name });
  const now = rowsAt(0);
  const windowed = new Set(windowedColumns(table.columns, options));
  const columns = table.columns.flatMap((c) =>
    windowed.has(c.name) ? Array.from({ length: window }, (_, i) => gather(c, rowsAt(i - (window - 1)), lagColumnName(c.name, window - 1 - i))) : [gather(c, now, c.name)],
  );
  columns.push(gather(target, rowsAt(horizon), aheadColumnName(options.target, horizon)));
  const missingAhead = m - (window - 1) - horizon - positions.length;
  ctx.log(
    `Made ${positions.length} windows of ${window} rows for ${windowed.size} column${windowed.size > 1 ? 's' : ''}, forecasting "${options.target}" ${horizon} step${horizon > 1 ? 's' : ''} ahead. ` +
      `Dropped the first ${window - 1} rows in time order (no full window), the last ${horizon} (nothing ahead to forecast)` +
      (missingAhead > 0 ? ` and ${missingAhead} whose "${options.target}" ${horizon} step${horizon > 1 ? 's' : ''} ahead is missing.` : '.'),
  );
  return { rowCount: positions.length, columns };
}

export const sequenceWindows = defineNode({
  type: 'features.sequence-windows',
  version: 1,
  category: 'features',
  label: LABEL,
  description:
    'Turns a time series (one row per day, hour…) into forecasting examples: each row gets the last few values of the chosen columns, ' +
    'named like temp_lag6 … temp_lag0 (lag0 = that row\'s own value, lag1 = the row before, …), and the value to predict a few steps later, like temp_ahead1. ' +
    'Only earlier rows are used, never later ones. Rows without enough history or without a later value are dropped. Place it before a Time split (ordered by the same time column), with the _ahead column as the target.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    orderColumn: z.string().default('').meta({
      title: 'Time column',
      description: 'The date or number column that puts the rows in time order (kept as it is, for the Time split). Empty: the rows are already in time order.',
      widget: 'column',
      emptyLabel: 'keep the row order',
    }),
    target: z.string().default('').meta({ title: 'Column to forecast', description: 'Its value a few steps later becomes the column to predict.', widget: 'column', emptyLabel: 'choose a column' }),
    window: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(366, 'at most 366')
      .default(7)
      .meta({ title: 'Window length', description: 'How many recent rows each example sees, its own row included (7 = a week of daily data).' }),
    horizon: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(366, 'at most 366')
      .default(1)
      .meta({ title: 'Steps ahead', description: 'How many rows later to forecast: 1 = the next row (tomorrow, for daily data).' }),
    columns: z.array(z.string()).default([]).meta({
      title: 'Columns to window',
      description: 'The columns whose recent values the model sees. Empty: every number column except the time column. The column to forecast is always windowed too.',
      widget: 'columns',
    }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems = windowProblems(table, params);
    if (problems.length > 0) return { outputs: {}, problems };
    return { outputs: { table: { type: 'Table', table: { ...table, columns: windowSchema(table.columns, windowedColumns(table.columns, params), params) } } } };
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    const windowed = windowedColumns(input.table.columns, params);
    const made = windowSchema(input.table.columns, windowed, params)
      .map((c) => c.name)
      .filter((name) => !input.table.columns.some((c) => c.name === name));
    // The windowed columns are gone once this node has run: no step applied later (at the split) may name them.
    assertDirectColumns(input, [...new Set([...params.columns, ...windowed])], LABEL, made);
    return { table: { table: windowRows(input.table, params, ctx), recipe: input.recipe } satisfies TableArtifact };
  },
});
