import type { FitContext, StatefulStep } from '../recipe';
import { cellValue, isValueColumn, type Column, type Table } from '../../lib/table';
import { findColumn, refuseTarget } from './columns';

export interface FeatureSelectionParams {
  /** Columns to consider; empty means every column except the target. */
  columns: string[];
  /** Drop a column when one value (an empty cell counts as one) fills at least this share of the training rows; 1: only single-valued columns. */
  sameValueShare: number;
  /** Of two numeric columns this correlated, drop the later one. */
  dropCorrelated: boolean;
  /** |Pearson correlation| at which two numeric columns count as saying the same thing. */
  correlation: number;
}

export type DroppedColumn =
  | { name: string; because: 'same-value'; value: string | number | boolean | null; share: number }
  | { name: string; because: 'correlated'; with: string; r: number };

export interface FeatureSelectionState {
  /** The columns dropped, in table order, and why. */
  dropped: DroppedColumn[];
}

/** Pairs need this many training rows with both values present before their correlation counts. */
const MIN_PAIRED_ROWS = 3;

function consideredColumns(table: Table, params: FeatureSelectionParams, context: FitContext): Column[] {
  if (params.columns.length === 0) return table.columns.filter((c) => c.name !== context.target);
  refuseTarget(params.columns, context.target, 'Feature selection');
  const chosen = new Set(params.columns);
  for (const name of chosen) findColumn(table, name, 'Feature selection');
  return table.columns.filter((c) => chosen.has(c.name));
}

/** The most frequent value of a column (an empty cell counts as a value) and how many rows hold it. */
function mostFrequent(column: Column, rowCount: number): { row: number; count: number } {
  let best = { row: -1, count: 0 };
  if (isValueColumn(column)) {
    // Sorted, equal values are neighbours; NaN (the empty cell) sorts last.
    const sorted = column.values.slice(0, rowCount).sort();
    let value = NaN;
    let start = 0;
    for (let i = 1; i <= rowCount; i++) {
      if (i < rowCount && (sorted[i] === sorted[start] || (Number.isNaN(sorted[i]) && Number.isNaN(sorted[start])))) continue;
      if (i - start > best.count) {
        best = { row: -1, count: i - start };
        value = sorted[start];
      }
      start = i;
    }
    best.row = column.values.findIndex((v) => v === value || (Number.isNaN(v) && Number.isNaN(value)));
    return best;
  }
  // Codes by label (a dictionary may hold a label twice once tables are combined), the empty cell last.
  const slotOf = new Map<string, number>();
  const slots = Int32Array.from(column.categories, (label) => {
    if (!slotOf.has(label)) slotOf.set(label, slotOf.size);
    return slotOf.get(label)!;
  });
  const counts = new Int32Array(slotOf.size + 1);
  const firstRow = new Int32Array(slotOf.size + 1).fill(-1);
  for (let r = 0; r < rowCount; r++) {
    const code = column.codes[r];
    const s = code >= 0 ? slots[code] : slotOf.size;
    counts[s]++;
    if (firstRow[s] < 0) firstRow[s] = r;
  }
  counts.forEach((count, s) => {
    if (count > best.count) best = { row: firstRow[s], count };
  });
  return best;
}

/** Per numeric column: its values centred on the mean of its present values, and whether any is missing. */
interface Centred {
  name: string;
  values: Float64Array;
  centred: Float64Array;
  norm: number;
  complete: boolean;
}

function centre(name: string, values: Float64Array): Centred {
  let n = 0;
  let sum = 0;
  for (const v of values) if (!Number.isNaN(v)) (n++, (sum += v));
  const mean = n ? sum / n : 0;
  const centred = new Float64Array(values.length);
  let sq = 0;
  for (let r = 0; r < values.length; r++) {
    const d = values[r] - mean;
    centred[r] = Number.isNaN(d) ? 0 : d;
    sq += centred[r] * centred[r];
  }
  return { name, values, centred, norm: Math.sqrt(sq), complete: n === values.length };
}

