/**
 * Classic model benchmark (issue #5): runtime/ml and runtime/ml/pca.ts beside scikit-learn on the same data,
 * in the same run, each workload timed `--runs` times (median) after one untimed warm-up each, ours
 * and scikit-learn's runs interleaved (a Python process kept alive, one fit per request) so that a
 * change in the machine's load hits both alike; wall time is the target, CPU time is reported too:
 *   W1  k-means, 100,000 × 16, k = 8, one k-means++ start, 20 Lloyd iterations (tolerance 0)
 *   W2  PCA, 100,000 × 64 → 8 components
 *   W3  RBF SVM (C = 1, gamma 'scale', no probabilities), 5,000 × 20, two classes
 * Target: each within 2x of scikit-learn's time (ours / theirs < 2). Data: standard normal columns
 * from a fixed seed (W3's class: the sign of the first five columns' sum plus noise), written to a
 * temp dir as float64 and read by Python (Debian's python3-sklearn, installed with apt-get when
 * missing; run with OMP_WAIT_POLICY=passive so its idle OpenMP threads do not spin).
 *
 * Also measured, for the record: W1's Lloyd iterations as tfjs ops on the wasm backend (matMul,
 * argMin, unsortedSegmentSum) and as plain JavaScript (`simd: false`), from the same starting
 * centroids, the alternatives runtime/ml/kmeans.ts does not use; W3 through libsvm-js, the solver
 * runtime/ml/smo.ts replaced; and a random forest (100 trees, 20,000 × 16) beside RandomForestClassifier.
 *
 * Writes bench/results/classic.json and classic.md and prints one `BENCH_RESULT {json}` line, so
 * bench/run.ts can run it like the engine benchmarks (`npm run bench -- classic`).
 *
 *   node --import tsx bench/models/classic.ts [--runs N]
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fitForest, predictForest } from '../../runtime/ml/forest';
import { kmeans } from '../../runtime/ml/kmeans';
import { predictSvm, trainSvm } from '../../runtime/ml/svm';
import { fitPca, type DenseMatrix } from '../../runtime/ml/pca';
import { createRng } from '../../lib/rng';
import { ensurePythonModule, startPythonWorker } from '../support/python';
import { emitResult, log, median, round, type BenchOutput, type BenchRow } from '../support/result';

const root = path.resolve(import.meta.dirname, '../..');
const RESULTS = path.join(root, 'bench', 'results');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Standard normal values (Box–Muller on the project's seeded generator). */
function normalMatrix(rows: number, cols: number, seed: number): DenseMatrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const a = 2 * Math.PI * rng();
    data[i] = r * Math.cos(a);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(a);
  }
  return { data, rows, cols };
}

/** Class 1 when the first five columns plus noise sum above 0. */
function binaryLabels(X: DenseMatrix, seed: number): Int32Array {
  const noise = normalMatrix(X.rows, 1, seed).data;
  return Int32Array.from({ length: X.rows }, (_, i) => {
    let s = 0.5 * noise[i];
    for (let j = 0; j < 5; j++) s += X.data[i * X.cols + j];
    return s > 0 ? 1 : 0;
  });
}

interface Sample {
  ms: number;
  cpuMs: number;
}

/** Wall and CPU time (user + system, all threads) of one call. */
async function measure<T>(work: () => Promise<T>): Promise<{ sample: Sample; result: T }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const result = await work();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { sample: { ms, cpuMs: (used.user + used.system) / 1000 }, result };
}

// ---------------------------------------------------------------------------------------------
// scikit-learn

