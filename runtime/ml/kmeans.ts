import { createRng, shuffledIndices } from '../../lib/rng';
import { checkedData, checkedRows, checkedSeed, positiveNumber, wholeNumber, type DenseMatrix } from './matrix';
import { simdKernels, type SimdKernels } from './simd';

/**
 * k-means (Lloyd's algorithm) with greedy k-means++ seeding, several seeded restarts (the one with
 * the lowest inertia is kept), empty-cluster relocation, plus the silhouette score and an elbow
 * curve. Semantics follow scikit-learn's KMeans(algorithm='lloyd'): the tolerance is relative to the
 * mean column variance and compared with the total squared centroid shift, iteration stops early
 * when no row changes cluster, and the returned labels and inertia belong to the returned centroids.
 *
 * The heavy part, row–centroid distances (‖c‖² − 2·x·c, fused with the centroid sums of the next
 * step), runs in a small WebAssembly SIMD module (runtime/ml/simd.ts): two rows against four centroids
 * at a time in two-lane float64 vectors. Measured per Lloyd iteration of the W1 workload
 * (100,000×16, k = 8; bench/models/classic.ts) on a shared 2-core machine: the best plain
 * JavaScript loop (two rows × four centroids in eight local accumulators) ~11 ms, the same
 * iteration as tfjs ops on its wasm backend (matMul, argMin, unsortedSegmentSum) ~1.4x that, the
 * SIMD module ~5.5 ms. Where WebAssembly SIMD is missing, a plain JavaScript loop does the same
 * arithmetic, with bit-identical results (and `simd: false` forces it).
 */

export interface KMeansOptions {
  /** Number of clusters, 1..rows. */
  k: number;
  /** Seeds the k-means++ draws of every restart. */
  seed: number;
  /** Independent k-means++ starts; the lowest inertia wins (default 3). */
  inits?: number;
  /** Lloyd iterations per start, at most (default 300). */
  maxIterations?: number;
  /**
   * Relative tolerance (default 1e-4): a start stops when the total squared centroid shift falls to
   * tolerance × the mean column variance. 0 runs until no row changes cluster (or maxIterations).
   */
  tolerance?: number;
  /** Starting centroids (k × cols) instead of k-means++; then there is one start, whatever `inits` says. */
  init?: DenseMatrix;
  /** Use the WebAssembly SIMD distance loops when the runtime has them (default true; false: plain JavaScript, same results). */
  simd?: boolean;
}

export interface KMeansResult {
  /** k × cols, row-major: one centroid per row. */
  centroids: DenseMatrix;
  /** The cluster of each training row, 0..k-1. */
  labels: Int32Array;
  /** Sum of squared distances from each row to its centroid. */
  inertia: number;
  /** Lloyd iterations of the start that was kept. */
  iterations: number;
  /** Whether that start stopped on the tolerance (or no row changed) before maxIterations. */
  converged: boolean;
  /** Rows per cluster. */
  clusterSizes: Int32Array;
}

const WHAT = 'k-means';

/**
 * Centroids laid out for the distance loops: transposed (ct[j * kp + c]) and padded to a multiple
 * of four with zero columns whose squared norm is +Infinity, so a padding centroid is never nearest.
 */
interface CentroidBlock {
  k: number;
  kp: number;
  ct: Float64Array;
  norms: Float64Array;
}

function loadBlock(block: CentroidBlock, centroids: Float64Array, d: number): void {
  const { k, kp, ct, norms } = block;
  ct.fill(0);
  norms.fill(Infinity);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = centroids[c * d + j];
      ct[j * kp + c] = v;
      s += v * v;
    }
    norms[c] = s;
  }
}

/**
 * Everything one fit works on: the rows, per-row labels and partial distances, the running
 * centroid sums, the centroid blocks; in WebAssembly memory when the SIMD kernels are used (so
 * they read and write it directly), else in plain typed arrays.
 */
class Workspace {
  readonly data: Float64Array;
  readonly labels: Int32Array;
  /** ‖c‖² − 2·x·c to the row's nearest centroid after an assignment pass. */
  readonly partial: Float64Array;
  readonly rowNorms: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  readonly block: CentroidBlock;
  /** k-means++ candidates and the squared distances from every row to each (trialDist[t * n + i]). */
  readonly trials: CentroidBlock;
  readonly trialDist: Float64Array;
  private readonly simd: SimdKernels | null;
  private readonly at = new Map<object, number>();

