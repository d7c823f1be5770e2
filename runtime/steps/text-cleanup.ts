import type { StatefulStep } from '../recipe';
import { isValueColumn, type DictionaryColumn } from '../../lib/table';
import { dictionaryColumn } from './columns';

export interface TextCleanupParams {
  /** Category or text columns to clean; empty means every one except the target. */
  columns: string[];
  lowerCase: boolean;
  stripPunctuation: boolean;
  /** Trim the ends and turn every run of spaces, tabs and line breaks into one space. */
  trimSpaces: boolean;
}

export interface TextCleanupState {
  columns: string[];
}

const PUNCTUATION = /\p{P}/gu;
const SPACES = /\s+/g;

/** One label cleaned. Idempotent: cleaning a cleaned label changes nothing. */
export function cleanText(text: string, params: Omit<TextCleanupParams, 'columns'>): string {
  let out = text;
  if (params.stripPunctuation) out = out.replace(PUNCTUATION, '');
  if (params.trimSpaces) out = out.replace(SPACES, ' ').trim();
  if (params.lowerCase) out = out.toLowerCase();
  return out;
}

/**
 * Cleans each label once and merges labels that become equal ("Oslo", " oslo." → "oslo"); a label
 * cleaned down to nothing becomes missing. `emptied` counts the rows that became missing.
 */
export function cleanColumn(column: DictionaryColumn, params: Omit<TextCleanupParams, 'columns'>): { column: DictionaryColumn; emptied: number } {
  const dictionary = new Map<string, number>();
  const remap = column.categories.map((label) => {
    const cleaned = cleanText(label, params);
    if (cleaned === '') return -1;
    if (!dictionary.has(cleaned)) dictionary.set(cleaned, dictionary.size);
    return dictionary.get(cleaned)!;
  });
  let emptied = 0;
  const codes = Int32Array.from(column.codes, (code) => {
    if (code < 0) return -1;
    const next = remap[code];
    if (next < 0) emptied++;
    return next;
  });
  return { column: { ...column, codes, categories: [...dictionary.keys()] }, emptied };
}

/**
 * Lower-case, strip punctuation, trim spaces. Nothing is learned; it is a recipe step so that a
 * deployed model cleans the text of each request exactly as the training rows were cleaned.
 */
export const textCleanupStep: StatefulStep<TextCleanupParams, TextCleanupState> = {
  kind: 'text-cleanup',
  columns: (params) => params.columns,
  fit(table, params, context) {
    const names = params.columns.length ? params.columns : table.columns.filter((c) => !isValueColumn(c)).map((c) => c.name);
    const columns = names.filter((name) => name !== context.target);
    for (const name of columns) dictionaryColumn(table, name, 'Text cleanup');
    return { columns };
  },
  transform(table, state, params) {
    return {
      rowCount: table.rowCount,
      columns: table.columns.map((column) =>
        state.columns.includes(column.name) ? cleanColumn(dictionaryColumn(table, column.name, 'Text cleanup'), params).column : column,
      ),
    };
  },
};
