import type { StatefulStep } from '../recipe';
import { isValueColumn, type Column, type Table } from '../../lib/table';

export type FillStrategy = 'mean' | 'median' | 'most-frequent' | 'constant';

export interface FillMissingParams {
  strategy: FillStrategy;
  /** Columns to fill; empty means every column except the target (numeric ones for mean and median). */
  columns: string[];
  /** The value for 'constant' (read as a number for value columns). */
  constant: string;
}

export interface FillMissingState {
  /** Per column, the value that replaces a missing cell: a number for value columns, a label otherwise. */
  fills: { name: string; value: number | string }[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function mostFrequent<T>(items: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const item of items) {
    const c = (counts.get(item) ?? 0) + 1;
    counts.set(item, c);
    if (c > bestCount) (best = item), (bestCount = c);
  }
  return best;
}

function fillValue(column: Column, params: FillMissingParams): number | string | undefined {
  if (isValueColumn(column)) {
    const present = Array.from(column.values).filter((v) => !Number.isNaN(v));
    if (params.strategy === 'constant') {
      const n = Number(params.constant);
      if (!Number.isFinite(n)) throw new Error(`Fill "${column.name}": the constant "${params.constant}" is not a number.`);
      return n;
    }
    if (present.length === 0) return undefined;
    if (params.strategy === 'mean') return present.reduce((a, b) => a + b, 0) / present.length;
    if (params.strategy === 'median') return median(present);
    return mostFrequent(present);
  }
  if (params.strategy === 'constant') return params.constant;
  if (params.strategy === 'mean' || params.strategy === 'median') {
    throw new Error(`Fill "${column.name}": a ${params.strategy} needs numbers; use "most frequent" or a constant for categories.`);
  }
  const code = mostFrequent(Array.from(column.codes).filter((c) => c >= 0));
  return code === undefined ? undefined : column.categories[code];
}

/** Replaces missing cells with a value learned from the training rows (or a constant). */
export const fillMissingStep: StatefulStep<FillMissingParams, FillMissingState> = {
  kind: 'fill-missing',
  columns: (params) => params.columns,
  fit(table, params, context) {
    // No columns named: an average or middle value fills the numeric columns; the others fill every column.
    const numericOnly = params.strategy === 'mean' || params.strategy === 'median';
    const chosen = params.columns.length
      ? params.columns
      : table.columns.filter((c) => !numericOnly || c.type === 'number').map((c) => c.name);
    const fills: FillMissingState['fills'] = [];
    for (const name of chosen) {
      if (name === context.target) continue;
      const column = table.columns.find((c) => c.name === name);
      if (!column) throw new Error(`Fill missing values: column "${name}" is not in the table.`);
      const value = fillValue(column, params);
      if (value !== undefined) fills.push({ name, value });
    }
    return { fills };
  },
  transform(table, state): Table {
    return {
      rowCount: table.rowCount,
      columns: table.columns.map((column): Column => {
        const fill = state.fills.find((f) => f.name === column.name);
        if (!fill) return column;
        if (isValueColumn(column)) {
          const values = Float64Array.from(column.values, (v) => (Number.isNaN(v) ? Number(fill.value) : v));
          return { ...column, values };
        }
        let code = column.categories.indexOf(String(fill.value));
        const categories = code >= 0 ? column.categories : [...column.categories, String(fill.value)];
        if (code < 0) code = categories.length - 1;
        return { ...column, categories, codes: Int32Array.from(column.codes, (c) => (c < 0 ? code : c)) };
      }),
    };
  },
};

/** Columns a fitted recipe fills, so a request to a deployed model may leave them empty. */
export function filledColumns(state: FillMissingState): string[] {
  return state.fills.map((f) => f.name);
}
