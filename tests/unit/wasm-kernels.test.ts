import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from '../../runtime/tf/backend';
import { registerMissingWasmKernels } from '../../runtime/tf/wasm-missing-kernels';

// tf's backend is global within this file: every comparison switches explicitly and checks
// tf.getBackend(), because tf.setBackend can fall back silently.

type Backend = 'cpu' | 'wasm';

async function use(backend: Backend): Promise<void> {
  await tf.setBackend(backend);
  await tf.ready();
  expect(tf.getBackend()).toBe(backend);
}

/** Deterministic data so the cpu and wasm runs see identical inputs. */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function randInts(n: number, max: number, seed: number): Int32Array {
  return Int32Array.from(rand(n, seed), (v) => Math.floor((v + 0.5) * max) % max);
}

interface Result {
  shape: number[];
  values: Float32Array;
}

async function runOn(backend: Backend, fn: () => tf.Tensor): Promise<Result> {
  await use(backend);
  const out = tf.tidy(fn);
  const values = Float32Array.from(await out.data());
  const shape = out.shape.slice();
  out.dispose();
  return { shape, values };
}

/** |wasm - cpu| ≤ 1e-4 · max(1, max|cpu|) elementwise (1e-4 relative to the result's scale). */
function expectClose(got: Result, want: Result, label: string): void {
  expect(got.shape, label).toEqual(want.shape);
  let scale = 1;
  for (const v of want.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.values.length; i++) {
    worst = Math.max(worst, Math.abs(got.values[i]! - want.values[i]!));
  }
  expect(worst / scale, label).toBeLessThanOrEqual(1e-4);
}

async function compare(label: string, fn: () => tf.Tensor): Promise<void> {
  const want = await runOn('cpu', fn);
  const got = await runOn('wasm', fn);
  expectClose(got, want, label);
}

function run(kernel: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

function convOutSize(x: [number, number, number, number], f: [number, number, number, number], stride: number, pad: unknown, rounding?: 'floor' | 'round' | 'ceil', depthwise = false) {
  const info = tf.backend_util.computeConv2DInfo(x, f, stride, 1, pad as 'same', rounding, depthwise);
  return [info.outHeight, info.outWidth] as const;
}

const PADS: Array<{ name: string; pad: unknown; rounding?: 'floor' | 'round' | 'ceil' }> = [
  { name: 'same', pad: 'same' },
  { name: 'valid', pad: 'valid' },
  { name: 'pad=1 floor', pad: 1, rounding: 'floor' },
  { name: 'explicit', pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
];

beforeAll(async () => {
  process.env.PIPELOOM_TF_BACKEND = 'wasm';
  expect(await initTf()).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

describe('registerMissingWasmKernels', () => {
  it('has registered the missing gradient kernels once, and registering again adds nothing', () => {
    for (const name of [
      tf.Conv2DBackpropFilter,
      tf.UnsortedSegmentSum,
      tf.DepthwiseConv2dNativeBackpropFilter,
      tf.DepthwiseConv2dNativeBackpropInput,
    ]) {
      expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    }
    expect(registerMissingWasmKernels()).toEqual([]);
  });
});

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  it('over batch × channels × kernel × stride × padding', async () => {
    let cases = 0;
    for (const batch of [1, 2, 3])
      for (const inC of [1, 2, 4])
        for (const outC of [1, 3])
          for (const k of [1, 2, 3])
            for (const stride of [1, 2])
              for (const { name, pad, rounding } of PADS) {
                const hw = 5 + ((batch + k) % 3); // 5..7, odd and even sizes
                const xShape: [number, number, number, number] = [batch, hw, hw + 1, inC];
                const filterShape: [number, number, number, number] = [k, k, inC, outC];
                const [oh, ow] = convOutSize(xShape, filterShape, stride, pad, rounding);
                const seed = cases * 7 + 1;
                const xs = rand(batch * hw * (hw + 1) * inC, seed);
                const dys = rand(batch * oh * ow * outC, seed + 3);
                await compare(`b${batch} c${inC}->${outC} k${k} s${stride} ${name}`, () =>
                  run(
                    tf.Conv2DBackpropFilter,
                    { x: tf.tensor4d(xs, xShape), dy: tf.tensor4d(dys, [batch, oh, ow, outC]) },
                    { strides: [stride, stride], pad, dataFormat: 'NHWC', dimRoundingMode: rounding, filterShape },
                  ),
                );
                cases++;
              }
    expect(cases).toBe(3 * 3 * 2 * 3 * 2 * PADS.length);
  });

  it('with a non-square kernel, unequal strides and NCHW data', async () => {
    const xs = rand(2 * 3 * 9 * 8, 11);
    const xNhwc: [number, number, number, number] = [2, 9, 8, 3];
    const filterShape: [number, number, number, number] = [3, 2, 3, 4];
    const info = tf.backend_util.computeConv2DInfo(xNhwc, filterShape, [2, 1], 1, 'same');
    const dys = rand(2 * info.outHeight * info.outWidth * 4, 12);
    const dyShape: [number, number, number, number] = [2, info.outHeight, info.outWidth, 4];
    const nhwc = () =>
      run(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor4d(xs, xNhwc), dy: tf.tensor4d(dys, dyShape) },
        { strides: [2, 1], pad: 'same', dataFormat: 'NHWC', filterShape },
      );
    await compare('3x2 kernel, strides [2,1]', nhwc);
    // NCHW gives the same filter gradient as the NHWC layout of the same data
    const want = await runOn('wasm', nhwc);
    const got = await runOn('wasm', () =>
      run(
        tf.Conv2DBackpropFilter,
        {
          x: tf.transpose(tf.tensor4d(xs, xNhwc), [0, 3, 1, 2]),
          dy: tf.transpose(tf.tensor4d(dys, dyShape), [0, 3, 1, 2]),
        },
        { strides: [2, 1], pad: 'same', dataFormat: 'NCHW', filterShape },
      ),
    );
    expectClose(got, want, 'NCHW');
  });

  it('gives the conv2d / conv1d weight gradients through tf.grads', async () => {
    const xs = rand(3 * 10 * 10 * 2, 21);
    const ws = rand(3 * 3 * 2 * 5, 22);
    await compare('grad conv2d', () => {
      const g = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').square().sum(),
      )([tf.tensor4d(xs, [3, 10, 10, 2]), tf.tensor4d(ws, [3, 3, 2, 5])]);
      return tf.concat([g[0]!.flatten(), g[1]!.flatten()]);
    });
    await compare('grad conv1d', () => {
      const g = tf.grad((w: tf.Tensor) =>
        tf.conv1d(tf.tensor3d(xs.subarray(0, 3 * 20 * 2), [3, 20, 2]), w as tf.Tensor3D, 1, 'valid').sum(),
      )(tf.tensor3d(ws.subarray(0, 3 * 2 * 5), [3, 2, 5]));
      return g;
    });
  });
});

