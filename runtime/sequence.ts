/**
 * Column conventions for sequence data, and pure helpers the sequence models read them with (usable
 * in the browser, in compile and on workers). Two kinds of sequence travel as plain number columns:
 *
 * Word ids (the Tokenize step, runtime/steps/tokenize.ts): a text column `msg` becomes `msg_tok_1` …
 * `msg_tok_L`, one whole number per word position. Id 0 is padding (short texts are padded at the END,
 * so the padding mask is simply id == 0), 1 is a word the vocabulary lacks, 2, 3, … are the vocabulary's
 * words by training frequency (2 = the most frequent).
 *
 * How a model learns the vocabulary size: from the fitted recipe, not from the rows or the compile
 * schema. At Train, `vocabularySize(split.recipe, group.base)` reads the Tokenize state fitted on the
 * training rows (vocabulary + the 2 reserved ids) and sizes the embedding with it. The largest id in
 * the training rows would not do: a vocabulary word may only ever appear past the cut-off position in
 * training texts, yet early in a request. The trained model keeps the same fitted recipe (and the
 * embedding size is in its weights), so a deployed model turns each request's text into ids with the
 * training vocabulary: an unseen word becomes 1, and every id is below the vocabulary size.
 *
 * Windows over a time series (the Sequence windows node): a value column `temp` becomes `temp_lag6` …
 * `temp_lag0` (lag k = the value k rows earlier in time order; lag0 = the row's own time), and the
 * forecast target `temp` h steps ahead is `temp_ahead<h>`.
 */
import type { FittedStep } from './recipe';
import type { ColumnSchema, Table } from '../lib/table';

/** Word id of padding (after the end of a text). */
export const PAD_ID = 0;
/** Word id of a word the training vocabulary lacks. */
export const UNKNOWN_ID = 1;
/** Word id of the most frequent training word; the others follow by frequency. */
export const FIRST_WORD_ID = 2;

type Named = { name: string; type?: string };

/** `<base>_tok_<position>`, position counting from 1. */
export function tokenColumnName(base: string, position: number): string {
  return `${base}_tok_${position}`;
}

export function tokenColumnNames(base: string, length: number): string[] {
  return Array.from({ length }, (_, i) => tokenColumnName(base, i + 1));
}

export interface TokenGroup {
  /** The text column the ids came from. */
  base: string;
  /** `<base>_tok_1` … `<base>_tok_<length>`, in position order. */
  columns: string[];
  length: number;
}

const TOKEN = /^(.+)_tok_([1-9]\d*)$/;

/**
 * The word-id groups among these columns (a table's or a compile schema's), in the order their first
 * column appears. A group counts only when positions 1 … L are all present (and numeric, when types are
 * given); a group with a gap is not a sequence and is left out.
 */
export function tokenColumns(columns: readonly Named[]): TokenGroup[] {
  return numberedGroups(columns, TOKEN, true, (base, positions) => {
    const length = positions.size;
    for (let p = 1; p <= length; p++) if (!positions.has(p)) return undefined;
    return { base, columns: tokenColumnNames(base, length), length };
  });
}

/**
 * The number of distinct word ids of a group (padding and unknown included), from the recipe fitted
 * on the training rows: the embedding size a model needs. Throws when no fitted Tokenize step made it.
 */
export function vocabularySize(recipe: readonly FittedStep[], base: string): number {
  for (let i = recipe.length - 1; i >= 0; i--) {
    const step = recipe[i];
    const state = step.state as { column?: unknown; vocabulary?: unknown } | undefined;
    if (step.kind === 'tokenize' && state?.column === base && Array.isArray(state.vocabulary)) return state.vocabulary.length + FIRST_WORD_ID;
  }
  throw new Error(`No Tokenize step made the word columns of "${base}": add Tokenize text before the model.`);
}

