/**
 * What a benchmark reports, and how it hands it to bench/run.ts: exactly one line on stdout,
 * `BENCH_RESULT {json}`. Everything else a benchmark (or its workers) prints goes to stderr.
 */
export const RESULT_PREFIX = 'BENCH_RESULT ';

export interface Target {
  /** 'max': the measured value must stay under it; 'min': it must reach it. */
  kind: 'max' | 'min';
  value: number;
}

export interface BenchRow {
  /** Stable id, e.g. `scheduling.embedded.per-step`. */
  id: string;
  /** What was measured, in words (the table's "Benchmark" column). */
  label: string;
  value: number;
  unit: 'ms' | 's' | 'x' | 'MiB' | 'rows' | 'frames';
  target?: Target;
  notes?: string;
}

export interface BenchOutput {
  name: string;
  rows: BenchRow[];
  /** Extra lines for the report's details section (breakdowns, raw samples). */
  details?: string[];
  /** Raw figures kept in engine.json only. */
  data?: Record<string, unknown>;
}

export function emitResult(output: BenchOutput): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(output)}\n`);
}

export function passes(row: BenchRow): boolean | null {
  if (!row.target) return null;
  return row.target.kind === 'max' ? row.value < row.target.value : row.value >= row.target.value;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Rounds for display and JSON: 2 decimals under 10, 1 under 1000, whole numbers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs < 10 ? 2 : abs < 1000 ? 1 : 0;
  return Number(value.toFixed(digits));
}

export function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  const r = round(value);
  return unit === 'x' ? `${r.toFixed(2)}x` : `${r} ${unit}`;
}

/** A benchmark logs progress on stderr (stdout carries only the result line). */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
