import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { tokenColumns, tokenMatrix, vocabularySize } from '../../runtime/sequence';
import { tokenizeStep, words, type TokenizeParams } from '../../runtime/steps/tokenize';
import { tableRows, takeRows, type Table, type TableSchema } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv } from '../../nodes/define';
import { tokenize } from '../../nodes/features/tokenize';
import { testContext } from '../support/run-context';
import { sampleChain } from '../support/sample-chain';

const env: CompileEnv = { dataset: () => undefined };

/** Three training sentences, then a test row with a new word and a missing text. */
const table: Table = {
  rowCount: 5,
  columns: [
    { name: 'id', type: 'number', values: new Float64Array([1, 2, 3, 4, 5]) },
    { name: 'msg', type: 'text', codes: new Int32Array([0, 1, 2, 3, -1]), categories: ['the cat sat on the mat', 'The dog sat!', 'a cat', 'the bird sat'] },
    { name: 'label', type: 'category', codes: new Int32Array([0, 1, 0, 1, 0]), categories: ['no', 'yes'] },
  ],
};
const train = takeRows(table, [0, 1, 2]);
const params: TokenizeParams = { column: 'msg', maxVocabulary: 10, minCount: 1, sequenceLength: 4 };
const ids = (t: Table) => tableRows(t).map((row) => [1, 2, 3, 4].map((p) => row[`msg_tok_${p}`]));

describe('words', () => {
  it('lower-cases and splits at everything but letters and digits, in any script', () => {
    expect(words("Don't PANIC!  it's 42…")).toEqual(['don', 't', 'panic', 'it', 's', '42']);
    expect(words('Köln, Zürich; Αθήνα—Москва 東京')).toEqual(['köln', 'zürich', 'αθήνα', 'москва', '東京']);
    // Unicode-normalized: a decomposed é is the same word, the "ﬁ" ligature is f + i, full-width digits are digits.
    expect(words('cafe\u0301 ﬁne １２')).toEqual(['café', 'fine', '12']);
    expect(words(' ... ')).toEqual([]);
  });
});

