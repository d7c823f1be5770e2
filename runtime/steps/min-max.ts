import type { FitContext, StatefulStep } from '../recipe';
import { isValueColumn, type Table } from '../../lib/table';
import { rescaleColumns } from './columns';

export interface ColumnsParams {
  /** Columns to change; empty means every numeric column except the target. */
  columns: string[];
}

/** The numeric columns a column-wise step applies to. */
export function numericColumns(table: Table, params: ColumnsParams, context: FitContext): string[] {
  const named = params.columns.length ? params.columns : table.columns.filter((c) => c.type === 'number').map((c) => c.name);
  return named.filter((name) => name !== context.target);
}

export interface MinMaxState {
  columns: { name: string; min: number; max: number }[];
}

/** (x - min) / (max - min) with min and max from the training rows: 0..1 there, possibly beyond on new rows. */
export const minMaxStep: StatefulStep<ColumnsParams, MinMaxState> = {
  kind: 'min-max',
  columns: (params) => params.columns,
  fit(table, params, context) {
    return {
      columns: numericColumns(table, params, context).map((name) => {
        const column = table.columns.find((c) => c.name === name);
        if (!column || column.type !== 'number' || !isValueColumn(column)) throw new Error(`Min-max scaling needs a numeric column "${name}".`);
        let min = Infinity;
        let max = -Infinity;
        for (const v of column.values) {
          if (Number.isNaN(v)) continue;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        return Number.isFinite(min) ? { name, min, max } : { name, min: 0, max: 1 };
      }),
    };
  },
  transform: (table, state) => rescaleColumns(table, new Map(state.columns.map((c) => [c.name, { center: c.min, scale: c.max - c.min || 1 }]))),
};

export interface LogState {
  columns: string[];
}

/** log(1 + x) for skewed, non-negative quantities (prices, counts); the fit only records the columns. */
export const logStep: StatefulStep<ColumnsParams, LogState> = {
  kind: 'log1p',
  columns: (params) => params.columns,
  fit: (table, params, context) => ({ columns: numericColumns(table, params, context) }),
  transform(table, state) {
    return {
      rowCount: table.rowCount,
      columns: table.columns.map((column) => {
        if (!state.columns.includes(column.name) || !isValueColumn(column)) return column;
        // Below -1 the logarithm is undefined: such a value becomes missing rather than a wrong number.
        return { ...column, values: Float64Array.from(column.values, (v) => (v > -1 ? Math.log1p(v) : NaN)) };
      }),
    };
  },
};
