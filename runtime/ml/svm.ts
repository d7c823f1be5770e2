import { createRng, shuffledIndices } from '../../lib/rng';
import { KernelRows, solveSmo } from './smo';
import { argmaxRow, checkedClasses, checkedData, checkedRows, checkedSeed, checkedTargets, positiveNumber, wholeNumber, type DenseMatrix, type Prediction } from './matrix';
import { dcdClassifier, dcdRegressor, type Problem } from './svm-linear';
import { pairwiseCoupling, sigmoidPredict, sigmoidTrain } from './svm-probability';

/**
 * Support vector machines for classification (C-SVC) and regression (epsilon-SVR).
 *
 * - Kernels 'rbf' and 'poly': the exact dual problem solved by libsvm's SMO algorithm, ported to
 *   TypeScript in runtime/ml/smo.ts (kernel rows computed by WebAssembly SIMD), which the tests check
 *   against libsvm itself (libsvm-js) on the same problems. The port replaced libsvm-js for
 *   training because it is faster: on the W3 workload (5,000 × 20, RBF; bench/models/classic.ts)
 *   ~0.42 s of CPU against libsvm-js's ~0.53 s (its 2018 emscripten build walks a sparse vector
 *   per kernel value), where scikit-learn's native libsvm takes ~0.24 s. The cost grows with the
 *   square of the rows (20,000 × 20: ~2.5 s, ~15 s with probabilities; libsvm-js ~7 s and ~34 s), so
 *   training refuses more than `maxRows` rows (default 20,000) with a message pointing at the
 *   linear kernel or sampling, instead of running for hours.
 * - Kernel 'linear' (runtime/ml/svm-linear.ts): dual coordinate descent as in liblinear (Hsieh et
 *   al. 2008; Ho & Lin 2012 for regression), hinge / epsilon-insensitive loss, the intercept learned
 *   as the weight of a constant feature 1 (regularised with the rest, as liblinear does). Linear
 *   time per pass, any number of rows.
 * - Several classes: one-vs-one as libsvm (one binary machine per pair of classes, then a vote).
 * - Probabilities (classification, `probability`, default on): Platt scaling as libsvm's `-b 1`,
 *   fitted on decision values from a seeded, stratified 5-fold cross-validation on the training
 *   rows (5 more trainings), then pairwise coupling (Wu, Lin & Weng 2004) for several classes
 *   (runtime/ml/svm-probability.ts). The predicted class is then the most probable one (as libsvm
 *   with -b 1); without probabilities it is the one-vs-one vote, and `probabilities` holds the
 *   share of votes.
 * - Regression targets are centred and scaled to unit variance before solving, with epsilon and C
 *   divided by the same scale: the same problem in other units, where the solver's tolerance means
 *   the same whatever the target's units (and a linear model's intercept need not be large).
 *
 * The model is plain data (numbers and typed arrays): support vectors with their coefficients and
 * intercepts in libsvm's layout, or the linear weights, so a model stored as an artifact predicts
 * (`predictSvm`) in another process.
 */

export type SvmKernel = 'linear' | 'rbf' | 'poly';

export interface SvmOptions {
  task: 'classification' | 'regression';
  /** Seeds the cross-validation folds of the probability estimates and the linear solver's row order. */
  seed: number;
  /** Default 'rbf'. */
  kernel?: SvmKernel;
  /** Penalty on margin violations (default 1). */
  C?: number;
  /** RBF / polynomial kernel coefficient; 'scale' (default) is 1 / (cols × variance of all values), as scikit-learn. */
  gamma?: number | 'scale';
  /** Polynomial degree (default 3). */
  degree?: number;
  /** Polynomial constant term (default 0). */
  coef0?: number;
  /** Regression: errors up to epsilon cost nothing (default 0.1, in target units). */
  epsilon?: number;
  /** Stopping tolerance (default 1e-3 for the kernel solver, 0.1 for the linear one: libsvm's and liblinear's defaults). */
  tolerance?: number;
  /** Classification: fit probability estimates (default true). */
  probability?: boolean;
  /** Largest training set for a kernel SVM (default 20,000). */
  maxRows?: number;
  /** Linear solver: passes over the data, at most (default 1,000). */
  maxIterations?: number;
  /** Kernel row cache in MB (default 200, as scikit-learn). */
  cacheMb?: number;
}

