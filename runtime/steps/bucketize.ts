import type { StatefulStep } from '../recipe';
import type { Column } from '../../lib/table';
import { numberColumn, presentSorted, quantileSorted, refuseTarget, replaceColumns } from './columns';

export type BucketMethod = 'equal-width' | 'quantile';

export interface BucketizeParams {
  /** Numeric columns to turn into groups. */
  columns: string[];
  /** How many groups (at most; equal quantiles merge). */
  bins: number;
  /** Equal-width: groups span equal ranges of values; quantile: groups hold about as many training rows each. */
  method: BucketMethod;
}

export interface BucketizeState {
  /** Per column, the inner edges (ascending) and one label per group (edges.length + 1). */
  columns: { name: string; edges: number[]; labels: string[] }[];
}

/** Inner edges between `bins` groups of the present values; a value on an edge belongs to the higher group. */
export function bucketEdges(values: Float64Array, bins: number, method: BucketMethod): number[] {
  const sorted = presentSorted(values);
  if (sorted.length === 0) return [];
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const edge = method === 'quantile' ? quantileSorted(sorted, j / bins) : min + ((max - min) * j) / bins;
    // An edge at the minimum would leave the first group empty; repeated quantiles merge groups.
    if (edge > min && edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/** Edges printed short (4 significant digits, more only where two would look the same). */
function formatEdges(edges: number[]): string[] {
  for (let digits = 4; digits <= 17; digits++) {
    const text = edges.map((e) => String(Number(e.toPrecision(digits))));
    if (new Set(text).size === text.length) return text;
  }
  return edges.map(String);
}

/**
 * "1: under 10", "2: 10 to 20", "3: 20 and over"; one group is "all values". The group number leads
 * so the labels sort in group order (an ordinal encoding of them follows the ranges).
 */
export function bucketLabels(edges: number[]): string[] {
  if (edges.length === 0) return ['all values'];
  const text = formatEdges(edges);
  const ranges = [`under ${text[0]}`, ...text.slice(1).map((t, i) => `${text[i]} to ${t}`), `${text[text.length - 1]} and over`];
  return ranges.map((range, i) => `${i + 1}: ${range}`);
}

/** The group of a value: how many edges are at or below it (binary search). */
function bucketOf(edges: number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number → category of value ranges, with edges from the training rows; missing stays missing. */
export const bucketizeStep: StatefulStep<BucketizeParams, BucketizeState> = {
  kind: 'bucketize',
  columns: (params) => params.columns,
  fit(table, params, context) {
    refuseTarget(params.columns, context.target, 'Bucketize');
    return {
      columns: params.columns.map((name) => {
        const edges = bucketEdges(numberColumn(table, name, 'Bucketize').values, params.bins, params.method);
        return { name, edges, labels: bucketLabels(edges) };
      }),
    };
  },
  transform(table, state) {
    const replacements = new Map<string, Column[]>();
    for (const { name, edges, labels } of state.columns) {
      const values = numberColumn(table, name, 'Bucketize').values;
      const codes = Int32Array.from(values, (v) => (Number.isNaN(v) ? -1 : bucketOf(edges, v)));
      replacements.set(name, [{ name, type: 'category', codes, categories: labels }]);
    }
    return replaceColumns(table, replacements);
  },
};
