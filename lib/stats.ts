import { isValueColumn, type Column } from './table';

export interface ColumnStats {
  name: string;
  type: Column['type'];
  missing: number;
  missingRatio: number;
  /** Value columns (number, date, boolean): range and mean of the present values, and a histogram. */
  min?: number;
  max?: number;
  mean?: number;
  histogram?: { from: number; to: number; count: number }[];
  /** Dictionary columns (category, text): distinct values and the most frequent ones (at most 8, each cut to 200 characters). */
  distinct?: number;
  top?: { value: string; count: number }[];
}

const BINS = 12;
const TOP = 8;
/** A stored top value is cut to this many characters: statistics stay small whatever the cells hold. */
export const TOP_VALUE_CHARS = 200;

/** `value` cut to TOP_VALUE_CHARS characters, ending in an ellipsis when cut (never halving a surrogate pair). */
function clipValue(value: string): string {
  if (value.length <= TOP_VALUE_CHARS) return value;
  const head = value.slice(0, TOP_VALUE_CHARS - 1);
  return `${/[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head}…`;
}

/** One pass (two for the histogram) over a typed column. */
export function columnStats(column: Column): ColumnStats {
  if (isValueColumn(column)) {
    const values = column.values;
    let missing = 0;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of values) {
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const present = values.length - missing;
    const base = { name: column.name, type: column.type, missing, missingRatio: values.length ? missing / values.length : 0 };
    if (present === 0) return base;
    const width = (max - min) / BINS || 1;
    const counts = new Array<number>(BINS).fill(0);
    for (const v of values) if (!Number.isNaN(v)) counts[Math.min(BINS - 1, Math.floor((v - min) / width))]++;
    return {
      ...base,
      min,
      max,
      mean: sum / present,
      histogram: counts.map((count, i) => ({ from: min + i * width, to: min + (i + 1) * width, count })),
    };
  }
  const counts = new Int32Array(column.categories.length);
  let missing = 0;
  for (const code of column.codes) {
    if (code < 0) missing++;
    else counts[code]++;
  }
  const order = [...counts.keys()].sort((a, b) => counts[b] - counts[a]);
  return {
    name: column.name,
    type: column.type,
    missing,
    missingRatio: column.codes.length ? missing / column.codes.length : 0,
    distinct: order.filter((i) => counts[i] > 0).length,
    top: order.slice(0, TOP).filter((i) => counts[i] > 0).map((i) => ({ value: clipValue(column.categories[i]), count: counts[i] })),
  };
}
