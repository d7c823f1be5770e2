import { z } from 'zod';
import { tokenColumns } from '../../runtime/sequence';
import type { Column, ColumnSchema } from '../../lib/table';
import type { TableArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { defineNode, type ConfigureProblem } from '../define';

export const predict = defineNode({
  type: 'evaluate.predict',
  version: 1,
  category: 'evaluate',
  label: 'Predict',
  description:
    'Applies a trained model to a table of new rows (batch scoring) and adds its predictions as columns. The result can be downloaded as CSV.',
  inputs: [
    { name: 'model', type: 'TrainedModel', label: 'Trained model' },
    { name: 'table', type: 'Table', label: 'New rows' },
  ],
  outputs: [{ name: 'table', type: 'Table', label: 'Rows with predictions' }],
  params: z.object({}),
  configure({ inputs }) {
    const model = inputs.model?.table;
    const table = inputs.table?.table;
    if (!model || !table) return { outputs: {} };
    const problems: ConfigureProblem[] = [];
    // Word columns (text_tok_1 …) are made from their text by the model's own fitted Tokenize step: new rows bring the text.
    const fromText = new Set(tokenColumns(model.columns).flatMap((group) => (table.columns.some((c) => c.name === group.base) ? group.columns : [])));
    for (const feature of model.columns.filter((c) => c.name !== model.target && !fromText.has(c.name))) {
      const column = table.columns.find((c) => c.name === feature.name);
      if (!column) problems.push({ code: 'unknown-column', message: `The new rows lack the column "${feature.name}" the model was trained on.` });
      else if (column.type !== feature.type) problems.push({ message: `"${feature.name}" is ${column.type} here but was ${feature.type} in training.` });
    }
    const target = model.target ?? 'target';
    const task = inputs.model?.model?.task;
    const added: ColumnSchema[] =
      task === 'clustering'
        ? [{ name: 'cluster', type: 'number', integer: true }]
        : task === 'projection'
          ? [] // pc_1 … pc_k: how many is known once the model is trained
          : [{ name: `predicted_${target}`, type: task === 'classification' ? 'category' : 'number' }];
    return { outputs: { table: { type: 'Table', table: { columns: [...table.columns, ...added] } } }, problems };
  },
  async run({ inputs, ctx }) {
    const trained = inputs.model as TrainedModelArtifact;
    const input = inputs.table as TableArtifact;
    const { predictTable } = await import('../../runtime/training/predict');
    const result = await predictTable(trained, input.table);
    const name = `predicted_${trained.target}`;
    const added: Column[] = [];
    if (trained.task === 'clustering') {
      added.push({ name: 'cluster', type: 'number', values: Float64Array.from(result.predicted as number[]) });
    } else if (trained.task === 'projection') {
      const components = result.projection![0]?.length ?? 0;
      for (let c = 0; c < components; c++) added.push({ name: `pc_${c + 1}`, type: 'number', values: Float64Array.from(result.projection!, (p) => p[c]) });
    } else if (trained.task === 'classification') {
      const codes = Int32Array.from(result.predicted, (label) => trained.labels.indexOf(String(label)));
      added.push({ name, type: 'category', codes, categories: trained.labels });
      trained.labels.forEach((label, c) =>
        added.push({ name: `probability_${label}`, type: 'number', values: Float64Array.from(result.probabilities!, (p) => p[c]) }),
      );
    } else {
      added.push({ name, type: 'number', values: Float64Array.from(result.predicted as number[]) });
    }
    ctx.log(`Scored ${input.table.rowCount} rows.`);
    const table: TableArtifact = { table: { rowCount: input.table.rowCount, columns: [...input.table.columns, ...added] }, recipe: input.recipe };
    return { table };
  },
});
