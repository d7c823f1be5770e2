import type { StatefulStep } from '../recipe';
import { dictionaryColumn, naturalOrder, refuseTarget, replaceColumns, usedLabels } from './columns';
import type { Column } from '../../lib/table';

export interface OrdinalEncodeParams {
  /** Category columns to turn into numbers. */
  columns: string[];
  /** Optional: labels from lowest to highest, separated by commas ("low, medium, high"). */
  order: string;
}

export interface OrdinalEncodeState {
  /** Per column, the labels in code order: label i becomes the number i. */
  columns: { name: string; vocabulary: string[] }[];
}

/** "low, medium , high" → ["low", "medium", "high"] (blank entries and repeats left out). */
export function parseOrder(order: string): string[] {
  return [...new Set(order.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

/**
 * Category → 0, 1, 2… by a vocabulary learned from the training rows: the labels given in `order`
 * first (in that order), then the other labels the training rows use, in natural order. A label the
 * vocabulary lacks (first seen in test rows or a request) and a missing cell become missing (NaN).
 */
export const ordinalEncodeStep: StatefulStep<OrdinalEncodeParams, OrdinalEncodeState> = {
  kind: 'ordinal-encode',
  columns: (params) => params.columns,
  categories: (state) => Object.fromEntries(state.columns.map((c) => [c.name, c.vocabulary])),
  fit(table, params, context) {
    refuseTarget(params.columns, context.target, 'Ordinal encode');
    const listed = parseOrder(params.order);
    return {
      columns: params.columns.map((name) => {
        const seen = usedLabels(dictionaryColumn(table, name, 'Ordinal encode', ['category'])).filter((l) => !listed.includes(l));
        return { name, vocabulary: [...listed, ...seen.sort(naturalOrder)] };
      }),
    };
  },
  transform(table, state) {
    const replacements = new Map<string, Column[]>();
    for (const { name, vocabulary } of state.columns) {
      const column = dictionaryColumn(table, name, 'Ordinal encode', ['category']);
      const index = new Map(vocabulary.map((label, i) => [label, i]));
      const byCode = column.categories.map((label) => index.get(label) ?? NaN);
      const values = Float64Array.from(column.codes, (code) => (code >= 0 ? byCode[code] : NaN));
      replacements.set(name, [{ name, type: 'number', values }]);
    }
    return replaceColumns(table, replacements);
  },
};
