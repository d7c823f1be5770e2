import { createRng, shuffledIndices } from '../rng';
import { checkedData, checkedRows, checkedSeed, positiveNumber, wholeNumber, type DenseMatrix } from './matrix';

/**
 * k-means (Lloyd's algorithm) with greedy k-means++ seeding, several seeded restarts (the one with
 * the lowest inertia is kept), empty-cluster relocation, plus the silhouette score and an elbow
 * curve. Semantics follow scikit-learn's KMeans(algorithm='lloyd'): the tolerance is relative to the
 * mean column variance and compared with the total squared centroid shift, iteration stops early
 * when no row changes cluster, and the returned labels and inertia belong to the returned centroids.
 *
 * The heavy part (row–centroid distances) is a plain typed-array loop: two rows against four
 * centroids at a time (‖c‖² − 2·x·c, eight accumulators in registers), fused with the centroid sums
 * of the next step. Measured on the W1 workload (100,000×16, k = 8, bench/models/classic.ts), that
 * beat the same iteration as tensor ops on tfjs's wasm backend by about 3x: XNNPACK's matMul of
 * 100,000×16 by 16×8 alone costs ~3 ms, and argMin plus the segment sums for the update cost more
 * than the whole JavaScript pass.
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

/** Σ_j x_j² of every row. */
function rowSquaredNorms(data: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0, o = i * d; j < d; j++) s += data[o + j] * data[o + j];
    out[i] = s;
  }
  return out;
}

/**
 * Centroids laid out for the distance loop: transposed (ct[j * kp + c]) and padded to a multiple of
 * four with zero columns whose squared norm is +Infinity, so a padding centroid is never nearest.
 */
class CentroidBlock {
  readonly kp: number;
  readonly ct: Float64Array;
  readonly norms: Float64Array;
  constructor(
    readonly k: number,
    readonly d: number,
  ) {
    this.kp = Math.ceil(k / 4) * 4;
    this.ct = new Float64Array(d * this.kp);
    this.norms = new Float64Array(this.kp);
  }

  load(centroids: Float64Array, count = this.k): void {
    const { d, kp, ct, norms } = this;
    ct.fill(0);
    norms.fill(Infinity);
    for (let c = 0; c < count; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = centroids[c * d + j];
        ct[j * kp + c] = v;
        s += v * v;
      }
      norms[c] = s;
    }
  }
}

/**
 * One assignment pass: labels[i] = nearest centroid, partial[i] = ‖c‖² − 2·x·c for it (add ‖x‖²
 * for the squared distance), and, when sums is given, the per-cluster sums and counts for the
 * update. Returns how many labels changed.
 */