  constructor(
    source: Float64Array,
    readonly n: number,
    readonly d: number,
    k: number,
    trials: number,
    useSimd: boolean,
  ) {
    const kp = Math.ceil(k / 4) * 4;
    const tp = Math.ceil(trials / 4) * 4;
    // Float64 counts of each region, in layout order (Int32 labels take n/2 of them, rounded up).
    const sizes = [n * d, Math.ceil(n / 2), n, n, k * d, k, d * kp, kp, d * tp, tp, tp * n];
    const total = sizes.reduce((a, b) => a + b, 0) * 8;
    this.simd = useSimd ? simdKernels(total) : null;
    const buffer = this.simd ? this.simd.memory.buffer : new ArrayBuffer(total);
    let offset = 0;
    const take = <T extends Float64Array | Int32Array>(Ctor: new (b: ArrayBuffer, o: number, l: number) => T, length: number, slots: number): T => {
      const view = new Ctor(buffer, offset, length);
      this.at.set(view, offset);
      offset += slots * 8;
      return view;
    };
    this.data = take(Float64Array, n * d, sizes[0]);
    this.data.set(source);
    this.labels = take(Int32Array, n, sizes[1]);
    this.partial = take(Float64Array, n, sizes[2]);
    this.rowNorms = take(Float64Array, n, sizes[3]);
    this.sums = take(Float64Array, k * d, sizes[4]);
    this.counts = take(Float64Array, k, sizes[5]);
    this.block = { k, kp, ct: take(Float64Array, d * kp, sizes[6]), norms: take(Float64Array, kp, sizes[7]) };
    this.trials = { k: trials, kp: tp, ct: take(Float64Array, d * tp, sizes[8]), norms: take(Float64Array, tp, sizes[9]) };
    this.trialDist = take(Float64Array, tp * n, sizes[10]);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0, o = i * d; j < d; j++) s += this.data[o + j] * this.data[o + j];
      this.rowNorms[i] = s;
    }
  }

  private ptr(view: object): number {
    return this.at.get(view)!;
  }

  /**
   * One assignment pass against `block`: labels, partial distances and, with `fuse`, the
   * per-cluster sums and counts (which the caller zeroes). Returns how many labels changed.
   */
  assign(fuse: boolean): number {
    const { n, d, block, simd } = this;
    const paired = simd ? n - (n % 2) : 0;
    let changed = 0;
    if (simd) {
      const p = (v: object) => this.ptr(v);
      changed = simd.assign(p(this.data), paired, d, p(block.ct), block.kp, p(block.norms), p(this.labels), p(this.partial), p(this.sums), p(this.counts), fuse ? 1 : 0);
    }
    const { data, labels, partial, sums, counts } = this;
    const { kp, ct, norms } = block;
    for (let i = paired; i < n; i++) {
      const o = i * d;
      let best = 0;
      let bv = Infinity;
      for (let c = 0; c < block.k; c++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += data[o + j] * ct[j * kp + c];
        const v = norms[c] - 2 * dot;
        if (v < bv) {
          bv = v;
          best = c;
        }
      }
      if (labels[i] !== best) changed++;
      labels[i] = best;
      partial[i] = bv;
      if (fuse) {
        counts[best]++;
        for (let j = 0, s = best * d; j < d; j++) sums[s + j] += data[o + j];
      }
    }
    return changed;
  }

  /** trialDist[t * n + i] = max(‖x_i‖² + ‖c_t‖² − 2·x_i·c_t, 0) for the loaded candidates. */
  candidateDistances(): void {
    const { n, d, trials, simd, data, rowNorms, trialDist } = this;
    const paired = simd ? n - (n % 2) : 0;
    if (simd) {
      const p = (v: object) => this.ptr(v);
      simd.distances(p(data), paired, d, p(trials.ct), trials.kp, p(trials.norms), p(rowNorms), p(trialDist), n);
    }
    const { kp, ct, norms } = trials;
    for (let i = paired; i < n; i++) {
      for (let t = 0; t < kp; t++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += data[i * d + j] * ct[j * kp + t];
        trialDist[t * n + i] = Math.max(rowNorms[i] + norms[t] - 2 * dot, 0);
      }
    }
  }
}

