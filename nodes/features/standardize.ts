import { z } from 'zod';
import { defineNode } from '../define';
import type { TableArtifact } from '../artifacts';

export const standardize = defineNode({
  type: 'features.standardize',
  version: 1,
  category: 'features',
  label: 'Standardize',
  description:
    'Rescales numeric columns to mean 0 and spread 1, so no column dominates because of its units. Learned from the training rows only, and applied the same way when the model is used.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    columns: z
      .array(z.string())
      .default([])
      .meta({ title: 'Columns', description: 'Numeric columns to rescale. Leave empty for every numeric column except the target.', widget: 'columns' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const problems = params.columns.flatMap((name) => {
      const column = table.columns.find((c) => c.name === name);
      if (!column) return [{ field: 'columns', code: 'unknown-column' as const, message: `Column "${name}" is not in the table.` }];
      if (column.type !== 'number') return [{ field: 'columns', message: `Column "${name}" is not numeric, so it cannot be standardized.` }];
      return [];
    });
    return { outputs: { table: { type: 'Table', table } }, problems };
  },
  async run({ inputs, params }) {
    const input = inputs.table as TableArtifact;
    // Fitting waits for the split, so the statistics come from training rows only.
    const table: TableArtifact = { table: input.table, recipe: [...input.recipe, { kind: 'standardize', params }] };
    return { table };
  },
});
