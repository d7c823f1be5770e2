import type { StatefulStep } from '../recipe';
import { FIRST_WORD_ID, PAD_ID, UNKNOWN_ID, tokenColumnNames } from '../sequence';
import type { Column, DictionaryColumn } from '../../lib/table';
import { dictionaryColumn, refuseTarget, replaceColumns } from './columns';

export interface TokenizeParams {
  /** The text (or category) column to turn into word ids. */
  column: string;
  /** At most this many words in the vocabulary: the most frequent in the training rows. */
  maxVocabulary: number;
  /** A word must appear at least this many times in the training rows to enter the vocabulary. */
  minCount: number;
  /** Word positions kept per text (L): shorter texts are padded at the end, longer ones cut. */
  sequenceLength: number;
}

export interface TokenizeState {
  column: string;
  /** L, fixed at fit: the output has `<column>_tok_1` … `<column>_tok_L`. */
  length: number;
  /** Vocabulary words by training frequency: word i has id i + 2 (0 = padding, 1 = unknown). */
  vocabulary: string[];
  /** How often each vocabulary word appears in the training rows. */
  counts: number[];
}

const STEP = 'Tokenize text';
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * A text's words: Unicode-normalized (NFKC), lower-cased, split at everything that is not a letter or
 * digit of any script ("Don't PANIC!" → don, t, panic; "Köln, 2024" → köln, 2024).
 */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** Per row, how many words its text has (a missing text has none). */
export function wordCounts(column: DictionaryColumn): Int32Array {
  const perLabel = column.categories.map((text) => words(text).length);
  return Int32Array.from(column.codes, (code) => (code >= 0 ? perLabel[code] : 0));
}

function checkParams(params: TokenizeParams): void {
  const whole = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!whole(params.maxVocabulary, 1)) throw new Error(`${STEP}: the vocabulary size must be a whole number of at least 1, not ${params.maxVocabulary}.`);
  if (!whole(params.minCount, 1)) throw new Error(`${STEP}: the minimum count must be a whole number of at least 1, not ${params.minCount}.`);
  if (!whole(params.sequenceLength, 1)) throw new Error(`${STEP}: the sequence length must be a whole number of at least 1, not ${params.sequenceLength}.`);
}

/**
 * Text → word ids for sequence models. Learned from the training rows only: the vocabulary of the
 * most frequent words (ties in alphabetical order). The text column becomes `<column>_tok_1` …
 * `<column>_tok_L` whole-number columns: ids by frequency from 2, 1 for a word the vocabulary lacks,
 * 0 padding after the end of a shorter text (a missing text is all padding); a longer text is cut.
 */
export const tokenizeStep: StatefulStep<TokenizeParams, TokenizeState> = {
  kind: 'tokenize',
  columns: (params) => [params.column, ...tokenColumnNames(params.column, params.sequenceLength)],
  derivesFrom: (state) => [state.column],
  describe: (state) => [
    state.vocabulary.length === 0
      ? `Tokenize text: no word of "${state.column}" appears often enough in the training rows, so every word reads as unknown (1): lower "Minimum count".`
      : `Tokenize text: learned ${state.vocabulary.length} words of "${state.column}" from the training rows (most frequent: ${state.vocabulary.slice(0, 5).join(', ')}); other words read as unknown (1).`,
  ],
  fit(table, params, context) {
    checkParams(params);
    refuseTarget([params.column], context.target, STEP);
    const column = dictionaryColumn(table, params.column, STEP);
    const uses = new Int32Array(column.categories.length);
    for (const code of column.codes) if (code >= 0) uses[code]++;
    const counts = new Map<string, number>();
    column.categories.forEach((text, code) => {
      if (uses[code] === 0) return;
      for (const word of words(text)) counts.set(word, (counts.get(word) ?? 0) + uses[code]);
    });
    const kept = [...counts]
      .filter(([, count]) => count >= params.minCount)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, params.maxVocabulary);
    return { column: params.column, length: params.sequenceLength, vocabulary: kept.map(([word]) => word), counts: kept.map(([, count]) => count) };
  },
  transform(table, state) {
    const column = dictionaryColumn(table, state.column, STEP);
    const names = tokenColumnNames(state.column, state.length);
    for (const name of names) {
      if (table.columns.some((c) => c.name === name)) throw new Error(`${STEP}: the table already has a column "${name}".`);
    }
    const index = new Map(state.vocabulary.map((word, i) => [word, i + FIRST_WORD_ID]));
    const L = state.length;
    // Each distinct text is tokenized once, when a row first uses it.
    const ids = new Int32Array(column.categories.length * L).fill(PAD_ID);
    const done = new Uint8Array(column.categories.length);
    const values = names.map(() => new Float64Array(table.rowCount).fill(PAD_ID));
    for (let r = 0; r < table.rowCount; r++) {
      const code = column.codes[r];
      if (code < 0) continue;
      const at = code * L;
      if (!done[code]) {
        done[code] = 1;
        const textWords = words(column.categories[code]);
        const n = Math.min(L, textWords.length);
        for (let p = 0; p < n; p++) ids[at + p] = index.get(textWords[p]) ?? UNKNOWN_ID;
      }
      for (let p = 0; p < L; p++) values[p][r] = ids[at + p];
    }
    const made = names.map((name, p): Column => ({ name, type: 'number', values: values[p] }));
    return replaceColumns(table, new Map([[state.column, made]]));
  },
};