describe('DepthwiseConv2dNative backprop on wasm matches cpu', () => {
  it('filter and input gradients over channels × multiplier × kernel × stride × padding', async () => {
    let seed = 100;
    for (const batch of [1, 3])
      for (const inC of [1, 3])
        for (const mult of [1, 2])
          for (const k of [1, 3])
            for (const stride of [1, 2])
              for (const { name, pad, rounding } of PADS) {
                const xShape: [number, number, number, number] = [batch, 6, 7, inC];
                const filterShape: [number, number, number, number] = [k, k, inC, mult];
                const [oh, ow] = convOutSize(xShape, filterShape, stride, pad, rounding, true);
                const xs = rand(batch * 6 * 7 * inC, seed++);
                const fs = rand(k * k * inC * mult, seed++);
                const dys = rand(batch * oh * ow * inC * mult, seed++);
                const attrs = { strides: [stride, stride], dilations: [1, 1], pad, dimRoundingMode: rounding };
                const label = `b${batch} c${inC} m${mult} k${k} s${stride} ${name}`;
                const dy = () => tf.tensor4d(dys, [batch, oh, ow, inC * mult]);
                await compare(`filter ${label}`, () =>
                  run(tf.DepthwiseConv2dNativeBackpropFilter, { x: tf.tensor4d(xs, xShape), dy: dy() }, { ...attrs, filterShape }),
                );
                await compare(`input ${label}`, () =>
                  run(tf.DepthwiseConv2dNativeBackpropInput, { dy: dy(), filter: tf.tensor4d(fs, filterShape) }, { ...attrs, inputShape: xShape }),
                );
              }
  });
});

