import { z } from 'zod';
import type { TableArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';

export const selectColumns = defineNode({
  type: 'cleaning.select-columns',
  version: 1,
  category: 'cleaning',
  label: 'Select columns',
  description: 'Keeps or removes columns, for example an ID or a free-text column a model should not learn from.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    mode: z.enum(['drop', 'keep']).default('drop').meta({ title: 'Mode', description: 'Drop the chosen columns, or keep only them.' }),
    columns: z.array(z.string()).default([]).meta({ title: 'Columns', widget: 'columns' }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const missing = params.columns.filter((name) => !table.columns.some((c) => c.name === name));
    if (missing.length > 0) {
      return { outputs: {}, problems: [{ field: 'columns', code: 'unknown-column', message: `Not in the table: ${missing.map((m) => `"${m}"`).join(', ')}.` }] };
    }
    const chosen = new Set(params.columns);
    const columns = table.columns.filter((c) => chosen.has(c.name) === (params.mode === 'keep'));
    if (columns.length === 0) return { outputs: {}, problems: [{ field: 'columns', message: 'No column would be left.' }] };
    return { outputs: { table: { type: 'Table', table: { ...table, columns } } } };
  },
  async run({ inputs, params }) {
    const input = inputs.table as TableArtifact;
    const chosen = new Set(params.columns);
    const keep = (name: string) => chosen.has(name) === (params.mode === 'keep');
    const table: TableArtifact = { table: { rowCount: input.table.rowCount, columns: input.table.columns.filter((c) => keep(c.name)) }, recipe: input.recipe };
    return { table };
  },
});