/** Reads the data once, then answers one timed fit per line on stdin ("w1", "w2_full", …) with a JSON line. */
const SKLEARN = String.raw`
import json, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.svm import SVC

d = sys.argv[1]
load = lambda name, cols: np.fromfile(f'{d}/{name}.bin', dtype='<f8').reshape(-1, cols)
X1, X2, X3, X4, T4 = load('w1', 16), load('w2', 64), load('w3x', 20), load('w4x', 16), load('w4t', 16)
y3, y4, t4 = load('w3y', 1).ravel(), load('w4y', 1).ravel(), load('w4ty', 1).ravel()

def w1():
    km = KMeans(n_clusters=8, init='k-means++', n_init=1, max_iter=20, tol=0, algorithm='lloyd', random_state=0).fit(X1)
    return lambda: {'inertia': float(km.inertia_), 'iterations': int(km.n_iter_)}
def w2(solver):
    pca = PCA(n_components=8, svd_solver=solver, random_state=0).fit(X2)
    return lambda: {'explained': float(pca.explained_variance_ratio_.sum())}
def w3():
    svc = SVC(kernel='rbf', C=1.0, gamma='scale').fit(X3, y3)
    return lambda: {'support': int(svc.n_support_.sum()), 'trainAccuracy': float((svc.predict(X3) == y3).mean())}
def w4():
    rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(X4, y4)
    return lambda: {'testAccuracy': float((rf.predict(T4) == t4).mean())}

tasks = {'w1': w1, 'w2_full': lambda: w2('full'), 'w2_auto': lambda: w2('auto'), 'w3': w3, 'w4': w4}
print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    cpu, t = time.process_time(), time.perf_counter()
    info = tasks[line.strip()]()
    ms, cpuMs = (time.perf_counter() - t) * 1000, (time.process_time() - cpu) * 1000
    print(json.dumps({'ms': ms, 'cpuMs': cpuMs, **info()}), flush=True)
`;

type SklearnReply = Sample & Record<string, number>;

type Sklearn = { fit(task: string): Promise<SklearnReply>; close(): void };

/** The Python side: started once, asked for one fit at a time. */
async function startSklearn(dir: string): Promise<Sklearn> {
  const worker = await startPythonWorker(SKLEARN, [dir]);
  return { fit: (task) => worker.request<SklearnReply>(task), close: () => worker.close() };
}

