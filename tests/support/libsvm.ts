import { createRequire } from 'node:module';

/**
 * libsvm-js (libsvm 3.2x compiled to WebAssembly with emscripten, 2018), the reference the tests
 * hold runtime/ml/smo.ts (libsvm's solver ported to TypeScript) against. Loaded once per process.
 *
 * Two things its Node loader does are undone here:
 * - it tries WebAssembly.instantiateStreaming(fetch(<file path>)) first, which fails in Node and
 *   prints "wasm streaming compile failed … falling back to ArrayBuffer instantiation" on every
 *   start; `fetch` is hidden for the synchronous require so it reads the file directly;
 * - it installs a process-wide 'unhandledRejection' handler that calls process.exit(1); it is removed.
 *
 * A trained model is read straight from the module's memory (`readModel`: full float64 precision,
 * where libsvm's text format keeps six digits of the intercepts).
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
  getSVIndices(): number[];
  free(): void;
  /** Pointer to the trained struct svm_model in the module's memory. */
  model: number | null;
}

export interface LibsvmClass {
  new (options: LibsvmOptions): LibsvmInstance;
  SVM_TYPES: { C_SVC: string; EPSILON_SVR: string };
  KERNEL_TYPES: { LINEAR: string; POLYNOMIAL: string; RBF: string };
}

interface EmscriptenHeap {
  HEAP32: Int32Array;
  HEAPF64: Float64Array;
}

let loading: Promise<LibsvmClass> | undefined;
let heap: EmscriptenHeap | undefined;

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
      const svm = await ready;
      // The emscripten module behind it (the same instance, from require's cache): its memory views.
      heap = require('libsvm-js/out/wasm/libsvm') as EmscriptenHeap;
      return svm;
    } finally {
      for (const listener of process.listeners('unhandledRejection')) if (!before.has(listener)) process.off('unhandledRejection', listener);
    }
  })();
  return loading;
}

/** A trained libsvm model, as read from memory. */
export interface LibsvmModel {
  nrClass: number;
  /** Class labels in libsvm's order (classification), else null. */
  label: Int32Array | null;
  /** Support vectors per class (classification), else null. */
  nSV: Int32Array | null;
  /** Training-row index (0-based, in the order given to train) of each support vector. */
  svIndices: Int32Array;
  /** (nrClass − 1) × l, row-major: libsvm's sv_coef. */
  coef: Float64Array;
  /** One intercept per pair of classes (one for regression). */
  rho: Float64Array;
}

/**
 * struct svm_model of libsvm 3.2x in wasm32 memory: svm_parameter (96 bytes: svm_type 0,
 * kernel_type 4, gamma 16, C 48), then nr_class 96, l 100, SV 104, sv_coef 108, rho 112, probA 116,
 * probB 120, sv_indices 124, label 128, nSV 132. Checked against what training was asked for and
 * against getSVIndices(), so a different layout fails loudly instead of giving wrong numbers.
 */
export function readModel(svm: LibsvmInstance, expected: { svmType: number; kernelType: number; gamma: number; C: number }): LibsvmModel {
  const p = svm.model;
  if (!heap || p === null) throw new Error('SVM: no trained libsvm model to read.');
  const I = heap.HEAP32;
  const F = heap.HEAPF64;
  const int = (address: number) => I[address >> 2];
  const ints = (pointer: number, count: number) => Int32Array.from({ length: count }, (_, i) => I[(pointer >> 2) + i]);
  const doubles = (pointer: number, count: number) => Float64Array.from({ length: count }, (_, i) => F[(pointer >> 3) + i]);
  const nrClass = int(p + 96);
  const l = int(p + 100);
  const indices = svm.getSVIndices();
  const layoutOk =
    int(p) === expected.svmType && int(p + 4) === expected.kernelType && F[(p + 16) >> 3] === expected.gamma && F[(p + 48) >> 3] === expected.C && nrClass >= 2 && l === indices.length;
  const svIndices = layoutOk ? ints(int(p + 124), l).map((i) => i - 1) : new Int32Array(0);
  if (!layoutOk || svIndices.some((v, i) => v !== indices[i])) throw new Error('SVM: the libsvm-js model is not laid out as expected (a different libsvm-js version?).');
  const coef = new Float64Array((nrClass - 1) * l);
  for (let m = 0; m < nrClass - 1; m++) coef.set(doubles(int(int(p + 108) + 4 * m), l), m * l);
  const classification = int(p + 128) !== 0;
  return {
    nrClass,
    label: classification ? ints(int(p + 128), nrClass) : null,
    nSV: classification ? ints(int(p + 132), nrClass) : null,
    svIndices,
    coef,
    rho: doubles(int(p + 112), (nrClass * (nrClass - 1)) / 2),
  };
}
