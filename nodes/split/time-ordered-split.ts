import { z } from 'zod';
import { fitRecipe } from '../../runtime/recipe';
import { formatDate, getColumn, isValueColumn, takeRows, type ValueColumn } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { defineNode, type ConfigureProblem } from '../define';
import {
  classLabels,
  configureSplit,
  resolveTarget,
  rowsWithTarget,
  targetParam,
  taskParam,
  testFractionParam,
  validationFractionParam,
} from './shared';

const ORDER_TYPES = new Set(['date', 'number']);
const HOLDS: Record<string, string> = { category: 'categories', text: 'free text', boolean: 'yes/no values' };

/**
 * Time series must be judged on the future: the latest rows are the test rows, the ones just before
 * them validation, the earliest train. Nothing is shuffled. Rows that share one time stay together
 * on one side of each cut, so no moment is both trained on and tested.
 */
export const timeOrderedSplit = defineNode({
  type: 'split.time-ordered',
  version: 1,
  category: 'split',
  label: 'Time split',
  description:
    'For data collected over time: the model learns from the earlier rows and is judged on the latest ones, as it will be used. Chooses the column to predict (the target); rows are never shuffled.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'split', type: 'Split', label: 'Split' }],
  params: z.object({
    target: targetParam,
    task: taskParam,
    orderColumn: z.string().default('').meta({
      title: 'Time column',
      description: 'The date or number column that puts the rows in time order. Empty: the rows are already in time order.',
      widget: 'column',
      emptyLabel: 'keep the row order',
    }),
    testFraction: testFractionParam.meta({ title: 'Test fraction', description: 'Share of the latest rows kept aside to judge the model (0.2 = the last 20%).' }),
    validationFraction: validationFractionParam.meta({
      title: 'Validation fraction',
      description: 'Share of rows just before the test rows, used to watch for overfitting during training (0 = none).',
    }),
  }),
  configure: ({ params, inputs }) =>
    configureSplit(inputs.table?.table, params, (table, target) => orderProblems(table.columns, params.orderColumn, target)),
  async run({ inputs, params, ctx }) {
    const { table, recipe } = inputs.table as TableArtifact;
    const { target, task } = resolveTarget(table, params);
    let rows = rowsWithTarget(table, target, ctx);

    let order: ValueColumn | undefined;
    if (params.orderColumn) {
      const column = getColumn(table, params.orderColumn);
      if (!isValueColumn(column) || !ORDER_TYPES.has(column.type)) throw new Error(`Column "${column.name}" holds ${HOLDS[column.type]}: order by a date or number column.`);
      order = column;
      const dated = rows.filter((r) => !Number.isNaN(column.values[r]));
      if (dated.length < rows.length) ctx.log(`Dropped ${rows.length - dated.length} rows whose time "${column.name}" is missing.`);
      // Stable: rows that share one time keep their table order.
      rows = dated.sort((a, b) => column.values[a] - column.values[b]);
    }

    const n = rows.length;
    const nTest = Math.round(n * params.testFraction);
    const nVal = Math.round(n * params.validationFraction);
    if (nTest === 0) throw new Error(`With ${n} rows, a test fraction of ${params.testFraction} leaves no test rows: raise the test fraction.`);
    if (n - nTest - nVal <= 0) throw new Error(`With ${n} rows, the test and validation fractions leave no training rows: lower them.`);
    // A cut inside a run of equal times moves back to where that time begins.
    const cutBefore = (i: number) => {
      if (!order) return i;
      while (i > 0 && order.values[rows[i - 1]] === order.values[rows[i]]) i--;
      return i;
    };
    const testStart = cutBefore(n - nTest);
    const validationStart = nVal === 0 ? testStart : cutBefore(Math.max(0, testStart - nVal));
    if (validationStart === 0) {
      throw new Error(`The rows share too few distinct times in "${params.orderColumn}" to keep earlier rows for training: lower the test and validation fractions.`);
    }
    if (testStart !== n - nTest || validationStart !== n - nTest - nVal) {
      const instead = [
        ...(nVal > 0 ? [`${testStart - validationStart} validation rows instead of ${nVal}`] : []),
        `${n - testStart} test rows instead of ${nTest}`,
      ];
      ctx.log(`Moved the cuts to keep rows with the same "${params.orderColumn}" together: ${instead.join(', ')}.`);
    }

    const parts = { train: rows.slice(0, validationStart), validation: rows.slice(validationStart, testStart), test: rows.slice(testStart) };
    const when = (part: number[]) => {
      if (part.length === 0) return 'none';
      if (!order) return `rows ${part[0] + 1}–${part[part.length - 1] + 1}`;
      const show = (r: number) => (order.type === 'date' ? formatDate(order.values[r]) : String(order.values[r]));
      return `${show(part[0])} to ${show(part[part.length - 1])}`;
    };
    ctx.log(
      `Split ${n} rows in time order${order ? ` by "${order.name}"` : ''}: ${parts.train.length} train (${when(parts.train)}), ` +
        `${parts.validation.length} validation (${when(parts.validation)}), ${parts.test.length} test (${when(parts.test)}) (${task}).`,
    );
    const train = takeRows(table, parts.train);
    const split: SplitArtifact = {
      target: target.name,
      task,
      labels: classLabels(target, rows, task),
      train,
      validation: takeRows(table, parts.validation),
      test: takeRows(table, parts.test),
      recipe: fitRecipe(recipe, train, { target: target.name, log: (message) => ctx.log(message) }),
      seed: 0,
    };
    return { split };
  },
});

function orderProblems(columns: { name: string; type: string }[], orderColumn: string, target: string | undefined): ConfigureProblem[] {
  if (!orderColumn) return [];
  const column = columns.find((c) => c.name === orderColumn);
  if (!column) return [{ field: 'orderColumn', code: 'unknown-column', message: `Time column "${orderColumn}" is not in the table.` }];
  if (!ORDER_TYPES.has(column.type)) {
    return [{ field: 'orderColumn', message: `"${orderColumn}" holds ${HOLDS[column.type]}: the time column must hold dates or numbers.` }];
  }
  if (column.name === target) return [{ field: 'orderColumn', message: `"${orderColumn}" is the target: order the rows by a time column, not by what the model predicts.` }];
  return [];
}