function writeMatrix(dir: string, name: string, data: Float64Array): void {
  writeFileSync(path.join(dir, `${name}.bin`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

// ---------------------------------------------------------------------------------------------
// k-means iterations as tfjs ops on the wasm backend (the measured alternative)

/** Prepares `iterations` Lloyd iterations as tfjs ops on wasm (float32): returns the run and a float64 inertia of its centroids. */
async function tfLloyd(X: DenseMatrix, start: Float64Array, k: number, iterations: number): Promise<{ run: () => Float32Array; inertia: (centroids: Float32Array) => number }> {
  process.env.PIPELOOM_TF_BACKEND = 'wasm';
  const { initTf, tf } = await import('../../runtime/tf/backend');
  const backend = await initTf();
  if (backend !== 'wasm') throw new Error(`the wasm backend did not load (got ${backend})`);
  const x = tf.tensor2d(Float32Array.from(X.data), [X.rows, X.cols]);
  const run = () => {
    let centroids = tf.tensor2d(Float32Array.from(start), [k, X.cols]);
    for (let it = 0; it < iterations; it++) {
      const next = tf.tidy(() => {
        // ‖c‖² − 2·x·c (‖x‖² does not change the argmin); matMul with c transposed up front.
        const distances = tf.matMul(x, centroids.transpose()).mul(-2).add(centroids.square().sum(1));
        const labels = distances.argMin(1) as Tensor1D;
        const sums = tf.unsortedSegmentSum(x, labels, k);
        const counts = tf.unsortedSegmentSum(tf.onesLike(labels).toFloat(), labels, k).maximum(1).expandDims(1);
        return sums.div(counts) as Tensor2D;
      });
      centroids.dispose();
      centroids = next;
    }
    const data = centroids.dataSync() as Float32Array;
    centroids.dispose();
    return data;
  };
  const inertia = (centroids: Float32Array) => {
    let total = 0;
    for (let i = 0; i < X.rows; i++) {
      let best = Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < X.cols; j++) s += (X.data[i * X.cols + j] - centroids[c * X.cols + j]) ** 2;
        best = Math.min(best, s);
      }
      total += best;
    }
    return total;
  };
  return { run, inertia };
}

// ---------------------------------------------------------------------------------------------

const fmtS = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const wall = (samples: Sample[]) => median(samples.map((s) => s.ms));
const cpu = (samples: Sample[]) => median(samples.map((s) => s.cpuMs));
const list = (samples: Sample[]) => samples.map((s) => `${Math.round(s.ms)}`).join(', ');

interface Workload<T> {
  id: string;
  label: string;
  ours: () => Promise<T>;
  /** The scikit-learn fits to interleave with ours (the first one is the reference unless `pick` says otherwise). */
  sklearn: string[];
  runs: number;
}

interface Measured<T> {
  ours: Sample[];
  result: T;
  sklearn: Record<string, { samples: Sample[]; info: Record<string, number> }>;
}

/** Warm-up, then `runs` rounds of: ours once, each scikit-learn fit once. */
async function interleaved<T>(w: Workload<T>, sk: Sklearn | null): Promise<Measured<T>> {
  log(`${w.id}: ${w.label}`);
  let result: T = await w.ours();
  for (const task of sk ? w.sklearn : []) await sk!.fit(task);
  const out: Measured<T> = { ours: [], result, sklearn: Object.fromEntries(w.sklearn.map((t) => [t, { samples: [], info: {} }])) };
  for (let r = 0; r < w.runs; r++) {
    const m = await measure(w.ours);
    out.ours.push(m.sample);
    result = m.result;
    for (const task of sk ? w.sklearn : []) {
      const { ms, cpuMs, ...info } = await sk!.fit(task);
      out.sklearn[task].samples.push({ ms, cpuMs });
      out.sklearn[task].info = info;
    }
  }
  out.result = result;
  log(`  ours ${list(out.ours)} ms${sk ? `; ${w.sklearn.map((t) => `${t} ${list(out.sklearn[t].samples)} ms`).join('; ')}` : ''}`);
  return out;
}

async function main(): Promise<void> {
  const runs = arg('--runs', 5);
  const loadAtStart = os.loadavg().map((v) => round(v));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bench-classic-'));
  let sk: Sklearn | null = null;
  try {
    log(`generating data in ${dir}`);
    const X1 = normalMatrix(100_000, 16, 1);
    const X2 = normalMatrix(100_000, 64, 2);
    const X3 = normalMatrix(5_000, 20, 3);
    const y3 = binaryLabels(X3, 33);
    const X4 = normalMatrix(20_000, 16, 4);
    const y4 = binaryLabels(X4, 44);
    const T4 = normalMatrix(5_000, 16, 5);
    const t4 = binaryLabels(T4, 55);
    for (const [name, data] of [
      ['w1', X1.data],
      ['w2', X2.data],
      ['w3x', X3.data],
      ['w3y', Float64Array.from(y3)],
      ['w4x', X4.data],
      ['w4y', Float64Array.from(y4)],
      ['w4t', T4.data],
      ['w4ty', Float64Array.from(t4)],
    ] as const) {
      writeMatrix(dir, name, data as Float64Array);
    }

    const installed = ensurePythonModule('sklearn', 'python3-sklearn');
    let skError = installed.note;
    if (installed.version) {
      try {
        sk = await startSklearn(dir);
        log(`scikit-learn ${installed.version}`);
      } catch (error) {
        skError = `scikit-learn did not start: ${error instanceof Error ? error.message : String(error)}`;
      }
    }

    const w1 = await interleaved({ id: 'W1', label: 'k-means', ours: async () => kmeans(X1, { k: 8, seed: 0, inits: 1, maxIterations: 20, tolerance: 0 }), sklearn: ['w1'], runs }, sk);
    const w2 = await interleaved({ id: 'W2', label: 'PCA', ours: async () => fitPca(X2, 8), sklearn: ['w2_full', 'w2_auto'], runs }, sk);
    const w3 = await interleaved({ id: 'W3', label: 'RBF SVM', ours: async () => trainSvm(X3, y3, { task: 'classification', seed: 0, kernel: 'rbf', C: 1, probability: false }), sklearn: ['w3'], runs }, sk);
    const forestRuns = Math.min(runs, 3);
    const w4 = await interleaved({ id: 'forest', label: 'random forest', ours: async () => fitForest(X4, y4, { task: 'classification', seed: 0, trees: 100 }), sklearn: ['w4'], runs: forestRuns }, sk);
    sk?.close();
    sk = null;

    const w3Pred = predictSvm(w3.result, X3);
    const w3Accuracy = w3Pred.task === 'classification' ? w3Pred.classes.filter((c, i) => c === y3[i]).length / y3.length : NaN;
    const w3Support = w3.result.solver === 'smo' ? w3.result.supportVectors.length / 20 : NaN;
    const w4Pred = predictForest(w4.result, T4);
    const w4Accuracy = w4Pred.task === 'classification' ? w4Pred.classes.filter((c, i) => c === t4[i]).length / t4.length : NaN;

    log('W1 alternatives from the same starting centroids, interleaved: the SIMD module, plain JavaScript, tfjs ops on wasm');
    const start: DenseMatrix = { data: Float64Array.from(X1.data.subarray(0, 8 * 16)), rows: 8, cols: 16 };
    /** `run` is what is timed; `inertia` (float64, untimed) reads the result of its last run. */
    const alternatives: { name: string; run: () => void; inertia: () => number; samples: Sample[] }[] = [];
    for (const simd of [true, false]) {
      let last = NaN;
      alternatives.push({ name: simd ? 'SIMD' : 'plain JavaScript', run: () => void (last = kmeans(X1, { k: 8, seed: 0, init: start, maxIterations: 20, tolerance: 0, simd }).inertia), inertia: () => last, samples: [] });
    }
    let tfError = '';
    try {
      const tf = await tfLloyd(X1, start.data as Float64Array, 8, 20);
      let last: Float32Array = new Float32Array(0);
      alternatives.push({ name: 'tfjs on wasm', run: () => void (last = tf.run()), inertia: () => tf.inertia(last), samples: [] });
    } catch (error) {
      tfError = error instanceof Error ? error.message : String(error);
    }
    for (const a of alternatives) a.run(); // warm-up
    for (let r = 0; r < 3; r++) for (const a of alternatives) a.samples.push((await measure(async () => a.run())).sample);
    const byName = (name: string) => {
      const a = alternatives.find((x) => x.name === name);
      return a ? { samples: a.samples, inertia: a.inertia() } : null;
    };
    const simdStart = byName('SIMD')!;
    const plainStart = byName('plain JavaScript')!;
    const tfResult = byName('tfjs on wasm');
    log(`  ${alternatives.map((a) => `${a.name} ${list(a.samples)} ms`).join('; ')}${tfError ? `; tfjs failed: ${tfError}` : ''}`);

    // W3 through libsvm-js (a devDependency: the tests' reference), the solver the TypeScript port replaced.
    log('W3 alternative, interleaved with ours: libsvm-js (libsvm 3.2x compiled by emscripten)');
    const libsvmRuns: Sample[] = [];
    const oursAgain: Sample[] = [];
    let libsvmError = '';
    let libsvmSupport = NaN;
    try {
      const { loadLibsvm } = await import('../../tests/support/libsvm');
      const SVM = await loadLibsvm();
      const gamma = w3.result.gamma;
      const samples = Array.from({ length: X3.rows }, (_, i) => X3.data.subarray(i * 20, i * 20 + 20) as Float64Array);
      const labels = Array.from(y3);
      const fit = () => {
        const svm = new SVM({ type: SVM.SVM_TYPES.C_SVC, kernel: SVM.KERNEL_TYPES.RBF, cost: 1, gamma, tolerance: 1e-3, cacheSize: 200, shrinking: true, probabilityEstimates: false, quiet: true });
        svm.train(samples, labels);
        libsvmSupport = svm.getSVIndices().length;
        svm.free();
      };
      fit();
      for (let r = 0; r < 3; r++) {
        libsvmRuns.push((await measure(async () => fit())).sample);
        oursAgain.push((await measure(async () => trainSvm(X3, y3, { task: 'classification', seed: 0, kernel: 'rbf', C: 1, probability: false }))).sample);
      }
      log(`  libsvm-js ${list(libsvmRuns)} ms; ours ${list(oursAgain)} ms`);
    } catch (error) {
      libsvmError = error instanceof Error ? error.message : String(error);
      log(`  libsvm-js not measured: ${libsvmError}`);
    }

    const target = { kind: 'max' as const, value: 2 };
    const rows: BenchRow[] = [
      { id: 'classic.w1.time', label: `W1 k-means 100,000×16, k=8, 20 iterations: runtime/ml/kmeans.ts`, value: wall(w1.ours) / 1000, unit: 's', notes: `CPU ${fmtS(cpu(w1.ours))}; inertia ${w1.result.inertia.toFixed(0)}, ${w1.result.iterations} iterations` },
      { id: 'classic.w2.time', label: `W2 PCA 100,000×64 → 8: runtime/ml/pca.ts`, value: wall(w2.ours) / 1000, unit: 's', notes: `CPU ${fmtS(cpu(w2.ours))}; explained variance ${w2.result.explainedVarianceRatio.reduce((a, b) => a + b, 0).toFixed(5)}` },
      { id: 'classic.w3.time', label: `W3 RBF SVM 5,000×20, 2 classes: runtime/ml/svm.ts`, value: wall(w3.ours) / 1000, unit: 's', notes: `CPU ${fmtS(cpu(w3.ours))}; ${w3Support} support vectors, training accuracy ${w3Accuracy.toFixed(4)}` },
      { id: 'classic.forest.time', label: `Random forest 100 trees, 20,000×16: runtime/ml/forest.ts`, value: wall(w4.ours) / 1000, unit: 's', notes: `CPU ${fmtS(cpu(w4.ours))}; test accuracy ${w4Accuracy.toFixed(4)} on 5,000 rows` },
    ];
    if (installed.version && Object.values(w1.sklearn).every((v) => v.samples.length > 0)) {
      const s1 = w1.sklearn.w1;
      const full = w2.sklearn.w2_full;
      const auto = w2.sklearn.w2_auto;
      const s2 = wall(full.samples) <= wall(auto.samples) ? full : auto;
      const s3 = w3.sklearn.w3;
      const s4 = w4.sklearn.w4;
      rows.push(
        { id: 'classic.w1.sklearn', label: 'W1 scikit-learn KMeans (lloyd, n_init=1, max_iter=20, tol=0)', value: wall(s1.samples) / 1000, unit: 's', notes: `CPU ${fmtS(cpu(s1.samples))} (two OpenMP threads); inertia ${s1.info.inertia.toFixed(0)}, ${s1.info.iterations} iterations` },
        { id: 'classic.w1.ratio', label: 'W1 ours / scikit-learn', value: wall(w1.ours) / wall(s1.samples), unit: 'x', target, notes: `CPU time ratio ${(cpu(w1.ours) / cpu(s1.samples)).toFixed(2)}x` },
        { id: 'classic.w2.sklearn', label: "W2 scikit-learn PCA(8), the faster of svd_solver 'full' and 'auto'", value: wall(s2.samples) / 1000, unit: 's', notes: `full ${fmtS(wall(full.samples))}, auto (randomized) ${fmtS(wall(auto.samples))}; explained variance ${full.info.explained.toFixed(5)} (full)` },
        { id: 'classic.w2.ratio', label: 'W2 ours / scikit-learn', value: wall(w2.ours) / wall(s2.samples), unit: 'x', target, notes: `CPU time ratio ${(cpu(w2.ours) / cpu(s2.samples)).toFixed(2)}x` },
        { id: 'classic.w3.sklearn', label: "W3 scikit-learn SVC(kernel='rbf', C=1, gamma='scale')", value: wall(s3.samples) / 1000, unit: 's', notes: `CPU ${fmtS(cpu(s3.samples))}; ${s3.info.support} support vectors, training accuracy ${s3.info.trainAccuracy.toFixed(4)}` },
        { id: 'classic.w3.ratio', label: 'W3 ours / scikit-learn', value: wall(w3.ours) / wall(s3.samples), unit: 'x', target, notes: `CPU time ratio ${(cpu(w3.ours) / cpu(s3.samples)).toFixed(2)}x` },
        { id: 'classic.forest.sklearn', label: 'Random forest: scikit-learn RandomForestClassifier(100, n_jobs=1)', value: wall(s4.samples) / 1000, unit: 's', notes: `test accuracy ${s4.info.testAccuracy.toFixed(4)}` },
        { id: 'classic.forest.ratio', label: 'Random forest ours / scikit-learn (no target)', value: wall(w4.ours) / wall(s4.samples), unit: 'x' },
      );
    }
    rows.push({
      id: 'classic.w1.plain-js',
      label: 'W1 alternative: plain JavaScript distance loops (simd: false) / the SIMD module, same start',
      value: wall(plainStart.samples) / wall(simdStart.samples),
      unit: 'x',
      notes: `plain ${fmtS(wall(plainStart.samples))}, SIMD ${fmtS(wall(simdStart.samples))}; same inertia: ${plainStart.inertia === simdStart.inertia}`,
    });
    if (libsvmRuns.length) {
      rows.push({
        id: 'classic.w3.libsvm-js',
        label: 'W3 alternative: libsvm-js / runtime/ml/svm.ts (the port of its solver)',
        value: wall(libsvmRuns) / wall(oursAgain),
        unit: 'x',
        notes: `libsvm-js ${fmtS(wall(libsvmRuns))} (CPU ${fmtS(cpu(libsvmRuns))}, ${libsvmSupport} support vectors), ours ${fmtS(wall(oursAgain))} (CPU ${fmtS(cpu(oursAgain))})`,
      });
    }
    if (tfResult) {
      rows.push({
        id: 'classic.w1.tfjs-wasm',
        label: 'W1 alternative: tfjs ops on the wasm backend / the SIMD module, same start',
        value: wall(tfResult.samples) / wall(simdStart.samples),
        unit: 'x',
        notes: `tfjs ${fmtS(wall(tfResult.samples))} (float32; inertia ${tfResult.inertia.toFixed(0)} vs ${simdStart.inertia.toFixed(0)})`,
      });
    }
    const machine = `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}${installed.version ? `, scikit-learn ${installed.version}` : ''}`;
    const skRuns = (m: Measured<unknown>) => Object.entries(m.sklearn).map(([t, v]) => `${t} ${list(v.samples)}`).join('; ');
    const details = [
      `Machine: ${machine}; load average ${loadAtStart.join(' / ')} at the start, ${os.loadavg().map((v) => round(v)).join(' / ')} at the end.`,
      `Wall times (ms), ours: W1 ${list(w1.ours)}; W2 ${list(w2.ours)}; W3 ${list(w3.ours)}; forest ${list(w4.ours)}.`,
      installed.version ? `Wall times (ms), scikit-learn: ${[w1, w2, w3, w4].map((m) => skRuns(m as Measured<unknown>)).join('; ')}.` : `scikit-learn not measured: ${skError}`,
      `W1 from the same starting centroids (ms): SIMD ${list(simdStart.samples)}; plain JavaScript ${list(plainStart.samples)}; ${tfResult ? `tfjs on wasm ${list(tfResult.samples)}` : `tfjs not measured: ${tfError}`}.`,
      libsvmRuns.length ? `W3 alternative (ms): libsvm-js ${list(libsvmRuns)}; ours ${list(oursAgain)}.` : `libsvm-js not measured: ${libsvmError}`,
    ];
    const output: BenchOutput = { name: 'classic-models', rows, details, data: { runs, loadAtStart, w1, w2: { ours: w2.ours, sklearn: w2.sklearn }, w3: { ours: w3.ours, sklearn: w3.sklearn }, forest: { ours: w4.ours, sklearn: w4.sklearn }, simdStart, plainStart, tf: tfResult } };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'classic.json'), JSON.stringify({ measuredAt: new Date().toISOString(), machine, ...output }, (_k, v: unknown) => (v instanceof Int32Array || v instanceof Float64Array ? undefined : v), 2) + '\n');
    writeFileSync(path.join(RESULTS, 'classic.md'), markdown(output, machine, runs));
    emitResult(output);
  } finally {
    sk?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(output: BenchOutput, machine: string, runs: number): string {
  const verdict = (row: BenchRow) => (!row.target ? 'info' : row.value < row.target.value ? 'pass' : '**MISS**');
  const value = (row: BenchRow) => (row.unit === 'x' ? `${row.value.toFixed(2)}x` : `${row.value.toFixed(3)} s`);
  return [
    '# Classic model benchmark (issue #5)',
    '',
    `Written by \`node --import tsx bench/models/classic.ts\` on ${new Date().toISOString().slice(0, 10)} (${machine}); every number was measured by that run. Wall time, median of ${runs} timed runs after one warm-up (the forest: at most 3), ours and scikit-learn's interleaved on the same float64 data. Target: ours within 2x of scikit-learn.`,
    '',
    '| Workload | Measured | Target | Pass/fail | Notes |',
    '| --- | ---: | --- | --- | --- |',
    ...output.rows.map((r) => `| ${r.label} | ${value(r)} | ${r.target ? `< ${r.target.value}x` : '–'} | ${verdict(r)} | ${r.notes ?? ''} |`),
    '',
    ...(output.details ?? []).map((d) => `- ${d}`),
    '',
  ].join('\n');
}

await main();
