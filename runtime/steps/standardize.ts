import type { FitContext, StatefulStep } from '../recipe';
import type { Table } from '../../lib/table';
import { rescaleColumns } from './columns';

export interface StandardizeParams {
  /** Columns to scale; empty means every numeric column except the target. */
  columns: string[];
}

export interface StandardizeState {
  columns: { name: string; mean: number; std: number }[];
}

function chosenColumns(table: Table, params: StandardizeParams, context: FitContext): string[] {
  if (params.columns.length > 0) return params.columns.filter((c) => c !== context.target);
  return table.columns.filter((c) => c.type === 'number' && c.name !== context.target).map((c) => c.name);
}

/** z = (x - mean) / std, with mean and std from the training rows; missing values stay missing. */
export const standardizeStep: StatefulStep<StandardizeParams, StandardizeState> = {
  kind: 'standardize',
  columns: (params) => params.columns,
  fit(table, params, context) {
    const names = chosenColumns(table, params, context);
    return {
      columns: names.map((name) => {
        const column = table.columns.find((c) => c.name === name);
        if (!column || column.type !== 'number') throw new Error(`Standardize needs a numeric column "${name}".`);
        let n = 0;
        let mean = 0;
        let m2 = 0;
        for (const v of column.values) {
          if (Number.isNaN(v)) continue;
          n++;
          const d = v - mean;
          mean += d / n;
          m2 += d * (v - mean);
        }
        const std = n > 1 ? Math.sqrt(m2 / n) : 0;
        return { name, mean, std: std > 0 ? std : 1 };
      }),
    };
  },
  transform: (table, state) => rescaleColumns(table, new Map(state.columns.map((c) => [c.name, { center: c.mean, scale: c.std }]))),
};
