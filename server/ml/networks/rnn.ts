import type { RnnConfig } from '../../../nodes/model/rnn';
import { tf } from '../../tf/backend';
import { encodedInput, outputHead, pick, seedSequence, type InputLayout } from './inputs';

/**
 * Recurrent layers over a sequence [n, steps, features]; the last layer gives its final state
 * [n, units] (twice that when reading both ways). A mask on x (padding words) is carried through:
 * padded steps leave the state as it was.
 */
function recurrentStack(x: tf.SymbolicTensor, config: RnnConfig, nextSeed: () => number): tf.SymbolicTensor {
  for (let layer = 1; layer <= config.layers; layer++) {
    const args = {
      units: config.units,
      returnSequences: layer < config.layers,
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
    };
    const cell = config.cell === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args);
    x = (config.bidirectional ? tf.layers.bidirectional({ layer: cell as tf.RNN, mergeMode: 'concat' }) : cell).apply(x) as tf.SymbolicTensor;
    if (config.dropout > 0 && layer < config.layers) x = tf.layers.dropout({ rate: config.dropout, seed: nextSeed() }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/**
 * Text: word ids → embedding (id 0 = padding, masked) → recurrent layers. Time series: the windows,
 * oldest step first → [steps, features] → recurrent layers. The branches and the other columns meet
 * in the head.
 */
export function buildRnn(config: RnnConfig, layout: InputLayout, outputUnits: number, task: 'classification' | 'regression', seed: number): tf.LayersModel {
  if (layout.texts.length === 0 && !layout.series) {
    throw new Error('A recurrent network needs word columns (Tokenize text) or time windows (Sequence windows), and the data has neither.');
  }
  const nextSeed = seedSequence(seed);
  const input = encodedInput(layout);
  const branches: tf.SymbolicTensor[] = [];
  for (const text of layout.texts) {
    const ids = pick(input, text.indices, `${text.base}_words`);
    const vectors = tf.layers
      .embedding({ inputDim: text.vocabulary, outputDim: config.embeddingSize, maskZero: true, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: nextSeed() }) })
      .apply(ids) as tf.SymbolicTensor;
    branches.push(recurrentStack(vectors, config, nextSeed));
  }
  if (layout.series) {
    const { steps, features, indices } = layout.series;
    const sequence = tf.layers.reshape({ targetShape: [steps, features] }).apply(pick(input, indices, 'windows')) as tf.SymbolicTensor;
    branches.push(recurrentStack(sequence, config, nextSeed));
  }
  return outputHead(input, branches, layout, config, outputUnits, task, nextSeed);
}
