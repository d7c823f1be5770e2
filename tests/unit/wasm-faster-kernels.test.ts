import { beforeAll, describe, expect, it } from 'vitest';
import { nodeKinds } from '../../nodes';
import type { ModelSpec, SplitArtifact } from '../../runtime/artifacts';
import { lagColumnName } from '../../runtime/sequence';
import type { Column, Table } from '../../lib/table';
import { trainNetwork } from '../../runtime/training/neural';
import { loadNetwork } from '../../runtime/training/network-weights';
import { SequenceLstm } from '../../runtime/training/networks/lstm';
import { initTf, tf } from '../../runtime/tf/backend';
import { useFasterWasmKernels } from '../../runtime/tf/wasm-faster-kernels';
import { testContext } from '../support/run-context';

// The faster wasm kernels (runtime/tf/wasm-faster-kernels.ts) against the wasm backend's own kernels and
// the cpu backend; SequenceLstm (runtime/training/networks/lstm.ts) against tf.layers.lstm.

type Backend = 'cpu' | 'wasm' | 'wasm-own';

/** Deterministic data, so every backend sees identical inputs. */
function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

interface Result {
  shape: number[];
  dtype: string;
  values: number[];
}

/** fn on the cpu backend, on wasm with the faster kernels, or on wasm with its own kernels. */
async function runOn(backend: Backend, fn: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
  await tf.ready();
  expect(tf.getBackend()).toBe(backend === 'cpu' ? 'cpu' : 'wasm');
  if (backend === 'wasm-own') useFasterWasmKernels(false);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const results = await Promise.all(list.map(async (t) => ({ shape: t.shape.slice(), dtype: t.dtype, values: Array.from(await t.data()) })));
    tf.dispose(list);
    return results;
  } finally {
    if (backend === 'wasm-own') useFasterWasmKernels(true);
  }
}

function expectSame(got: Result[], want: Result[], label: string): void {
  expect(got.map((r) => [r.shape, r.dtype]), label).toEqual(want.map((r) => [r.shape, r.dtype]));
  got.forEach((r, i) => expect(r.values, label).toEqual(want[i]!.values));
}

/** Elementwise |got - want| ≤ 1e-5 · max(1, max |want|). */
function expectClose(got: Result[], want: Result[], label: string): void {
  expect(got.map((r) => r.shape), label).toEqual(want.map((r) => r.shape));
  got.forEach((r, i) => {
    const w = want[i]!.values;
    const scale = Math.max(1, ...w.map(Math.abs));
    const worst = Math.max(0, ...r.values.map((v, j) => Math.abs(v - w[j]!)));
    expect(worst / scale, label).toBeLessThanOrEqual(1e-5);
  });
}

/** Close to cpu (unless `cpu` is false), and (optionally) identical to the wasm backend's own kernel. */
async function check(label: string, fn: () => tf.Tensor | tf.Tensor[], identicalToOwn = false, cpu = true): Promise<void> {
  const fast = await runOn('wasm', fn);
  if (cpu) expectClose(fast, await runOn('cpu', fn), `${label} vs cpu`);
  const own = await runOn('wasm-own', fn);
  if (identicalToOwn) expectSame(fast, own, `${label} vs wasm's own kernel`);
  else expectClose(fast, own, `${label} vs wasm's own kernel`);
}

beforeAll(async () => {
  process.env.PIPELOOM_TF_BACKEND = 'wasm';
  expect(await initTf()).toBe('wasm');
});

describe('useFasterWasmKernels', () => {
  it('initTf put them in place; switching off and on again swaps exactly those kernels', () => {
    const names = [tf.BatchMatMul, tf.Conv2DBackpropInput, tf.MaxPoolGrad, tf.GatherV2, tf.Sum, tf.Slice, tf.Unpack, tf.SplitV];
    expect(useFasterWasmKernels(true)).toEqual([]);
    const faster = names.map((name) => tf.getKernel(name, 'wasm').kernelFunc);
    expect(useFasterWasmKernels(false).sort()).toEqual([...names].sort());
    names.forEach((name, i) => expect(tf.getKernel(name, 'wasm').kernelFunc, name).not.toBe(faster[i]));
    expect(useFasterWasmKernels(false)).toEqual([]);
    expect(useFasterWasmKernels(true).sort()).toEqual([...names].sort());
  });
});

