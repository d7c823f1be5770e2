import type { CnnConfig } from './settings';
import { tf } from '../../tf/backend';
import { encodedInput, outputHead, pick, seedSequence, type InputLayout } from './inputs';

/** Filters never grow past this, however many blocks double them. */
const MAX_FILTERS = 512;

/** The side of the image after a convolution; throws a plain message when the image is too small for it. */
function convolvedSize(size: number, config: CnnConfig, block: number, side: string): number {
  if (config.padding === 'same') return Math.ceil(size / config.stride);
  if (size < config.kernelSize) {
    throw new Error(
      `The image is only ${size} pixel${size === 1 ? '' : 's'} ${side} at convolution block ${block}, smaller than the ${config.kernelSize}×${config.kernelSize} kernel: ` +
        'use fewer blocks, a smaller kernel, stride 1 or padding "pad the border".',
    );
  }
  return Math.floor((size - config.kernelSize) / config.stride) + 1;
}

/**
 * Pixels → [H, W, C] → blocks of (convolution, optional batch normalization, relu, pooling by 2,
 * dropout), the filters doubling each block → flattened, joined with the other columns → head.
 */
export function buildCnn(config: CnnConfig, layout: InputLayout, outputUnits: number, task: 'classification' | 'regression', seed: number): tf.LayersModel {
  const image = layout.image;
  if (!image) throw new Error('A convolutional network needs image pixel columns (px_<row>_<col>), and the data has none.');
  const nextSeed = seedSequence(seed);
  const input = encodedInput(layout);
  let x = tf.layers.reshape({ targetShape: [image.height, image.width, image.channels] }).apply(pick(input, image.indices, 'pixels')) as tf.SymbolicTensor;
  let height = image.height;
  let width = image.width;
  for (let block = 1; block <= config.blocks; block++) {
    height = convolvedSize(height, config, block, 'high');
    width = convolvedSize(width, config, block, 'wide');
    x = tf.layers
      .conv2d({
        filters: Math.min(MAX_FILTERS, config.filters * 2 ** (block - 1)),
        kernelSize: config.kernelSize,
        strides: config.stride,
        padding: config.padding,
        useBias: !config.batchNorm,
        activation: config.batchNorm ? 'linear' : 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
      })
      .apply(x) as tf.SymbolicTensor;
    if (config.batchNorm) {
      x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
      x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    }
    // Pooling by 2 with padding never shrinks a side below 1 pixel (7 → 4, 1 → 1).
    if (config.pooling !== 'none' && (height > 1 || width > 1)) {
      const pool = { poolSize: 2, strides: 2, padding: 'same' as const };
      x = (config.pooling === 'max' ? tf.layers.maxPooling2d(pool) : tf.layers.averagePooling2d(pool)).apply(x) as tf.SymbolicTensor;
      height = Math.ceil(height / 2);
      width = Math.ceil(width / 2);
    }
    if (config.dropout > 0) x = tf.layers.dropout({ rate: config.dropout, seed: nextSeed() }).apply(x) as tf.SymbolicTensor;
  }
  const flat = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  return outputHead(input, [flat], layout, config, outputUnits, task, nextSeed);
}