interface SvmBase {
  type: 'svm';
  task: 'classification' | 'regression';
  kernel: SvmKernel;
  gamma: number;
  degree: number;
  coef0: number;
  /** Columns the model was fitted on. */
  cols: number;
  /** Class ids seen in training, ascending (empty for regression). Pairs are (i, j), i < j, in this order. */
  classes: Int32Array;
  /** Platt sigmoid per pair of classes (empty without probability estimates). */
  probA: Float64Array;
  probB: Float64Array;
  /** Regression: prediction = decision × targetScale + targetMean (0 and 1 for classification). */
  targetMean: number;
  targetScale: number;
}

export interface KernelSvmModel extends SvmBase {
  solver: 'smo';
  /** nSV × cols, grouped by class (in `classes` order) for classification. */
  supportVectors: Float64Array;
  /** Support vectors per class (classification) or [nSV] (regression). */
  svCount: Int32Array;
  /** (classes − 1) × nSV (1 × nSV for regression): libsvm's sv_coef, row-major. */
  coef: Float64Array;
  /** One intercept per pair (one for regression): decision = Σ coef·K − rho. */
  rho: Float64Array;
}

export interface LinearSvmModel extends SvmBase {
  solver: 'dual-cd';
  /** pairs × (cols + 1) (1 × (cols + 1) for regression): weights, then the intercept. */
  weights: Float64Array;
}

export type SvmModel = KernelSvmModel | LinearSvmModel;

const WHAT = 'SVM';
const MIN_PROB = 1e-7;

interface Settings {
  classification: boolean;
  kernel: SvmKernel;
  C: number;
  gamma: number;
  degree: number;
  coef0: number;
  epsilon: number;
  tolerance: number;
  maxIterations: number;
  cacheMb: number;
}

// ---------------------------------------------------------------------------------------------
// Kernels and decision values

function kernelValue(model: SvmBase, x: Float64Array, xo: number, sv: Float64Array, so: number, d: number): number {
  if (model.kernel === 'rbf') {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = x[xo + j] - sv[so + j];
      s += t * t;
    }
    return Math.exp(-model.gamma * s);
  }
  let dot = 0;
  for (let j = 0; j < d; j++) dot += x[xo + j] * sv[so + j];
  return model.kernel === 'poly' ? (model.gamma * dot + model.coef0) ** model.degree : dot;
}

function pairCount(model: SvmBase): number {
  const k = model.classes.length;
  return model.task === 'classification' ? (k * (k - 1)) / 2 : 1;
}

/** Decision values, rows × pairs (one column for regression, before un-scaling). */
export function svmDecisionValues(model: SvmModel, X: DenseMatrix): Float64Array {
  checkModel(model);
  const data = checkedRows('predictSvm', X, model.cols);
  const n = X.rows;
  const d = model.cols;
  const P = pairCount(model);
  const out = new Float64Array(n * P);
  if (model.solver === 'dual-cd') {
    const w = model.weights;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < P; p++) {
        const o = p * (d + 1);
        let s = w[o + d];
        for (let j = 0; j < d; j++) s += w[o + j] * data[i * d + j];
        out[i * P + p] = s;
      }
    }
    return out;
  }
  const { supportVectors: sv, svCount, coef, rho } = model;
  const nSV = sv.length / d;
  const K = svCount.length;
  const start = new Int32Array(K);
  for (let c = 1; c < K; c++) start[c] = start[c - 1] + svCount[c - 1];
  const kv = new Float64Array(nSV);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < nSV; s++) kv[s] = kernelValue(model, data, i * d, sv, s * d, d);
    if (model.task === 'regression') {
      let sum = 0;
      for (let s = 0; s < nSV; s++) sum += coef[s] * kv[s];
      out[i] = sum - rho[0];
      continue;
    }
    // libsvm's svm_predict_values: pair (a, b) uses coef row b-1 for a's vectors and row a for b's.
    let p = 0;
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        let sum = 0;
        const ca = (b - 1) * nSV;
        const cb = a * nSV;
        for (let s = start[a], e = s + svCount[a]; s < e; s++) sum += coef[ca + s] * kv[s];
        for (let s = start[b], e = s + svCount[b]; s < e; s++) sum += coef[cb + s] * kv[s];
        out[i * P + p] = sum - rho[p];
        p++;
      }
    }
  }
  return out;
}