describe('BatchMatMul', () => {
  it('single products with either side transposed', async () => {
    for (const [m, k, n] of [
      [5, 7, 3],
      [64, 33, 17],
    ] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = rand(m * k, m + k, 2);
          const b = rand(k * n, k + n, 2);
          await check(`${m}x${k}x${n} ta=${ta} tb=${tb}`, () =>
            tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb),
          );
          // rank 3 with a batch of one
          await check(`[1] ${m}x${k}x${n} ta=${ta} tb=${tb}`, () =>
            tf.matMul(tf.tensor3d(a, ta ? [1, k, m] : [1, m, k]), tf.tensor3d(b, tb ? [1, n, k] : [1, k, n]), ta, tb),
          );
        }
      }
    }
  });

  it('batched products (through a depthwise convolution) with either side transposed, and broadcasting ones', async () => {
    const [m, k, n] = [32, 16, 24];
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = rand(2 * 12 * m * k, 3, 2);
        const b = rand(2 * 12 * k * n, 4, 2);
        await check(`[2, 12] ${m}x${k}x${n} ta=${ta} tb=${tb}`, () =>
          tf.matMul(tf.tensor4d(a, ta ? [2, 12, k, m] : [2, 12, m, k]), tf.tensor4d(b, tb ? [2, 12, n, k] : [2, 12, k, n]), ta, tb),
        );
      }
    }
    // Small batches, and a batch against a single matrix (broadcast), stay on the original kernel.
    await check('small batch', () => tf.matMul(tf.tensor3d(rand(3 * 4 * 5, 5), [3, 4, 5]), tf.tensor3d(rand(3 * 5 * 2, 6), [3, 5, 2])), true);
    await check('broadcast', () => tf.matMul(tf.tensor3d(rand(3 * 40 * 50, 7), [3, 40, 50]), tf.tensor3d(rand(50 * 60, 8), [1, 50, 60])), true);
  });

  it('gives the dense layer gradients through tf.grads', async () => {
    const x = rand(16 * 9, 9);
    const w = rand(9 * 5, 10);
    await check('grads', () => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D))))([tf.tensor2d(x, [16, 9]), tf.tensor2d(w, [9, 5])]));
  });
});

describe('Conv2DBackpropInput (stride 1 as a convolution)', () => {
  it('over kernel sizes, channels and paddings; strides above 1 keep the original', async () => {
    const pads: Array<[string, unknown, 'floor' | 'round' | 'ceil' | undefined]> = [
      ['same', 'same', undefined],
      ['valid', 'valid', undefined],
      ['pad 1', 1, 'floor'],
      ['explicit', [[0, 0], [2, 0], [0, 1], [0, 0]], undefined],
    ];
    for (const k of [1, 2, 3, 5]) {
      for (const [inC, outC] of [
        [1, 3],
        [4, 2],
      ] as const) {
        for (const [name, pad, rounding] of pads) {
          for (const stride of [1, 2]) {
            const inputShape: [number, number, number, number] = [2, 7, 6, inC];
            const info = tf.backend_util.computeConv2DInfo(inputShape, [k, k, inC, outC], stride, 1, pad as 'same', rounding);
            const dy = rand(2 * info.outHeight * info.outWidth * outC, k * 10 + inC);
            const filter = rand(k * k * inC * outC, k + outC);
            await check(`k${k} ${inC}->${outC} ${name} s${stride}`, () =>
              tf.engine().runKernel(
                tf.Conv2DBackpropInput,
                { dy: tf.tensor4d(dy, [2, info.outHeight, info.outWidth, outC]), filter: tf.tensor4d(filter, [k, k, inC, outC]) },
                { strides: [stride, stride], pad, dataFormat: 'NHWC', dimRoundingMode: rounding, inputShape } as unknown as tf.NamedAttrMap,
              ) as tf.Tensor,
            );
          }
        }
      }
    }
  });
});

