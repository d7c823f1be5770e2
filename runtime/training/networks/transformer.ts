import type { TransformerConfig } from './settings';
import { tf } from '../../tf/backend';
import { MultiHeadSelfAttention } from './attention';
import { encodedInput, outputHead, pick, seedSequence, type InputLayout } from './inputs';
import { LayerNorm, MaskedMeanPooling, PositionEmbedding } from './layers';

/**
 * One encoder block (post-norm, as in "Attention is all you need"):
 * x = LayerNorm(x + Dropout(SelfAttention(x, padding mask))); x = LayerNorm(x + Dropout(FeedForward(x))).
 */
function encoderBlock(x: tf.SymbolicTensor, ids: tf.SymbolicTensor, config: TransformerConfig, nextSeed: () => number): tf.SymbolicTensor {
  const dropout = (t: tf.SymbolicTensor) => (config.dropout > 0 ? (tf.layers.dropout({ rate: config.dropout, seed: nextSeed() }).apply(t) as tf.SymbolicTensor) : t);
  const addAndNorm = (a: tf.SymbolicTensor, b: tf.SymbolicTensor) =>
    new LayerNorm().apply(tf.layers.add().apply([a, dropout(b)])) as tf.SymbolicTensor;
  const attention = new MultiHeadSelfAttention({ heads: config.heads, keySize: config.embeddingSize / config.heads, seed: nextSeed() }).apply([x, ids]) as tf.SymbolicTensor;
  x = addAndNorm(x, attention);
  const hidden = tf.layers.dense({ units: config.feedForwardUnits, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }) }).apply(x) as tf.SymbolicTensor;
  const back = tf.layers.dense({ units: config.embeddingSize, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }) }).apply(hidden) as tf.SymbolicTensor;
  return addAndNorm(x, back);
}

/**
 * Per text: word ids → word vectors + learned position vectors → encoder blocks → the mean over the
 * positions that hold a word. The texts and the other columns meet in the head.
 */
export function buildTransformer(config: TransformerConfig, layout: InputLayout, outputUnits: number, task: 'classification' | 'regression', seed: number): tf.LayersModel {
  if (layout.texts.length === 0) throw new Error('A transformer needs word columns (Tokenize text), and the data has none.');
  if (config.embeddingSize % config.heads !== 0) throw new Error(`The word vector size (${config.embeddingSize}) must divide by the ${config.heads} attention heads.`);
  const nextSeed = seedSequence(seed);
  const input = encodedInput(layout);
  const branches = layout.texts.map((text) => {
    const ids = pick(input, text.indices, `${text.base}_words`);
    const words = tf.layers
      .embedding({ inputDim: text.vocabulary, outputDim: config.embeddingSize, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: nextSeed() }) })
      .apply(ids) as tf.SymbolicTensor;
    let x = new PositionEmbedding({ seed: nextSeed() }).apply(words) as tf.SymbolicTensor;
    for (let block = 0; block < config.blocks; block++) x = encoderBlock(x, ids, config, nextSeed);
    return new MaskedMeanPooling({}).apply([x, ids]) as tf.SymbolicTensor;
  });
  return outputHead(input, branches, layout, config, outputUnits, task, nextSeed);
}
