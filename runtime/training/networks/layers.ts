import { tf } from '../../tf/backend';

/**
 * Small custom layers of the deep families. Each is registered with tf.serialization.registerClass,
 * so a saved network (topology JSON + weights) loads again in any process that imports this module:
 * runtime/training/neural.ts does, so the workers, the Predict node and the web server's predict route can.
 */

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Inputs = tf.Tensor | tf.Tensor[];
type Shapes = tf.Shape | tf.Shape[];

/** The first tensor of a layer's inputs (a layer called on a list). */
export function first(inputs: Inputs): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function firstShape(shapes: Shapes): tf.Shape {
  return (Array.isArray(shapes[0]) ? shapes[0] : shapes) as tf.Shape;
}

/**
 * Takes some columns of the encoded rows [n, width], in the order given: how a network that gets the
 * one predict path's encoded matrix finds its pixels, word ids or time windows in it.
 */
export class PickColumns extends tf.layers.Layer {
  static readonly className = 'PickColumns';
  readonly indices: number[];

  constructor(args: LayerArgs & { indices: number[] }) {
    super(args);
    this.indices = [...args.indices];
  }

  override computeOutputShape(inputShape: Shapes): tf.Shape {
    return [firstShape(inputShape)[0], this.indices.length];
  }

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => tf.gather(first(inputs), tf.tensor1d(this.indices, 'int32'), 1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), indices: this.indices };
  }
}

/** 1 where a word id is padding (0), else 0: [n, L] ids → [n, L] float. */
export function paddingMask(ids: tf.Tensor): tf.Tensor {
  return tf.cast(tf.equal(ids, 0), 'float32');
}

/** Adds a learned vector per word position to the word vectors: [n, L, d] → [n, L, d]. */
export class PositionEmbedding extends tf.layers.Layer {
  static readonly className = 'PositionEmbedding';
  readonly seed: number | undefined;
  private positions?: tf.LayerVariable;

  constructor(args: LayerArgs & { seed?: number }) {
    super(args);
    this.seed = args.seed;
  }

  override build(inputShape: Shapes): void {
    const [, length, size] = firstShape(inputShape);
    this.positions = this.addWeight('positions', [length as number, size as number], 'float32', tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed }));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): tf.Shape {
    return firstShape(inputShape);
  }

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => tf.add(first(inputs), this.positions!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

/**
 * The mean of the word vectors over the positions that hold a word: [x [n, L, d], ids [n, L]] → [n, d].
 * Padding positions count for nothing; a text with no word at all gives zeros.
 */
export class MaskedMeanPooling extends tf.layers.Layer {
  static readonly className = 'MaskedMeanPooling';

  override computeOutputShape(inputShape: Shapes): tf.Shape {
    const shape = firstShape(inputShape);
    return [shape[0], shape[2]];
  }

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const [x, ids] = inputs as tf.Tensor[];
      const present = tf.expandDims(tf.sub(1, paddingMask(ids)), 2); // [n, L, 1]
      const total = tf.sum(tf.mul(x, present), 1); // [n, d]
      const count = tf.maximum(tf.sum(present, 1), 1); // [n, 1]
      return tf.div(total, count);
    });
  }
}

/**
 * Layer normalization over the last axis: (x - mean) / √(variance + ε) · gain + bias. Written with
 * broadcasting ops: tf.layers.layerNormalization tiles its gain, bias and moments to the input's
 * shape, and the gradient of a tile is one slice and one add per repeat (thousands per batch for
 * [32, 24, 32] word vectors, ~20× the cost of everything else in a transformer block on wasm).
 */
export class LayerNorm extends tf.layers.Layer {
  static readonly className = 'LayerNorm';
  readonly epsilon: number;
  private gain?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: LayerArgs & { epsilon?: number } = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-6;
  }

  override build(inputShape: Shapes): void {
    const size = firstShape(inputShape).at(-1) as number;
    this.gain = this.addWeight('gain', [size], 'float32', tf.initializers.ones());
    this.bias = this.addWeight('bias', [size], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): tf.Shape {
    return firstShape(inputShape);
  }

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs);
      const { mean, variance } = tf.moments(x, -1, true);
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gain!.read()), this.bias!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

for (const layer of [PickColumns, PositionEmbedding, MaskedMeanPooling, LayerNorm]) tf.serialization.registerClass(layer);
