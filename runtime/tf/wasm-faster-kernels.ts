import * as tf from '@tensorflow/tfjs';
import { asTensor, type Pad, type Shape4 } from './kernel-inputs';

/**
 * Faster versions of kernels the wasm backend has but runs slowly when training (issue #5; measured
 * by bench/models/deep.ts). Each one handles the common case itself and hands anything else to the
 * backend's own kernel, which it keeps.
 */

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };
type KernelImpl = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** Product of the leading (batch) dimensions of a matrix operand. */
function batchOf(info: tf.TensorInfo): number {
  return info.shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/** The operand with its last two axes swapped, as a fresh row-major tensor. */
function swapLastTwo(info: tf.TensorInfo): tf.Tensor {
  const rank = info.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return tf.transpose(asTensor(info), perm);
}

/** Batched products at least this big (multiply-adds) go through batchedByDepthwise. */
const DEPTHWISE_MIN_WORK = 1 << 18;

/**
 * C[i] = op(A[i])·op(B[i]) for every i of the batch as one depthwise convolution, which XNNPACK runs
 * as a packed GEMM per channel group: the batch index becomes the channel, A's rows the image rows,
 * the shared dimension the image columns (and the filter's width), B's columns the channel
 * multiplier. in[0, m, k, i] = A[i, m, k], filter[0, k, i, n] = B[i, k, n], out[0, m, 0, i·N + n] =
 * C[i, m, n]. The transposes into and out of that layout take either side's transpose for free.
 */
function batchedByDepthwise(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, outShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const batch = batchOf(a);
    const a3 = tf.reshape(asTensor(a), [batch, ...a.shape.slice(-2)]);
    const b3 = tf.reshape(asTensor(b), [batch, ...b.shape.slice(-2)]);
    const [m, k] = transposeA ? [a3.shape[2]!, a3.shape[1]!] : [a3.shape[1]!, a3.shape[2]!];
    const n = transposeB ? b3.shape[1]! : b3.shape[2]!;
    const image = tf.reshape(tf.transpose(a3, transposeA ? [2, 1, 0] : [1, 2, 0]), [1, m, k, batch]) as tf.Tensor4D;
    const filter = tf.reshape(tf.transpose(b3, transposeB ? [2, 0, 1] : [1, 0, 2]), [1, k, batch, n]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(image, filter, 1, 'valid'); // [1, m, 1, batch·n]
    return tf.reshape(tf.transpose(tf.reshape(out, [m, batch, n]), [1, 0, 2]), outShape);
  });
}

/**
 * wasm's BatchMatMul hands a product to XNNPACK (packed, SIMD) only when it is a single matrix pair
 * with neither side transposed; anything else runs a scalar triple loop. Every weight gradient of a
 * dense layer is such a product (xᵀ·dy for the kernel, dy·Wᵀ for the input), as is every product of
 * attention (q·kᵀ, weights·v per text and head, and their gradients): 3-40x slower than XNNPACK.
 * Here a transposed side of a single product is transposed first (one copy) and the product goes to
 * XNNPACK; a batch of products of one shape (no broadcasting) goes through batchedByDepthwise. Small
 * batched products and broadcasting ones keep the original.
 */
function batchMatMulFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return original(args);
    const batch = batchOf(a);
    if (batch > 1 && a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i])) {
      const rank = a.shape.length;
      const m = a.shape[transposeA ? rank - 1 : rank - 2]!;
      const k = a.shape[transposeA ? rank - 2 : rank - 1]!;
      const n = b.shape[transposeB ? rank - 2 : rank - 1]!;
      if (batch * m * k * n >= DEPTHWISE_MIN_WORK && k === b.shape[transposeB ? rank - 1 : rank - 2]) {
        return batchedByDepthwise(a, b, transposeA, transposeB, [...a.shape.slice(0, -2), m, n]);
      }
    }
    if ((!transposeA && !transposeB) || batch !== 1 || batchOf(b) !== 1) return original(args);
    const swapped = tf.tidy(() => ({ a: transposeA ? swapLastTwo(a) : undefined, b: transposeB ? swapLastTwo(b) : undefined }));
    try {
      return original({ ...args, inputs: { a: swapped.a ?? a, b: swapped.b ?? b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      tf.dispose([swapped.a, swapped.b].filter((t): t is tf.Tensor => t !== undefined));
    }
  };
}

/**
 * The input gradient of a stride-1 NHWC convolution is itself a convolution: dy, padded by
 * (kernel - 1 - the forward padding) before and what is left after, correlated with the filter
 * turned 180° and its in/out channels swapped. wasm's own Conv2DBackpropInput is a scalar loop
 * (~14x slower than this on a 3x3, 32 → 64 channel layer); this one runs on XNNPACK's conv2d.
 * Strides above 1 and NCHW data keep the original.
 */
function conv2dBackpropInputFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as { strides: number | [number, number]; pad: Pad; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: Shape4 };
    const [strideH, strideW] = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
    if (strideH !== 1 || strideW !== 1 || attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original(args);
    const filterShape = filter.shape as Shape4;
    const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filterShape, 1, 1, attrs.pad as 'same', attrs.dimRoundingMode, false, 'channelsLast');
    const [, inH, inW] = attrs.inputShape;
    const [, outH, outW] = dy.shape;
    const [kh, kw] = filterShape;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = inH - outH! + info.padInfo.top;
    const right = inW - outW! + info.padInfo.left;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original(args);
    return tf.tidy(() => {
      const turned = tf.transpose(tf.reverse(asTensor(filter) as tf.Tensor4D, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(asTensor(dy) as tf.Tensor4D, turned, 1, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    });
  };
}

/**
 * wasm's MaxPoolGrad finds each window's maximum again and then, per input pixel, walks every
 * window that holds it (~40 ms for [64, 28, 28, 32] here). The backend's own MaxPoolWithArgmax runs
 * the same window scan with the same choice of position (the last maximum), and the gradient is then
 * one pass adding each dy to its position, straight in the wasm heap. Both scans start from the
 * smallest positive float at position 0, so a window holding no positive value "finds" position 0:
 * MaxPoolGrad adds nothing for it unless the window holds element 0 itself, and so does this.
 * With a dimRoundingMode (which MaxPoolWithArgmax lacks) the original runs.
 */
function maxPoolGradFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const backend = args.backend as WasmBackendLike;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: string };
    if (dimRoundingMode != null || input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) return original(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad as 'same');
    const [positions, pooled] = ((): [tf.TensorInfo, tf.TensorInfo] => {
      const [p, i] = tf.engine().runKernel(tf.MaxPoolWithArgmax, { x: asTensor(input) }, { filterSize, strides, pad, includeBatchInIndex: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return [i!, p!];
    })();
    try {
      const out = backend.makeOutput(input.shape, 'float32');
      // Views after the allocation: growing the heap replaces its buffer.
      const dx = backend.typedArrayFromHeap(out) as Float32Array;
      const grads = backend.typedArrayFromHeap(dy) as Float32Array;
      const at = backend.typedArrayFromHeap(positions) as Int32Array;
      dx.fill(0);
      const channels = info.inChannels;
      // dy entries whose window holds element 0: batch 0, channel 0, windows over row 0 and column 0.
      const holdsFirst = (i: number) => {
        if (i % channels !== 0 || i >= info.outHeight * info.outWidth * channels) return false;
        const pixel = i / channels;
        const top = Math.floor(pixel / info.outWidth) * info.strideHeight - info.padInfo.top;
        const left = (pixel % info.outWidth) * info.strideWidth - info.padInfo.left;
        return top <= 0 && top + info.effectiveFilterHeight > 0 && left <= 0 && left + info.effectiveFilterWidth > 0;
      };
      for (let i = 0; i < at.length; i++) {
        const p = at[i]!;
        if (p !== 0 || holdsFirst(i)) dx[p] += grads[i]!;
      }
      return out;
    } finally {
      tf.dispose([positions as tf.Tensor, pooled as tf.Tensor]);
    }
  };
}

/** The parts of the wasm backend (BackendWasm) the kernels below use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * wasm's GatherV2 computes every element's address from strides, ~25 M elements/s: the per-epoch
 * shuffle of 60,000 × 64 training rows took ~140 ms, and a network's PickColumns (pixels, windows out
 * of the encoded rows: a gather along axis 1) ~1 ms per batch. Here (float32 or int32, no batch
 * dimensions) each gathered slice is copied whole, straight between the tensors' places in the wasm
 * heap: out[o, i, …] = x[o, indices[i], …]. Any index out of range goes to the original, which throws.
 */
function gatherV2Faster(original: KernelImpl): KernelImpl {
  return (args) => {
    const backend = args.backend as WasmBackendLike;
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
    if ((batchDims ?? 0) !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32' || x.shape.length === 0) return original(args);
    const at = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const dim = x.shape[at]!;
    const ids = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < ids.length; i++) if (!(ids[i]! >= 0 && ids[i]! < dim)) return original(args);
    const outer = x.shape.slice(0, at).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(at + 1).reduce((a, b) => a * b, 1);
    const out = backend.makeOutput([...x.shape.slice(0, at), ...indices.shape, ...x.shape.slice(at + 1)], x.dtype);
    // Views after the allocation: growing the heap replaces its buffer.
    const from = backend.typedArrayFromHeap(x);
    const to = backend.typedArrayFromHeap(out);
    const picks = backend.typedArrayFromHeap(indices);
    let o = 0;
    for (let block = 0; block < outer; block++) {
      const base = block * dim * inner;
      for (let i = 0; i < picks.length; i++, o += inner) {
        const src = base + picks[i]! * inner;
        if (inner >= 16) to.set(from.subarray(src, src + inner), o);
        else for (let j = 0; j < inner; j++) to[o + j] = from[src + j]!;
      }
    }
    return out;
  };
}

/** Sums over fewer values than this keep the original kernel (the product below costs more to set up). */
const SUM_AS_PRODUCT_MIN = 1 << 16;

/**
 * wasm's Sum over leading axes (every bias gradient: dy summed over a batch's rows or pixels) first
 * transposes those axes to the end, with the backend's untiled transpose (~6 ns per value), then
 * sums. The same sum is ones[1, rows] · x[rows, rest] on XNNPACK's fast path: ~30x faster on
 * [4096, 128], and it adds each column's values in the same order (identical results measured).
 */
function sumFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32' || x.shape.reduce((p, q) => p * q, 1) < SUM_AS_PRODUCT_MIN) return original(args);
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    if (axes.length === 0 || axes.length === x.shape.length || !axes.every((a, i) => a === i)) return original(args);
    const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(asTensor(x), [rows, -1])), outShape));
  };
}

