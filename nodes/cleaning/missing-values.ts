import { z } from 'zod';
import { isValueColumn, type Column, type Table } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { passOn, tableOnlyProblem, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { defineNode, type ConfigureProblem } from '../define';
import type { StatefulStep } from '../../runtime/recipe';

const missingValuesParams = z.object({
  strategy: z
    .enum(['mean', 'median', 'most-frequent', 'constant', 'drop-rows'])
    .default('median')
    .meta({
      title: 'What to do',
      enumLabels: { mean: 'fill with the average', median: 'fill with the middle value', 'most-frequent': 'fill with the most common value', constant: 'fill with a constant', 'drop-rows': 'drop rows with empty cells' },
    }),
  columns: z
    .array(z.string())
    .default([])
    .meta({ title: 'Columns', description: 'Leave empty for every column (numeric ones for an average or middle value); the target is never filled.', widget: 'columns' }),
  constant: z.string().default('').meta({ title: 'Constant', description: 'Used with "fill with a constant".' }),
});

type MissingValuesParams = z.output<typeof missingValuesParams>;

interface FillMissingState {
  /** Per column, the value that replaces a missing cell: a number for value columns, a label otherwise. */
  fills: { name: string; value: number | string }[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function mostFrequent<T>(items: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const item of items) {
    const c = (counts.get(item) ?? 0) + 1;
    counts.set(item, c);
    if (c > bestCount) (best = item), (bestCount = c);
  }
  return best;
}

function fillValue(column: Column, params: MissingValuesParams): number | string | undefined {
  if (isValueColumn(column)) {
    const present = Array.from(column.values).filter((v) => !Number.isNaN(v));
    if (params.strategy === 'constant') {
      const n = Number(params.constant);
      if (!Number.isFinite(n)) throw new Error(`Fill "${column.name}": the constant "${params.constant}" is not a number.`);
      return n;
    }
    if (present.length === 0) return undefined;
    if (params.strategy === 'mean') return present.reduce((a, b) => a + b, 0) / present.length;
    if (params.strategy === 'median') return median(present);
    return mostFrequent(present);
  }
  if (params.strategy === 'constant') return params.constant;
  if (params.strategy === 'mean' || params.strategy === 'median') {
    throw new Error(`Fill "${column.name}": a ${params.strategy} needs numbers; use "most frequent" or a constant for categories.`);
  }
  const code = mostFrequent(Array.from(column.codes).filter((c) => c >= 0));
  return code === undefined ? undefined : column.categories[code];
}

/** Replaces missing cells with a value learned from the training rows (or a constant). */
const fillMissingStep: StatefulStep<MissingValuesParams, FillMissingState> = {
  kind: 'fill-missing',
  columns: (params) => params.columns,
  fills: (state) => state.fills.map((f) => f.name),
  fit(table, params, context) {
    // No columns named: an average or middle value fills the numeric columns; the others fill every column.
    const numericOnly = params.strategy === 'mean' || params.strategy === 'median';
    const chosen = params.columns.length
      ? params.columns
      : table.columns.filter((c) => !numericOnly || c.type === 'number').map((c) => c.name);
    const fills: FillMissingState['fills'] = [];
    for (const name of chosen) {
      if (name === context.target) continue;
      const column = table.columns.find((c) => c.name === name);
      if (!column) throw new Error(`Fill missing values: column "${name}" is not in the table.`);
      const value = fillValue(column, params);
      if (value !== undefined) fills.push({ name, value });
    }
    return { fills };
  },
  transform(table, state): Table {
    return {
      rowCount: table.rowCount,
      columns: table.columns.map((column): Column => {
        const fill = state.fills.find((f) => f.name === column.name);
        if (!fill) return column;
        if (isValueColumn(column)) {
          const values = Float64Array.from(column.values, (v) => (Number.isNaN(v) ? Number(fill.value) : v));
          return { ...column, values };
        }
        let code = column.categories.indexOf(String(fill.value));
        const categories = code >= 0 ? column.categories : [...column.categories, String(fill.value)];
        if (code < 0) code = categories.length - 1;
        return { ...column, categories, codes: Int32Array.from(column.codes, (c) => (c < 0 ? code : c)) };
      }),
    };
  },
};

export const missingValues = defineNode({
  type: 'cleaning.missing-values',
  version: 1,
  category: 'cleaning',
  label: 'Missing values',
  description:
    'Fills empty cells (with the average, the middle value, the most common value, or a constant learned from the training rows only) or drops the rows that have them.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: fillMissingStep,
  params: missingValuesParams,
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems: ConfigureProblem[] = [];
    for (const name of params.columns) {
      const column = table.columns.find((c) => c.name === name);
      if (!column) problems.push({ field: 'columns', code: 'unknown-column' as const, message: `Column "${name}" is not in the table.` });
      else if ((params.strategy === 'mean' || params.strategy === 'median') && column.type !== 'number') {
        problems.push({ field: 'strategy', message: `"${name}" is not numeric: an average or middle value needs numbers. Use the most common value or a constant.` });
      }
    }
    if (params.strategy === 'constant' && params.constant === '') problems.push({ field: 'constant', message: 'Give the value to fill in.' });
    if (params.strategy === 'drop-rows') problems.push(...tableOnlyProblem(inputs.table!, 'strategy', 'Dropping rows with empty cells'));
    return { outputs: passOn(inputs.table!, table), problems };
  },
  async run({ inputs, params, ctx }) {
    if (params.strategy !== 'drop-rows') {
      // Fitted on training rows only (at the split when placed before it); the fitted values travel with the model.
      return { table: withRecipeStep(inputs.table as RecipeData, { kind: fillMissingStep.kind, params }) };
    }
    const input = inputs.table as TableArtifact;
    const { takeRows } = await import('../../lib/table');
    const chosen = input.table.columns.filter((c) => params.columns.length === 0 || params.columns.includes(c.name));
    const keep: number[] = [];
    for (let r = 0; r < input.table.rowCount; r++) {
      const empty = chosen.some((c) => (isValueColumn(c) ? Number.isNaN(c.values[r]) : c.codes[r] < 0));
      if (!empty) keep.push(r);
    }
    ctx.log(`Dropped ${input.table.rowCount - keep.length} of ${input.table.rowCount} rows with empty cells.`);
    const table: TableArtifact = { table: takeRows(input.table, keep), recipe: input.recipe };
    return { table };
  },
});
