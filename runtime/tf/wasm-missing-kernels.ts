import * as tf from '@tensorflow/tfjs';
import { asTensor, type Pad, type Shape4 } from './kernel-inputs';

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