/** Index of the first cumulative value above target (binary search). */
function searchCumulative(cumulative: Float64Array, target: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Greedy k-means++ (as scikit-learn): each new centroid is the best of 2 + ⌊ln k⌋ rows drawn with
 * probability proportional to their squared distance to the nearest centroid so far.
 */
function kmeansPlusPlus(ws: Workspace, k: number, rng: () => number): Float64Array {
  const { data, n, d, trials: block, trialDist } = ws;
  const trials = block.k;
  const centroids = new Float64Array(k * d);
  const closest = new Float64Array(n);
  const cumulative = new Float64Array(n);
  const candidateRows = new Float64Array(trials * d);
  const first = Math.floor(rng() * n);
  centroids.set(data.subarray(first * d, first * d + d), 0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0, o = i * d, f = first * d; j < d; j++) {
      const t = data[o + j] - data[f + j];
      s += t * t;
    }
    closest[i] = s;
  }
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < n; i++) cumulative[i] = running += closest[i];
    for (let t = 0; t < trials; t++) {
      // All rows coincide with centroids already chosen: any row will do.
      const row = running > 0 ? searchCumulative(cumulative, rng() * running) : Math.floor(rng() * n);
      candidateRows.set(data.subarray(row * d, row * d + d), t * d);
    }
    loadBlock(block, candidateRows, d);
    ws.candidateDistances();
    let bestTrial = 0;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0, base = t * n; i < n; i++) p += Math.min(closest[i], trialDist[base + i]);
      if (p < bestPotential) {
        bestPotential = p;
        bestTrial = t;
      }
    }
    for (let i = 0, base = bestTrial * n; i < n; i++) if (trialDist[base + i] < closest[i]) closest[i] = trialDist[base + i];
    centroids.set(candidateRows.subarray(bestTrial * d, bestTrial * d + d), c * d);
  }
  return centroids;
}

interface LloydOutcome {
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
  iterations: number;
  converged: boolean;
  sizes: Int32Array;
}

/** Exact Σ‖x − c_label‖² and the cluster sizes. */
function inertiaOf(data: Float64Array, n: number, d: number, centroids: Float64Array, labels: Int32Array, k: number): { inertia: number; sizes: Int32Array } {
  let inertia = 0;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    sizes[c]++;
    for (let j = 0, o = i * d, b = c * d; j < d; j++) {
      const t = data[o + j] - centroids[b + j];
      inertia += t * t;
    }
  }
  return { inertia, sizes };
}

/**
 * A cluster left without rows takes the row farthest from its own centroid (as scikit-learn), moved
 * out of that row's cluster in the running sums.
 */
function relocateEmpty(ws: Workspace, distance: Float64Array): number {
  const { data, n, d, labels, sums, counts } = ws;
  let moved = 0;
  for (let c = 0; c < ws.block.k; c++) {
    if (counts[c] > 0) continue;
    let far = -1;
    let farDist = -1;
    for (let i = 0; i < n; i++) {
      if (counts[labels[i]] > 1 && distance[i] > farDist) {
        farDist = distance[i];
        far = i;
      }
    }
    if (far < 0) break; // fewer distinct rows than clusters: nothing left to move
    const from = labels[far];
    for (let j = 0, o = far * d; j < d; j++) {
      sums[from * d + j] -= data[o + j];
      sums[c * d + j] = data[o + j];
    }
    counts[from]--;
    counts[c] = 1;
    labels[far] = c;
    distance[far] = -1;
    moved++;
  }
  return moved;
}

