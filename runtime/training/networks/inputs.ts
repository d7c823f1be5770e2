import type { FeatureEncoder } from '../encoding';
import { imageShape, type ImageShape } from '../../../lib/image';
import { steppableLags, tokenColumns } from '../../sequence';
import type { ColumnSchema } from '../../../lib/table';
import { tf } from '../../tf/backend';
import { PickColumns } from './layers';

/**
 * Where a deep network finds what it reads in the encoded rows [n, width] that the one predict path
 * gives every network (runtime/training/predict.ts): positions of the encoder's output, in its order.
 */
export interface InputLayout {
  width: number;
  /** The pixel columns (row-major, channel last) → reshaped to [height, width, channels]. */
  image?: ImageShape & { indices: number[] };
  /** One entry per tokenized text: its word-id positions (1 … L) and vocabulary size. */
  texts: { base: string; length: number; vocabulary: number; indices: number[] }[];
  /** Time windows: per step (oldest first), per windowed column, its lag → a [steps, features] sequence. */
  series?: { bases: string[]; steps: number; features: number; indices: number[] };
  /** Every other position (other columns): joined to what the network read, before the answer. */
  rest: number[];
}

/** What a deep family reads itself among the encoded columns: pixels, word ids, time windows. */
export interface NetworkReads {
  image?: true;
  texts?: true;
  series?: true;
}

/** Where a family finds what it reads itself (`reads`) among the encoded positions; everything else goes to `rest`. */
export function inputLayout(encoder: FeatureEncoder, reads: NetworkReads): InputLayout {
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const feature of encoder.features) {
    offsets.set(feature.name, offset);
    offset += feature.type === 'number' ? 1 : feature.categories.length;
  }
  const at = (name: string) => offsets.get(name)!;
  const schema: ColumnSchema[] = encoder.features.map((f) => ({ name: f.name, type: f.type }));
  const idColumns = new Set(encoder.features.filter((f) => f.type === 'number' && f.ids !== undefined).map((f) => f.name));
  const used = new Set<string>();
  const layout: InputLayout = { width: encoder.width, texts: [], rest: [] };

  const image = reads.image ? imageShape(schema) : undefined;
  if (image) {
    layout.image = { ...image, indices: image.columns.map(at) };
    image.columns.forEach((name) => used.add(name));
  }
  if (reads.texts) {
    for (const group of tokenColumns(schema.filter((c) => idColumns.has(c.name)))) {
      const vocabulary = encoder.features.find((f) => f.name === group.columns[0]);
      layout.texts.push({ base: group.base, length: group.length, vocabulary: vocabulary?.type === 'number' ? vocabulary.ids! : 0, indices: group.columns.map(at) });
      group.columns.forEach((name) => used.add(name));
    }
  }
  if (reads.series) {
    const groups = steppableLags(schema.filter((c) => !idColumns.has(c.name)));
    // One sequence: the windows of the longest length (shorter ones, if any, join the other columns).
    const steps = Math.max(0, ...groups.map((g) => g.window));
    const stepped = groups.filter((g) => g.window === steps);
    if (stepped.length > 0) {
      const indices: number[] = [];
      for (let t = 0; t < steps; t++) for (const group of stepped) indices.push(at(group.columns[t]));
      layout.series = { bases: stepped.map((g) => g.base), steps, features: stepped.length, indices };
      stepped.forEach((g) => g.columns.forEach((name) => used.add(name)));
    }
  }
  for (const feature of encoder.features) {
    if (used.has(feature.name)) continue;
    const width = feature.type === 'number' ? 1 : feature.categories.length;
    for (let j = 0; j < width; j++) layout.rest.push(at(feature.name) + j);
  }
  return layout;
}


/** Seeds for the layers' initializers and dropout, one after another from the training seed. */
export function seedSequence(seed: number): () => number {
  let next = seed;
  return () => next++;
}

/** The encoded rows, as the network's one input. */
export function encodedInput(layout: InputLayout): tf.SymbolicTensor {
  return tf.input({ shape: [layout.width], name: 'encoded_rows' });
}

/** Some positions of the encoded rows, in the order given. */
export function pick(input: tf.SymbolicTensor, indices: number[], name: string): tf.SymbolicTensor {
  return new PickColumns({ indices, name }).apply(input) as tf.SymbolicTensor;
}

export interface HeadConfig {
  denseUnits: number;
  dropout: number;
}

/**
 * The end every deep family shares: what its branches read, joined with the other columns; an
 * optional dense layer (relu) and dropout; the output layer (softmax over the classes, or one number).
 */
export function outputHead(
  input: tf.SymbolicTensor,
  branches: tf.SymbolicTensor[],
  layout: InputLayout,
  config: HeadConfig,
  outputUnits: number,
  task: 'classification' | 'regression',
  seed: () => number,
): tf.LayersModel {
  const parts = layout.rest.length > 0 ? [...branches, pick(input, layout.rest, 'other_columns')] : branches;
  let x = parts.length > 1 ? (tf.layers.concatenate().apply(parts) as tf.SymbolicTensor) : parts[0];
  if (config.dropout > 0) x = tf.layers.dropout({ rate: config.dropout, seed: seed() }).apply(x) as tf.SymbolicTensor;
  if (config.denseUnits > 0) {
    x = tf.layers.dense({ units: config.denseUnits, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed() }) }).apply(x) as tf.SymbolicTensor;
    if (config.dropout > 0) x = tf.layers.dropout({ rate: config.dropout, seed: seed() }).apply(x) as tf.SymbolicTensor;
  }
  const output = tf.layers
    .dense({ units: outputUnits, activation: task === 'classification' ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: seed() }) })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}
