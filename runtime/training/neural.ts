import { encodeFeatures, type FeatureEncoder } from './encoding';
import { createRng, shuffledIndices } from '../../lib/rng';
import { classCodes, getColumn, numericValues, type Table } from '../../lib/table';
import type { DenseConfig, ModelSpec, NetworkWeights, SplitArtifact, TrainedModelArtifact } from '../artifacts';
import type { RunContext } from '../context';
import { tf } from '../tf/backend';
import { buildDeepNetwork, isDeepSpec, networkEncoderOptions } from './networks';
import { networkFamily } from './networks/family';
import { prepareTraining } from './training-data';
import { startFromSaved } from './transfer';
import { AUTOMATIC_LEARNING_RATE } from './learning-rate';
import type { TrainOptions } from './options';
import { loadNetwork, serializeNetwork } from './network-weights';

/** Training saves its weights at most this often, so a killed worker loses little work. */
const CHECKPOINT_EVERY_MS = 2000;

interface TrainingCheckpoint {
  epoch: number;
  weights: NetworkWeights;
}

/** 'balanced' class weights from the training rows' class counts (classes without rows get weight 1). */
export function balancedClassWeights(classes: Int32Array, classCount: number): Record<number, number> {
  const counts = new Array<number>(classCount).fill(0);
  for (const c of classes) if (c >= 0) counts[c]++;
  const n = counts.reduce((a, b) => a + b, 0);
  return Object.fromEntries(counts.map((count, c) => [c, count > 0 ? n / (classCount * count) : 1]));
}

/** Deep families (CNN, RNN, transformer) also need the encoder: where their pixels, word ids or windows sit in a row. */
export async function buildNetwork(spec: ModelSpec, inputWidth: number, outputUnits: number, task: 'classification' | 'regression', seed: number, encoder?: FeatureEncoder): Promise<tf.LayersModel> {
  if (isDeepSpec(spec) && encoder) return buildDeepNetwork(spec, encoder, outputUnits, task, seed);
  if (spec.trainer === 'gradient' && DENSE_FAMILIES.has(spec.family)) return buildDense(spec.config as DenseConfig, spec.family === 'mlp', inputWidth, outputUnits, task, seed);
  throw new Error(`Pipeloom cannot build a ${spec.family} network yet.`);
}

/** The families built of dense layers alone (their config is a DenseConfig). */
const DENSE_FAMILIES = new Set(['logistic-regression', 'linear-regression', 'mlp']);

/** Dense layers (none for logistic and linear regression) and an output layer fitting the task. */
function buildDense(config: DenseConfig, hasHidden: boolean, inputWidth: number, outputUnits: number, task: 'classification' | 'regression', seed: number) {
  const model = tf.sequential();
  const regularizer = config.l2 > 0 ? tf.regularizers.l2({ l2: config.l2 }) : undefined;
  let layerSeed = seed;
  const hidden = hasHidden ? config.hiddenLayers : 0;
  for (let i = 0; i < hidden; i++) {
    model.add(
      tf.layers.dense({
        units: config.units,
        activation: config.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed++ }),
        kernelRegularizer: regularizer,
        ...(i === 0 ? { inputShape: [inputWidth] } : {}),
      }),
    );
    if (config.dropout > 0) model.add(tf.layers.dropout({ rate: config.dropout, seed: layerSeed++ }));
  }
  model.add(
    tf.layers.dense({
      units: outputUnits,
      activation: task === 'classification' ? 'softmax' : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed++ }),
      kernelRegularizer: regularizer,
      ...(hidden === 0 ? { inputShape: [inputWidth] } : {}),
    }),
  );
  return model;
}

/** The learning rate used when the user leaves it at 0 (automatic). */
export function automaticLearningRate(family: ModelSpec['family']): number {
  return networkFamily(family) ? AUTOMATIC_LEARNING_RATE.deep : AUTOMATIC_LEARNING_RATE.dense;
}