/** Predicts every row: class and class probabilities, or the value (regression). */
export function predictSvm(model: SvmModel, X: DenseMatrix): Prediction {
  const dec = svmDecisionValues(model, X);
  const n = X.rows;
  if (model.task === 'regression') return { task: 'regression', values: dec.map((v) => v * model.targetScale + model.targetMean) };
  const K = model.classes.length;
  const P = pairCount(model);
  const probabilities = new Float64Array(n * K);
  const classes = new Int32Array(n);
  const withProb = model.probA.length === P;
  const r = new Float64Array(K * K);
  for (let i = 0; i < n; i++) {
    let p = 0;
    if (withProb) {
      for (let a = 0; a < K; a++) {
        for (let b = a + 1; b < K; b++, p++) {
          const v = Math.min(Math.max(sigmoidPredict(dec[i * P + p], model.probA[p], model.probB[p]), MIN_PROB), 1 - MIN_PROB);
          r[a * K + b] = v;
          r[b * K + a] = 1 - v;
        }
      }
      probabilities.set(pairwiseCoupling(r, K), i * K);
    } else {
      for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++, p++) probabilities[i * K + (dec[i * P + p] > 0 ? a : b)] += 1 / P;
    }
    classes[i] = model.classes[argmaxRow(probabilities, i, K)];
  }
  return { task: 'classification', classes, probabilities };
}

// ---------------------------------------------------------------------------------------------
// Training one model (no probabilities) on a subset of rows

function baseModel(settings: Settings, cols: number, classes: Int32Array, target: { mean: number; scale: number }): SvmBase {
  return {
    type: 'svm',
    task: settings.classification ? 'classification' : 'regression',
    kernel: settings.kernel,
    gamma: settings.gamma,
    degree: settings.degree,
    coef0: settings.coef0,
    cols,
    classes,
    probA: new Float64Array(0),
    probB: new Float64Array(0),
    targetMean: target.mean,
    targetScale: target.scale,
  };
}

/** Class indices present in the problem, ascending. */
function presentClasses(prob: Problem, K: number): number[] {
  const seen = new Uint8Array(K);
  for (let i = 0; i < prob.rows.length; i++) seen[prob.label[i]] = 1;
  const out: number[] = [];
  for (let c = 0; c < K; c++) if (seen[c]) out.push(c);
  return out;
}

function trainLinear(prob: Problem, settings: Settings, K: number, base: SvmBase, rng: () => number): LinearSvmModel {
  const d = prob.cols;
  if (!settings.classification) {
    const weights = dcdRegressor(prob, settings.C, settings.epsilon, settings.tolerance, settings.maxIterations, rng);
    return { ...base, solver: 'dual-cd', weights };
  }
  const P = (K * (K - 1)) / 2;
  const weights = new Float64Array(P * (d + 1));
  let p = 0;
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++, p++) {
      const rows: number[] = [];
      const label: number[] = [];
      for (let i = 0; i < prob.rows.length; i++) {
        const c = prob.label[i];
        if (c === a || c === b) {
          rows.push(prob.rows[i]);
          label.push(c === a ? 1 : -1);
        }
      }
      const w = dcdClassifier({ data: prob.data, cols: d, rows: Int32Array.from(rows), label: Float64Array.from(label) }, settings.C, settings.tolerance, settings.maxIterations, rng);
      weights.set(w, p * (d + 1));
    }
  }
  return { ...base, solver: 'dual-cd', weights };
}

/** The problem's rows `rows` (indices into prob.rows) as their own dense matrix. */
function subMatrix(prob: Problem, rows: ArrayLike<number>): Float64Array {
  const d = prob.cols;
  const out = new Float64Array(rows.length * d);
  for (let t = 0; t < rows.length; t++) out.set(prob.data.subarray(prob.rows[rows[t]] * d, prob.rows[rows[t]] * d + d), t * d);
  return out;
}

function kernelRows(prob: Problem, rows: ArrayLike<number>, settings: Settings): KernelRows {
  const spec = { kernel: settings.kernel as 'rbf' | 'poly', gamma: settings.gamma, degree: settings.degree, coef0: settings.coef0 };
  return new KernelRows(subMatrix(prob, rows), rows.length, prob.cols, spec, settings.cacheMb * 2 ** 20);
}

/**
 * Kernel SVM as libsvm's svm_train: epsilon-SVR on all rows (two variables per row), or C-SVC one
 * pair of classes at a time (rows of the pair's first class labelled +1), the support vectors of
 * every pair gathered by class with libsvm's coefficient layout.
 */
