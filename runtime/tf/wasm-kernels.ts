import * as tf from '@tensorflow/tfjs';

/**
 * Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 does not ship, so training a
 * CNN (conv2d / conv1d / separable / depthwise) or anything with an Embedding layer throws
 * "Kernel '…' not registered for backend 'wasm'".
 *
 * Each kernel is composed from tf ops that the wasm backend does implement (pad, transpose,
 * dilated conv2d through XNNPACK, strided slices, scatterND, conv2dTranspose …). Ops called inside a kernel are not
 * recorded on the gradient tape (the engine only records at kernel depth 0), and everything
 * intermediate is released by tf.tidy; the kernel returns a Tensor, which the engine accepts as
 * the output TensorInfo.
 */

type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: Shape4;
}

interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: Shape4;
  inputShape?: Shape4;
}

function asTensor(info: tf.TensorInfo | undefined): tf.Tensor {
  if (!info) throw new Error('wasm-kernels: missing kernel input');
  // Kernel inputs are already Tensors when they come from the engine; wrap bare infos just in case.
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

/** A kernel input as a float32 tensor: the gradients below compute in float32. */
function floatInput<T extends tf.Tensor>(info: tf.TensorInfo | undefined): T {
  const tensor = asTensor(info);
  return (tensor.dtype === 'float32' ? tensor : tf.cast(tensor, 'float32')) as T;
}

/** Input rows (or columns) that `outSize` outputs of a filter of `filterSize` taps read, padding included. */
function tapExtent(outSize: number, stride: number, filterSize: number, dilation: number): number {
  return (outSize - 1) * stride + (filterSize - 1) * dilation + 1;
}

/**
 * x (NHWC) padded with the conv's top/left padding and cut (or zero-extended) at the bottom/right
 * so that output position o of a tap at offset k*dilation reads row o*stride + k*dilation.
 */
function padForTaps(
  x: tf.Tensor4D,
  top: number,
  left: number,
  needH: number,
  needW: number,
): tf.Tensor4D {
  const [, h, w] = x.shape;
  const bottom = needH - top - h;
  const right = needW - left - w;
  let out = x;
  if (top !== 0 || left !== 0 || bottom > 0 || right > 0) {
    out = tf.pad(x, [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
  }
  // negative padding (never produced by computeConv2DInfo, but harmless to handle) or extra rows
  const startH = top < 0 ? -top : 0;
  const startW = left < 0 ? -left : 0;
  if (startH !== 0 || startW !== 0 || out.shape[1] - startH !== needH || out.shape[2] - startW !== needW) {
    out = tf.slice(out, [0, startH, startW, 0], [-1, needH, needW, -1]);
  }
  return out;
}

/** The [N, outH, outW, C] window of the padded input seen by filter tap (kh, kw). */
function tapSlice(
  xp: tf.Tensor4D,
  kh: number,
  kw: number,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const h0 = kh * info.dilationHeight;
  const w0 = kw * info.dilationWidth;
  const { outHeight, outWidth, strideHeight, strideWidth } = info;
  if (strideHeight === 1 && strideWidth === 1) {
    return tf.slice(xp, [0, h0, w0, 0], [-1, outHeight, outWidth, -1]);
  }
  return tf.stridedSlice(
    xp,
    [0, h0, w0, 0],
    [xp.shape[0], h0 + (outHeight - 1) * strideHeight + 1, w0 + (outWidth - 1) * strideWidth + 1, xp.shape[3]],
    [1, strideHeight, strideWidth, 1],
  ) as tf.Tensor4D;
}

/**
 * dW[kh, kw, c, f] = Σ_{n, oh, ow} xPadded[n, oh*s + kh, ow*s + kw, c] · dy[n, oh, ow, f].
 * Read with c as the batch, n as the input channel and (oh, ow) as the filter taps, that is a
 * valid conv2d of xPadded as [C, Hp, Wp, N] with dy as a [outH, outW, N, F] filter dilated by the
 * stride, giving [C, KH, KW, F]: one XNNPACK convolution instead of a per-element loop.
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  return tf.tidy(() => {
    let x = floatInput<tf.Tensor4D>(args.inputs.x);
    let dy = floatInput<tf.Tensor4D>(args.inputs.dy);
    if (dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad as 'same',
      dimRoundingMode,
      false,
      'channelsLast',
    );
    // dy's own spatial size is the truth (rounding modes can make computeConv2DInfo disagree by one)
    const outHeight = dy.shape[1];
    const outWidth = dy.shape[2];
    const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const needH = tapExtent(outHeight, strideHeight, filterHeight, 1);
    const needW = tapExtent(outWidth, strideWidth, filterWidth, 1);
    const xp = padForTaps(x, info.padInfo.top, info.padInfo.left, needH, needW);
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [C, Hp, Wp, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, F]
    const dW = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [strideHeight, strideWidth]); // [C, KH, KW, F]
    return tf.transpose(dW, [1, 2, 0, 3]);
  });
}

/**
 * out[s, ...] = Σ_{i: ids[i] = s} x[i, ...] through scatterND (which accumulates repeated
 * indices on wasm, as on every backend). Ids outside [0, numSegments) are dropped, as in TF.
 */
export function unsortedSegmentSumWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const numSegments = (args.attrs as unknown as { numSegments: number }).numSegments;
  return tf.tidy(() => {
    const x = asTensor(args.inputs.x);
    const segmentIds = asTensor(args.inputs.segmentIds);
    const idsShape = segmentIds.shape;
    const rest = x.shape.slice(idsShape.length);
    const count = segmentIds.size;
    const outShape = [numSegments, ...rest];
    if (count === 0 || numSegments === 0) return tf.zeros(outShape, x.dtype);
    const ids = tf.reshape(segmentIds, [count]) as tf.Tensor1D;
    let updates = tf.reshape(x, [count, ...rest]);
    const inRange = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const safeIds = tf.where(inRange, ids, tf.zerosLike(ids));
    const mask = tf.reshape(tf.cast(inRange, updates.dtype), [count, ...rest.map(() => 1)]);
    updates = tf.mul(updates, mask);
    return tf.scatterND(tf.reshape(safeIds, [count, 1]), updates, outShape);
  });
}

function depthwiseInfo(xShape: Shape4, filterShape: Shape4, attrs: DepthwiseBackpropAttrs) {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad as 'same',
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
}

/**
 * dW[kh, kw, c, m] = Σ_{n, oh, ow} xPadded[n, oh*s + kh*d, ow*s + kw*d, c] · dy[n, oh, ow, c*M + m]:
 * per tap an elementwise product and a sum over the N·outH·outW rows.
 */
export function depthwiseBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const attrs = args.attrs as unknown as DepthwiseBackpropAttrs;
  return tf.tidy(() => {
    const x = floatInput<tf.Tensor4D>(args.inputs.x);
    const dy = floatInput<tf.Tensor4D>(args.inputs.dy);
    const filterShape = attrs.filterShape as Shape4;
    const info = depthwiseInfo(x.shape, filterShape, attrs);
    const [filterHeight, filterWidth, inChannels, multiplier] = filterShape;
    const outHeight = dy.shape[1];
    const outWidth = dy.shape[2];
    const tapInfo = { ...info, outHeight, outWidth };
    const needH = tapExtent(outHeight, info.strideHeight, filterHeight, info.dilationHeight);
    const needW = tapExtent(outWidth, info.strideWidth, filterWidth, info.dilationWidth);
    const xp = padForTaps(x, info.padInfo.top, info.padInfo.left, needH, needW);
    const rows = dy.shape[0] * outHeight * outWidth;
    const dy3 = tf.reshape(dy, [rows, inChannels, multiplier]);
    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        const patch = tf.reshape(tapSlice(xp, kh, kw, tapInfo), [rows, inChannels, 1]);
        taps.push(tf.sum(tf.mul(patch, dy3), 0));
      }
    }
    return tf.reshape(tf.stack(taps), [filterHeight, filterWidth, inChannels, multiplier]);
  });
}

