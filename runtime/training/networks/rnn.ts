import type { RnnConfig } from './settings';
import { tf } from '../../tf/backend';
import { encodedInput, outputHead, pick, seedSequence, type InputLayout } from './inputs';
import { SequenceLstm } from './lstm';

/**
 * Recurrent layers over a sequence [n, steps, features]; the last layer gives its final state
 * [n, units] (twice that when reading both ways). A mask on x (padding words: `masked`) is carried
 * through: padded steps leave the state as it was. A one-way LSTM over an unmasked sequence (time
 * windows) is a SequenceLstm (lstm.ts): tf.layers.lstm's math and weights, faster to train.
 */
function recurrentStack(x: tf.SymbolicTensor, config: RnnConfig, nextSeed: () => number, masked: boolean): tf.SymbolicTensor {
  for (let layer = 1; layer <= config.layers; layer++) {
    const kernelSeed = nextSeed();
    const recurrentSeed = nextSeed();
    const args = {
      units: config.units,
      returnSequences: layer < config.layers,
      kernelInitializer: tf.initializers.glorotUniform({ seed: kernelSeed }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: recurrentSeed }),
    };
    if (config.cell === 'lstm' && !config.bidirectional && !masked) {
      x = new SequenceLstm({ units: config.units, returnSequences: args.returnSequences, kernelSeed, recurrentSeed }).apply(x) as tf.SymbolicTensor;
    } else {
      const cell = config.cell === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args);
      x = (config.bidirectional ? tf.layers.bidirectional({ layer: cell as tf.RNN, mergeMode: 'concat' }) : cell).apply(x) as tf.SymbolicTensor;
    }
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
    branches.push(recurrentStack(vectors, config, nextSeed, true));
  }
  if (layout.series) {
    const { steps, features, indices } = layout.series;
    const sequence = tf.layers.reshape({ targetShape: [steps, features] }).apply(pick(input, indices, 'windows')) as tf.SymbolicTensor;
    branches.push(recurrentStack(sequence, config, nextSeed, false));
  }
  return outputHead(input, branches, layout, config, outputUnits, task, nextSeed);
}