/** Pearson correlation over the rows where both are present; NaN when too few rows or either is constant there. */
function pairedCorrelation(a: Centred, b: Centred): number {
  if (a.complete && b.complete) {
    if (a.values.length < MIN_PAIRED_ROWS || a.norm === 0 || b.norm === 0) return NaN;
    let dot = 0;
    for (let r = 0; r < a.centred.length; r++) dot += a.centred[r] * b.centred[r];
    return dot / (a.norm * b.norm);
  }
  // Pairwise-complete rows: means, spreads and the cross term over the rows both columns have.
  let n = 0;
  let meanX = 0;
  let meanY = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let r = 0; r < a.values.length; r++) {
    const x = a.values[r];
    const y = b.values[r];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    const dx = x - meanX;
    const dy = y - meanY;
    meanX += dx / n;
    meanY += dy / n;
    sxx += dx * (x - meanX);
    syy += dy * (y - meanY);
    sxy += dx * (y - meanY);
  }
  if (n < MIN_PAIRED_ROWS || sxx <= 0 || syy <= 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

function formatShare(share: number): string {
  return `${Math.floor(share * 1000) / 10}%`;
}

/** Plain words for why a column was dropped. */
export function droppedReason(dropped: DroppedColumn): string {
  if (dropped.because === 'correlated') return `moves with "${dropped.with}" (correlation ${dropped.r.toFixed(3)})`;
  const value = dropped.value === null ? 'empty' : JSON.stringify(dropped.value);
  return dropped.share >= 1 ? `every training row has the same value (${value})` : `${formatShare(dropped.share)} of the training rows have the same value (${value})`;
}

/**
 * Drops columns that cannot help a model, judged on the training rows only: columns where one value
 * fills (nearly) every row, and of two numeric columns that move together (|correlation| at or above
 * the threshold), the later one. Never the target. The dropped columns may still be sent to a
 * deployed model; they are ignored.
 */
export const featureSelectionStep: StatefulStep<FeatureSelectionParams, FeatureSelectionState> = {
  kind: 'feature-selection',
  columns: (params) => params.columns,
  drops: (state) => state.dropped.map((d) => d.name),
  fit(table, params, context) {
    const considered = consideredColumns(table, params, context);
    const dropped = new Map<string, DroppedColumn>();
    const n = table.rowCount;
    if (n > 0) {
      for (const column of considered) {
        const { row, count } = mostFrequent(column, n);
        if (count >= params.sameValueShare * n - 1e-9) dropped.set(column.name, { name: column.name, because: 'same-value', value: cellValue(column, row), share: count / n });
      }
    }
    if (params.dropCorrelated) {
      // Greedy in table order: a column goes when it moves with an earlier column that stays.
      const kept: Centred[] = [];
      for (const column of considered) {
        if (dropped.has(column.name) || column.type !== 'number' || !isValueColumn(column)) continue;
        const candidate = centre(column.name, column.values);
        let match: { with: string; r: number } | undefined;
        for (const earlier of kept) {
          const r = pairedCorrelation(earlier, candidate);
          if (Math.abs(r) >= params.correlation) {
            match = { with: earlier.name, r };
            break;
          }
        }
        if (match) dropped.set(column.name, { name: column.name, because: 'correlated', ...match });
        else kept.push(candidate);
      }
    }
    return { dropped: table.columns.flatMap((c) => dropped.get(c.name) ?? []) };
  },
  transform(table, state) {
    const gone = new Set(state.dropped.map((d) => d.name));
    return { rowCount: table.rowCount, columns: table.columns.filter((c) => !gone.has(c.name)) };
  },
  describe: (state) =>
    state.dropped.length === 0
      ? ['Feature selection: kept every column.']
      : [`Feature selection dropped ${state.dropped.length} column${state.dropped.length === 1 ? '' : 's'}:`, ...state.dropped.map((d) => `  "${d.name}": ${droppedReason(d)}.`)],
};