/**
 * x[begin … begin + size) into a new tensor, copying whole runs of contiguous values straight between
 * the two tensors' places in the wasm heap. wasm's own Slice first copies the *whole* input out of the
 * heap (backend.readSync) on every call, and its Unpack and SplitV call that Slice once per output:
 * unstacking a [50, 64, 256] tensor into its 50 steps copied 50 × 3.2 MB.
 */
function sliceFromHeap(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const count = size.reduce((a, b) => a * b, 1);
  if (count === 0) return out;
  // Views after the allocation: growing the heap replaces its buffer.
  const from = backend.typedArrayFromHeap(x);
  const to = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1]! * x.shape[a + 1]!;
  // Axes after `inner` are taken whole, so each run is size[inner] of them, contiguous.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === x.shape[inner]) inner--;
  const run = size[inner]! * strides[inner]!;
  const index = new Array<number>(inner).fill(0);
  for (let at = 0; at < count; at += run) {
    let src = begin[inner]! * strides[inner]!;
    for (let a = 0; a < inner; a++) src += (begin[a]! + index[a]!) * strides[a]!;
    if (run >= 16) to.set(from.subarray(src, src + run), at);
    else for (let j = 0; j < run; j++) to[at + j] = from[src + j]!;
    for (let a = inner - 1; a >= 0; a--) {
      if (++index[a]! < size[a]!) break;
      index[a] = 0;
    }
  }
  return out;
}

function sliceFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0) return original(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [from, sizes] = tf.backend_util.slice_util.parseSliceParams(x, begin, size);
    return sliceFromHeap(args.backend as WasmBackendLike, x, from!, sizes!);
  };
}

function unpackFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const { value } = args.inputs as { value: tf.TensorInfo };
    if (value.dtype === 'string' || value.dtype === 'complex64') return original(args);
    const rank = value.shape.length;
    let { axis } = args.attrs as unknown as { axis: number };
    if (axis < 0) axis += rank;
    const size = value.shape.slice();
    size[axis] = 1;
    const outShape = value.shape.filter((_, a) => a !== axis);
    return Array.from({ length: value.shape[axis]! }, (_, i) => {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const { dataId, dtype } = sliceFromHeap(args.backend as WasmBackendLike, value, begin, size);
      return { dataId, dtype, shape: outShape };
    });
  };
}

function splitVFaster(original: KernelImpl): KernelImpl {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const at = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const begin = new Array<number>(x.shape.length).fill(0);
    return tf.backend_util.prepareSplitSize(x, numOrSizeSplits, at).map((part) => {
      const size = x.shape.slice();
      size[at] = part;
      const out = sliceFromHeap(args.backend as WasmBackendLike, x, begin.slice(), size);
      begin[at]! += part;
      return out;
    });
  };
}

const FASTER: Array<[string, (original: KernelImpl) => KernelImpl]> = [
  [tf.BatchMatMul, batchMatMulFaster],
  [tf.Conv2DBackpropInput, conv2dBackpropInputFaster],
  [tf.MaxPoolGrad, maxPoolGradFaster],
  [tf.GatherV2, gatherV2Faster],
  [tf.Sum, sumFaster],
  [tf.Slice, sliceFaster],
  [tf.Unpack, unpackFaster],
  [tf.SplitV, splitVFaster],
];

/** The wasm backend's own kernels that the faster versions replaced, to call and to restore. */
const replaced = new Map<string, tf.KernelConfig>();

/** The kernels useFasterWasmKernels can replace, in the order they were added. */
export const FASTER_WASM_KERNELS: readonly string[] = FASTER.map(([name]) => name);

/**
 * Puts the faster kernels in place of the wasm backend's own (enabled, the default; initTf does
 * this), or puts the originals back (disabled: the benchmark's "stock tfjs" figures). A list of
 * kernel names enables those and puts the others' originals back (the benchmark's step-by-step
 * figures). Safe to call more than once; returns the kernel names it changed this call.
 */
export function useFasterWasmKernels(enabled: boolean | readonly string[] = true): string[] {
  const changed: string[] = [];
  for (const [kernelName, faster] of FASTER) {
    const wanted = typeof enabled === 'boolean' ? enabled : enabled.includes(kernelName);
    const current = tf.getKernel(kernelName, 'wasm');
    if (!current) continue;
    if (wanted && !replaced.has(kernelName)) {
      replaced.set(kernelName, current);
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: faster(current.kernelFunc as unknown as KernelImpl) as unknown as tf.KernelFunc });
      changed.push(kernelName);
    } else if (!wanted && replaced.has(kernelName)) {
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(replaced.get(kernelName)!);
      replaced.delete(kernelName);
      changed.push(kernelName);
    }
  }
  return changed;
}
