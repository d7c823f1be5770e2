import { z } from 'zod';
import { fitRecipe } from '../../lib/recipe';
import { createRng, shuffledIndices } from '../../lib/rng';
import { getColumn, inferTask, labelOf, tableSchema, takeRows, type Task } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../artifacts';
import { defineNode } from '../define';

export const trainTestSplit = defineNode({
  type: 'split.train-test',
  version: 1,
  category: 'split',
  label: 'Split',
  description:
    'Chooses the column to predict (the target) and sets rows aside: the model learns from the training rows and is judged on test rows it never saw.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'split', type: 'Split', label: 'Split' }],
  params: z.object({
    target: z
      .string()
      .default('')
      .meta({ title: 'Target column', description: 'The column the model learns to predict. Empty: the last column.', widget: 'column' }),
    task: z
      .enum(['auto', 'classification', 'regression'])
      .default('auto')
      .meta({ title: 'Task', description: 'Classification predicts a category; regression predicts a number. Auto decides from the target column.' }),
    testFraction: z
      .number()
      .gt(0, 'must be more than 0')
      .lt(1, 'must be less than 1')
      .default(0.2)
      .meta({ title: 'Test fraction', description: 'Share of rows kept aside to judge the model (0.2 = 20%).' }),
    validationFraction: z
      .number()
      .min(0, 'must be 0 or more')
      .lt(1, 'must be less than 1')
      .default(0.1)
      .meta({ title: 'Validation fraction', description: 'Share of rows used to watch for overfitting during training (0 = none).' }),
    stratify: z
      .boolean()
      .default(true)
      .meta({ title: 'Keep class proportions', description: 'Classification: each part gets the same mix of classes.', advanced: true }),
    seed: z.number().int().min(0).default(42).meta({ title: 'Seed', description: 'Same seed, same split.', advanced: true }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems = [];
    if (params.testFraction + params.validationFraction >= 0.95) {
      problems.push({ field: 'validationFraction', message: 'Test and validation fractions together leave too few training rows (keep their sum under 0.95).' });
    }
    const targetName = params.target || table.columns.at(-1)?.name;
    const target = table.columns.find((c) => c.name === targetName);
    if (!target) {
      problems.push({ field: 'target', code: 'unknown-column' as const, message: `Target column "${targetName ?? ''}" is not in the table.` });
      return { outputs: {}, problems };
    }
    const task: Task = params.task === 'auto' ? inferTask(target) : params.task;
    if (task === 'regression' && target.type !== 'number') {
      problems.push({ field: 'task', message: `Regression needs a numeric target, but "${target.name}" holds categories.` });
    }
    if (table.columns.length < 2) problems.push({ field: 'target', message: 'The table needs at least one column besides the target.' });
    return {
      outputs: { split: { type: 'Split', table: { ...table, target: target.name, task }, hasValidation: params.validationFraction > 0 } },
      problems,
    };
  },
  async run({ inputs, params, ctx }) {
    const { table, recipe } = inputs.table as TableArtifact;
    const target = getColumn(table, params.target || table.columns[table.columns.length - 1].name);
    const task: Task = params.task === 'auto' ? inferTask(tableSchema({ rowCount: table.rowCount, columns: [target] })[0]) : params.task;

    const present: number[] = [];
    for (let r = 0; r < table.rowCount; r++) if (labelOf(target, r) !== null) present.push(r);
    if (present.length < table.rowCount) ctx.log(`Dropped ${table.rowCount - present.length} rows whose target "${target.name}" is missing.`);

    const labels = task === 'classification' ? [...new Set(present.map((r) => labelOf(target, r)!))].sort(naturalOrder) : [];
    const groups =
      task === 'classification' && params.stratify ? labels.map((l) => present.filter((r) => labelOf(target, r) === l)) : [present];
    const rng = createRng(params.seed);
    const parts = { train: [] as number[], validation: [] as number[], test: [] as number[] };
    for (const group of groups) {
      const order = shuffledIndices(group.length, rng);
      const nTest = Math.round(group.length * params.testFraction);
      const nVal = Math.round(group.length * params.validationFraction);
      order.forEach((pos, i) => {
        const part = i < nTest ? parts.test : i < nTest + nVal ? parts.validation : parts.train;
        part.push(group[pos]);
      });
    }
    for (const part of Object.values(parts)) part.sort((a, b) => a - b);
    if (parts.test.length === 0) {
      throw new Error(`With ${present.length} rows, a test fraction of ${params.testFraction} leaves no test rows: raise the test fraction.`);
    }
    if (parts.train.length === 0) {
      throw new Error(`With ${present.length} rows, the test and validation fractions leave no training rows: lower them.`);
    }
    const train = takeRows(table, parts.train);
    ctx.log(`Split ${present.length} rows: ${parts.train.length} train, ${parts.validation.length} validation, ${parts.test.length} test (${task}).`);
    const split: SplitArtifact = {
      target: target.name,
      task,
      labels,
      train,
      validation: takeRows(table, parts.validation),
      test: takeRows(table, parts.test),
      recipe: fitRecipe(recipe, train, { target: target.name }),
      seed: params.seed,
    };
    return { split };
  },
});

/** "2" before "10"; text in dictionary order. */
function naturalOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b);
}