/**
 * dx of a depthwise conv = the transposed conv of dy with the block-diagonal full filter
 * F[kh, kw, c, c'*M + m] = W[kh, kw, c, m]·[c = c'] (wasm has Conv2DBackpropInput).
 * Dilations > 1 expand the filter with zero taps first.
 */
export function depthwiseBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const attrs = args.attrs as unknown as DepthwiseBackpropAttrs;
  return tf.tidy(() => {
    const dy = floatInput<tf.Tensor4D>(args.inputs.dy);
    const filter = floatInput<tf.Tensor4D>(args.inputs.filter);
    const inputShape = attrs.inputShape as Shape4;
    const info = depthwiseInfo(inputShape, filter.shape, attrs);
    const [kh0, kw0, c, m] = filter.shape;
    let kernel = filter;
    const dh = info.dilationHeight;
    const dw = info.dilationWidth;
    if (dh > 1 || dw > 1) {
      // place tap (i, j) at (i*dh, j*dw) in a zero kernel of the effective size
      const effH = (kh0 - 1) * dh + 1;
      const effW = (kw0 - 1) * dw + 1;
      const withGapsH = tf.reshape(
        tf.pad(tf.reshape(kernel, [kh0, 1, kw0, c * m]), [[0, 0], [0, dh - 1], [0, 0], [0, 0]]),
        [kh0 * dh, kw0, c * m],
      );
      const cutH = tf.slice(withGapsH, [0, 0, 0], [effH, -1, -1]);
      const withGapsW = tf.reshape(
        tf.pad(tf.reshape(cutH, [effH, kw0, 1, c * m]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]),
        [effH, kw0 * dw, c * m],
      );
      kernel = tf.reshape(tf.slice(withGapsW, [0, 0, 0], [-1, effW, -1]), [effH, effW, c, m]);
    }
    const [kh, kw] = kernel.shape;
    const eye = tf.reshape(tf.eye(c), [1, 1, c, c, 1]);
    const full = tf.reshape(tf.mul(tf.reshape(kernel, [kh, kw, c, 1, m]), eye), [kh, kw, c, c * m]) as tf.Tensor4D;
    const pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding =
      info.padInfo.type === 'SAME' || info.padInfo.type === 'VALID'
        ? (attrs.pad as 'same' | 'valid')
        : [
            [0, 0],
            [info.padInfo.top, info.padInfo.bottom],
            [info.padInfo.left, info.padInfo.right],
            [0, 0],
          ];
    // conv2dTranspose only takes 'same'/'valid'/number; explicit pads go through the raw kernel
    return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: full }, {
      strides: [info.strideHeight, info.strideWidth],
      pad,
      dataFormat: 'NHWC',
      dimRoundingMode: attrs.dimRoundingMode,
      inputShape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
}

const KERNELS: Array<[string, (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }) => tf.Tensor]> = [
  [tf.Conv2DBackpropFilter, conv2dBackpropFilterWasm],
  [tf.UnsortedSegmentSum, unsortedSegmentSumWasm],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilterWasm],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInputWasm],
];

/**
 * Registers the composed kernels for the wasm backend, skipping any that a (newer) wasm backend
 * already provides. Safe to call more than once; returns the names it registered this call.
 */
export function registerMissingWasmKernels(): string[] {
  const added: string[] = [];
  for (const [kernelName, fn] of KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: fn as unknown as tf.KernelFunc,
    });
    added.push(kernelName);
  }
  return added;
}

// ---------------------------------------------------------------------------------------------
// Faster versions of kernels the wasm backend has but runs slowly when training (issue #5; measured
// by bench/models/deep.ts). Each one handles the common case itself and hands anything else to the
// backend's own kernel, which it keeps.

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