function trainKernel(prob: Problem, settings: Settings, K: number, base: SvmBase): KernelSvmModel {
  const l = prob.rows.length;
  const { C, tolerance: eps } = settings;
  const all = Int32Array.from({ length: l }, (_, i) => i);
  if (!settings.classification) {
    const s = Int8Array.from({ length: 2 * l }, (_, a) => (a < l ? 1 : -1));
    const r = Int32Array.from({ length: 2 * l }, (_, a) => a % l);
    const p = Float64Array.from({ length: 2 * l }, (_, a) => (a < l ? settings.epsilon - prob.label[a] : settings.epsilon + prob.label[a - l]));
    const { alpha, rho } = solveSmo({ s, r, p, C, eps, shrinking: true, kernel: kernelRows(prob, all, settings) });
    const sv: number[] = [];
    for (let i = 0; i < l; i++) if (alpha[i] - alpha[i + l] !== 0) sv.push(i);
    return { ...base, solver: 'smo', supportVectors: subMatrix(prob, sv), svCount: Int32Array.of(sv.length), coef: Float64Array.from(sv, (i) => alpha[i] - alpha[i + l]), rho: Float64Array.of(rho) };
  }
  // Rows of each class, in row order.
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < l; i++) byClass[prob.label[i]].push(i);
  const P = (K * (K - 1)) / 2;
  const rho = new Float64Array(P);
  // pairCoef[pair]: the pair's coefficient (α·s) for each of its rows (class a's, then class b's).
  const pairCoef: Float64Array[] = new Array(P);
  const isSV = new Uint8Array(l);
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++) {
      const p = pairIndex(a, b, K);
      if (byClass[a].length === 0 || byClass[b].length === 0) continue; // a class absent from these rows (a fold): answered by the caller
      const rows = [...byClass[a], ...byClass[b]];
      const L = rows.length;
      const s = Int8Array.from({ length: L }, (_, t) => (t < byClass[a].length ? 1 : -1));
      const solution = solveSmo({ s, r: Int32Array.from({ length: L }, (_, t) => t), p: new Float64Array(L).fill(-1), C, eps, shrinking: true, kernel: kernelRows(prob, rows, settings) });
      rho[p] = solution.rho;
      pairCoef[p] = Float64Array.from(solution.alpha, (v, t) => v * s[t]);
      for (let t = 0; t < L; t++) if (solution.alpha[t] > 0) isSV[rows[t]] = 1;
    }
  }
  // Support vectors grouped by class; coef row b−1 (b > a) or b (b < a) holds a vector of class a's
  // coefficient in pair (a, b), as libsvm's sv_coef.
  const svCount = new Int32Array(K);
  const svRows: number[] = [];
  const position = new Int32Array(l).fill(-1);
  for (let c = 0; c < K; c++) {
    for (const i of byClass[c]) {
      if (!isSV[i]) continue;
      position[i] = svRows.length;
      svRows.push(i);
      svCount[c]++;
    }
  }
  const nSV = svRows.length;
  const coef = new Float64Array((K - 1) * nSV);
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++) {
      const values = pairCoef[pairIndex(a, b, K)];
      if (!values) continue;
      const rows = [...byClass[a], ...byClass[b]];
      rows.forEach((i, t) => {
        if (position[i] < 0) return;
        const row = t < byClass[a].length ? b - 1 : a; // the vector's class is a (first part) or b
        coef[row * nSV + position[i]] = values[t];
      });
    }
  }
  return { ...base, solver: 'smo', supportVectors: subMatrix(prob, svRows), svCount, coef, rho };
}

/** Index of pair (a, b), a < b, in the order (0,1), (0,2), …, (1,2), … */
function pairIndex(a: number, b: number, K: number): number {
  return a * K - (a * (a + 1)) / 2 + (b - a - 1);
}

function trainOne(prob: Problem, settings: Settings, K: number, base: SvmBase, rng: () => number): SvmModel {
  return settings.kernel === 'linear' ? trainLinear(prob, settings, K, base, rng) : trainKernel(prob, settings, K, base);
}

// ---------------------------------------------------------------------------------------------

