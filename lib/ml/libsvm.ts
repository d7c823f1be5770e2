import { createRequire } from 'node:module';

/**
 * libsvm-js (libsvm 3.x compiled to WebAssembly with emscripten, 2018) loaded once per process.
 *
 * Two things its Node loader does are undone here:
 * - it tries WebAssembly.instantiateStreaming(fetch(<file path>)) first, which fails in Node and
 *   prints "wasm streaming compile failed … falling back to ArrayBuffer instantiation" on every
 *   start; `fetch` is hidden for the synchronous require so it reads the file directly;
 * - it installs a process-wide 'unhandledRejection' handler that calls process.exit(1); it is removed.
 *
 * Only training goes through libsvm: the trained model is read back into plain arrays
 * (lib/ml/svm.ts), and prediction is TypeScript, so a stored model predicts without this module.
 */

export interface LibsvmOptions {
  type: string;
  kernel: string;
  cost: number;
  gamma?: number;
  degree?: number;
  coef0?: number;
  epsilon?: number;
  tolerance: number;
  cacheSize: number;
  shrinking: boolean;
  probabilityEstimates: boolean;
  quiet: boolean;
}

export interface LibsvmInstance {
  train(samples: Float64Array[], labels: ArrayLike<number>): void;
  serializeModel(): string;
  getSVIndices(): number[];
  free(): void;
}

export interface LibsvmClass {
  new (options: LibsvmOptions): LibsvmInstance;
  SVM_TYPES: { C_SVC: string; EPSILON_SVR: string };
  KERNEL_TYPES: { LINEAR: string; POLYNOMIAL: string; RBF: string };
}

let loading: Promise<LibsvmClass> | undefined;

export function loadLibsvm(): Promise<LibsvmClass> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const before = new Set(process.listeners('unhandledRejection'));
    const fetchDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
    let ready: Promise<LibsvmClass>;
    try {
      if (fetchDescriptor) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
      ready = require('libsvm-js') as Promise<LibsvmClass>;
    } finally {
      if (fetchDescriptor) Object.defineProperty(globalThis, 'fetch', fetchDescriptor);
    }
    try {
      return await ready;
    } finally {
      for (const listener of process.listeners('unhandledRejection')) if (!before.has(listener)) process.off('unhandledRejection', listener);
    }
  })();
  return loading;
}
