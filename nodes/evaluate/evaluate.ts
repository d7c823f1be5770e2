import { z } from 'zod';
import { classificationMetrics, regressionMetrics } from '../../lib/metrics';
import { classCodes, getColumn, numericValues } from '../../lib/table';
import type { MetricsArtifact, SplitArtifact, TrainedModelArtifact } from '../artifacts';
import { defineNode } from '../define';

export const evaluate = defineNode({
  type: 'evaluate.evaluate',
  version: 1,
  category: 'evaluate',
  label: 'Evaluate',
  description: 'Judges the trained model on the test rows it never saw: how often it is right, and where it gets confused.',
  inputs: [
    { name: 'model', type: 'TrainedModel', label: 'Trained model' },
    { name: 'split', type: 'Split', label: 'Data' },
  ],
  outputs: [{ name: 'metrics', type: 'Metrics', label: 'Metrics' }],
  params: z.object({}),
  configure({ inputs }) {
    const model = inputs.model;
    const data = inputs.split;
    if (!model?.table || !data?.table) return { outputs: {} };
    const problems =
      model.table.target !== data.table.target
        ? [{ message: `The model predicts "${model.table.target}" but this data's target is "${data.table.target}".` }]
        : [];
    return { outputs: { metrics: { type: 'Metrics', table: data.table } }, problems };
  },
  async run({ inputs, ctx }) {
    const trained = inputs.model as TrainedModelArtifact;
    const split = inputs.split as SplitArtifact;
    const { predictTable } = await import('../../server/ml/predict');
    const predictions = await predictTable(trained, split.test);
    const target = getColumn(split.test, split.target);
    let metrics;
    if (trained.task === 'classification') {
      const predictedCodes = new Int32Array(predictions.predicted.map((label) => trained.labels.indexOf(String(label))));
      metrics = classificationMetrics(classCodes(target, trained.labels), predictedCodes, trained.labels);
      ctx.log(`Test accuracy ${(metrics.accuracy * 100).toFixed(1)}% on ${metrics.testRows} rows (baseline ${(metrics.baseline.accuracy * 100).toFixed(1)}%).`);
    } else {
      metrics = regressionMetrics(numericValues(target), new Float64Array(predictions.predicted as number[]), trained.targetScale.mean);
      ctx.log(`Test MAE ${metrics.mae.toFixed(3)}, R² ${metrics.r2.toFixed(3)} on ${metrics.testRows} rows.`);
    }
    const result: MetricsArtifact = { metrics, predictions };
    return { metrics: result };
  },
  summarize: (outputs) => ({ ...(outputs.metrics as MetricsArtifact).metrics }),
});
