import type { StatefulStep } from '../recipe';
import type { Column } from '../../lib/table';
import { dictionaryColumn, naturalOrder, refuseTarget, replaceColumns } from './columns';

export interface OneHotParams {
  /** Category columns to turn into 0/1 columns, one per category. */
  columns: string[];
  /** Keep only this many of the most frequent categories, plus an "other" column; 0 keeps them all. */
  maxCategories: number;
}

export interface OneHotState {
  /** Per column: the categories that get a column (natural order), and whether an "other" column follows. */
  columns: { name: string; categories: string[]; other: boolean }[];
}

/** The most columns one category column may become: beyond this, keep only the most frequent. */
export const ONE_HOT_MAX_COLUMNS = 500;
/** The label of the column for categories left out (rare ones, or ones the training rows never had). */
export const ONE_HOT_OTHER = '(other)';

/** "color" and "red" → "color=red"; every column made from "color" starts with "color=". */
export function oneHotPrefix(column: string): string {
  return `${column}=`;
}

export function oneHotColumnName(column: string, label: string): string {
  return `${oneHotPrefix(column)}${label}`;
}

/** The columns made for one fitted column, in order. */
export function oneHotColumnNames(state: OneHotState['columns'][number]): string[] {
  return [...state.categories, ...(state.other ? [ONE_HOT_OTHER] : [])].map((label) => oneHotColumnName(state.name, label));
}

/**
 * A category column → one 0/1 number column per category (`color=red`, `color=blue`…), the original
 * removed. The categories are learned from the training rows (optionally only the most frequent,
 * the rest going to a `color=(other)` column). A category the training rows never had goes to
 * "other" when there is one, else every column is 0; a missing cell is 0 everywhere.
 */
export const oneHotStep: StatefulStep<OneHotParams, OneHotState> = {
  kind: 'one-hot',
  columns: (params) => params.columns,
  derivesFrom: (state) => state.columns.map((c) => c.name),
  categories: (state) => Object.fromEntries(state.columns.map((c) => [c.name, c.categories])),
  fit(table, params, context) {
    refuseTarget(params.columns, context.target, 'One-hot encode');
    return {
      columns: [...new Set(params.columns)].map((name) => {
        const column = dictionaryColumn(table, name, 'One-hot encode', ['category']);
        // Counted by label: a table cut from a bigger one shares its dictionary, and the rows use only part of it.
        const perCode = new Int32Array(column.categories.length);
        for (const code of column.codes) if (code >= 0) perCode[code]++;
        const counts = new Map<string, number>();
        column.categories.forEach((label, code) => {
          if (perCode[code] > 0) counts.set(label, (counts.get(label) ?? 0) + perCode[code]);
        });
        let categories = [...counts.keys()];
        const limit = params.maxCategories;
        if (limit > 0) {
          categories = categories.sort((a, b) => counts.get(b)! - counts.get(a)! || naturalOrder(a, b)).slice(0, limit);
        } else if (categories.length > ONE_HOT_MAX_COLUMNS) {
          throw new Error(
            `One-hot encode: "${name}" has ${categories.length.toLocaleString('en')} categories in the training rows, which would make as many columns. ` +
              `Set "Most categories" to keep only the most frequent ones (for example 20).`,
          );
        }
        return { name, categories: categories.sort(naturalOrder), other: limit > 0 };
      }),
    };
  },
  transform(table, state) {
    const replacements = new Map<string, Column[]>();
    for (const fitted of state.columns) {
      const column = dictionaryColumn(table, fitted.name, 'One-hot encode', ['category']);
      const names = oneHotColumnNames(fitted);
      for (const name of names) {
        if (table.columns.some((c) => c.name === name)) throw new Error(`One-hot encode: the table already has a column "${name}". Rename it first.`);
      }
      // Each code's output column: its category's, else "other" (when there is one), else none (-1).
      const index = new Map(fitted.categories.map((label, i) => [label, i]));
      const otherSlot = fitted.other ? fitted.categories.length : -1;
      const slot = Int32Array.from(column.categories, (label) => index.get(label) ?? otherSlot);
      const outputs = names.map(() => new Float64Array(table.rowCount));
      for (let r = 0; r < table.rowCount; r++) {
        const code = column.codes[r];
        if (code < 0) continue;
        const s = slot[code];
        if (s >= 0) outputs[s][r] = 1;
      }
      replacements.set(
        fitted.name,
        names.map((name, i): Column => ({ name, type: 'number', values: outputs[i] })),
      );
    }
    return replaceColumns(table, replacements);
  },
  describe: (state) =>
    state.columns.map((c) => {
      const names = oneHotColumnNames(c);
      const shown = names.slice(0, 12).map((n) => `"${n}"`);
      if (names.length > shown.length) shown.push(`and ${names.length - shown.length} more`);
      return `One-hot encode: "${c.name}" became ${names.length} column${names.length === 1 ? '' : 's'}${names.length ? ` (${shown.join(', ')})` : ''}.`;
    }),
};
