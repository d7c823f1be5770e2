import { z } from 'zod';
import type { StatefulStep } from '../../runtime/recipe';
import { logStep, minMaxStep } from '../../runtime/steps/min-max';
import { standardizeStep } from '../../runtime/steps/standardize';
import { passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { defineNode } from '../define';
import { schemaColumn } from '../column-checks';

/**
 * Column-wise numeric transforms: a recipe step fitted on training rows only (at the split when
 * placed before it, right away when placed after it), which the trained model carries to serving.
 */
function numericRecipeNode(options: { type: string; label: string; description: string; step: StatefulStep<{ columns: string[] }, unknown>; verb: string }) {
  return defineNode({
    type: options.type,
    version: 1,
    category: 'features',
    label: options.label,
    description: options.description,
    inputs: [recipeDataInput],
    outputs: [recipeDataOutput],
    step: options.step,
    params: z.object({
      columns: z
        .array(z.string())
        .default([])
        .meta({ title: 'Columns', description: `Numeric columns to ${options.verb}. Leave empty for every numeric column except the target.`, widget: 'columns' }),
    }),
    configure({ params, inputs }) {
      const table = inputs.table?.table;
      if (!table) return { outputs: {} };
      const problems = params.columns.flatMap((name) => {
        const column = schemaColumn(table, name);
        if (!column) return [{ field: 'columns', code: 'unknown-column' as const, message: `Column "${name}" is not in the table.` }];
        if (column.type !== 'number') return [{ field: 'columns', message: `Column "${name}" is ${column.type}, not numeric: it cannot be ${options.verb}d.` }];
        return [];
      });
      return { outputs: passOn(inputs.table!, table), problems };
    },
    async run({ inputs, params }) {
      const input = inputs.table as RecipeData;
      return { table: withRecipeStep(input, { kind: options.step.kind, params }) };
    },
  });
}

export const standardize = numericRecipeNode({
  type: 'features.standardize',
  label: 'Standardize',
  description:
    'Rescales numeric columns to mean 0 and spread 1, so no column dominates because of its units. Learned from the training rows only, and applied the same way when the model is used.',
  step: standardizeStep,
  verb: 'standardize',
});

export const minMaxScale = numericRecipeNode({
  type: 'features.min-max-scale',
  label: 'Min-max scale',
  description: 'Rescales numeric columns to the range 0 to 1, using the smallest and largest values of the training rows.',
  step: minMaxStep,
  verb: 'rescale',
});

export const logTransform = numericRecipeNode({
  type: 'features.log-transform',
  label: 'Log transform',
  description: 'Takes log(1 + x) of skewed quantities such as prices or counts, so a few huge values weigh less. Values below -1 become empty.',
  step: logStep,
  verb: 'log-transform',
});
