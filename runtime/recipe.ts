import type { Table } from '../lib/table';

/**
 * The contract for stateful preprocessing: `fit` learns state from training rows only, `transform`
 * applies that state to any rows (train, test, or a request to a deployed model). Nodes placed before
 * a split only add an unfitted step to the table's recipe; the split fits the recipe on its training
 * partition, and the fitted recipe travels with the trained model to serving. A step may learn
 * nothing (text cleanup, date parts): it is in the recipe so that serving applies it to requests too.
 */
export interface StatefulStep<P, S> {
  kind: string;
  fit(table: Table, params: P, context: FitContext): S;
  transform(table: Table, state: S, params: P): Table;
  /** The columns the params name explicitly (read, changed or made); empty when the step picks them by type. */
  columns?(params: P): string[];
  /**
   * The columns it reads to make other columns (PCA's inputs, a date taken apart, an encoded
   * category). A step without it changes each column it touches by itself alone.
   */
  derivesFrom?(state: S, params: P): string[];
  /** The columns it removes without reading them (Feature selection): a deployed model need not be sent them. */
  drops?(state: S, params: P): string[];
  /** The columns whose missing values it fills in (a request to a deployed model may leave them empty). */
  fills?(state: S, params: P): string[];
  /** The categories it learned for each column it encodes (a request to a deployed model with another gets a warning). */
  categories?(state: S, params: P): Record<string, string[]>;
  /** What the fit decided that a person should know, for the run log (the columns dropped, and why). */
  describe?(state: S, params: P): string[];
}

export interface FitContext {
  /** The target column, which preprocessing must never learn from or change. */
  target: string;
  /** Where fitRecipe reports what each step decided (see StatefulStep.describe). */
  log?(message: string): void;
}

/** An unfitted step as it travels on a Table. */
export interface RecipeStep {
  kind: string;
  params: unknown;
}

export interface FittedStep extends RecipeStep {
  state: unknown;
}

/**
 * The steps recipes name, by kind. Each node kind that adds a step registers it when it is defined
 * (nodes/define.ts defineNode), so the registry is the node list's and nobody keeps it by hand.
 * Each entry is a StatefulStep for its own params and state; the registry erases those types.
 */
const STEPS = new Map<string, StatefulStep<any, any>>();

export function registerStep(step: StatefulStep<any, any>): void {
  const known = STEPS.get(step.kind);
  if (known && known !== step) throw new Error(`Two node kinds add a recipe step named "${step.kind}".`);
  STEPS.set(step.kind, step);
}

/** Columns whose missing values the fitted recipe fills in (a predict request may leave them empty). */
export function fillableColumns(fitted: FittedStep[]): Set<string> {
  return new Set(fitted.flatMap((f) => stepOf(f.kind).fills?.(f.state, f.params) ?? []));
}

/** Per column, the categories the fitted recipe learned (see StatefulStep.categories). */
export function recipeCategories(fitted: FittedStep[]): Map<string, string[]> {
  return new Map(fitted.flatMap((f) => Object.entries(stepOf(f.kind).categories?.(f.state, f.params) ?? {})));
}

/**
 * Columns a request to a deployed model may leave out (and whose values are ignored when sent): those
 * a fitted step drops before any step reads them to make other columns.
 */
export function ignorableColumns(fitted: FittedStep[]): Set<string> {
  const read = new Set<string>();
  const ignorable = new Set<string>();
  for (const f of fitted) {
    const step = stepOf(f.kind);
    for (const name of step.drops?.(f.state, f.params) ?? []) if (!read.has(name)) ignorable.add(name);
    for (const name of step.derivesFrom?.(f.state, f.params) ?? []) read.add(name);
  }
  return ignorable;
}

/** Run-log lines on what the fitted steps decided (the columns One-hot encode made, those Feature selection dropped). */
export function describeRecipe(fitted: FittedStep[]): string[] {
  return fitted.flatMap((f) => stepOf(f.kind).describe?.(f.state, f.params) ?? []);
}

/**
 * The first unfitted step that names one of these columns. Steps placed before the split are applied
 * there, after every node that changes the table directly (Change type, Rename columns, dropping
 * outliers): such a node must not change or rename a column an earlier recipe step names, or that
 * step would not find it.
 */
export function pendingStepNaming(recipe: RecipeStep[], names: readonly string[]): { kind: string; column: string } | undefined {
  for (const recipeStep of recipe) {
    const named = STEPS.get(recipeStep.kind)?.columns?.(recipeStep.params) ?? [];
    const column = names.find((name) => named.includes(name));
    if (column !== undefined) return { kind: recipeStep.kind, column };
  }
  return undefined;
}

function stepOf(kind: string): StatefulStep<unknown, unknown> {
  const step = STEPS.get(kind);
  if (!step) throw new Error(`Unknown preprocessing step "${kind}".`);
  return step;
}

/** Fits each step on the training rows as transformed by the steps before it. */
export function fitRecipe(recipe: RecipeStep[], train: Table, context: FitContext): FittedStep[] {
  const fitted: FittedStep[] = [];
  let current = train;
  for (const recipeStep of recipe) {
    const step = stepOf(recipeStep.kind);
    const state = step.fit(current, recipeStep.params, context);
    fitted.push({ ...recipeStep, state });
    for (const line of step.describe?.(state, recipeStep.params) ?? []) context.log?.(line);
    current = step.transform(current, state, recipeStep.params);
  }
  return fitted;
}

export function applyRecipe(fitted: FittedStep[], table: Table): Table {
  return fitted.reduce((current, f) => stepOf(f.kind).transform(current, f.state, f.params), table);
}
