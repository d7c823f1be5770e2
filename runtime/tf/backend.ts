import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useFasterWasmKernels } from './wasm-faster-kernels';
import { registerMissingWasmKernels } from './wasm-missing-kernels';

export type NativeLoader = () => Promise<string | null>;

let chosen: Promise<string> | undefined;

function wasmDir(): string {
  try {
    const require = createRequire(path.join(process.cwd(), 'package.json'));
    return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
  } catch {
    return path.join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep;
  }
}

/**
 * Picks the fastest TensorFlow.js backend that really loads: a native one (tried by `loadNative`,
 * which only worker processes pass), then wasm (SIMD), then cpu. tf.setBackend can fall back
 * silently, so the answer is read back from tf.getBackend(). PIPELOOM_TF_BACKEND forces one.
 */
export function initTf(loadNative?: NativeLoader): Promise<string> {
  chosen ??= (async () => {
    const forced = process.env.PIPELOOM_TF_BACKEND;
    if (!forced && loadNative) {
      const native = await loadNative();
      if (native) return native;
    }
    if (!forced || forced === 'wasm') {
      setWasmPaths(wasmDir());
      try {
        if ((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') {
          await tf.ready();
          registerMissingWasmKernels();
          useFasterWasmKernels();
          return 'wasm';
        }
      } catch {
        // falls through to cpu
      }
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return chosen;
}

export { tf };