function settingsFor(options: SvmOptions, data: Float64Array, d: number): Settings {
  if (options.task !== 'classification' && options.task !== 'regression') throw new Error(`${WHAT}: task must be 'classification' or 'regression', not ${String(options.task)}.`);
  const kernel = options.kernel ?? 'rbf';
  if (kernel !== 'linear' && kernel !== 'rbf' && kernel !== 'poly') throw new Error(`${WHAT}: kernel must be 'linear', 'rbf' or 'poly', not ${String(kernel)}.`);
  let gamma: number;
  if (options.gamma === undefined || options.gamma === 'scale') {
    let mean = 0;
    for (let i = 0; i < data.length; i++) mean += data[i];
    mean /= data.length;
    let v = 0;
    for (let i = 0; i < data.length; i++) v += (data[i] - mean) ** 2;
    v /= data.length;
    gamma = v > 0 ? 1 / (d * v) : 1;
  } else gamma = positiveNumber(WHAT, 'gamma', options.gamma);
  const degree = wholeNumber(WHAT, 'degree', options.degree ?? 3, 1, 10);
  const coef0 = options.coef0 ?? 0;
  if (!Number.isFinite(coef0)) throw new Error(`${WHAT}: coef0 must be a number, not ${coef0}.`);
  return {
    classification: options.task === 'classification',
    kernel,
    C: positiveNumber(WHAT, 'C', options.C ?? 1),
    gamma,
    degree,
    coef0,
    epsilon: positiveNumber(WHAT, 'epsilon', options.epsilon ?? 0.1, true),
    tolerance: positiveNumber(WHAT, 'tolerance', options.tolerance ?? (kernel === 'linear' ? 0.1 : 1e-3)),
    maxIterations: wholeNumber(WHAT, 'maxIterations', options.maxIterations ?? 1000, 1),
    cacheMb: positiveNumber(WHAT, 'cacheMb', options.cacheMb ?? 200),
  };
}

/** Seeded stratified folds: each class's rows shuffled, then dealt round-robin. */
function stratifiedFolds(label: Float64Array, K: number, folds: number, rng: () => number): Int32Array {
  const fold = new Int32Array(label.length);
  const byClass: number[][] = Array.from({ length: Math.max(K, 1) }, () => []);
  for (let i = 0; i < label.length; i++) byClass[label[i]].push(i);
  let next = 0;
  for (const rows of byClass) {
    const order = shuffledIndices(rows.length, rng);
    for (const o of order) fold[rows[o]] = next++ % folds;
  }
  return fold;
}

/** Platt sigmoids per pair, from decision values of models trained without each fold. */
function fitProbabilities(prob: Problem, settings: Settings, K: number, base: SvmBase, rng: () => number): { probA: Float64Array; probB: Float64Array } {
  const FOLDS = 5;
  const l = prob.rows.length;
  const P = (K * (K - 1)) / 2;
  const fold = stratifiedFolds(prob.label, K, FOLDS, rng);
  const dec = new Float64Array(l * P);
  for (let f = 0; f < FOLDS; f++) {
    const inFold: number[] = [];
    const outFold: number[] = [];
    for (let i = 0; i < l; i++) (fold[i] === f ? inFold : outFold).push(i);
    if (inFold.length === 0) continue;
    const trainProb: Problem = { data: prob.data, cols: prob.cols, rows: Int32Array.from(outFold, (i) => prob.rows[i]), label: Float64Array.from(outFold, (i) => prob.label[i]) };
    const present = new Set(presentClasses(trainProb, K));
    const held: DenseMatrix = { data: new Float64Array(inFold.length * prob.cols), rows: inFold.length, cols: prob.cols };
    inFold.forEach((i, r) => held.data.set(prob.data.subarray(prob.rows[i] * prob.cols, (prob.rows[i] + 1) * prob.cols), r * prob.cols));
    const values = present.size >= 2 ? svmDecisionValues(trainOne(trainProb, settings, K, base, rng), held) : null;
    inFold.forEach((i, r) => {
      let p = 0;
      for (let a = 0; a < K; a++) {
        for (let b = a + 1; b < K; b++, p++) {
          // A pair missing a class in this fold's training rows: the present class wins (as libsvm).
          if (values && present.has(a) && present.has(b)) dec[i * P + p] = values[r * P + p];
          else dec[i * P + p] = present.has(a) ? 1 : present.has(b) ? -1 : 0;
        }
      }
    });
  }
  const probA = new Float64Array(P);
  const probB = new Float64Array(P);
  let p = 0;
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++, p++) {
      const values: number[] = [];
      const positive: number[] = [];
      for (let i = 0; i < l; i++) {
        if (prob.label[i] === a || prob.label[i] === b) {
          values.push(dec[i * P + p]);
          positive.push(prob.label[i] === a ? 1 : 0);
        }
      }
      const { A, B } = sigmoidTrain(Float64Array.from(values), Uint8Array.from(positive));
      probA[p] = A;
      probB[p] = B;
    }
  }
  return { probA, probB };
}

