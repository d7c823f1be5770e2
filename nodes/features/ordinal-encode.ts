import { z } from 'zod';
import type { OrdinalEncodeParams } from '../../runtime/steps/ordinal-encode';
import { passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { categoryColumnProblems } from '../column-checks';
import { defineNode } from '../define';
import { ordinalEncodeStep } from '../../runtime/steps/ordinal-encode';

export const ordinalEncode = defineNode({
  type: 'features.ordinal-encode',
  version: 1,
  category: 'features',
  label: 'Ordinal encode',
  description:
    'Turns a category column into one number column: 0, 1, 2… in the order you give (like low, medium, high) or alphabetically. ' +
    'The labels are learned from the training rows only; a label first seen later (in test rows or by a deployed model) becomes empty.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: ordinalEncodeStep,
  params: z.object({
    columns: z.array(z.string()).default([]).meta({ title: 'Columns', description: 'Category columns to turn into numbers (not the target).', widget: 'columns' }),
    order: z
      .string()
      .default('')
      .meta({
        title: 'Order (optional)',
        description: 'Labels from lowest to highest, separated by commas, e.g. "low, medium, high". Empty: alphabetical. Labels not listed come after, alphabetically.',
      }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems = categoryColumnProblems(table, params.columns);
    if (problems.length > 0) return { outputs: {}, problems };
    const columns = table.columns.map((c) => (params.columns.includes(c.name) ? { name: c.name, type: 'number' as const, integer: true } : c));
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params }) {
    const input = inputs.table as RecipeData;
    const stepParams: OrdinalEncodeParams = { columns: params.columns, order: params.order };
    // Fitted at the split, on training rows only; the vocabulary travels with the model.
    return { table: withRecipeStep(input, { kind: ordinalEncodeStep.kind, params: stepParams }) };
  },
});
