import { z } from 'zod';

/**
 * Settings every deep family shares, as zod schema pieces: each family's model node takes its
 * settings schema (here, beside the network it builds) as its params, so the one schema gives
 * validation, defaults, the inspector form and the config type the builder reads.
 */

/** Params every deep family ends with: the dense layer before the output, and dropout against overfitting. */
export const headParams = (denseUnits: number) => ({
  denseUnits: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(1024, 'at most 1024')
    .default(denseUnits)
    .meta({ title: 'Dense units', description: 'Neurons of one ordinary layer between what the network read and its answer (0 = none).', advanced: true }),
  dropout: z
    .number()
    .min(0, 'must be 0 or more')
    .max(0.9, 'at most 0.9')
    .default(0)
    .meta({ title: 'Dropout', description: 'Share of values switched off at random while training, against overfitting (0 = none).', advanced: true }),
});

/** How many numbers describe each word (the embedding's size): the RNN's and the transformer's word vectors. */
export const wordVectorSize = (description: string, advanced: boolean) =>
  z
    .number()
    .int('must be a whole number')
    .min(2, 'at least 2')
    .max(512, 'at most 512')
    .default(32)
    .meta({ title: 'Word vector size', description, ...(advanced ? { advanced: true } : {}) });

/** The CNN's settings: its model node's params and the config cnn.ts builds from. */
export const cnnParams = z.object({
  blocks: z
    .number()
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(6, 'at most 6')
    .default(2)
    .meta({ title: 'Convolution blocks', description: 'Each block looks for small patterns (edges, strokes, then shapes made of them), then shrinks the image by pooling.' }),
  filters: z
    .number()
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(256, 'at most 256')
    .default(16)
    .meta({ title: 'Filters', description: 'How many patterns the first block looks for; each next block looks for twice as many (at most 512).' }),
  pooling: z
    .enum(['max', 'avg', 'none'])
    .default('max')
    .meta({
      title: 'Pooling',
      description: 'How each block shrinks the image by half after looking for patterns.',
      enumLabels: { max: 'keep the strongest value', avg: 'average', none: 'no pooling' },
    }),
  kernelSize: z
    .number()
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(9, 'at most 9')
    .default(3)
    .meta({ title: 'Kernel size', description: 'The square of pixels each filter looks at (3 = 3×3).', advanced: true }),
  stride: z
    .number()
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(4, 'at most 4')
    .default(1)
    .meta({ title: 'Stride', description: 'Pixels between two places a filter looks at: 2 halves the image in each block.', advanced: true }),
  padding: z
    .enum(['same', 'valid'])
    .default('same')
    .meta({
      title: 'Padding',
      description: 'What filters do at the image border.',
      enumLabels: { same: 'pad the border (keep the size)', valid: 'no padding (the image shrinks a little)' },
      advanced: true,
    }),
  batchNorm: z
    .boolean()
    .default(false)
    .meta({ title: 'Batch normalization', description: 'Rescales each block\'s values while training, which often lets deeper networks learn faster.', advanced: true }),
  ...headParams(64),
});

export type CnnConfig = z.output<typeof cnnParams>;

/** The RNN's settings: its model node's params and the config rnn.ts builds from. */
export const rnnParams = z.object({
  cell: z
    .enum(['lstm', 'gru'])
    .default('gru')
    .meta({
      title: 'Cell',
      description: 'The kind of memory that carries what was read so far from one step to the next.',
      enumLabels: { lstm: 'LSTM', gru: 'GRU (lighter, often as good)' },
    }),
  layers: z.number().int('must be a whole number').min(1, 'at least 1').max(4, 'at most 4').default(1).meta({ title: 'Layers', description: 'Recurrent layers stacked on each other.' }),
  units: z
    .number()
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(512, 'at most 512')
    .default(32)
    .meta({ title: 'Units', description: 'Size of the memory of each layer.' }),
  bidirectional: z
    .boolean()
    .default(false)
    .meta({ title: 'Read both ways', description: 'Also read each sequence from its end back to its start, and combine both readings.' }),
  embeddingSize: wordVectorSize('Text only: how many numbers describe each word (learned while training).', true),
  ...headParams(0),
});

export type RnnConfig = z.output<typeof rnnParams>;

/** The transformer's settings: its model node's params and the config transformer.ts builds from. */
export const transformerParams = z
  .object({
    blocks: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(6, 'at most 6')
      .default(1)
      .meta({ title: 'Encoder blocks', description: 'Each block lets every word look at every other word of the text (attention), then thinks it over (feed-forward).' }),
    heads: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(16, 'at most 16')
      .default(2)
      .meta({ title: 'Attention heads', description: 'Separate ways of choosing which words to look at, side by side. The word vector size must divide by it.' }),
    embeddingSize: wordVectorSize('How many numbers describe each word and its position (learned while training). Must divide by the attention heads.', false),
    feedForwardUnits: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(2048, 'at most 2048')
      .default(64)
      .meta({ title: 'Feed-forward units', description: 'Neurons of the small layer each block applies to every word.', advanced: true }),
    ...headParams(0),
  })
  .superRefine((params, ctx) => {
    if (params.embeddingSize % params.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['embeddingSize'],
        message: `must divide by the ${params.heads} attention heads (each head gets an equal share), e.g. ${Math.max(1, Math.round(params.embeddingSize / params.heads)) * params.heads}`,
      });
    }
  });

export type TransformerConfig = z.output<typeof transformerParams>;

/** A dense network's settings: the MLP node's params; logistic and linear regression are this with no hidden layer. */
export const denseParams = z.object({
  hiddenLayers: z.number().int().min(1, 'at least 1').max(8, 'at most 8').default(1).meta({ title: 'Hidden layers' }),
  units: z.number().int().min(1, 'at least 1').max(1024, 'at most 1024').default(16).meta({ title: 'Units per layer', description: 'Neurons in each hidden layer.' }),
  activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu').meta({ title: 'Activation', advanced: true }),
  dropout: z.number().min(0, 'must be 0 or more').max(0.9, 'at most 0.9').default(0).meta({ title: 'Dropout', description: 'Share of neurons switched off at random while training, against overfitting.', advanced: true }),
  l2: z.number().min(0, 'must be 0 or more').max(10).default(0.0001).meta({ title: 'L2 regularization', advanced: true }),
});

export type DenseConfig = z.output<typeof denseParams>;
