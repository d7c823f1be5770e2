import { z } from 'zod';
import type { FeatureSelectionParams } from '../../runtime/steps/feature-selection';
import { COLUMN_TYPES } from '../../lib/table';
import { columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';
import { logFittedStep, passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { featureSelectionStep } from '../../runtime/steps/feature-selection';

export const featureSelection = defineNode({
  type: 'features.feature-selection',
  version: 1,
  category: 'features',
  label: 'Feature selection',
  description:
    'Drops columns that cannot help the model: columns where (nearly) every row has the same value, and of two numeric columns that move together, the later one. ' +
    'Decided on the training rows only (the run log lists what was dropped, and why); never the target. A deployed model ignores the dropped columns.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: featureSelectionStep,
  params: z.object({
    columns: z.array(z.string()).default([]).meta({ title: 'Columns', description: 'Columns it may drop; empty: every column but the target.', widget: 'columns' }),
    sameValueShare: z
      .number()
      .min(0.5, 'at least 0.5')
      .max(1, 'at most 1')
      .default(1)
      .meta({
        title: 'Same value in at least',
        description: 'Share of the training rows (an empty cell counts as a value). 1 drops only columns with a single value; 0.98 also drops columns that are almost always the same.',
      }),
    dropCorrelated: z.boolean().default(true).meta({ title: 'Drop correlated columns', description: 'Of two numeric columns that move together, drop the later one.' }),
    correlation: z
      .number()
      .gt(0, 'must be more than 0')
      .max(1, 'at most 1')
      .default(0.95)
      .meta({ title: 'Correlation threshold', description: 'How closely two columns must move together (up or down; 1 = exactly) for one to go.' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems: ConfigureProblem[] = columnProblems(table, params.columns, 'columns', COLUMN_TYPES);
    if (table.target && params.columns.includes(table.target)) {
      problems.push({ field: 'columns', message: `"${table.target}" is the target column, which is never dropped. Remove it from this step.` });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    // Which columns go, only the fit on the training rows knows: each one it may drop is marked so.
    const candidates = (name: string) => name !== table.target && (params.columns.length === 0 || params.columns.includes(name));
    const columns = table.columns.map((c) => (candidates(c.name) ? { ...c, droppable: true } : c));
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params, ctx }) {
    const stepParams: FeatureSelectionParams = {
      columns: params.columns,
      sameValueShare: params.sameValueShare,
      dropCorrelated: params.dropCorrelated,
      correlation: params.correlation,
    };
    const output = withRecipeStep(inputs.table as RecipeData, { kind: featureSelectionStep.kind, params: stepParams });
    logFittedStep(output, ctx);
    return { table: output };
  },
});