function optimizerFor(options: TrainOptions, learningRate: number) {
  if (options.optimizer === 'sgd') return tf.train.sgd(learningRate);
  if (options.optimizer === 'rmsprop') return tf.train.rmsprop(learningRate);
  return tf.train.adam(learningRate);
}

/** Targets as a tensor: one-hot classes, or the standardized number. */
function targetTensor(table: Table, split: SplitArtifact, scale: { mean: number; std: number }) {
  const column = getColumn(table, split.target);
  if (split.task === 'classification') {
    const codes = classCodes(column, split.labels);
    return tf.tidy(() => tf.oneHot(tf.tensor1d(codes, 'int32'), split.labels.length).toFloat());
  }
  const values = numericValues(column);
  const scaled = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) scaled[i] = (values[i] - scale.mean) / scale.std;
  return tf.tensor2d(scaled, [values.length, 1]);
}

function featureTensor(table: Table, encoderWidth: number, encoded: Float32Array) {
  return tf.tensor2d(encoded, [table.rowCount, encoderWidth]);
}

/** Trains a network on the split's training rows; shuffling and batching use a seeded generator. */
export async function trainNetwork(split: SplitArtifact, spec: ModelSpec, options: TrainOptions, ctx: RunContext): Promise<TrainedModelArtifact> {
  // Transfer learning (spec.base): the saved model's preprocessing, encoder and layers, with a new head (transfer.ts).
  const transfer = spec.trainer === 'gradient' && spec.base ? await startFromSaved(split, spec.base, options.seed, ctx) : undefined;
  if (transfer) ({ split, spec } = transfer);
  // Pixels share a scale per channel; deep families keep word ids whole (for their embeddings).
  const { train, validation, encoder, targetScale, inputColumns, exampleRow } = transfer?.data ?? prepareTraining(split, (prepared) => networkEncoderOptions(spec.family, split, prepared));

  const outputUnits = split.task === 'classification' ? split.labels.length : 1;
  const model = transfer?.model ?? (await buildNetwork(spec, encoder.width, outputUnits, split.task, options.seed, encoder));
  const learningRate = options.learningRate > 0 ? options.learningRate : automaticLearningRate(spec.family);
  if (!(options.learningRate > 0)) ctx.log(`Learning rate ${learningRate} (automatic for ${spec.family}).`);
  const optimizer = optimizerFor(options, learningRate);
  model.compile({
    optimizer,
    loss: split.task === 'classification' ? 'categoricalCrossentropy' : 'meanSquaredError',
    metrics: split.task === 'classification' ? ['accuracy'] : [],
  });

  const x = featureTensor(train, encoder.width, encodeFeatures(train, encoder));
  const y = targetTensor(train, split, targetScale);
  const validationData = validation
    ? ([featureTensor(validation, encoder.width, encodeFeatures(validation, encoder)), targetTensor(validation, split, targetScale)] as [
        ReturnType<typeof tf.tensor2d>,
        ReturnType<typeof tf.tensor2d>,
      ])
    : undefined;

  // A retry on another worker (this one was killed) continues from the last checkpoint.
  const checkpoint = ctx.checkpoint.load() as TrainingCheckpoint | null;
  let firstEpoch = 1;
  if (checkpoint && checkpoint.epoch < options.epochs) {
    const restored = await loadNetwork(checkpoint.weights);
    model.setWeights(restored.getWeights());
    restored.dispose();
    firstEpoch = checkpoint.epoch + 1;
    ctx.log(`Resuming from the checkpoint saved after epoch ${checkpoint.epoch} (optimizer state starts afresh).`);
  }
  let lastSaved = Date.now();
  const classWeight =
    split.task === 'classification' && options.classWeights === 'balanced'
      ? balancedClassWeights(classCodes(getColumn(train, split.target), split.labels), split.labels.length)
      : undefined;
  if (classWeight) ctx.log(`Class weights: ${split.labels.map((label, c) => `${label} ${classWeight[c].toFixed(2)}`).join(', ')}.`);
  const stopping = options.earlyStopping && validationData ? new EarlyStopping(options.patience ?? 10) : undefined;
  if (options.earlyStopping && !validationData) ctx.log('Early stopping needs validation rows (a validation fraction above 0 on the split): training runs every epoch.');
  try {
    for (let epoch = firstEpoch; epoch <= options.epochs; epoch++) {
      // Let the worker read its messages (a cancel) between epochs: wasm training never yields on its own.
      await new Promise((resolve) => setImmediate(resolve));
      if (ctx.signal.aborted) throw new Error('Cancelled.');
      // Each epoch's order depends only on (seed, epoch), so a resumed run shuffles as the first would have.
      const order = tf.tensor1d(shuffledIndices(train.rowCount, createRng(options.seed * 100_003 + epoch)), 'int32');
      const xs = tf.gather(x, order);
      const ys = tf.gather(y, order);
      const history = await model.fit(xs, ys, { epochs: 1, batchSize: options.batchSize, shuffle: false, validationData, classWeight, verbose: 0 });
      tf.dispose([order, xs, ys]);
      const values: Record<string, number> = {};
      for (const [key, series] of Object.entries(history.history)) {
        const v = Number(series[0]);
        if (Number.isFinite(v)) values[key === 'acc' ? 'accuracy' : key === 'val_acc' ? 'val_accuracy' : key] = v;
      }
      if (values.loss === undefined) throw new Error(`Training diverged at epoch ${epoch} (the loss is not a number): try a smaller learning rate.`);
      ctx.epoch(epoch, values);
      ctx.progress(epoch / options.epochs, `epoch ${epoch}/${options.epochs}`);
      if (stopping?.shouldStop(epoch, values.val_loss, model)) {
        ctx.log(`Early stopping after epoch ${epoch}: the validation loss last improved at epoch ${stopping.bestEpoch} (${stopping.bestLoss.toFixed(4)}); keeping that epoch's weights.`);
        ctx.progress(1, `stopped early at epoch ${epoch}`);
        break;
      }
      if (Date.now() - lastSaved >= CHECKPOINT_EVERY_MS && epoch < options.epochs) {
        ctx.checkpoint.save({ epoch, weights: await serializeNetwork(model) } satisfies TrainingCheckpoint);
        lastSaved = Date.now();
      }
    }
    stopping?.restoreBest(model);
    return {
      spec,
      target: split.target,
      task: split.task,
      labels: split.labels,
      inputColumns,
      exampleRow,
      recipe: split.recipe,
      encoder,
      targetScale,
      weights: await serializeNetwork(model),
    };
  } finally {
    tf.dispose([x, y, ...(validationData ?? [])]);
    stopping?.dispose();
    // The optimizer keeps its own state (Adam's moments): not freed with the model.
    optimizer.dispose();
    model.dispose();
  }
}

/** Tracks the best validation loss and that epoch's weights; says when `patience` epochs brought no improvement. */
class EarlyStopping {
  bestLoss = Infinity;
  bestEpoch = 0;
  private best: tf.Tensor[] | null = null;

  constructor(private readonly patience: number) {}

  shouldStop(epoch: number, valLoss: number | undefined, model: tf.LayersModel): boolean {
    if (valLoss === undefined) return false;
    if (valLoss < this.bestLoss) {
      this.bestLoss = valLoss;
      this.bestEpoch = epoch;
      this.dispose();
      this.best = model.getWeights().map((w) => w.clone());
      return false;
    }
    return epoch - this.bestEpoch >= this.patience;
  }

  restoreBest(model: tf.LayersModel): void {
    if (this.best) model.setWeights(this.best);
  }

  dispose(): void {
    if (this.best) tf.dispose(this.best);
    this.best = null;
  }
}