describe('UnsortedSegmentSum on wasm matches cpu', () => {
  it('1-D data with repeated and unused segments', async () => {
    for (const [n, segments] of [
      [1, 1],
      [7, 3],
      [20, 12],
      [50, 200],
    ] as const) {
      const xs = rand(n, n);
      const ids = randInts(n, Math.max(1, Math.floor(segments / 2)), n + 1); // ≥ half the segments unused
      ids[0] = segments - 1;
      if (n > 2) ids[1] = ids[2]!; // at least one repeat
      await compare(`1-D n=${n} segments=${segments}`, () =>
        tf.unsortedSegmentSum(tf.tensor1d(xs), tf.tensor1d(ids, 'int32'), segments),
      );
    }
  });

  it('2-D and 3-D data, plus int32 data', async () => {
    const xs = rand(30 * 4, 5);
    const ids = randInts(30, 9, 6); // segments 9..10 stay empty
    await compare('2-D', () => tf.unsortedSegmentSum(tf.tensor2d(xs, [30, 4]), tf.tensor1d(ids, 'int32'), 11));
    await compare('3-D', () => tf.unsortedSegmentSum(tf.tensor3d(xs, [30, 2, 2]), tf.tensor1d(ids, 'int32'), 11));
    const ints = Int32Array.from(xs, (v) => Math.round(v * 100));
    await compare('int32', () => tf.unsortedSegmentSum(tf.tensor2d(ints, [30, 4], 'int32'), tf.tensor1d(ids, 'int32'), 11));
    const r = await runOn('wasm', () => tf.unsortedSegmentSum(tf.tensor2d(ints, [30, 4], 'int32'), tf.tensor1d(ids, 'int32'), 11));
    expect(r.shape).toEqual([11, 4]);
  });

  it('drops out-of-range ids like TF', async () => {
    const r = await runOn('wasm', () =>
      tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor1d([1, 5, 1], 'int32'), 3),
    );
    expect(Array.from(r.values)).toEqual([0, 0, 6, 8, 0, 0]) // rows 0 and 2 into segment 1, row 1 (id 5) dropped;
  });

  it('gives the gather (embedding lookup) gradient', async () => {
    const table = rand(25 * 3, 31);
    const idx = randInts(4 * 6, 20, 32);
    await compare('grad gather', () =>
      tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor2d(idx, [4, 6], 'int32')).square().sum())(
        tf.tensor2d(table, [25, 3]),
      ),
    );
  });
});

async function fitLosses(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number): Promise<number[]> {
  const h = await model.fit(x, y, { epochs, batchSize: 16, shuffle: false, verbose: 0 });
  return h.history.loss as number[];
}

/** Fits 15 epochs on wasm: every loss finite, the last at least 10% below the first; frees everything. */
async function expectLearnsOnWasm(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const losses = await fitLosses(model, x, y, 15);
  expect(tf.getBackend()).toBe('wasm');
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
  model.dispose();
  tf.dispose([x, y]);
}

describe('models train on wasm', () => {
  it('a tiny CNN (conv2d → maxPooling2d → dense) on 8x8x1 data', async () => {
    await use('wasm');
    const n = 64;
    const x = tf.tensor4d(rand(n * 64, 41), [n, 8, 8, 1]);
    // learnable target: is the top half brighter than the bottom half?
    const y = tf.tidy(() => {
      const top = x.slice([0, 0, 0, 0], [-1, 4, -1, -1]).sum([1, 2, 3]);
      const bottom = x.slice([0, 4, 0, 0], [-1, 4, -1, -1]).sum([1, 2, 3]);
      return tf.oneHot(tf.cast(top.greater(bottom), 'int32'), 2);
    });
    const model = tf.sequential();
    // Seeded weights: an unlucky draw left every ReLU dead now and then (the loss stayed at ln 2).
    const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });
    model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', ...seeded(1) }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, activation: 'relu', ...seeded(2) }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 2, activation: 'softmax', ...seeded(3) }));
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
    await expectLearnsOnWasm(model, x, y);
  });

  it('an Embedding → GlobalAveragePooling1D → Dense text model on token ids', async () => {
    await use('wasm');
    const n = 64;
    const len = 6;
    const ids = randInts(n * len, 30, 51);
    // learnable target: does the sequence contain more "low" tokens (< 15) than high ones?
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let low = 0;
      for (let j = 0; j < len; j++) if (ids[i * len + j]! < 15) low++;
      labels[i] = low * 2 > len ? 1 : 0;
    }
    const x = tf.tensor2d(ids, [n, len], 'int32');
    const y = tf.tensor2d(labels, [n, 1]);
    const model = tf.sequential();
    model.add(tf.layers.embedding({ inputDim: 30, outputDim: 8, inputLength: len, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 4 }) }));
    model.add(tf.layers.globalAveragePooling1d({}));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
    await expectLearnsOnWasm(model, x, y);
  });

  it('LSTM, GRU and separable-conv models fit a batch on wasm too', async () => {
    await use('wasm');
    const seq = tf.tensor3d(rand(16 * 5 * 3, 61), [16, 5, 3]);
    const img = tf.tensor4d(rand(16 * 8 * 8 * 2, 62), [16, 8, 8, 2]);
    const y = tf.tensor2d(rand(16, 63), [16, 1]);
    const build = (first: tf.layers.Layer) => {
      const m = tf.sequential();
      m.add(first);
      if (first.name.includes('separable')) m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 1 }));
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      return m;
    };
    for (const [model, x] of [
      [build(tf.layers.lstm({ inputShape: [5, 3], units: 4 })), seq],
      [build(tf.layers.gru({ inputShape: [5, 3], units: 4 })), seq],
      [build(tf.layers.separableConv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, depthMultiplier: 2 })), img],
    ] as const) {
      const losses = await fitLosses(model, x, y, 2);
      expect(losses.every(Number.isFinite)).toBe(true);
      model.dispose();
    }
    expect(tf.getBackend()).toBe('wasm');
    tf.dispose([seq, img, y]);
  });
});
