import type { ModelSpec, SplitArtifact, TransferBase } from '../artifacts';
import type { RunContext } from '../context';
import { tf } from '../tf/backend';
import { loadNetwork } from './network-weights';
import { exampleRow, preparedRows, type TrainingData } from './training-data';

/** What training starts from when a model starts from a saved one (spec.base). */
export interface TransferStart {
  /** The split with the saved model's fitted preprocessing in place of its own (which must be empty). */
  split: SplitArtifact;
  /** The spec the trained model keeps: the saved model named, not embedded. */
  spec: ModelSpec;
  /** Training rows through the saved model's preprocessing, read by its encoder. */
  data: TrainingData;
  /** The saved network with its head replaced by a new one for this split; frozen layers marked. */
  model: tf.LayersModel;
}

/**
 * Transfer learning: the saved network's layers (the first `freeze` layers with weights keep them,
 * or every one with 'all-but-head'), its preprocessing and its encoder, and a new output layer (the
 * head) sized for this split's classes or number. Only the new data's rows are learned from.
 */
export async function startFromSaved(split: SplitArtifact, base: TransferBase, seed: number, ctx: RunContext): Promise<TransferStart> {
  const saved = base.trained;
  if (!saved?.weights) throw new Error('The saved model to start from is not a neural network (it has no layers to reuse).');
  if (split.recipe.length > 0) {
    throw new Error(
      `The split fits preprocessing on the new rows (${split.recipe.map((s) => s.kind).join(', ')}), but a model that starts from a saved one ` +
        'uses the saved model\'s own preprocessing: remove those steps before the split.',
    );
  }
  for (const column of saved.inputColumns) {
    const have = split.train.columns.find((c) => c.name === column.name);
    if (!have) throw new Error(`The saved model reads column "${column.name}", which the data does not have.`);
    if (have.type !== column.type) throw new Error(`Column "${column.name}" holds ${have.type} values, but the saved model read ${column.type} values from it.`);
  }
  const adopted: SplitArtifact = { ...split, recipe: saved.recipe };
  // The saved encoder reads the rows: the network's inputs mean what they meant when it learned.
  const data: TrainingData = { ...preparedRows(adopted), encoder: saved.encoder, inputColumns: saved.inputColumns, exampleRow: exampleRow(split.train, saved.inputColumns) };

  const network = await loadNetwork(saved.weights);
  const head = network.outputs[0].sourceLayer;
  const features = head.input;
  if (network.outputs.length !== 1 || head.getClassName() !== 'Dense' || Array.isArray(features)) {
    network.dispose();
    throw new Error('The saved network does not end in one dense output layer, so its head cannot be replaced.');
  }
  const layers = network.layers.filter((layer) => layer !== head && layer.weights.length > 0);
  const frozen = base.freeze === 'all-but-head' ? layers.length : base.freeze;
  if (frozen > layers.length) {
    network.dispose();
    throw new Error(`The saved network has ${layers.length} layer${layers.length === 1 ? '' : 's'} with weights before its head: freeze at most ${layers.length}.`);
  }
  layers.forEach((layer, i) => (layer.trainable = i >= frozen));
  const shrink = base.shrink ?? 1;
  if (shrink !== 1) {
    tf.tidy(() => {
      for (const layer of layers.slice(frozen)) for (const weight of layer.trainableWeights) weight.write(weight.read().mul(shrink));
    });
  }

  const outputUnits = split.task === 'classification' ? split.labels.length : 1;
  const names = new Set(network.layers.map((layer) => layer.name));
  let name = 'new_head';
  for (let i = 2; names.has(name); i++) name = `new_head_${i}`;
  const output = tf.layers
    .dense({
      units: outputUnits,
      activation: split.task === 'classification' ? 'softmax' : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      name,
    })
    .apply(features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: network.inputs, outputs: output });
  head.dispose();

  const labels = split.task === 'classification' ? `${outputUnits} classes` : 'a number';
  ctx.log(
    `Starting from saved model ${base.modelKey.slice(0, 8)}… (${saved.spec.family}, trained to predict "${saved.target}"): ` +
      `${frozen} of ${layers.length} layers keep their weights, ${layers.length - frozen} learn on, and a new head predicts ${labels} of "${split.target}".`,
  );
  const learning = layers.length - frozen;
  if (shrink !== 1 && learning > 0) {
    const which = learning === 1 ? 'The 1 layer that learns on starts from its' : `The ${learning} layers that learn on start from their`;
    ctx.log(`${which} saved weights × ${shrink} (shrink: a network started from trained weights otherwise learns new data worse).`);
  }
  const { trained: _embedded, ...named } = base;
  return { split: adopted, spec: { ...saved.spec, base: named } as ModelSpec, data, model };
}
