import { Matrix, solve } from 'ml-matrix';
import { regressionMetrics } from '../../lib/metrics';
import { lagGroups, parseAheadColumn, persistenceColumn } from '../sequence';
import { isValueColumn, type Table } from '../../lib/table';
import type { SplitArtifact } from '../artifacts';

export interface Baseline {
  name: string;
  mae: number;
  rmse: number;
}

/** A number column's values, or undefined when the table has no such numeric column. */
function numbers(table: Table, name: string): Float64Array | undefined {
  const column = table.columns.find((c) => c.name === name);
  return column && isValueColumn(column) ? column.values : undefined;
}

function meanOf(values: Float64Array): number {
  let n = 0;
  let sum = 0;
  for (const v of values) if (!Number.isNaN(v)) (n++, (sum += v));
  return n > 0 ? sum / n : 0;
}

function scored(name: string, actual: Float64Array, predicted: Float64Array): Baseline {
  const { mae, rmse } = regressionMetrics(actual, predicted, 0);
  return { name, mae, rmse };
}

/**
 * Persistence: the target's last known value (its lag0 column: "tomorrow is like today"). Where
 * lag0 is missing, the most recent lag present; with none, the training mean.
 */
function persistence(test: Table, lags: string[], fallback: number): Float64Array {
  const columns = [...lags].reverse().map((name) => numbers(test, name)!);
  return Float64Array.from({ length: test.rowCount }, (_, r) => {
    for (const values of columns) if (!Number.isNaN(values[r])) return values[r];
    return fallback;
  });
}

/**
 * Linear autoregression: ŷ = b0 + Σ_k b_k · lag_k of the target's own past values, fitted by least
 * squares on the complete training rows. A missing
 * lag in a test row counts as that lag's training mean. Undefined with too few complete rows to fit.
 */
function autoregression(train: Table, test: Table, target: string, lags: string[]): Float64Array | undefined {
  const y = numbers(train, target)!;
  const trainLags = lags.map((name) => numbers(train, name)!);
  const rows: number[] = [];
  for (let r = 0; r < train.rowCount; r++) if (!Number.isNaN(y[r]) && trainLags.every((values) => !Number.isNaN(values[r]))) rows.push(r);
  const width = lags.length + 1;
  if (rows.length < width + 1) return undefined;
  const xtx = Matrix.zeros(width, width);
  const xty = Matrix.zeros(width, 1);
  const x = new Float64Array(width);
  for (const r of rows) {
    x[0] = 1;
    trainLags.forEach((values, j) => (x[j + 1] = values[r]));
    for (let i = 0; i < width; i++) {
      xty.set(i, 0, xty.get(i, 0) + x[i] * y[r]);
      for (let j = 0; j < width; j++) xtx.set(i, j, xtx.get(i, j) + x[i] * x[j]);
    }
  }
  // Through the SVD: lags that move together (a collinear system) still get a least-squares answer.
  const coefficients = solve(xtx, xty, true).getColumn(0);
  const means = trainLags.map(meanOf);
  const testLags = lags.map((name) => numbers(test, name)!);
  return Float64Array.from({ length: test.rowCount }, (_, r) =>
    testLags.reduce((sum, values, j) => sum + coefficients[j + 1] * (Number.isNaN(values[r]) ? means[j] : values[r]), coefficients[0]),
  );
}

/**
 * Forecast baselines on the test rows, beside a model's scores: when the target is a forecast of
 * Sequence windows (`<col>_ahead<h>`) and the split holds that column's windows (`<col>_lag<k>`),
 * persistence and a linear autoregression on those lags. Undefined for any other target.
 */
export function forecastBaselines(split: SplitArtifact): Baseline[] | undefined {
  const ahead = parseAheadColumn(split.target);
  if (split.task !== 'regression' || !ahead) return undefined;
  const group = lagGroups(split.train.columns).find((g) => g.base === ahead.base);
  const last = persistenceColumn(split.target);
  const usable = (table: Table) => group?.columns.every((name) => numbers(table, name) !== undefined);
  if (!group || !group.columns.includes(last) || !usable(split.train) || !usable(split.test)) return undefined;
  const actual = numbers(split.test, split.target);
  if (!actual || split.test.rowCount === 0) return undefined;
  const steps = `${ahead.horizon} step${ahead.horizon > 1 ? 's' : ''} ahead`;
  const baselines = [scored(`persistence: the last known ${ahead.base} (${last}), ${steps}`, actual, persistence(split.test, group.columns, meanOf(numbers(split.train, split.target)!)))];
  const fitted = autoregression(split.train, split.test, split.target, group.columns);
  if (fitted) baselines.push(scored(`linear autoregression on the last ${group.window} values of ${ahead.base}`, actual, fitted));
  return baselines;
}