describe('MaxPoolGrad (positions from MaxPoolWithArgmax)', () => {
  // wasm's own kernel (and MaxPoolWithArgmax) start each window's search at the smallest positive
  // float, so a window holding no positive value sends its gradient to the tensor's first element,
  // where cpu picks the window's maximum: compared with cpu on positive data only.
  it('is the original kernel exactly, overlapping windows, padding and negative values included', async () => {
    for (const [size, stride, pad] of [
      [2, 2, 'same'],
      [2, 2, 'valid'],
      [3, 1, 'same'],
      [3, 2, 'valid'],
    ] as const) {
      for (const positive of [false, true]) {
        const values = rand(2 * 9 * 7 * 3, size * 7 + stride, 4).map((v) => (positive ? Math.abs(v) + 0.01 : v));
        const x = tf.tensor4d(values, [2, 9, 7, 3]);
        const pooledShape = tf.maxPool(x, size, stride, pad).shape;
        const weights = rand(pooledShape.reduce((a, b) => a * b, 1), 11);
        await check(
          `pool ${size}/${stride} ${pad}${positive ? ' positive' : ''}`,
          () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), tf.tensor(weights, pooledShape))))(x.clone()),
          true,
          positive,
        );
        x.dispose();
      }
    }
  });
});

describe('GatherV2, Sum, Slice, Unpack, SplitV (straight from the wasm heap)', () => {
  it('gather along any axis, float32 and int32, like the original; out-of-range indices go to the original, which throws', async () => {
    const table = rand(40 * 20, 12);
    const ids = [3, 0, 39, 3, 17];
    await check('rows, wide', () => tf.gather(tf.tensor2d(table, [40, 20]), tf.tensor1d(ids, 'int32')), true);
    await check('rows, narrow', () => tf.gather(tf.tensor2d(table.slice(0, 80), [40, 2]), tf.tensor2d([1, 2, 3, 39], [2, 2], 'int32')), true);
    await check('rows, int32', () => tf.gather(tf.tensor2d(Int32Array.from(table, (v) => Math.round(v * 100)), [40, 20], 'int32'), tf.tensor1d(ids, 'int32')), true);
    await check('axis 1', () => tf.gather(tf.tensor2d(table, [40, 20]), tf.tensor1d([19, 0, 5, 5], 'int32'), 1), true);
    await check('axis 1 of 3, wide slices', () => tf.gather(tf.tensor3d(table, [2, 20, 20]), tf.tensor1d([19, 0, 5], 'int32'), 1), true);
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.tensor2d(table, [40, 20]), tf.tensor1d([40], 'int32'))).toThrow(/not in \[0, 39\]/);
  });

  it('sums over leading axes like the original, keepDims included; other axes go to the original', async () => {
    const x = rand(300 * 5 * 64, 13, 10);
    await check('axis 0', () => tf.sum(tf.tensor2d(x, [1500, 64]), 0));
    await check('axes 0, 1 keepDims', () => tf.sum(tf.tensor3d(x, [300, 5, 64]), [1, 0], true));
    await check('last axis', () => tf.sum(tf.tensor3d(x, [300, 5, 64]), 2), true);
    await check('small', () => tf.sum(tf.tensor2d(x.slice(0, 64), [8, 8]), 0), true);
  });

  it('slices, unstacks and splits exactly like the originals, for every dtype', async () => {
    const x = rand(4 * 6 * 5 * 3, 14);
    const cases: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
      ['slice inner', () => tf.slice(tf.tensor4d(x, [4, 6, 5, 3]), [1, 2, 1, 0], [2, 3, 4, 2])],
      ['slice rows', () => tf.slice(tf.tensor4d(x, [4, 6, 5, 3]), [1, 0, 0, 0], [2, -1, -1, -1])],
      ['slice 1-D', () => tf.slice(tf.tensor1d(x), 7, 50)],
      ['slice int32', () => tf.slice(tf.tensor3d(Int32Array.from(x, (v) => Math.round(v * 99)), [4, 6, 15], 'int32'), [0, 2, 3], [4, 2, 12])],
      ['slice bool', () => tf.slice(tf.greater(tf.tensor3d(x, [4, 6, 15]), 0), [1, 1, 1], [2, 4, 13])],
      ['unstack 0', () => tf.unstack(tf.tensor4d(x, [4, 6, 5, 3]))],
      ['unstack 2', () => tf.unstack(tf.tensor4d(x, [4, 6, 5, 3]), 2)],
      ['split even', () => tf.split(tf.tensor3d(x, [4, 6, 15]), 3, 1)],
      ['split sizes', () => tf.split(tf.tensor3d(x, [4, 6, 15]), [4, -1, 6], 2)],
    ];
    for (const [label, fn] of cases) await check(label, fn, true);
  });
});

