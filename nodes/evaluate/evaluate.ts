import { z } from 'zod';
import type { MetricsArtifact, SplitArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';

export const evaluate = defineNode({
  type: 'evaluate.evaluate',
  version: 1,
  category: 'evaluate',
  label: 'Evaluate',
  description:
    'Judges the trained model on the test rows it never saw: how often it is right and where it gets confused (ROC and precision–recall curves), how far off its numbers are (with a residual plot), ' +
    'how well it groups rows (silhouette) or how much variation its components keep; always beside a simple baseline, with plain-words cautions.',
  inputs: [
    { name: 'model', type: 'TrainedModel', label: 'Trained model' },
    { name: 'split', type: 'Split', label: 'Data' },
  ],
  outputs: [{ name: 'metrics', type: 'Metrics', label: 'Metrics' }],
  params: z.object({}),
  judgesModel: true,
  configure({ inputs }) {
    const model = inputs.model;
    const data = inputs.split;
    if (!model?.table || !data?.table) return { outputs: {} };
    const problems =
      model.table.target !== data.table.target
        ? [{ message: `The model predicts "${model.table.target}" but this data's target is "${data.table.target}".` }]
        : [];
    return { outputs: { metrics: { type: 'Metrics', table: data.table, model: model.model } }, problems };
  },
  async run({ inputs, ctx }) {
    const { evaluateModel } = await import('../../runtime/training/evaluation');
    return { metrics: await evaluateModel(inputs.model as TrainedModelArtifact, inputs.split as SplitArtifact, ctx) };
  },
  summarize: (outputs) => ({ ...(outputs.metrics as MetricsArtifact).metrics }),
});
