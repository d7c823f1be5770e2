import { z } from 'zod';
import { deepModelNode, headParams } from './deep';

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

export const cnn = deepModelNode({
  family: 'cnn',
  label: 'Convolutional network (CNN)',
  description:
    'For images: small filters slide over the picture to find strokes and shapes wherever they are. Reads the pixel columns ' +
    '(px_<row>_<col>, or px_<row>_<col>_<channel> for colour, as image datasets have them) as one picture per row; other columns join before the answer. ' +
    'Learns best with a small learning rate, which Train picks when its learning rate is left at 0 (automatic: 0.005).',
  params: cnnParams,
});
