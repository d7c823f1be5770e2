import { z } from 'zod';
import { datePartsStep, datePartColumn, datePartsMade, hasTimes, type DatePartsParams } from '../../runtime/steps/date-parts';
import { isValueColumn, type ColumnSchema } from '../../lib/table';
import { passOn, trainingRowsOf, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { columnProblems } from '../column-checks';
import { defineNode } from '../define';

export const dateParts = defineNode({
  type: 'features.date-parts',
  version: 1,
  category: 'features',
  label: 'Date parts',
  description:
    'Splits a date into number columns a model can use: year, month (1–12), day of the month, weekday (1 = Monday … 7 = Sunday) and, for dates with times, the hour. ' +
    'A deployed model takes the date itself and splits it the same way.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: datePartsStep,
  params: z.object({
    column: z.string().default('').meta({ title: 'Date column', widget: 'column' }),
    hour: z.boolean().default(false).meta({ title: 'Hour', description: 'Also the hour of day (0–23), for dates with times.' }),
    keepOriginal: z
      .boolean()
      .default(false)
      .meta({ title: 'Keep the date column', description: 'Otherwise the parts replace it (a model reads a whole date only as one big number).' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    if (!params.column) return { outputs: {}, problems: [{ field: 'column', message: 'Choose the date column.' }] };
    const problems = columnProblems(table, [params.column], 'column', ['date'], 'Text like 2024-03-01 can become dates with Change type.');
    const made = datePartsMade(params).map((part) => datePartColumn(params.column, part));
    for (const name of made) {
      if (table.columns.some((c) => c.name === name)) problems.push({ field: 'column', message: `The table already has a column "${name}": rename it first.` });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    const parts = made.map((name): ColumnSchema => ({ name, type: 'number', integer: true }));
    const columns = table.columns.flatMap((c) => (c.name === params.column ? (params.keepOriginal ? [c, ...parts] : parts) : [c]));
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as RecipeData;
    const stepParams: DatePartsParams = { column: params.column, hour: params.hour, keepOriginal: params.keepOriginal };
    const column = trainingRowsOf(input).columns.find((c) => c.name === params.column);
    if (!params.hour && column && isValueColumn(column) && column.type === 'date' && hasTimes(column.values)) {
      ctx.log(`"${params.column}" has times of day: tick "Hour" to add the hour as well.`);
    }
    // Applied where the recipe runs (the split, serving); nothing is learned from the rows.
    return { table: withRecipeStep(input, { kind: datePartsStep.kind, params: stepParams }) };
  },
});