function lloyd(ws: Workspace, start: Float64Array, maxIterations: number, tolerance: number): LloydOutcome {
  const { n, d, block, labels, partial, sums, counts, rowNorms } = ws;
  const k = block.k;
  let centroids = start.slice();
  const next = new Float64Array(k * d);
  labels.fill(-1);
  let iterations = 0;
  let converged = false;
  let strict = false;
  for (let it = 0; it < maxIterations; it++) {
    loadBlock(block, centroids, d);
    sums.fill(0);
    counts.fill(0);
    let changed = ws.assign(true);
    iterations = it + 1;
    if (counts.some((c) => c === 0)) {
      const distance = Float64Array.from(partial, (v, i) => v + rowNorms[i]);
      changed += relocateEmpty(ws, distance);
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const inv = counts[c] > 0 ? 1 / counts[c] : 0;
      for (let j = 0, o = c * d; j < d; j++) {
        const v = counts[c] > 0 ? sums[o + j] * inv : centroids[o + j];
        const t = v - centroids[o + j];
        shift += t * t;
        next[o + j] = v;
      }
    }
    centroids.set(next);
    if (changed === 0) {
      strict = true;
      converged = true;
      break;
    }
    if (shift <= tolerance) {
      converged = true;
      break;
    }
  }
  // The labels belong to the centroids before the last update: assign once more (unless nothing moved).
  if (!strict) {
    loadBlock(block, centroids, d);
    ws.assign(false);
  }
  const { inertia, sizes } = inertiaOf(ws.data, n, d, centroids, labels, k);
  return { centroids, labels: labels.slice(), inertia, iterations, converged, sizes };
}

function meanColumnVariance(data: Float64Array, n: number, d: number): number {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j] - mean[j];
      total += t * t;
    }
  }
  return total / (n * d);
}

/** Fits k-means on the rows of X. Repeatable: the same data, options and seed give the same result. */
export function kmeans(X: DenseMatrix, options: KMeansOptions): KMeansResult {
  const data = checkedData(WHAT, X);
  const { rows: n, cols: d } = X;
  const k = wholeNumber(WHAT, 'k', options.k, 1, n);
  const seed = checkedSeed(WHAT, options.seed);
  const inits = wholeNumber(WHAT, 'inits', options.inits ?? 3, 1, 1000);
  const maxIterations = wholeNumber(WHAT, 'maxIterations', options.maxIterations ?? 300, 1);
  const tolerance = positiveNumber(WHAT, 'tolerance', options.tolerance ?? 1e-4, true) * meanColumnVariance(data, n, d);
  const rng = createRng(seed);
  let given: Float64Array | null = null;
  if (options.init) {
    given = checkedData(`${WHAT} (init)`, options.init);
    if (options.init.rows !== k || options.init.cols !== d) throw new Error(`${WHAT}: init must hold ${k} centroids of ${d} columns, not ${options.init.rows}×${options.init.cols}.`);
  }
  const ws = new Workspace(data, n, d, k, given ? 0 : 2 + Math.floor(Math.log(k)), options.simd !== false);
  let best: LloydOutcome | null = null;
  for (let run = 0; run < (given ? 1 : inits); run++) {
    const start = given ?? kmeansPlusPlus(ws, k, rng);
    const outcome = lloyd(ws, start, maxIterations, tolerance);
    if (!best || outcome.inertia < best.inertia) best = outcome;
  }
  const b = best!;
  return { centroids: { data: b.centroids, rows: k, cols: d }, labels: b.labels, inertia: b.inertia, iterations: b.iterations, converged: b.converged, clusterSizes: b.sizes };
}

/** The nearest centroid of each row of X (ties go to the lower cluster number). */
export function assignClusters(centroids: DenseMatrix, X: DenseMatrix): Int32Array {
  const c = checkedData('assignClusters (centroids)', centroids);
  const data = checkedRows('assignClusters', X, centroids.cols);
  const ws = new Workspace(data, X.rows, X.cols, centroids.rows, 0, true);
  loadBlock(ws.block, c, X.cols);
  ws.assign(false);
  return ws.labels.slice();
}

export interface SilhouetteOptions {
  /** Above this many rows, the score is computed on a seeded random sample of this many (default 5,000). */
  maxRows?: number;
  /** Seeds the sample (default 0); unused when every row is used. */
  seed?: number;
}

