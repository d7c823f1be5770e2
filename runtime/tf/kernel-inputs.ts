/** What the hand-written wasm kernels (missing and faster ones) share about their inputs. */
import * as tf from '@tensorflow/tfjs';

export type Shape4 = [number, number, number, number];
export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export function asTensor(info: tf.TensorInfo | undefined): tf.Tensor {
  if (!info) throw new Error('wasm-kernels: missing kernel input');
  // Kernel inputs are already Tensors when they come from the engine; wrap bare infos just in case.
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}
