import { z } from 'zod';
import { oneHotStep, ONE_HOT_MAX_COLUMNS, ONE_HOT_OTHER, oneHotPrefix, type OneHotParams } from '../../runtime/steps/one-hot';
import type { ColumnFamily } from '../../lib/table';
import { categoryColumnProblems } from '../column-checks';
import { defineNode } from '../define';
import { logFittedStep, passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';

export const oneHot = defineNode({
  type: 'features.one-hot',
  version: 1,
  category: 'features',
  label: 'One-hot encode',
  description:
    'Turns a category column into yes/no number columns, one per category: "color" becomes "color=red", "color=blue"… (1 where the row has that category, else 0). ' +
    `The categories are learned from the training rows only; a category first seen later counts as none of them (or as "${ONE_HOT_OTHER}"), and an empty cell is 0 everywhere.`,
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: oneHotStep,
  params: z.object({
    columns: z.array(z.string()).default([]).meta({ title: 'Columns', description: 'Category columns to encode (not the target).', widget: 'columns' }),
    maxCategories: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(ONE_HOT_MAX_COLUMNS, `at most ${ONE_HOT_MAX_COLUMNS}`)
      .default(0)
      .meta({
        title: 'Most categories',
        description: `Keep only this many of the most frequent categories of each column; the others share one "${ONE_HOT_OTHER}" column, as do categories never seen in training. 0 keeps every category.`,
      }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems = categoryColumnProblems(table, params.columns);
    const chosen = new Set(params.columns);
    if (table.target && chosen.has(table.target)) {
      problems.push({ field: 'columns', message: `"${table.target}" is the target column, which preprocessing never changes. Remove it from this step.` });
    }
    for (const name of chosen) {
      const clash = table.columns.find((c) => c.name !== name && c.name.startsWith(oneHotPrefix(name)));
      if (clash) problems.push({ field: 'columns', message: `The table already has a column "${clash.name}", which the columns made from "${name}" could clash with: rename it first.` });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    // The new columns' names depend on the categories the training rows hold: known once fitted.
    const families: ColumnFamily[] = [...chosen].map((name) => ({ prefix: oneHotPrefix(name), type: 'number', from: name }));
    const columns = table.columns.filter((c) => !chosen.has(c.name));
    return { outputs: passOn(inputs.table!, { ...table, columns, families: [...(table.families ?? []), ...families] }) };
  },
  async run({ inputs, params, ctx }) {
    const stepParams: OneHotParams = { columns: params.columns, maxCategories: params.maxCategories };
    // Fitted at the split, on training rows only; the categories travel with the model.
    const output = withRecipeStep(inputs.table as RecipeData, { kind: oneHotStep.kind, params: stepParams });
    logFittedStep(output, ctx);
    return { table: output };
  },
});