describe('Tokenize step', () => {
  it('learns the vocabulary of the training rows by frequency (ties alphabetically), with counts', () => {
    const state = tokenizeStep.fit(train, params, { target: 'label' });
    expect(state).toEqual({
      column: 'msg',
      length: 4,
      vocabulary: ['the', 'cat', 'sat', 'a', 'dog', 'mat', 'on'],
      counts: [3, 2, 2, 1, 1, 1, 1],
    });
    expect(tokenizeStep.describe!(state, params)).toEqual([
      'Tokenize text: learned 7 words of "msg" from the training rows (most frequent: the, cat, sat, a, dog); other words read as unknown (1).',
    ]);
    expect(tokenizeStep.derivesFrom!(state, params)).toEqual(['msg']);
    expect(tokenizeStep.fit(train, { ...params, maxVocabulary: 3 }, { target: 'label' }).vocabulary).toEqual(['the', 'cat', 'sat']);
    expect(tokenizeStep.fit(train, { ...params, minCount: 2 }, { target: 'label' }).vocabulary).toEqual(['the', 'cat', 'sat']);
    // A text used by two rows counts twice; a dictionary entry no training row uses counts not at all.
    const twice = takeRows(table, [2, 2]);
    expect(tokenizeStep.fit(twice, params, { target: 'label' })).toMatchObject({ vocabulary: ['a', 'cat'], counts: [2, 2] });
  });

  it('replaces the text with id columns: 2.. by frequency, 1 unknown, 0 padding at the end; long texts cut', () => {
    const state = tokenizeStep.fit(train, { ...params, maxVocabulary: 3 }, { target: 'label' });
    const out = tokenizeStep.transform(table, state, params);
    expect(out.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:number', 'msg_tok_1:number', 'msg_tok_2:number', 'msg_tok_3:number', 'msg_tok_4:number', 'label:category']);
    expect(ids(out)).toEqual([
      [2, 3, 4, 1], // the cat sat on | the mat (cut)
      [2, 1, 4, 0], // the dog(unknown) sat
      [1, 3, 0, 0], // a(unknown) cat
      [2, 1, 4, 0], // the bird(never seen in training) sat
      [0, 0, 0, 0], // missing text
    ]);
    // The padding mask is simply id == 0.
    const matrix = tokenMatrix(out, tokenColumns(out.columns)[0]);
    expect(Array.from(matrix.slice(4, 8))).toEqual([2, 1, 4, 0]);
  });

  it('serves a request whose text it never saw with the training vocabulary', () => {
    const fitted = fitRecipe([{ kind: 'tokenize', params }], train, { target: 'label' });
    const request: Table = { rowCount: 1, columns: [{ name: 'msg', type: 'text', codes: new Int32Array([0]), categories: ['A zebra sat, sat, sat and sat'] }] };
    expect(ids(applyRecipe(fitted, request))).toEqual([[5, 1, 4, 4]]);
    expect(vocabularySize(fitted, 'msg')).toBe(7 + 2);
    expect(() => vocabularySize(fitted, 'other')).toThrow(/No Tokenize step made the word columns of "other"/);
  });

  it('refuses the target, a number column and a name that is taken', () => {
    expect(() => tokenizeStep.fit(train, { ...params, column: 'label' }, { target: 'label' })).toThrow(/"label" is the target column/);
    expect(() => tokenizeStep.fit(train, { ...params, column: 'id' }, { target: 'label' })).toThrow(/needs a category or text column/);
    const taken: Table = { ...train, columns: [...train.columns, { name: 'msg_tok_2', type: 'number', values: new Float64Array(3) }] };
    const state = tokenizeStep.fit(taken, params, { target: 'label' });
    expect(() => tokenizeStep.transform(taken, state, params)).toThrow(/already has a column "msg_tok_2"/);
    expect(() => tokenizeStep.fit(train, { ...params, sequenceLength: 0 }, { target: 'label' })).toThrow(/sequence length must be a whole number/);
  });
});

describe('Tokenize text node', () => {
  const schema: TableSchema = {
    columns: [
      { name: 'id', type: 'number', integer: true },
      { name: 'msg', type: 'text', distinct: 4 },
      { name: 'label', type: 'category', distinct: 2 },
    ],
  };
  const configure = (p: Record<string, unknown>, s = schema) => tokenize.configure({ params: tokenize.params.parse(p), inputs: { table: { type: 'Table', table: s } }, env });

  it('defaults: 40 words, 5,000 words of vocabulary, seen at least twice', () => {
    expect(tokenize.params.parse({ column: 'msg' })).toEqual({ column: 'msg', sequenceLength: 40, maxVocabulary: 5000, minCount: 2 });
  });

  it('compile: the text column becomes L whole-number columns in its place; problems name "column"', () => {
    const out = configure({ column: 'msg', sequenceLength: 3 });
    expect(out.problems ?? []).toEqual([]);
    expect(out.outputs.table?.table?.columns).toEqual([
      { name: 'id', type: 'number', integer: true },
      { name: 'msg_tok_1', type: 'number', integer: true },
      { name: 'msg_tok_2', type: 'number', integer: true },
      { name: 'msg_tok_3', type: 'number', integer: true },
      { name: 'label', type: 'category', distinct: 2 },
    ]);
    expect(tokenColumns(out.outputs.table!.table!.columns)).toEqual([{ base: 'msg', columns: ['msg_tok_1', 'msg_tok_2', 'msg_tok_3'], length: 3 }]);
    const problems = (p: Record<string, unknown>, s = schema) => configure(p, s).problems?.map((x) => [x.field, x.message]);
    expect(problems({})).toEqual([['column', 'Choose the text column to tokenize.']]);
    expect(problems({ column: 'id' })).toEqual([['column', 'Column "id" holds numbers, not free text or categories.']]);
    expect(problems({ column: 'nope' })).toEqual([['column', 'Column "nope" is not in the table.']]);
    expect(problems({ column: 'msg' }, { ...schema, target: 'msg' })).toEqual([['column', '"msg" is the target column, which preprocessing never changes.']]);
    const taken = { columns: [...schema.columns, { name: 'msg_tok_2', type: 'number' as const }] };
    expect(problems({ column: 'msg', sequenceLength: 2 }, taken)).toEqual([['column', 'The table already has a column "msg_tok_2": rename it first.']]);
    expect(tokenize.params.safeParse({ column: 'msg', sequenceLength: 2.5 }).success).toBe(false);
  });

  it('run: adds the step, says how long the texts are and how many get cut', async () => {
    const logs: string[] = [];
    const input: TableArtifact = { table, recipe: [] };
    const out = (await tokenize.run({ inputs: { table: input }, params: tokenize.params.parse({ column: 'msg', sequenceLength: 4 }), ctx: testContext(logs) })).table as TableArtifact;
    expect(out.table).toBe(table);
    expect(out.recipe).toEqual([{ kind: 'tokenize', params: { column: 'msg', maxVocabulary: 5000, minCount: 2, sequenceLength: 4 } }]);
    expect(logs).toEqual(['Texts in "msg" have up to 6 words (95% at most 6); 1 of 5 texts are cut at 4 words: raise "Words per text" to keep more.']);
  });
});

describe('support tickets: Tokenize text before a split, compiled and run', () => {
  it('the split hands the model the word columns compile promised, and the vocabulary size', async () => {
    const { promised, output } = await sampleChain('support_tickets', [
      ['features.tokenize', { column: 'text', sequenceLength: 20 }],
      ['split.train-test', { target: 'category' }],
    ]);
    const split = output as SplitArtifact;
    const trainRows = applyRecipe(split.recipe, split.train);
    expect(trainRows.columns.map((c) => `${c.name}:${c.type}`)).toEqual(promised?.table?.columns.map((c) => `${c.name}:${c.type}`));
    const [group] = tokenColumns(trainRows.columns);
    expect(group).toMatchObject({ base: 'text', length: 20 });
    const size = vocabularySize(split.recipe, 'text');
    expect(size).toBeGreaterThan(50);
    // Every id of every partition (test rows too) fits the embedding sized from the training vocabulary.
    for (const part of [trainRows, applyRecipe(split.recipe, split.test)]) {
      const matrix = tokenMatrix(part, group);
      expect(Math.max(...matrix)).toBeLessThan(size);
      expect(Math.min(...matrix)).toBe(0);
    }
  });
});