/** Trains an SVM on the rows of X: class ids (Int32Array) for classification, numbers (Float64Array) for regression. */
export function trainSvm(X: DenseMatrix, y: Int32Array | Float64Array, options: SvmOptions): SvmModel {
  const data = checkedData(WHAT, X, 2);
  const { rows: n, cols: d } = X;
  const seed = checkedSeed(WHAT, options.seed);
  const settings = settingsFor(options, data, d);
  const maxRows = wholeNumber(WHAT, 'maxRows', options.maxRows ?? 20_000, 2);
  if (settings.kernel !== 'linear' && n > maxRows) {
    const fmt = (v: number) => v.toLocaleString('en-US');
    throw new Error(
      `A ${settings.kernel === 'rbf' ? 'RBF' : 'polynomial'}-kernel SVM on ${fmt(n)} rows would take too long: its training time grows with the square of the rows, so it is limited to ${fmt(maxRows)}. Use the linear SVM (kernel 'linear'), which handles any number of rows, or sample at most ${fmt(maxRows)} rows first.`,
    );
  }
  const rng = createRng(seed);
  let classes: Int32Array = new Int32Array(0);
  let label: Float64Array;
  const target = { mean: 0, scale: 1 };
  if (settings.classification) {
    classes = checkedClasses(WHAT, y as Int32Array, n);
    if (classes.length < 2) throw new Error(`${WHAT}: classification needs at least 2 classes; every row has class ${classes[0]}.`);
    const index = new Map(Array.from(classes, (c, i) => [c, i]));
    label = Float64Array.from(y as Int32Array, (c) => index.get(c)!);
  } else {
    const values = checkedTargets(WHAT, y as Float64Array, n);
    for (let i = 0; i < n; i++) target.mean += values[i] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (values[i] - target.mean) ** 2;
    target.scale = Math.sqrt(v / n) || 1;
    label = Float64Array.from(values, (t) => (t - target.mean) / target.scale);
    settings.epsilon /= target.scale;
    settings.C /= target.scale;
  }
  const K = classes.length;
  const prob: Problem = { data, cols: d, rows: Int32Array.from({ length: n }, (_, i) => i), label };
  const base = baseModel(settings, d, classes, target);
  const model = trainOne(prob, settings, K, base, rng);
  if (settings.classification && options.probability !== false) {
    const { probA, probB } = fitProbabilities(prob, settings, K, base, rng);
    model.probA = probA;
    model.probB = probB;
  }
  return model;
}

/** Checks that a (deserialised) model has the shape prediction relies on. */
function checkModel(model: SvmModel): void {
  const bad = (why: string) => new Error(`predictSvm: not an SVM model (${why}).`);
  if (!model || model.type !== 'svm') throw bad('unknown type');
  if (!Number.isInteger(model.cols) || model.cols < 1) throw bad('bad column count');
  if (!(model.classes instanceof Int32Array) || !(model.probA instanceof Float64Array) || !(model.probB instanceof Float64Array)) throw bad('arrays must be typed arrays');
  if (model.task === 'classification' && model.classes.length < 2) throw bad('fewer than 2 classes');
  const P = pairCount(model);
  if (model.solver === 'dual-cd') {
    if (!(model.weights instanceof Float64Array) || model.weights.length !== P * (model.cols + 1)) throw bad('weights do not match the columns');
    return;
  }
  if (model.solver !== 'smo') throw bad('unknown solver');
  const { supportVectors, svCount, coef, rho } = model;
  if (!(supportVectors instanceof Float64Array) || !(svCount instanceof Int32Array) || !(coef instanceof Float64Array) || !(rho instanceof Float64Array)) throw bad('arrays must be typed arrays');
  const nSV = supportVectors.length / model.cols;
  const rowsOfCoef = model.task === 'classification' ? model.classes.length - 1 : 1;
  if (!Number.isInteger(nSV) || svCount.reduce((a, b) => a + b, 0) !== nSV || coef.length !== rowsOfCoef * nSV || rho.length !== P) throw bad('support vector arrays do not fit together');
  if (model.task === 'classification' && svCount.length !== model.classes.length) throw bad('one support vector count per class expected');
}
