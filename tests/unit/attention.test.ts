import { beforeAll, describe, expect, it } from 'vitest';
import { maskedAttention, MultiHeadSelfAttention } from '../../runtime/training/networks/attention';
import { LayerNorm, MaskedMeanPooling } from '../../runtime/training/networks/layers';
import { initTf, tf } from '../../runtime/tf/backend';

beforeAll(async () => {
  process.env.PIPELOOM_TF_BACKEND = 'wasm';
  expect(await initTf()).toBe('wasm');
});

/**
 * One text of 3 positions, the last one padding (word id 0), 2 heads of size 2.
 * Head 0: q = k = v = the rows below; head 1: other numbers.
 */
const Q = [
  [[1, 0], [0, 1], [1, 1]],
  [[0.5, -1], [2, 0], [0, 0]],
];
const K = [
  [[1, 0], [0, 1], [5, 5]],
  [[1, 1], [-1, 0.5], [3, -2]],
];
const V = [
  [[1, 2], [3, 4], [100, 100]],
  [[-1, 0], [0, 1], [50, -50]],
];
const IDS = [7, 3, 0];

/** Attention by hand: plain loops, padding keys left out of the softmax (their weight is exactly 0). */
function byHand(q: number[][][], k: number[][][], v: number[][][], ids: number[]): number[][][] {
  return q.map((head, h) =>
    head.map((query) => {
      const scores = k[h].map((key, j) => (ids[j] === 0 ? -Infinity : (query[0] * key[0] + query[1] * key[1]) / Math.sqrt(2)));
      const top = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - top));
      const total = e.reduce((a, b) => a + b, 0);
      return [0, 1].map((d) => e.reduce((sum, w, j) => sum + (w / total) * v[h][j][d], 0));
    }),
  );
}

const t4 = (x: number[][][]) => tf.tensor4d([x], [1, 2, 3, 2]);

describe('maskedAttention', () => {
  it('matches the hand computation with a padded key, for both heads', async () => {
    const got = (await maskedAttention(t4(Q), t4(K), t4(V), tf.tensor2d([IDS.map((id) => (id === 0 ? 1 : 0))])).array()) as number[][][][];
    const want = byHand(Q, K, V, IDS);
    // Head 0, query 0 by hand: scores 1/√2 and 0 → weights e^0.7071/(e^0.7071 + 1) = 0.66976 and 0.33024.
    expect(want[0][0][0]).toBeCloseTo(0.66976 * 1 + 0.33024 * 3, 4);
    for (let h = 0; h < 2; h++) for (let i = 0; i < 3; i++) for (let d = 0; d < 2; d++) expect(got[0][h][i][d]).toBeCloseTo(want[h][i][d], 5);
  });

  it('a padding key gets no weight at all: its value changes nothing', async () => {
    const mask = tf.tensor2d([[0, 0, 1]]);
    const other = V.map((head) => head.map((row, j) => (j === 2 ? [-1e6, 1e6] : row)));
    const a = await maskedAttention(t4(Q), t4(K), t4(V), mask).data();
    const b = await maskedAttention(t4(Q), t4(K), t4(other), mask).data();
    expect(Array.from(b)).toEqual(Array.from(a));
    // Without the mask it would matter.
    const unmasked = await maskedAttention(t4(Q), t4(K), t4(other), tf.zeros([1, 3])).data();
    expect(Array.from(unmasked)).not.toEqual(Array.from(a));
  });

  it('a text made only of padding gives finite numbers, not NaN', async () => {
    const out = await maskedAttention(t4(Q), t4(K), t4(V), tf.ones([1, 3])).data();
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
  });
});

describe('MultiHeadSelfAttention layer', () => {
  it('with identity projections it is maskedAttention of x split into heads, joined again', async () => {
    // x [1, 3, 4]: position p holds head 0's (q = k = v) in its first 2 numbers, head 1's in the last 2.
    const x = [0, 1, 2].map((p) => [...K[0][p], ...K[1][p]]);
    const layer = new MultiHeadSelfAttention({ heads: 2, keySize: 2, seed: 1 });
    const input = tf.tensor3d([x]);
    const ids = tf.tensor2d([IDS]);
    layer.apply([input, ids]);
    const eye = tf.eye(4);
    const zero = tf.zeros([4]);
    layer.setWeights([eye, zero, eye, zero, eye, zero, eye, zero]);
    const got = (await (layer.apply([input, ids]) as tf.Tensor).array()) as number[][][];
    const heads = [0, 1].map((h) => [0, 1, 2].map((p) => K[h][p]));
    const want = byHand(heads, heads, heads, IDS);
    for (let p = 0; p < 3; p++) for (let c = 0; c < 4; c++) expect(got[0][p][c]).toBeCloseTo(want[Math.floor(c / 2)][p][c % 2], 5);
  });

  it('its config round-trips through the layer registry (what loadNetwork uses)', () => {
    const layer = new MultiHeadSelfAttention({ heads: 4, keySize: 3, seed: 9, name: 'attn' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ heads: 4, keySize: 3, seed: 9, name: 'attn' });
    const again = tf.serialization.SerializationMap.getMap().classNameMap.MultiHeadSelfAttention;
    expect(again).toBeDefined();
  });
});

describe('gradients of the custom layers on wasm match the cpu backend', () => {
  /** Loss = Σ w · f(inputs) with fixed weights w; its gradient with respect to every input. */
  async function gradients(backend: 'cpu' | 'wasm', f: (xs: tf.Tensor[]) => tf.Tensor, inputs: () => tf.Tensor[]): Promise<number[][]> {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
    const xs = inputs();
    const grads = tf.grads((...args: tf.Tensor[]) => {
      const y = f(args);
      return tf.sum(tf.mul(y, tf.linspace(-1, 2, y.size).reshape(y.shape)));
    })(xs);
    const out = await Promise.all(grads.map(async (g) => Array.from(await g.data())));
    tf.dispose([...xs, ...grads]);
    return out;
  }

  const seeded = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

  it('attention (with a padding mask), layer norm and masked mean pooling', async () => {
    const mask = () => tf.tensor2d([[0, 0, 1, 1], [0, 0, 0, 1]]);
    const cases: [string, (xs: tf.Tensor[]) => tf.Tensor, () => tf.Tensor[]][] = [
      ['attention', ([q, k, v]) => maskedAttention(q, k, v, mask()), () => [seeded([2, 2, 4, 3], 1), seeded([2, 2, 4, 3], 2), seeded([2, 2, 4, 3], 3)]],
      ['layer norm', ([x]) => new LayerNorm().apply(x) as tf.Tensor, () => [seeded([2, 4, 5], 4)]],
      ['masked mean pooling', ([x]) => new MaskedMeanPooling({}).apply([x, tf.tensor2d([[5, 2, 0, 0], [3, 0, 0, 0]])]) as tf.Tensor, () => [seeded([2, 4, 3], 5)]],
    ];
    try {
      for (const [name, f, inputs] of cases) {
        const cpu = await gradients('cpu', f, inputs);
        const wasm = await gradients('wasm', f, inputs);
        cpu.forEach((want, i) => want.forEach((v, j) => expect(wasm[i][j], `${name} input ${i}`).toBeCloseTo(v, 4)));
        expect(cpu.flat().some((v) => v !== 0), name).toBe(true);
      }
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