export interface SilhouetteResult {
  /** Mean silhouette coefficient over the rows used, from -1 to 1 (higher: tighter, better separated clusters). */
  score: number;
  /** Mean coefficient of each cluster's rows, by cluster id (NaN for an id with no row in the rows used). */
  perCluster: Float64Array;
  /** Whether a random sample of rows was used instead of every row. */
  sampled: boolean;
  /** How many rows the score was computed on. */
  rows: number;
}

/**
 * The silhouette score (Euclidean): for each row, a = mean distance to the other rows of its
 * cluster, b = the smallest mean distance to another cluster's rows, s = (b − a) / max(a, b), and 0
 * for a row alone in its cluster (as scikit-learn). Exact, O(rows² · cols), up to maxRows rows;
 * above that, exact on a seeded sample of maxRows rows (`sampled` says so).
 */
export function silhouette(X: DenseMatrix, labels: Int32Array, options: SilhouetteOptions = {}): SilhouetteResult {
  const what = 'silhouette';
  const full = checkedData(what, X, 2);
  const { rows, cols: d } = X;
  if (!(labels instanceof Int32Array) || labels.length !== rows) throw new Error(`${what}: needs one Int32Array cluster label per row (${rows}).`);
  const maxRows = wholeNumber(what, 'maxRows', options.maxRows ?? 5000, 2);
  const sampled = rows > maxRows;
  const chosen = sampled ? shuffledIndices(rows, createRng(checkedSeed(what, options.seed ?? 0))).subarray(0, maxRows).sort() : null;
  const n = chosen ? chosen.length : rows;
  const data = chosen ? new Float64Array(n * d) : full;
  const lab = chosen ? new Int32Array(n) : labels;
  if (chosen) {
    for (let r = 0; r < n; r++) {
      data.set(full.subarray(chosen[r] * d, chosen[r] * d + d), r * d);
      lab[r] = labels[chosen[r]];
    }
  }
  let clusters = 0;
  for (let i = 0; i < n; i++) {
    if (lab[i] < 0) throw new Error(`${what}: cluster labels must be 0 or more; row ${(chosen ? chosen[i] : i) + 1} has ${lab[i]}.`);
    clusters = Math.max(clusters, lab[i] + 1);
  }
  const size = new Float64Array(clusters);
  for (let i = 0; i < n; i++) size[lab[i]]++;
  const present = size.filter((s) => s > 0).length;
  if (present < 2 || present > n - 1) throw new Error(`${what}: needs from 2 to ${n - 1} clusters among the rows used, found ${present}.`);
  // sum[i * clusters + c]: total distance from row i to the rows of cluster c.
  const sum = new Float64Array(n * clusters);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    const li = lab[i];
    const si = i * clusters;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let q = 0; q < d; q++) {
        const t = data[oi + q] - data[oj + q];
        s += t * t;
      }
      const dist = Math.sqrt(s);
      sum[si + lab[j]] += dist;
      sum[j * clusters + li] += dist;
    }
  }
  let total = 0;
  const perSum = new Float64Array(clusters);
  for (let i = 0; i < n; i++) {
    const li = lab[i];
    let s = 0;
    if (size[li] > 1) {
      const a = sum[i * clusters + li] / (size[li] - 1);
      let b = Infinity;
      for (let c = 0; c < clusters; c++) if (c !== li && size[c] > 0) b = Math.min(b, sum[i * clusters + c] / size[c]);
      const m = Math.max(a, b);
      s = m > 0 ? (b - a) / m : 0;
    }
    total += s;
    perSum[li] += s;
  }
  const perCluster = perSum.map((s, c) => (size[c] > 0 ? s / size[c] : NaN));
  return { score: total / n, perCluster, sampled, rows: n };
}

export interface ElbowPoint {
  k: number;
  inertia: number;
  iterations: number;
}

/** Inertia of k-means for each k (the "elbow" plot): the same options and seed for every k. */
export function elbow(X: DenseMatrix, kRange: readonly number[], options: Omit<KMeansOptions, 'k'>): ElbowPoint[] {
  if (!Array.isArray(kRange) || kRange.length === 0) throw new Error('elbow: give at least one value of k.');
  return kRange.map((k) => {
    const fit = kmeans(X, { ...options, k });
    return { k, inertia: fit.inertia, iterations: fit.iterations };
  });
}
