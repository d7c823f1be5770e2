import type { DenseMatrix } from './pca';

/**
 * Shared input checks for the classic model families (k-means, SVM, trees): every fitting function
 * takes a row-major feature matrix (rows × cols, already numeric and scaled) and refuses bad input
 * with a plain message naming the function, instead of producing NaN models.
 */
export type { DenseMatrix };

/** Checks shape and values; returns the data as Float64Array (the same array when it already is one). */
export function checkedData(what: string, m: DenseMatrix, minRows = 1): Float64Array {
  if (!m || !(m.data instanceof Float64Array || m.data instanceof Float32Array)) throw new Error(`${what}: the features must be a Float64Array or Float32Array matrix.`);
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1) throw new Error(`${what}: bad matrix shape ${m.rows}×${m.cols}.`);
  if (m.data.length !== m.rows * m.cols) throw new Error(`${what}: ${m.data.length} values do not make a ${m.rows}×${m.cols} matrix.`);
  if (m.rows < minRows) throw new Error(`${what} needs at least ${minRows} row${minRows === 1 ? '' : 's'}, got ${m.rows}.`);
  const data = m.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const row = Math.floor(i / m.cols);
      throw new Error(`${what}: row ${row + 1}, column ${(i % m.cols) + 1} is ${v} (missing or infinite values must be filled or removed first).`);
    }
  }
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

/** Prediction input: same checks, and the column count must be the one the model was fitted on. */
export function checkedRows(what: string, m: DenseMatrix, cols: number): Float64Array {
  const data = checkedData(what, m, 0);
  if (m.cols !== cols) throw new Error(`${what}: the model was fitted on ${cols} columns, given ${m.cols}.`);
  return data;
}

/** Class ids: one per row, whole numbers ≥ 0. Returns the distinct ids, ascending. */
export function checkedClasses(what: string, y: Int32Array, rows: number): Int32Array {
  if (!(y instanceof Int32Array)) throw new Error(`${what}: class labels must be an Int32Array of class ids.`);
  if (y.length !== rows) throw new Error(`${what}: ${y.length} labels for ${rows} rows.`);
  const seen = new Set<number>();
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0) throw new Error(`${what}: class ids must be 0 or more; row ${i + 1} has ${y[i]}.`);
    seen.add(y[i]);
  }
  return Int32Array.from([...seen].sort((a, b) => a - b));
}

/** Regression targets: one finite number per row. */
export function checkedTargets(what: string, y: Float64Array, rows: number): Float64Array {
  if (!(y instanceof Float64Array)) throw new Error(`${what}: regression targets must be a Float64Array.`);
  if (y.length !== rows) throw new Error(`${what}: ${y.length} targets for ${rows} rows.`);
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw new Error(`${what}: the target of row ${i + 1} is ${y[i]}.`);
  return y;
}

/** A whole number within [min, max], or a plain error naming the option. */
export function wholeNumber(what: string, name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${what}: ${name} must be a whole number ${range}, not ${value}.`);
  }
  return value;
}

/** A finite number > 0 (or ≥ 0 with allowZero). */
export function positiveNumber(what: string, name: string, value: number, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${what}: ${name} must be a number ${allowZero ? '≥ 0' : 'above 0'}, not ${value}.`);
  }
  return value;
}

/** The seed every randomized function takes: a whole number (used as a 32-bit seed). */
export function checkedSeed(what: string, seed: number): number {
  if (!Number.isInteger(seed)) throw new Error(`${what}: seed must be a whole number, not ${seed}.`);
  return seed;
}

/** What a trained classifier or regressor answers for a batch of rows. */
export type Prediction =
  | {
      task: 'classification';
      /** The predicted class id of each row. */
      classes: Int32Array;
      /** rows × model.classes.length, row-major: the probability of each of the model's classes (each row sums to 1). */
      probabilities: Float64Array;
    }
  | { task: 'regression'; values: Float64Array };

/** Index of the largest value in a row of a rows × width matrix (the first one on a tie). */
export function argmaxRow(values: Float64Array, row: number, width: number): number {
  let best = 0;
  const o = row * width;
  for (let c = 1; c < width; c++) if (values[o + c] > values[o + best]) best = c;
  return best;
}
