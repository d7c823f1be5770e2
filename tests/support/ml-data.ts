import { readFileSync } from 'node:fs';
import type { Prediction } from '../../runtime/ml/matrix';
import type { DenseMatrix } from '../../runtime/ml/pca';
import { createRng, shuffledIndices } from '../../lib/rng';
import { isValueColumn } from '../../lib/table';
import { parseCsv } from '../../runtime/ingest/csv';

/** A bundled sample dataset as a feature matrix (every column but the target) and its target. */
export interface SampleData {
  X: DenseMatrix;
  /** Class codes for a category target, else the numbers. */
  y: Int32Array | Float64Array;
  names: string[];
}

export function loadSample(file: string, target: string): SampleData {
  const table = parseCsv(readFileSync(new URL(`../../samples/datasets/${file}`, import.meta.url), 'utf8'));
  const features = table.columns.filter((c) => c.name !== target);
  const n = table.rowCount;
  const d = features.length;
  const data = new Float64Array(n * d);
  features.forEach((column, j) => {
    if (!isValueColumn(column)) throw new Error(`${column.name} is not numeric`);
    for (let i = 0; i < n; i++) data[i * d + j] = column.values[i];
  });
  const t = table.columns.find((c) => c.name === target);
  if (!t) throw new Error(`no column ${target}`);
  const y = isValueColumn(t) ? Float64Array.from(t.values) : Int32Array.from(t.codes);
  return { X: { data, rows: n, cols: d }, y, names: features.map((c) => c.name) };
}

export function takeRows<T extends Int32Array | Float64Array>(X: DenseMatrix, y: T, rows: ArrayLike<number>): { X: DenseMatrix; y: T } {
  const d = X.cols;
  const data = new Float64Array(rows.length * d);
  const out = new (y.constructor as new (n: number) => T)(rows.length);
  for (let r = 0; r < rows.length; r++) {
    data.set(X.data.subarray(rows[r] * d, rows[r] * d + d), r * d);
    out[r] = y[rows[r]];
  }
  return { X: { data, rows: rows.length, cols: d }, y: out };
}

/** Seeded split: a test fraction of each class (classification) or of all rows (regression). */
export function splitRows<T extends Int32Array | Float64Array>(X: DenseMatrix, y: T, testFraction: number, seed: number) {
  const rng = createRng(seed);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const key = y instanceof Int32Array ? y[i] : 0;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const rows of groups.values()) {
    const order = shuffledIndices(rows.length, rng);
    const cut = Math.round(rows.length * testFraction);
    order.forEach((o, k) => (k < cut ? test : train).push(rows[o]));
  }
  return { train: takeRows(X, y, train), test: takeRows(X, y, test) };
}

/** Standardizes both matrices with the training columns' mean and standard deviation. */
export function standardize(train: DenseMatrix, test: DenseMatrix): { train: DenseMatrix; test: DenseMatrix } {
  const d = train.cols;
  const a = Float64Array.from(train.data);
  const b = Float64Array.from(test.data);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < train.rows; i++) mean += a[i * d + j] / train.rows;
    let v = 0;
    for (let i = 0; i < train.rows; i++) v += (a[i * d + j] - mean) ** 2 / train.rows;
    const sd = Math.sqrt(v) || 1;
    for (let i = 0; i < train.rows; i++) a[i * d + j] = (a[i * d + j] - mean) / sd;
    for (let i = 0; i < test.rows; i++) b[i * d + j] = (b[i * d + j] - mean) / sd;
  }
  return { train: { ...train, data: a }, test: { ...test, data: b } };
}

export function accuracy(actual: Int32Array, predicted: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] === predicted[i]) ok++;
  return ok / actual.length;
}

/** Points around given centres (uniform jitter within ±spread), `perCentre` each, in centre order. */
export function blobs(centres: number[][], perCentre: number, spread: number, seed: number): DenseMatrix {
  const rng = createRng(seed);
  const d = centres[0].length;
  const data = new Float64Array(centres.length * perCentre * d);
  let o = 0;
  for (const centre of centres) for (let i = 0; i < perCentre; i++) for (let j = 0; j < d; j++) data[o++] = centre[j] + (rng() * 2 - 1) * spread;
  return { data, rows: centres.length * perCentre, cols: d };
}

export function classesOf(p: Prediction): Int32Array {
  if (p.task !== 'classification') throw new Error('expected a classification');
  return p.classes;
}

export function probabilitiesOf(p: Prediction): Float64Array {
  if (p.task !== 'classification') throw new Error('expected a classification');
  return p.probabilities;
}

export function valuesOf(p: Prediction): Float64Array {
  if (p.task !== 'regression') throw new Error('expected a regression');
  return p.values;
}
