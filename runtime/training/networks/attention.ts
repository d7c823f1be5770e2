import { tf } from '../../tf/backend';
import { first, paddingMask } from './layers';

/**
 * Added to the attention score of a padding key before the softmax. After the softmax subtracts the
 * row's largest score, exp(-1e9) is exactly 0 in float32: the same as -Infinity for every query that
 * has at least one real key, without the NaN that -Infinity gives a text made only of padding (its
 * weights are then spread evenly; masked pooling drops such positions anyway).
 */
export const MASKED_SCORE = -1e9;

/**
 * Scaled dot-product attention, per head, where padding keys get no weight:
 * softmax(q·kᵀ / √dk + mask) · v, mask = MASKED_SCORE at keys whose word id is padding.
 * q, k, v: [n, heads, L, dk]; keyPadding: [n, L], 1 where the key position is padding.
 * Returns [n, heads, L, dk].
 */
export function maskedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, keyPadding: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [n, , , dk] = q.shape;
    const length = k.shape[2]!;
    // q scaled before the product, not the scores after it: L/dk times fewer values, forward and back.
    const scores = tf.matMul(tf.div(q, Math.sqrt(dk!)), k, false, true); // [n, heads, L, L]
    const mask = tf.mul(tf.reshape(keyPadding, [n!, 1, 1, length]), MASKED_SCORE);
    return tf.matMul(tf.softmax(tf.add(scores, mask)), v);
  });
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export interface SelfAttentionArgs {
  heads: number;
  /** Size of each head's queries, keys and values. */
  keySize: number;
  seed?: number;
}

/**
 * Multi-head self-attention over word vectors with a padding mask (TensorFlow.js has no such layer):
 * [x [n, L, d], ids [n, L]] → [n, L, d]. Each head projects x to queries, keys and values of size
 * `keySize`, attends with maskedAttention (padding keys get no weight), and the heads' outputs are
 * joined and projected back to d.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static readonly className = 'MultiHeadSelfAttention';
  readonly heads: number;
  readonly keySize: number;
  readonly seed: number | undefined;
  private weightsOf: Record<'query' | 'key' | 'value' | 'output', { kernel: tf.LayerVariable; bias: tf.LayerVariable }> | undefined;

  constructor(args: LayerArgs & SelfAttentionArgs) {
    super(args);
    this.heads = args.heads;
    this.keySize = args.keySize;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const size = shape[2] as number;
    const inner = this.heads * this.keySize;
    const projection = (name: string, rows: number, cols: number, seedOffset: number) => ({
      kernel: this.addWeight(`${name}_kernel`, [rows, cols], 'float32', tf.initializers.glorotUniform({ seed: this.seed === undefined ? undefined : this.seed + seedOffset })),
      bias: this.addWeight(`${name}_bias`, [cols], 'float32', tf.initializers.zeros()),
    });
    this.weightsOf = {
      query: projection('query', size, inner, 0),
      key: projection('key', size, inner, 1),
      value: projection('value', size, inner, 2),
      output: projection('output', inner, size, 3),
    };
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs);
      const ids = (inputs as tf.Tensor[])[1];
      const [n, length, size] = x.shape as [number, number, number];
      const w = this.weightsOf!;
      const flat = tf.reshape(x, [n * length, size]);
      const dense = (p: { kernel: tf.LayerVariable; bias: tf.LayerVariable }, input: tf.Tensor) => tf.add(tf.matMul(input as tf.Tensor2D, p.kernel.read() as tf.Tensor2D), p.bias.read());
      const perHead = (p: { kernel: tf.LayerVariable; bias: tf.LayerVariable }) =>
        tf.transpose(tf.reshape(dense(p, flat), [n, length, this.heads, this.keySize]), [0, 2, 1, 3]);
      const attended = maskedAttention(perHead(w.query), perHead(w.key), perHead(w.value), paddingMask(ids)); // [n, heads, L, k]
      const joined = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [n * length, this.heads * this.keySize]);
      return tf.reshape(dense(w.output, joined), [n, length, size]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, keySize: this.keySize, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

tf.serialization.registerClass(MultiHeadSelfAttention);
