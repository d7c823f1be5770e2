import { z } from 'zod';
import { usedLabels } from '../../runtime/steps/columns';
import { textCleanupStep, cleanColumn, type TextCleanupParams } from '../../runtime/steps/text-cleanup';
import { isValueColumn } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { isFoldsArtifact, isSplitArtifact, passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';

export const textCleanup = defineNode({
  type: 'cleaning.text-cleanup',
  version: 1,
  category: 'cleaning',
  label: 'Text cleanup',
  description:
    'Tidies labels and text so that "Oslo", " oslo" and "OSLO!" count as the same value: lower-case, strip punctuation, trim extra spaces. A deployed model cleans the text it is sent the same way.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: textCleanupStep,
  params: z.object({
    columns: z
      .array(z.string())
      .default([])
      .meta({ title: 'Columns', description: 'Category or text columns to clean. Leave empty for all of them.', widget: 'columns' }),
    lowerCase: z.boolean().default(true).meta({ title: 'Lower-case', description: '"Oslo" becomes "oslo".' }),
    stripPunctuation: z.boolean().default(true).meta({ title: 'Strip punctuation', description: 'Removes . , ! ? - \' " ( ) and the like.' }),
    trimSpaces: z.boolean().default(true).meta({ title: 'Trim spaces', description: 'Removes spaces at the ends and turns runs of spaces into one.' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems: ConfigureProblem[] = columnProblems(table, params.columns, 'columns', ['category', 'text']);
    const chosen = params.columns.length ? params.columns : table.columns.filter((c) => c.type === 'category' || c.type === 'text').map((c) => c.name);
    if (params.columns.length === 0 && chosen.length === 0) problems.push({ field: 'columns', message: 'The table has no category or text column to clean.' });
    if (!params.lowerCase && !params.stripPunctuation && !params.trimSpaces) problems.push({ field: 'lowerCase', message: 'Tick at least one kind of cleanup.' });
    // Labels may merge, so how many distinct ones there are is no longer known.
    const columns = table.columns.map((c) => (chosen.includes(c.name) ? { name: c.name, type: c.type } : c));
    return { outputs: passOn(inputs.table!, { ...table, columns }), problems };
  },
  async run({ inputs, params, ctx }) {
    const stepParams: TextCleanupParams = { columns: params.columns, lowerCase: params.lowerCase, stripPunctuation: params.stripPunctuation, trimSpaces: params.trimSpaces };
    const data = inputs.table as RecipeData;
    // After a split the recipe cleans every partition (and requests) where it is applied.
    if (isSplitArtifact(data) || isFoldsArtifact(data)) return { table: withRecipeStep(data, { kind: textCleanupStep.kind, params: stepParams }) };
    const input = data;
    // Cleaned now, so later steps (Remove duplicates, Filter rows) see the clean text, and added to the
    // recipe so serving cleans requests too. Cleaning is idempotent: applied again at the split it
    // changes nothing on these rows. A column an earlier recipe step has yet to make text is cleaned there.
    const columns = input.table.columns.map((column) => {
      const chosen = params.columns.length ? params.columns.includes(column.name) : !isValueColumn(column);
      if (!chosen || isValueColumn(column)) return column;
      const { column: cleaned, emptied } = cleanColumn(column, stepParams);
      const before = usedLabels(column).length;
      const after = usedLabels(cleaned).length;
      ctx.log(`"${column.name}": ${before} distinct value${before === 1 ? '' : 's'} became ${after}${emptied ? `; ${emptied} cell${emptied > 1 ? 's' : ''} cleaned to nothing and now empty` : ''}.`);
      return cleaned;
    });
    const table: TableArtifact = {
      table: { rowCount: input.table.rowCount, columns },
      recipe: [...input.recipe, { kind: textCleanupStep.kind, params: stepParams }],
    };
    return { table };
  },
});
