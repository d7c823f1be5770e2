import { z } from 'zod';
import { getColumn, inferTask, labelOf, tableSchema, type Column, type Table, type TableSchema, type Task } from '../../lib/table';
import type { ConfigureProblem, ConfigureResult, RunContext } from '../define';

/**
 * What every split node shares: where the target and task are declared, how the task is inferred,
 * which rows can be used (those with a target), and the class labels of a classification target.
 */

export const targetParam = z
  .string()
  .default('')
  .meta({ title: 'Target column', description: 'The column the model learns to predict. Empty: the last column.', widget: 'column' });

export const taskParam = z
  .enum(['auto', 'classification', 'regression'])
  .default('auto')
  .meta({ title: 'Task', description: 'Classification predicts a category; regression predicts a number. Auto decides from the target column.' });

export const testFractionParam = z
  .number()
  .gt(0, 'must be more than 0')
  .lt(1, 'must be less than 1')
  .default(0.2)
  .meta({ title: 'Test fraction', description: 'Share of rows kept aside to judge the model (0.2 = 20%).' });

export const validationFractionParam = z
  .number()
  .min(0, 'must be 0 or more')
  .lt(1, 'must be less than 1')
  .default(0.1)
  .meta({ title: 'Validation fraction', description: 'Share of rows used to watch for overfitting during training (0 = none).' });

export const stratifyParam = z
  .boolean()
  .default(true)
  .meta({ title: 'Keep class proportions', description: 'Classification: each part gets the same mix of classes.', advanced: true });

export const seedParam = z.number().int().min(0).default(42).meta({ title: 'Seed', description: 'Same seed, same split.', advanced: true });

type TaskChoice = 'auto' | Task;

/** Compile-time: the target column named by the params (empty = last column) and its task, or the problems. */
export function configureTarget(
  table: TableSchema,
  params: { target: string; task: TaskChoice },
): { target?: string; task?: Task; problems: ConfigureProblem[] } {
  const problems: ConfigureProblem[] = [];
  const targetName = params.target || table.columns.at(-1)?.name;
  const target = table.columns.find((c) => c.name === targetName);
  if (!target) {
    problems.push({ field: 'target', code: 'unknown-column', message: `Target column "${targetName ?? ''}" is not in the table.` });
    return { problems };
  }
  const task: Task = params.task === 'auto' ? inferTask(target) : params.task;
  if (task === 'regression' && target.type !== 'number') {
    problems.push({ field: 'task', message: `Regression needs a numeric target, but "${target.name}" holds categories.` });
  }
  if (table.columns.length + (table.families?.length ?? 0) < 2) problems.push({ field: 'target', message: 'The table needs at least one column besides the target.' });
  return { target: target.name, task, problems };
}

/** Compile-time: both fractions together must leave training rows. */
export function fractionProblems(params: { testFraction: number; validationFraction: number }): ConfigureProblem[] {
  return params.testFraction + params.validationFraction >= 0.95
    ? [{ field: 'validationFraction', message: 'Test and validation fractions together leave too few training rows (keep their sum under 0.95).' }]
    : [];
}

/** Run-time: the target column and its task, inferred from the data when the task is 'auto'. */
export function resolveTarget(table: Table, params: { target: string; task: TaskChoice }): { target: Column; task: Task } {
  const target = getColumn(table, params.target || table.columns[table.columns.length - 1].name);
  const task: Task = params.task === 'auto' ? inferTask(tableSchema({ rowCount: table.rowCount, columns: [target] })[0]) : params.task;
  return { target, task };
}

/** Rows whose target is present, in table order; the others are dropped with a log line. */
export function rowsWithTarget(table: Table, target: Column, ctx: RunContext): number[] {
  const present: number[] = [];
  for (let r = 0; r < table.rowCount; r++) if (labelOf(target, r) !== null) present.push(r);
  if (present.length < table.rowCount) ctx.log(`Dropped ${table.rowCount - present.length} rows whose target "${target.name}" is missing.`);
  return present;
}

/** Classification: the class names in natural order (index = class id); regression: none. */
export function classLabels(target: Column, rows: number[], task: Task): string[] {
  return task === 'classification' ? [...new Set(rows.map((r) => labelOf(target, r)!))].sort(naturalOrder) : [];
}

/** Rows grouped by class (in `labels` order), each group in the order given. */
export function rowsByClass(target: Column, rows: number[], labels: string[]): number[][] {
  const index = new Map(labels.map((l, i) => [l, i]));
  const groups = labels.map((): number[] => []);
  for (const r of rows) groups[index.get(labelOf(target, r)!)!].push(r);
  return groups;
}

/** "2" before "10"; text in dictionary order. */
export function naturalOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b);
}

/**
 * Configure of a train/validation/test split: target and fraction problems (plus the node's own),
 * and the Split it promises, carrying the target and task downstream.
 */
export function configureSplit(
  table: TableSchema | undefined,
  params: { target: string; task: TaskChoice; testFraction: number; validationFraction: number },
  moreProblems: (table: TableSchema, target: string | undefined) => ConfigureProblem[] = () => [],
): ConfigureResult {
  if (!table) return { outputs: {} };
  const { target, task, problems } = configureTarget(table, params);
  problems.unshift(...fractionProblems(params));
  problems.push(...moreProblems(table, target));
  if (!target) return { outputs: {}, problems };
  return {
    outputs: { split: { type: 'Split', table: { ...table, target, task }, hasValidation: params.validationFraction > 0 } },
    problems,
  };
}