function assignPass(
  data: Float64Array,
  n: number,
  block: CentroidBlock,
  labels: Int32Array,
  partial: Float64Array,
  sums: Float64Array | null,
  counts: Float64Array | null,
): number {
  const { d, kp, ct, norms } = block;
  let changed = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o0 = i * d;
    const o1 = o0 + d;
    let best0 = 0;
    let best1 = 0;
    let v0 = Infinity;
    let v1 = Infinity;
    for (let c = 0; c < kp; c += 4) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let j = 0, t = c; j < d; j++, t += kp) {
        const x = data[o0 + j];
        const y = data[o1 + j];
        const c0 = ct[t], c1 = ct[t + 1], c2 = ct[t + 2], c3 = ct[t + 3];
        a0 += x * c0; a1 += x * c1; a2 += x * c2; a3 += x * c3;
        b0 += y * c0; b1 += y * c1; b2 += y * c2; b3 += y * c3;
      }
      const n0 = norms[c], n1 = norms[c + 1], n2 = norms[c + 2], n3 = norms[c + 3];
      let v = n0 - 2 * a0;
      if (v < v0) { v0 = v; best0 = c; }
      v = n1 - 2 * a1;
      if (v < v0) { v0 = v; best0 = c + 1; }
      v = n2 - 2 * a2;
      if (v < v0) { v0 = v; best0 = c + 2; }
      v = n3 - 2 * a3;
      if (v < v0) { v0 = v; best0 = c + 3; }
      v = n0 - 2 * b0;
      if (v < v1) { v1 = v; best1 = c; }
      v = n1 - 2 * b1;
      if (v < v1) { v1 = v; best1 = c + 1; }
      v = n2 - 2 * b2;
      if (v < v1) { v1 = v; best1 = c + 2; }
      v = n3 - 2 * b3;
      if (v < v1) { v1 = v; best1 = c + 3; }
    }
    if (labels[i] !== best0) changed++;
    if (labels[i + 1] !== best1) changed++;
    labels[i] = best0;
    labels[i + 1] = best1;
    partial[i] = v0;
    partial[i + 1] = v1;
    if (sums && counts) {
      counts[best0]++;
      counts[best1]++;
      const s0 = best0 * d;
      const s1 = best1 * d;
      for (let j = 0; j < d; j++) {
        sums[s0 + j] += data[o0 + j];
        sums[s1 + j] += data[o1 + j];
      }
    }
  }
  for (; i < n; i++) {
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
    if (sums && counts) {
      counts[best]++;
      for (let j = 0, s = best * d; j < d; j++) sums[s + j] += data[o + j];
    }
  }
  return changed;
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
function kmeansPlusPlus(data: Float64Array, n: number, d: number, k: number, rowNorms: Float64Array, rng: () => number): Float64Array {
  const centroids = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const cumulative = new Float64Array(n);
  const block = new CentroidBlock(trials, d);
  // candidateDist[t * n + i]: squared distance from row i to candidate t (padding candidates: +Infinity).
  const candidateDist = new Float64Array(block.kp * n);
  const candidates = new Int32Array(trials);
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
      candidates[t] = running > 0 ? searchCumulative(cumulative, rng() * running) : Math.floor(rng() * n);
      candidateRows.set(data.subarray(candidates[t] * d, candidates[t] * d + d), t * d);
    }
    block.load(candidateRows);
    // Squared distances from every row to every candidate: ‖x‖² + ‖c‖² − 2·x·c, four candidates at a time.
    const { kp, ct, norms } = block;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let q = 0; q < kp; q += 4) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let j = 0, t = q; j < d; j++, t += kp) {
          const x = data[o + j];
          a0 += x * ct[t]; a1 += x * ct[t + 1]; a2 += x * ct[t + 2]; a3 += x * ct[t + 3];
        }
        const xn = rowNorms[i];
        const base = q * n + i;
        candidateDist[base] = Math.max(xn + norms[q] - 2 * a0, 0);
        candidateDist[base + n] = Math.max(xn + norms[q + 1] - 2 * a1, 0);
        candidateDist[base + 2 * n] = Math.max(xn + norms[q + 2] - 2 * a2, 0);
        candidateDist[base + 3 * n] = Math.max(xn + norms[q + 3] - 2 * a3, 0);
      }
    }
    let bestTrial = 0;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0, base = t * n; i < n; i++) p += Math.min(closest[i], candidateDist[base + i]);
      if (p < bestPotential) {
        bestPotential = p;
        bestTrial = t;
      }
    }
    for (let i = 0, base = bestTrial * n; i < n; i++) if (candidateDist[base + i] < closest[i]) closest[i] = candidateDist[base + i];
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
function relocateEmpty(data: Float64Array, n: number, d: number, k: number, labels: Int32Array, distance: Float64Array, sums: Float64Array, counts: Float64Array): number {
  let moved = 0;
  for (let c = 0; c < k; c++) {
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

function lloyd(data: Float64Array, n: number, d: number, k: number, start: Float64Array, rowNorms: Float64Array, maxIterations: number, tolerance: number): LloydOutcome {
  let centroids = start.slice();
  let next = new Float64Array(k * d);
  const block = new CentroidBlock(k, d);
  const labels = new Int32Array(n).fill(-1);
  const partial = new Float64Array(n);
  const counts = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  let strict = false;
  for (let it = 0; it < maxIterations; it++) {
    block.load(centroids);
    next.fill(0);
    counts.fill(0);
    let changed = assignPass(data, n, block, labels, partial, next, counts);
    iterations = it + 1;
    if (counts.some((c) => c === 0)) {
      for (let i = 0; i < n; i++) partial[i] += rowNorms[i];
      changed += relocateEmpty(data, n, d, k, labels, partial, next, counts);
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const inv = counts[c] > 0 ? 1 / counts[c] : 0;
      for (let j = 0, o = c * d; j < d; j++) {
        const v = counts[c] > 0 ? next[o + j] * inv : centroids[o + j];
        const t = v - centroids[o + j];
        shift += t * t;
        next[o + j] = v;
      }
    }
    [centroids, next] = [next, centroids];
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
    block.load(centroids);
    assignPass(data, n, block, labels, partial, null, null);
  }
  const { inertia, sizes } = inertiaOf(data, n, d, centroids, labels, k);
  return { centroids, labels, inertia, iterations, converged, sizes };
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
  const rowNorms = rowSquaredNorms(data, n, d);
  const rng = createRng(seed);
  let given: Float64Array | null = null;
  if (options.init) {
    given = checkedData(`${WHAT} (init)`, options.init);
    if (options.init.rows !== k || options.init.cols !== d) throw new Error(`${WHAT}: init must hold ${k} centroids of ${d} columns, not ${options.init.rows}×${options.init.cols}.`);
  }
  let best: LloydOutcome | null = null;
  for (let run = 0; run < (given ? 1 : inits); run++) {
    const start = given ?? kmeansPlusPlus(data, n, d, k, rowNorms, rng);
    const outcome = lloyd(data, n, d, k, start, rowNorms, maxIterations, tolerance);
    if (!best || outcome.inertia < best.inertia) best = outcome;
  }
  const b = best!;
  return { centroids: { data: b.centroids, rows: k, cols: d }, labels: b.labels, inertia: b.inertia, iterations: b.iterations, converged: b.converged, clusterSizes: b.sizes };
}

/** The nearest centroid of each row of X (ties go to the lower cluster number). */
export function assignClusters(centroids: DenseMatrix, X: DenseMatrix): Int32Array {
  const c = checkedData('assignClusters (centroids)', centroids);
  const data = checkedRows('assignClusters', X, centroids.cols);
  const block = new CentroidBlock(centroids.rows, centroids.cols);
  block.load(c);
  const labels = new Int32Array(X.rows);
  assignPass(data, X.rows, block, labels, new Float64Array(X.rows), null, null);
  return labels;
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
