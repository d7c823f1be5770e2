import { z } from 'zod';
import { isValueColumn, takeRows } from '../../lib/table';
import { clipOutliersStep, outlierBounds, type OutlierParams } from '../../runtime/steps/outliers';
import type { TableArtifact } from '../../runtime/artifacts';
import { passOn, tableOnlyProblem, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { assertDirectColumns, columnProblems } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';

export const outliers = defineNode({
  type: 'cleaning.outliers',
  version: 1,
  category: 'cleaning',
  label: 'Outliers',
  description:
    'Finds unusually small or large numbers (typos, sensor glitches) and either clips them to the edge of the usual range or drops their rows. ' +
    'Clipping learns the usual range from the training rows only and clips requests to a deployed model the same way. ' +
    'Dropping removes rows before the split, so they are left out of training and evaluation only: a deployed model still answers every row it is sent.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: clipOutliersStep,
  params: z.object({
    columns: z
      .array(z.string())
      .default([])
      .meta({ title: 'Columns', description: 'Numeric columns to check. Leave empty for every numeric column (clipping never changes the target).', widget: 'columns' }),
    method: z
      .enum(['iqr', 'z-score'])
      .default('iqr')
      .meta({
        title: 'How to spot them',
        enumLabels: { iqr: 'far outside the middle half of the values (IQR)', 'z-score': 'far from the average (z-score)' },
      }),
    iqrFactor: z
      .number()
      .positive('must be more than 0')
      .default(1.5)
      .meta({ title: 'IQR factor', description: 'With IQR: how many widths of the middle half beyond it a value may lie (1.5 is usual; 3 keeps more).' }),
    zThreshold: z
      .number()
      .positive('must be more than 0')
      .default(3)
      .meta({ title: 'Z-score limit', description: 'With z-score: how many standard deviations from the average a value may lie (3 is usual).' }),
    action: z
      .enum(['clip', 'drop'])
      .default('clip')
      .meta({ title: 'What to do', enumLabels: { clip: 'clip to the usual range', drop: 'drop the rows (training and evaluation only)' } }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems: ConfigureProblem[] = columnProblems(table, params.columns, 'columns', ['number']);
    if (params.columns.length === 0 && !table.columns.some((c) => c.type === 'number')) {
      problems.push({ field: 'columns', message: 'The table has no numeric column to check.' });
    }
    if (params.action === 'drop') problems.push(...tableOnlyProblem(inputs.table!, 'action', 'Dropping outlier rows'));
    return { outputs: passOn(inputs.table!, table), problems };
  },
  async run({ inputs, params, ctx }) {
    const stepParams: OutlierParams = { columns: params.columns, method: params.method, iqrFactor: params.iqrFactor, zThreshold: params.zThreshold };
    if (params.action === 'clip') {
      // Fitted at the split, on training rows only; the fitted range travels with the model.
      return { table: withRecipeStep(inputs.table as RecipeData, { kind: clipOutliersStep.kind, params: stepParams }) };
    }
    const input = inputs.table as TableArtifact;
    assertDirectColumns(input, params.columns, 'Outliers');
    const chosen = input.table.columns.filter((c) => (params.columns.length ? params.columns.includes(c.name) : c.type === 'number'));
    const drop = new Uint8Array(input.table.rowCount);
    for (const column of chosen) {
      if (column.type !== 'number' || !isValueColumn(column)) throw new Error(`Outliers: column "${column.name}" holds ${column.type}, not numbers.`);
      const bounds = outlierBounds(column.values, stepParams);
      if (!bounds) continue;
      let count = 0;
      column.values.forEach((v, r) => {
        // Missing values are not outliers: their rows stay.
        if (v < bounds.low || v > bounds.high) (drop[r] = 1), count++;
      });
      ctx.log(`"${column.name}": ${count} value${count === 1 ? '' : 's'} outside ${bounds.low.toPrecision(4)} to ${bounds.high.toPrecision(4)}.`);
    }
    const keep: number[] = [];
    drop.forEach((d, r) => d || keep.push(r));
    ctx.log(`Dropped ${input.table.rowCount - keep.length} of ${input.table.rowCount} rows with outliers (training and evaluation only; serving never drops rows).`);
    const table: TableArtifact = { table: takeRows(input.table, keep), recipe: input.recipe };
    return { table };
  },
});
