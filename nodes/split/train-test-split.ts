import { z } from 'zod';
import { fitRecipe } from '../../runtime/recipe';
import { createRng, shuffledIndices } from '../../lib/rng';
import { takeRows } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';
import {
  classLabels,
  configureSplit,
  resolveTarget,
  rowsByClass,
  rowsWithTarget,
  seedParam,
  stratifyParam,
  targetParam,
  taskParam,
  testFractionParam,
  validationFractionParam,
} from './shared';

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
    target: targetParam,
    task: taskParam,
    testFraction: testFractionParam,
    validationFraction: validationFractionParam,
    stratify: stratifyParam,
    seed: seedParam,
  }),
  configure: ({ params, inputs }) => configureSplit(inputs.table?.table, params),
  async run({ inputs, params, ctx }) {
    const { table, recipe } = inputs.table as TableArtifact;
    const { target, task } = resolveTarget(table, params);
    const present = rowsWithTarget(table, target, ctx);
    const labels = classLabels(target, present, task);
    const groups = task === 'classification' && params.stratify ? rowsByClass(target, present, labels) : [present];
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
      recipe: fitRecipe(recipe, train, { target: target.name, log: (message) => ctx.log(message) }),
      seed: params.seed,
    };
    return { split };
  },
});
