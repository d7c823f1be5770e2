import type { StatefulStep } from '../recipe';
import { numberColumn, presentSorted, quantileSorted } from './columns';
import { numericColumns } from './min-max';

export type OutlierMethod = 'iqr' | 'z-score';

export interface OutlierParams {
  /** Columns to check; empty means every numeric column except the target. */
  columns: string[];
  method: OutlierMethod;
  /** IQR: values further than this many inter-quartile ranges outside the quartiles are outliers. */
  iqrFactor: number;
  /** z-score: values further than this many standard deviations from the mean are outliers. */
  zThreshold: number;
}

export interface OutlierBounds {
  low: number;
  high: number;
}

export interface ClipOutliersState {
  columns: ({ name: string } & OutlierBounds)[];
}

/** The range outside which a value is an outlier, from the present values; undefined when there are none. */
export function outlierBounds(values: Float64Array, params: Pick<OutlierParams, 'method' | 'iqrFactor' | 'zThreshold'>): OutlierBounds | undefined {
  const present = presentSorted(values);
  if (present.length === 0) return undefined;
  if (params.method === 'iqr') {
    const q1 = quantileSorted(present, 0.25);
    const q3 = quantileSorted(present, 0.75);
    const spread = q3 - q1;
    return { low: q1 - params.iqrFactor * spread, high: q3 + params.iqrFactor * spread };
  }
  let mean = 0;
  for (let i = 0; i < present.length; i++) mean += (present[i] - mean) / (i + 1);
  let sq = 0;
  for (const v of present) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / present.length);
  return { low: mean - params.zThreshold * std, high: mean + params.zThreshold * std };
}

/** Pulls values outside the training rows' outlier range back to its edge; missing values stay missing. */
export const clipOutliersStep: StatefulStep<OutlierParams, ClipOutliersState> = {
  kind: 'clip-outliers',
  columns: (params) => params.columns,
  fit(table, params, context) {
    const columns: ClipOutliersState['columns'] = [];
    for (const name of numericColumns(table, params, context)) {
      const bounds = outlierBounds(numberColumn(table, name, 'Outliers').values, params);
      if (bounds) columns.push({ name, ...bounds });
    }
    return { columns };
  },
  transform(table, state) {
    return {
      rowCount: table.rowCount,
      columns: table.columns.map((column) => {
        const s = state.columns.find((c) => c.name === column.name);
        if (!s) return column;
        const values = numberColumn(table, column.name, 'Outliers').values;
        // Math.max(NaN, x) is NaN: a missing value stays missing.
        return { ...column, values: Float64Array.from(values, (v) => Math.min(Math.max(v, s.low), s.high)) };
      }),
    };
  },
};
