import { z } from 'zod';
import { featureImportance } from '../../runtime/ml/importance';
import { trainingParams } from '../../runtime/training/options';
import type { ModelSpec, SplitArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import type { ColumnSchema } from '../../lib/table';
import { defineNode, type ConfigureProblem, type PortInfo } from '../define';
import { deepInputProblems } from '../model/deep';

export const TRAINING_INPUTS = [
  { name: 'split', type: 'Split', label: 'Data' },
  { name: 'model', type: 'Model', label: 'Model' },
] as const;

/** The model must predict what the split's target is: categories for classification, numbers for regression. */
export function configureTraining(inputs: Record<string, PortInfo | undefined>, extraProblems: ConfigureProblem[] = []) {
  const data = inputs.split;
  const model = inputs.model?.model;
  if (!data?.table || !model) return { outputs: {} };
  const problems: ConfigureProblem[] = [...extraProblems];
  const task = data.table.task;
  if (model.inputColumns) {
    // Started from a saved model: the rows go through its preprocessing (tokenizer, scalers…) and its
    // encoder, which read the raw columns it was trained on; other columns are left aside.
    problems.push(...savedInputProblems(model.inputColumns, data.table.columns, data.table.target));
  } else {
    const freeText = data.table.columns.filter((c) => c.type === 'text' && c.name !== data.table!.target).map((c) => `"${c.name}"`);
    if (freeText.length > 0) {
      problems.push({
        code: 'config',
        message: `Column${freeText.length > 1 ? 's' : ''} ${freeText.join(', ')} hold${freeText.length > 1 ? '' : 's'} free text, which this model cannot read: remove ${freeText.length > 1 ? 'them' : 'it'} before the split (Select columns).`,
      });
    }
    // A CNN, RNN or transformer needs its kind of columns (pixels, word ids, time windows).
    problems.push(...deepInputProblems(model.family, data.table.columns, data.table.target));
  }
  const supervised = model.task !== 'clustering' && model.task !== 'projection';
  if (supervised && model.task && task && model.task !== task) {
    const kind = task === 'regression' ? 'a number' : 'a category';
    problems.push({
      message:
        model.task === 'classification'
          ? `This model predicts categories, but the target "${data.table.target}" is ${kind} (${task}). Use Linear regression or a neural network.`
          : `This model predicts numbers, but the target "${data.table.target}" is ${kind} (${task}). Use Logistic regression or a neural network.`,
    });
  }
  return {
    outputs: { model: { type: 'TrainedModel' as const, table: data.table, model: { ...model, task: supervised ? task : model.task } } },
    problems,
  };
}

/** The saved model's raw input columns must all be in the new data, with the same types, and the new target none of them. */
function savedInputProblems(needed: ColumnSchema[], columns: ColumnSchema[], target: string | undefined): ConfigureProblem[] {
  const problems: ConfigureProblem[] = [];
  const missing = needed.filter((c) => !columns.some((have) => have.name === c.name));
  if (missing.length > 0) {
    const names = missing.slice(0, 5).map((c) => `"${c.name}"`).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
    problems.push({ code: 'config', message: `The saved model reads column${missing.length > 1 ? 's' : ''} ${names}, which the data does not have: a model that starts from it needs the same columns.` });
  }
  for (const c of needed) {
    const have = columns.find((h) => h.name === c.name);
    if (have && have.type !== c.type) problems.push({ code: 'config', message: `Column "${c.name}" holds ${have.type} values here, but the saved model read ${c.type} values from it.` });
  }
  if (target && needed.some((c) => c.name === target)) {
    problems.push({ code: 'config', message: `The target "${target}" was one of the saved model's inputs: it would be given the answer. Choose another target or another saved model.` });
  }
  return problems;
}

export const train = defineNode({
  type: 'train.train',
  version: 1,
  category: 'train',
  label: 'Train',
  description:
    'Teaches the model from the training rows. Neural networks and regressions learn epoch by epoch and show how the error falls; ' +
    'SVMs, trees, k-means and PCA are fitted in one go by their own algorithm (epochs, learning rate and batch size do not apply to them).',
  inputs: [...TRAINING_INPUTS],
  outputs: [{ name: 'model', type: 'TrainedModel', label: 'Trained model' }],
  wantsGpu: true,
  params: z.object({
    epochs: trainingParams.epochs,
    learningRate: trainingParams.learningRate,
    batchSize: trainingParams.batchSize,
    optimizer: trainingParams.optimizer,
    seed: trainingParams.seed,
    classWeights: trainingParams.classWeights,
    earlyStopping: trainingParams.earlyStopping,
    patience: trainingParams.patience,
  }),
  configure: ({ inputs }) => configureTraining(inputs),
  async run({ inputs, params, ctx }) {
    const { trainModel } = await import('../../runtime/training/train-model');
    return { model: await trainModel(inputs.split as SplitArtifact, inputs.model as ModelSpec, params, ctx) };
  },
  summarize(outputs) {
    const importance = featureImportance(outputs.model as TrainedModelArtifact);
    return importance ? { featureImportance: importance.slice(0, 30) } : {};
  },
});
