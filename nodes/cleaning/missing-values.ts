import { z } from 'zod';
import { isValueColumn } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { passOn, tableOnlyProblem, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../../runtime/recipe-data';
import { defineNode, type ConfigureProblem } from '../define';

export const missingValues = defineNode({
  type: 'cleaning.missing-values',
  version: 1,
  category: 'cleaning',
  label: 'Missing values',
  description:
    'Fills empty cells (with the average, the middle value, the most common value, or a constant learned from the training rows only) or drops the rows that have them.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  params: z.object({
    strategy: z
      .enum(['mean', 'median', 'most-frequent', 'constant', 'drop-rows'])
      .default('median')
      .meta({
        title: 'What to do',
        enumLabels: { mean: 'fill with the average', median: 'fill with the middle value', 'most-frequent': 'fill with the most common value', constant: 'fill with a constant', 'drop-rows': 'drop rows with empty cells' },
      }),
    columns: z
      .array(z.string())
      .default([])
      .meta({ title: 'Columns', description: 'Leave empty for every column (numeric ones for an average or middle value); the target is never filled.', widget: 'columns' }),
    constant: z.string().default('').meta({ title: 'Constant', description: 'Used with "fill with a constant".' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems: ConfigureProblem[] = [];
    for (const name of params.columns) {
      const column = table.columns.find((c) => c.name === name);
      if (!column) problems.push({ field: 'columns', code: 'unknown-column' as const, message: `Column "${name}" is not in the table.` });
      else if ((params.strategy === 'mean' || params.strategy === 'median') && column.type !== 'number') {
        problems.push({ field: 'strategy', message: `"${name}" is not numeric: an average or middle value needs numbers. Use the most common value or a constant.` });
      }
    }
    if (params.strategy === 'constant' && params.constant === '') problems.push({ field: 'constant', message: 'Give the value to fill in.' });
    if (params.strategy === 'drop-rows') problems.push(...tableOnlyProblem(inputs.table!, 'strategy', 'Dropping rows with empty cells'));
    return { outputs: passOn(inputs.table!, table), problems };
  },
  async run({ inputs, params, ctx }) {
    if (params.strategy !== 'drop-rows') {
      // Fitted on training rows only (at the split when placed before it); the fitted values travel with the model.
      return { table: withRecipeStep(inputs.table as RecipeData, { kind: 'fill-missing', params }) };
    }
    const input = inputs.table as TableArtifact;
    const { takeRows } = await import('../../lib/table');
    const chosen = input.table.columns.filter((c) => params.columns.length === 0 || params.columns.includes(c.name));
    const keep: number[] = [];
    for (let r = 0; r < input.table.rowCount; r++) {
      const empty = chosen.some((c) => (isValueColumn(c) ? Number.isNaN(c.values[r]) : c.codes[r] < 0));
      if (!empty) keep.push(r);
    }
    ctx.log(`Dropped ${input.table.rowCount - keep.length} of ${input.table.rowCount} rows with empty cells.`);
    const table: TableArtifact = { table: takeRows(input.table, keep), recipe: input.recipe };
    return { table };
  },
});
