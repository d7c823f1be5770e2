import { z } from 'zod';
import { quantileSorted } from '../../runtime/steps/columns';
import { tokenizeStep, wordCounts, type TokenizeParams } from '../../runtime/steps/tokenize';
import { tokenColumnNames } from '../../runtime/sequence';
import { isValueColumn, type ColumnSchema } from '../../lib/table';
import { passOn, recipeDataInput, recipeDataOutput, trainingRowsOf, withRecipeStep, type RecipeData } from '../recipe-data';
import { columnProblems } from '../column-checks';
import { defineNode } from '../define';

export const tokenize = defineNode({
  type: 'features.tokenize',
  version: 1,
  category: 'features',
  label: 'Tokenize text',
  description:
    'Turns a text column into word numbers a sequence model (embedding, LSTM, transformer) can read: one column per word position, ' +
    'named like text_tok_1, text_tok_2, … Each word gets the number of its place in a vocabulary of the most frequent words of the training rows ' +
    '(2 = the most frequent); 1 means a word the vocabulary lacks, 0 fills the positions after the end of a shorter text. Longer texts are cut. ' +
    'The vocabulary is learned from the training rows only and travels with the model, so a deployed model reads new text the same way.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: tokenizeStep,
  params: z.object({
    column: z.string().default('').meta({ title: 'Text column', description: 'The free-text (or category) column to turn into word numbers.', widget: 'column' }),
    sequenceLength: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(1000, 'at most 1000')
      .default(40)
      .meta({ title: 'Words per text', description: 'How many word positions to keep: shorter texts are padded with 0 at the end, longer ones are cut.' }),
    maxVocabulary: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(100_000, 'at most 100,000')
      .default(5000)
      .meta({ title: 'Vocabulary size', description: 'Keep at most this many of the most frequent words; the rarer ones count as unknown (1).' }),
    minCount: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .default(2)
      .meta({
        title: 'Minimum count',
        description: 'A word must appear at least this often in the training rows to get its own number. Words seen once are mostly typos and names; as unknown words they teach the model what "unknown" looks like.',
        advanced: true,
      }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    if (!params.column) return { outputs: {}, problems: [{ field: 'column', message: 'Choose the text column to tokenize.' }] };
    const problems = columnProblems(table, [params.column], 'column', ['text', 'category']);
    if (params.column === table.target) problems.push({ field: 'column', message: `"${params.column}" is the target column, which preprocessing never changes.` });
    const made = tokenColumnNames(params.column, params.sequenceLength);
    for (const name of made) {
      if (table.columns.some((c) => c.name === name)) problems.push({ field: 'column', message: `The table already has a column "${name}": rename it first.` });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    const ids = made.map((name): ColumnSchema => ({ name, type: 'number', integer: true }));
    const columns = table.columns.flatMap((c) => (c.name === params.column ? ids : [c]));
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as RecipeData;
    const column = trainingRowsOf(input).columns.find((c) => c.name === params.column);
    if (column && !isValueColumn(column) && column.codes.length > 0) {
      const counts = wordCounts(column).sort();
      const longer = counts.filter((n) => n > params.sequenceLength).length;
      ctx.log(
        `Texts in "${params.column}" have up to ${counts.at(-1)} words (95% at most ${Math.ceil(quantileSorted(counts, 0.95))}); ` +
          (longer === 0
            ? `none is cut at ${params.sequenceLength}.`
            : `${longer} of ${counts.length} texts are cut at ${params.sequenceLength} words: raise "Words per text" to keep more.`),
      );
    }
    const stepParams: TokenizeParams = { column: params.column, maxVocabulary: params.maxVocabulary, minCount: params.minCount, sequenceLength: params.sequenceLength };
    // Fitted at the split, on training rows only; the vocabulary travels with the model.
    return { table: withRecipeStep(input, { kind: tokenizeStep.kind, params: stepParams }) };
  },
});
