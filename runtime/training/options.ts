import { z } from 'zod';
import { AUTOMATIC_LEARNING_RATE } from './learning-rate';

/** The training settings, as zod schema pieces: Train's params, shared by Tune and Cross-validate, and what training reads. */
export const trainingParams = {
  epochs: z.number().int().min(1, 'at least 1').max(10000, 'at most 10000').default(50).meta({ title: 'Epochs', description: 'Passes over the training rows.' }),
  learningRate: z
    .number()
    .min(0, 'must be 0 (automatic) or more')
    .max(10, 'at most 10')
    .default(0)
    .meta({
      title: 'Learning rate',
      description:
        `Step size of each update; too big and training jumps around, too small and it crawls. 0 = automatic: ${AUTOMATIC_LEARNING_RATE.dense} for regressions and MLPs, ${AUTOMATIC_LEARNING_RATE.deep} for CNNs, RNNs and transformers.`,
    }),
  batchSize: z.number().int().min(1, 'at least 1').max(65536).default(32).meta({ title: 'Batch size', description: 'Rows per update.', advanced: true }),
  optimizer: z.enum(['adam', 'sgd', 'rmsprop']).default('adam').meta({ title: 'Optimizer', advanced: true }),
  seed: z.number().int().min(0).default(42).meta({ title: 'Seed', description: 'Same seed, same result.', advanced: true }),
  classWeights: z
    .enum(['none', 'balanced'])
    .default('none')
    .meta({
      title: 'Class weights',
      description: 'Classification with rare classes: "balanced" makes each class count as much as the others, so the model does not just ignore the rare ones.',
      enumLabels: { none: 'every row counts the same', balanced: 'balanced (rare classes count more)' },
      advanced: true,
    }),
  earlyStopping: z
    .boolean()
    .default(false)
    .meta({
      title: 'Stop early',
      description: 'Stop when the error on the validation rows has not improved for a while, and keep the best epoch instead of the last (needs validation rows). Guards against training too long.',
      advanced: true,
    }),
  patience: z.number().int().min(1, 'at least 1').max(1000).default(10).meta({ title: 'Patience', description: 'Epochs without improvement before stopping early.', advanced: true }),
};

type TrainingSettings = z.output<z.ZodObject<typeof trainingParams>>;

/** What a network's training reads: the settings above; a step that shows fewer (Cross-validate) leaves the last three at their defaults. */
export type TrainOptions = Pick<TrainingSettings, 'epochs' | 'learningRate' | 'batchSize' | 'optimizer' | 'seed'> &
  Partial<Pick<TrainingSettings, 'classWeights' | 'earlyStopping' | 'patience'>>;
