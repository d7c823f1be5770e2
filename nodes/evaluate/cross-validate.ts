import { z } from 'zod';
import { summarizeFolds, type CrossValidationSummary, type EvaluationMetrics } from '../../lib/metrics';
import type { FoldsArtifact, ModelSpec } from '../../runtime/artifacts';
import { defineNode } from '../define';
import { foldSplit } from '../split/k-fold';
import { trainingParams } from '../../runtime/training/options';
import { configureTraining } from '../train/train';

/** What a cross-validation hands on: the summary over folds, and which model it judged. */
export interface CrossValidationArtifact {
  crossValidation: CrossValidationSummary;
  model: string;
}

interface FoldResult {
  fold: number;
  metrics: EvaluationMetrics;
}

const params = z.object({
  epochs: trainingParams.epochs,
  learningRate: trainingParams.learningRate,
  batchSize: trainingParams.batchSize,
  optimizer: trainingParams.optimizer,
  seed: trainingParams.seed,
});
type Params = z.output<typeof params>;
/** A part's params are the node's plus the fold it trains on (parts are engine-made, never user-set). */
type PartParams = Params & { fold: number };

export const crossValidate = defineNode({
  type: 'evaluate.cross-validate',
  version: 1,
  category: 'evaluate',
  label: 'Cross-validate',
  description:
    'Trains the model once per fold of a K-fold step, in parallel on the workers, each time testing it on the rows that fold held out, and reports every score as mean ± spread over the folds. ' +
    'Steadier than one split: a small spread means the score does not hang on which rows were set aside.',
  inputs: [
    { name: 'folds', type: 'Folds', label: 'Folds' },
    { name: 'model', type: 'Model', label: 'Model' },
  ],
  outputs: [{ name: 'metrics', type: 'Metrics', label: 'Scores over folds' }],
  wantsGpu: true,
  params,
  configure({ inputs }) {
    const trained = configureTraining({ split: inputs.folds, model: inputs.model });
    if (!trained.outputs.model) return { outputs: {}, problems: trained.problems };
    return { outputs: { metrics: { type: 'Metrics', table: inputs.folds?.table, model: trained.outputs.model.model } }, problems: trained.problems };
  },
  parts: (_params, inputs) =>
    Array.from({ length: inputs.folds?.folds ?? 0 }, (_, fold) => ({ id: `fold ${fold + 1}`, params: { fold } as Partial<Params> })),
  async runPart({ inputs, params: partParams, ctx }): Promise<FoldResult> {
    const { fold } = partParams as PartParams;
    const split = foldSplit(inputs.folds as FoldsArtifact, fold);
    const { trainModel } = await import('../../runtime/training/train-model');
    const { evaluateModel } = await import('../../runtime/training/evaluation');
    const trained = await trainModel(split, inputs.model as ModelSpec, partParams, ctx);
    const { metrics } = await evaluateModel(trained, split, ctx);
    return { fold, metrics };
  },
  async run({ inputs, ctx }) {
    const results = inputs.parts as FoldResult[];
    const summary = summarizeFolds(results.map((r) => r.metrics));
    const main = summary.scores[0];
    ctx.log(`${main.name} over ${summary.folds} folds: ${main.mean.toFixed(4)} ± ${main.std.toFixed(4)} (${main.perFold.map((v) => v.toFixed(3)).join(', ')}).`);
    const artifact: CrossValidationArtifact = { crossValidation: summary, model: (inputs.model as ModelSpec).family };
    return { metrics: artifact };
  },
  summarize: (outputs) => ({ crossValidation: (outputs.metrics as CrossValidationArtifact).crossValidation }),
});
