import { z } from 'zod';
import { pcaStep, PCA_MAX_COMPONENTS, pcaColumnNames, type PcaParams } from '../../runtime/steps/pca';
import type { ColumnSchema } from '../../lib/table';
import { passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';

/** How many principal components to keep (the PCA step and the PCA analysis model). */
export const pcaComponentsParam = z
  .number()
  .int('must be a whole number')
  .min(1, 'at least 1')
  .max(PCA_MAX_COMPONENTS, `at most ${PCA_MAX_COMPONENTS}`)
  .default(2);

export const pca = defineNode({
  type: 'features.pca',
  version: 1,
  category: 'features',
  label: 'PCA',
  description:
    'Combines many numeric columns into a few that keep most of the information (principal component analysis), named pc_1, pc_2, … with pc_1 carrying the most. ' +
    'Useful when many columns move together, such as the pixels of an image. Learned from the training rows only; a missing value counts as the column\'s training average.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: pcaStep,
  params: z.object({
    columns: z
      .array(z.string())
      .default([])
      .meta({
        title: 'Columns',
        description: 'Numeric columns to combine (at least 2). Leave empty for every numeric column except the target, once the target is known (after the split).',
        widget: 'columns',
      }),
    components: pcaComponentsParam.meta({ title: 'Components', description: 'How many new columns to make; no more than the columns combined.' }),
    scale: z
      .boolean()
      .default(false)
      .meta({
        title: 'Standardize first',
        description:
          'Rescale each column to spread 1 before combining. Tick it when the columns are in different units (a price and an age), or the biggest numbers would decide everything; leave it off when they share one scale (pixels).',
      }),
    keepOriginal: z.boolean().default(false).meta({ title: 'Keep the original columns', description: 'Otherwise the new columns replace the ones combined.' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    let names = [...new Set(params.columns)];
    const problems: ConfigureProblem[] = [];
    if (names.length === 0) {
      if (!table.target) {
        return {
          outputs: {},
          problems: [{ field: 'columns', message: 'Choose the numeric columns to combine (before the split the target is not known, so "every numeric column" could include it).' }],
        };
      }
      names = table.columns.filter((c) => c.type === 'number' && c.name !== table.target).map((c) => c.name);
    } else {
      problems.push(...columnProblems(table, names, 'columns', ['number']));
      if (table.target && names.includes(table.target)) problems.push({ field: 'columns', message: `"${table.target}" is the target column: PCA never changes it.` });
    }
    if (new Set(names).size < 2) problems.push({ field: 'columns', message: `PCA combines at least 2 numeric columns; ${names.length === 0 ? 'there are none' : 'choose more'}.` });
    else if (params.components > names.length) {
      problems.push({ field: 'components', message: `${params.components} components from ${names.length} columns: choose at most ${names.length}.` });
    }
    const made = pcaColumnNames(params.components);
    for (const name of made) {
      const removed = names.includes(name) && !params.keepOriginal;
      if (!removed && table.columns.some((c) => c.name === name)) problems.push({ field: 'columns', message: `The table already has a column "${name}": rename it first.` });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    const pcs = made.map((name): ColumnSchema => ({ name, type: 'number', integer: false }));
    // As the step does: the components take the first chosen column's place.
    const columns = table.columns.flatMap((c) => {
      if (!names.includes(c.name)) return [c];
      const kept = params.keepOriginal ? [c] : [];
      return c.name === names[0] ? [...kept, ...pcs] : kept;
    });
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params }) {
    const input = inputs.table as RecipeData;
    const stepParams: PcaParams = { columns: params.columns, components: params.components, keepOriginal: params.keepOriginal, scale: params.scale };
    // Fitted at the split, on training rows only; the means and components travel with the model.
    return { table: withRecipeStep(input, { kind: pcaStep.kind, params: stepParams }) };
  },
});