/** A group's ids as a rows × length matrix (row-major), ready for an embedding layer; missing → padding. */
export function tokenMatrix(table: Table, group: TokenGroup): Int32Array {
  const width = group.length;
  const out = new Int32Array(table.rowCount * width);
  group.columns.forEach((name, j) => {
    const column = table.columns.find((c) => c.name === name);
    if (!column || !('values' in column)) throw new Error(`Column "${name}" is not a word-id column of the table.`);
    const values = column.values;
    for (let r = 0; r < table.rowCount; r++) {
      const v = values[r];
      out[r * width + j] = Number.isNaN(v) ? PAD_ID : v;
    }
  });
  return out;
}

/** `<base>_lag<k>`: the value k rows earlier in time order (0 = the row's own time). */
export function lagColumnName(base: string, lag: number): string {
  return `${base}_lag${lag}`;
}

/** `<target>_ahead<h>`: the value h rows later in time order (what a forecast predicts). */
export function aheadColumnName(target: string, horizon: number): string {
  return `${target}_ahead${horizon}`;
}

const AHEAD = /^(.+)_ahead([1-9]\d*)$/;

/** The column and horizon of a forecast target named `<col>_ahead<h>`; undefined for other names. */
export function parseAheadColumn(name: string): { base: string; horizon: number } | undefined {
  const match = AHEAD.exec(name);
  return match ? { base: match[1], horizon: Number(match[2]) } : undefined;
}

/**
 * The lag0 column of the forecast target (its value at the row's own time): what a "persistence"
 * baseline predicts ("tomorrow is like today"). Takes the target as the split sees it (`temp_ahead1`
 * → `temp_lag0`); a name without the `_ahead<h>` ending is taken as the column itself (`temp` → `temp_lag0`).
 */
export function persistenceColumn(target: string): string {
  return lagColumnName(parseAheadColumn(target)?.base ?? target, 0);
}

export interface LagGroup {
  base: string;
  /** `<base>_lag<window-1>` … `<base>_lag0`: oldest first, newest (the row's own time) last. */
  columns: string[];
  window: number;
}

const LAG = /^(.+)_lag(0|[1-9]\d*)$/;

/**
 * Per windowed column, its lag columns oldest → newest; only groups with every lag 0 … window-1
 * present. Lags keep their column's type (numbers, yes/no values or categories).
 */
export function lagGroups(columns: readonly Named[]): LagGroup[] {
  return numberedGroups(columns, LAG, false, (base, lags) => {
    const window = lags.size;
    for (let k = 0; k < window; k++) if (!lags.has(k)) return undefined;
    const names = Array.from({ length: window }, (_, i) => lagColumnName(base, window - 1 - i));
    return { base, columns: names, window };
  });
}

/**
 * Groups columns named `<base><suffix><n>` by base (first-seen order); `make` turns each into a group
 * or rejects it. With `numeric`, a group with a column of another type is rejected.
 */
function numberedGroups<G>(columns: readonly Named[], pattern: RegExp, numeric: boolean, make: (base: string, numbers: Set<number>) => G | undefined): G[] {
  const groups = new Map<string, Set<number>>();
  const broken = new Set<string>();
  for (const column of columns) {
    const match = pattern.exec(column.name);
    if (!match) continue;
    const base = match[1];
    if (numeric && column.type !== undefined && column.type !== 'number') broken.add(base);
    if (!groups.has(base)) groups.set(base, new Set());
    groups.get(base)!.add(Number(match[2]));
  }
  const out: G[] = [];
  for (const [base, numbers] of groups) {
    if (broken.has(base)) continue;
    const group = make(base, numbers);
    if (group) out.push(group);
  }
  return out;
}

/** Lag groups a recurrent network can step through: numbers and yes/no values (categories stay beside them). */
export function steppableLags(columns: readonly ColumnSchema[]) {
  return lagGroups(columns).filter((group) => group.columns.every((name) => columns.find((c) => c.name === name)?.type !== 'category'));
}
