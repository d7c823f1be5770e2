import { tf } from './backend';

/**
 * tfjs-node-gpu, then tfjs-node: optional dependencies that need libtensorflow, which cannot be
 * installed on every machine. Importing one registers the 'tensorflow' backend.
 */
export async function loadNativeBackend(): Promise<string | null> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* webpackIgnore: true */ pkg);
      if ((await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow') return `tensorflow (${pkg})`;
    } catch {
      // not installed here: try the next
    }
  }
  return null;
}