/** A layer's output and the gradients of a weighted sum of it (the weights, then the input). */
function outputAndGrads(layer: tf.layers.Layer, x: tf.Tensor, weights: tf.Tensor): tf.Tensor[] {
  const loss = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, weights)) as tf.Scalar;
  const variables = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const { grads } = tf.variableGrads(loss, variables);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, weights)))(x);
  return [layer.apply(x) as tf.Tensor, ...variables.map((v) => grads[v.name]!), dx];
}

describe('SequenceLstm', () => {
  it('gives tf.layers.lstm output and gradients, last state or every step, saturated gates included', async () => {
    for (const returnSequences of [false, true]) {
      const [n, steps, features, units] = [3, 6, 4, 5];
      // values up to ±4: many gates past the hard sigmoid's corners
      const xs = rand(n * steps * features, 21, 8);
      const ws = rand(returnSequences ? n * steps * units : n * units, 22);
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend);
        const x = tf.tensor3d(xs, [n, steps, features]);
        const weights = tf.tensor(ws, returnSequences ? [n, steps, units] : [n, units]);
        const reference = tf.layers.lstm({ units, returnSequences, biasInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }) });
        const ours = new SequenceLstm({ units, returnSequences, kernelSeed: 1, recurrentSeed: 2 });
        reference.apply(x);
        ours.apply(x);
        ours.setWeights(reference.getWeights());
        const want = await runOn(backend, () => outputAndGrads(reference, x, weights));
        const got = await runOn(backend, () => outputAndGrads(ours, x, weights));
        expectClose(got, want, `${backend} returnSequences=${returnSequences}`);
        tf.dispose([x, weights]);
        reference.dispose();
        ours.dispose();
      }
    }
  });

  it('the same seeds give tf.layers.lstm the same starting weights', () => {
    const reference = tf.layers.lstm({ units: 4, returnSequences: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 6 }) });
    const ours = new SequenceLstm({ units: 4, returnSequences: false, kernelSeed: 5, recurrentSeed: 6 });
    const x = tf.zeros([1, 3, 2]);
    reference.apply(x);
    ours.apply(x);
    reference.getWeights().forEach((w, i) => expect(Array.from(ours.getWeights()[i]!.dataSync())).toEqual(Array.from(w.dataSync())));
    x.dispose();
  });

  it("is what Pipeloom's RNN uses for time windows (1 and 2 layers); it trains, saves and reloads", async () => {
    await tf.setBackend('wasm');
    const rows = 60;
    const columns: Column[] = [];
    const series = Array.from({ length: rows + 6 }, (_, t) => Math.sin(t * 0.5) * 3);
    for (let lag = 4; lag >= 0; lag--) columns.push({ name: lagColumnName('x', lag), type: 'number', values: Float64Array.from({ length: rows }, (_, r) => series[r + 4 - lag]!) });
    columns.push({ name: 'y', type: 'number', values: Float64Array.from({ length: rows }, (_, r) => series[r + 5]!) });
    const train: Table = { rowCount: rows, columns };
    const empty: Table = { rowCount: 0, columns: columns.map((c) => ({ ...c, values: new Float64Array(0) }) as Column) };
    const split: SplitArtifact = { target: 'y', task: 'regression', labels: [], train, validation: empty, test: empty, recipe: [], seed: 0 };
    for (const layers of [1, 2]) {
      const spec = { family: 'rnn', trainer: 'gradient', config: nodeKinds.get('model.rnn')!.params.parse({ cell: 'lstm', units: 6, layers }) } as ModelSpec;
      const losses: number[] = [];
      const trained = await trainNetwork(split, spec, { epochs: 12, learningRate: 0.02, batchSize: 16, optimizer: 'adam', seed: 3 }, { ...testContext(), epoch: (_e, values) => void losses.push(values.loss!) });
      expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
      const network = await loadNetwork(trained.weights!);
      expect(network.layers.filter((l) => l instanceof SequenceLstm)).toHaveLength(layers);
      const out = network.predict(tf.zeros([2, trained.encoder.width])) as tf.Tensor;
      expect(out.shape).toEqual([2, 1]);
      expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
      out.dispose();
      network.dispose();
    }
  });
});
