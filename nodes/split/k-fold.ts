import { z } from 'zod';
import { fitRecipe } from '../../runtime/recipe';
import { createRng, shuffledIndices } from '../../lib/rng';
import { getColumn, takeRows } from '../../lib/table';
import type { FoldsArtifact, SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';
import { classLabels, configureTarget, resolveTarget, rowsByClass, rowsWithTarget, seedParam, stratifyParam, targetParam, taskParam } from './shared';

export const kFold = defineNode({
  type: 'split.k-fold',
  version: 1,
  category: 'split',
  label: 'K-fold',
  description:
    'Chooses the column to predict (the target) and cuts the rows into k equal folds for cross-validation: each fold takes one turn as the test rows while the model learns from the others, so every row is tested exactly once.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'folds', type: 'Folds', label: 'Folds' }],
  params: z.object({
    target: targetParam,
    task: taskParam,
    folds: z
      .number()
      .int('must be a whole number')
      .min(2, 'must be at least 2')
      .max(20, 'must be at most 20')
      .default(5)
      .meta({ title: 'Folds (k)', description: 'How many parts to cut the rows into; each is the test rows once (5 = five models, each tested on 20%).' }),
    stratify: stratifyParam.meta({ title: 'Keep class proportions', description: 'Classification: each fold gets the same mix of classes.', advanced: true }),
    seed: seedParam.meta({ title: 'Seed', description: 'Same seed, same folds.', advanced: true }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const { target, task, problems } = configureTarget(table, params);
    if (!target) return { outputs: {}, problems };
    return { outputs: { folds: { type: 'Folds', table: { ...table, target, task }, hasValidation: false, folds: params.folds } }, problems };
  },
  async run({ inputs, params, ctx }) {
    const input = inputs.table as TableArtifact;
    const k = params.folds;
    const { target: rawTarget, task } = resolveTarget(input.table, params);
    const present = rowsWithTarget(input.table, rawTarget, ctx);
    if (present.length < k) throw new Error(`With ${present.length} rows, ${k} folds would leave a fold with no rows: use fewer folds.`);
    // The usable rows, stored once; fold row numbers index into this table.
    const table = present.length === input.table.rowCount ? input.table : takeRows(input.table, present);
    const target = getColumn(table, rawTarget.name);
    const rows = Array.from({ length: table.rowCount }, (_, r) => r);
    const labels = classLabels(target, rows, task);
    const stratified = task === 'classification' && params.stratify;
    const groups = stratified ? rowsByClass(target, rows, labels) : [rows];

    // Deal the shuffled rows out like cards, one class after the other, carrying on where the last
    // class stopped: each class is spread as evenly as it can be, and fold sizes differ by at most one.
    const rng = createRng(params.seed);
    const foldOf = new Int32Array(table.rowCount);
    let dealt = 0;
    for (const [g, group] of groups.entries()) {
      for (const pos of shuffledIndices(group.length, rng)) foldOf[group[pos]] = dealt++ % k;
      if (stratified && group.length < k) {
        ctx.log(`Class "${labels[g]}" has only ${group.length} rows: ${k - group.length} of the ${k} folds test none of it.`);
      }
    }

    const folds: FoldsArtifact['folds'] = [];
    for (let f = 0; f < k; f++) {
      ctx.signal.throwIfAborted();
      const test: number[] = [];
      const train: number[] = [];
      for (let r = 0; r < table.rowCount; r++) (foldOf[r] === f ? test : train).push(r);
      // Each fold's training rows are copied only while its recipe is fitted.
      const recipe = fitRecipe(input.recipe, takeRows(table, train), { target: target.name, log: (message) => ctx.log(`Fold ${f + 1}: ${message}`) });
      folds.push({ test: Int32Array.from(test), recipe });
      ctx.progress((f + 1) / k, `fold ${f + 1} of ${k}`);
    }
    const sizes = folds.map((f) => f.test.length);
    ctx.log(
      `Cut ${table.rowCount} rows into ${k} folds of ${Math.min(...sizes)}${Math.max(...sizes) > Math.min(...sizes) ? `–${Math.max(...sizes)}` : ''} rows` +
        ` (${task}${stratified ? ', same class mix in each' : ''}).`,
    );
    const artifact: FoldsArtifact = { target: target.name, task, labels, table, folds, seed: params.seed };
    return { folds: artifact };
  },
  summarize(outputs, params) {
    const artifact = outputs.folds as FoldsArtifact;
    return { folds: params.folds, rows: artifact.table.rowCount, foldSizes: artifact.folds.map((f) => f.test.length) };
  },
});

/** A fold's training rows: every row of the table that fold does not hold out. */
export function foldTrainRows(artifact: FoldsArtifact, fold: number): Int32Array {
  const { test } = foldAt(artifact, fold);
  const train = new Int32Array(artifact.table.rowCount - test.length);
  let t = 0;
  let n = 0;
  for (let r = 0; r < artifact.table.rowCount; r++) {
    if (t < test.length && test[t] === r) t++;
    else train[n++] = r;
  }
  return train;
}

/** One fold as the Split that Train and Evaluate take: its training rows, its test rows, no validation. */
export function foldSplit(artifact: FoldsArtifact, fold: number): SplitArtifact {
  const { test, recipe } = foldAt(artifact, fold);
  return {
    target: artifact.target,
    task: artifact.task,
    labels: artifact.labels,
    train: takeRows(artifact.table, foldTrainRows(artifact, fold)),
    validation: takeRows(artifact.table, []),
    test: takeRows(artifact.table, test),
    recipe,
    seed: artifact.seed,
  };
}

function foldAt(artifact: FoldsArtifact, fold: number): FoldsArtifact['folds'][number] {
  const entry = artifact.folds[fold];
  if (!entry) throw new Error(`There is no fold ${fold} (folds 0 to ${artifact.folds.length - 1}).`);
  return entry;
}
