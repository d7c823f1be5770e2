import { z } from 'zod';
import type { StatefulStep } from '../../runtime/recipe';
import { numberColumn, presentSorted, quantileSorted, rescaleColumns } from '../../runtime/steps/columns';
import { columnProblems } from '../column-checks';
import { defineNode } from '../define';
import { passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';

const robustScaleParams = z.object({
  columns: z
    .array(z.string())
    .default([])
    .meta({ title: 'Columns', description: 'Numeric columns to rescale. Leave empty for every numeric column except the target.', widget: 'columns' }),
});

type RobustScaleParams = z.output<typeof robustScaleParams>;

interface RobustScaleState {
  columns: { name: string; median: number; iqr: number }[];
}

/** (x - median) / IQR, both from the training rows: a few extreme values barely move them (unlike mean and spread). */
const robustScaleStep: StatefulStep<RobustScaleParams, RobustScaleState> = {
  kind: 'robust-scale',
  columns: (params) => params.columns,
  fit(table, params, context) {
    const names = params.columns.length > 0 ? params.columns : table.columns.filter((c) => c.type === 'number').map((c) => c.name);
    return {
      columns: names
        .filter((name) => name !== context.target)
        .map((name) => {
          const sorted = presentSorted(numberColumn(table, name, 'Robust scale').values);
          if (sorted.length === 0) return { name, median: 0, iqr: 1 };
          const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
          // A column whose middle half is one value keeps its spread (divided by 1) rather than becoming infinite.
          return { name, median: quantileSorted(sorted, 0.5), iqr: iqr > 0 ? iqr : 1 };
        }),
    };
  },
  transform: (table, state) => rescaleColumns(table, new Map(state.columns.map((c) => [c.name, { center: c.median, scale: c.iqr }]))),
};

export const robustScale = defineNode({
  type: 'features.robust-scale',
  version: 1,
  category: 'features',
  label: 'Robust scale',
  description:
    'Rescales numeric columns around their middle value, by the spread of their middle half (median and interquartile range), so a few extreme values do not squash the rest. ' +
    'Learned from the training rows only, and applied the same way when the model is used.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: robustScaleStep,
  params: robustScaleParams,
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    return { outputs: passOn(inputs.table!, table), problems: columnProblems(table, params.columns, 'columns', ['number']) };
  },
  async run({ inputs, params }) {
    // Fitted on training rows only (at the split when placed before it); the medians and ranges travel with the model.
    return { table: withRecipeStep(inputs.table as RecipeData, { kind: robustScaleStep.kind, params }) };
  },
});
