import type { PortSpec } from '../lib/ports';
import { applyRecipe, describeRecipe, fitRecipe, type RecipeStep } from '../runtime/recipe';
import { takeRows, type Table, type TableSchema } from '../lib/table';
import type { FoldsArtifact, SplitArtifact, TableArtifact } from '../runtime/artifacts';
import type { ConfigureProblem, PortInfo, RunContext } from './define';
import { foldTrainRows } from './split/k-fold';

/**
 * Stateful steps (scalers, imputers, encoders, PCA…) may sit before or after a split. Before it they
 * add an unfitted step to the table's recipe, which the split fits on its training rows; after it they
 * are fitted right away on the training rows (per fold for k-fold). Either way the fitted recipe is
 * the same, and travels with the trained model.
 */
export const recipeDataInput: PortSpec = { name: 'table', type: 'Table', label: 'Table', accepts: ['Split', 'Folds'] };
export const recipeDataOutput: PortSpec = { name: 'table', type: 'Table', label: 'Table', passes: 'table' };

export type RecipeData = TableArtifact | SplitArtifact | FoldsArtifact;

export function isSplitArtifact(data: unknown): data is SplitArtifact {
  return typeof data === 'object' && data !== null && 'train' in data && 'test' in data;
}

export function isFoldsArtifact(data: unknown): data is FoldsArtifact {
  return typeof data === 'object' && data !== null && 'folds' in data;
}

/** The raw rows the data holds (a split's training rows), for hints in the run log. */
export function trainingRowsOf(data: RecipeData): Table {
  return isSplitArtifact(data) ? data.train : data.table;
}

/** Compile-time: the same kind of data flows on, with the step's column schema. */
export function passOn(input: PortInfo, table: TableSchema): Record<string, PortInfo> {
  return { table: { ...input, table } };
}

/** Compile-time: a problem when a step that only works on a whole table is placed after a split. */
export function tableOnlyProblem(input: PortInfo, field: string, what: string): ConfigureProblem[] {
  return input.type === 'Table' ? [] : [{ field, message: `${what} works on a table, before the Split: place this step before it.` }];
}

/** Adds the step where the data is: pending on a table, fitted on the training rows of a split or of each fold. */
export function withRecipeStep(data: RecipeData, step: RecipeStep): RecipeData {
  if (isFoldsArtifact(data)) {
    const folds = data.folds.map((fold, f) => ({
      ...fold,
      recipe: fitAfter(fold.recipe, step, takeRows(data.table, foldTrainRows(data, f)), data.target),
    }));
    return { ...data, folds };
  }
  if (isSplitArtifact(data)) return { ...data, recipe: fitAfter(data.recipe, step, data.train, data.target) };
  return { table: data.table, recipe: [...data.recipe, step] };
}

/**
 * Logs what the step just added decided, for the steps whose fit a person should see (the columns
 * made or dropped): after a split its fit is here (per fold for k-fold); before one, the split logs it.
 */
export function logFittedStep(data: RecipeData, ctx: RunContext): void {
  if (isFoldsArtifact(data)) {
    data.folds.forEach((fold, f) => describeRecipe(fold.recipe.slice(-1)).forEach((line) => ctx.log(`Fold ${f + 1}: ${line}`)));
  } else if (isSplitArtifact(data)) {
    describeRecipe(data.recipe.slice(-1)).forEach((line) => ctx.log(line));
  } else {
    ctx.log('Learned at the split, from the training rows only: its log tells what was decided.');
  }
}

function fitAfter(fitted: SplitArtifact['recipe'], step: RecipeStep, rawTrain: Table, target: string): SplitArtifact['recipe'] {
  return [...fitted, ...fitRecipe([step], applyRecipe(fitted, rawTrain), { target })];
}
