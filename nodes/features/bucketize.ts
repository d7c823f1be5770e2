import { z } from 'zod';
import type { BucketizeParams } from '../../runtime/steps/bucketize';
import { passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';
import { bucketizeStep } from '../../runtime/steps/bucketize';

export const bucketize = defineNode({
  type: 'features.bucketize',
  version: 1,
  category: 'features',
  label: 'Bucketize',
  description:
    'Turns a number column into a few numbered ranges, like "1: under 18", "2: 18 to 40", "3: 40 and over", so a model can treat each range on its own. ' +
    'The edges come from the training rows only; a value on an edge goes to the higher range.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: bucketizeStep,
  params: z.object({
    columns: z.array(z.string()).default([]).meta({ title: 'Columns', description: 'Numeric columns to turn into ranges (not the target).', widget: 'columns' }),
    bins: z.number().int('must be a whole number').min(2, 'at least 2').max(100, 'at most 100').default(5).meta({ title: 'Ranges', description: 'How many ranges (fewer when many values are equal).' }),
    method: z
      .enum(['quantile', 'equal-width'])
      .default('quantile')
      .meta({
        title: 'Edges',
        enumLabels: { quantile: 'about as many rows in each range', 'equal-width': 'ranges of equal width' },
      }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    if (params.columns.length === 0) return { outputs: {}, problems: [{ field: 'columns', message: 'Choose the numeric columns to bucketize.' }] };
    const problems: ConfigureProblem[] = columnProblems(table, params.columns, 'columns', ['number']);
    if (problems.length > 0) return { outputs: {}, problems };
    const columns = table.columns.map((c) => (params.columns.includes(c.name) ? { name: c.name, type: 'category' as const } : c));
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params }) {
    const input = inputs.table as RecipeData;
    const stepParams: BucketizeParams = { columns: params.columns, bins: params.bins, method: params.method };
    // Fitted at the split, on training rows only; the edges travel with the model.
    return { table: withRecipeStep(input, { kind: bucketizeStep.kind, params: stepParams }) };
  },
});
