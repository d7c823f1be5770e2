import { simdKernels } from './simd';

/**
 * libsvm's SMO solver (Fan, Chen & Lin 2005: second-order working set selection, shrinking,
 * gradient reconstruction, the same stopping rule), ported to TypeScript. It solves
 *
 *   min ½ αᵀQα + pᵀα   subject to  sᵀα = 0,  0 ≤ α_a ≤ C,   Q_ab = s_a s_b K(x_r(a), x_r(b)),
 *
 * which covers C-SVC (one variable per row, s = the ±1 labels, p = −1) and epsilon-SVR (two per
 * row, s = +1 / −1, p = ε ∓ target). Kernel rows are float32, as libsvm's Qfloat cache, kept
 * least recently used first under a memory budget; each is computed whole, its dot products in the
 * WebAssembly SIMD module (runtime/ml/simd.ts) from a column-major copy of the rows.
 */

export interface KernelSpec {
  kernel: 'rbf' | 'poly';
  gamma: number;
  degree: number;
  coef0: number;
}

/**
 * K(x_u, x_v) for the rows of one dense matrix, a whole row at a time, cached. Rows live in one
 * float32 slab (in the WebAssembly memory when SIMD is there, so the kernel writes them in place):
 * at most `cacheBytes` of them, the least recently used one given up first.
 */
export class KernelRows {
  readonly diag: Float64Array;
  private readonly slot = new Map<number, number>();
  private readonly rows: Float32Array[] = [];
  private readonly simd: ReturnType<typeof simdKernels>;
  private readonly norms: Float64Array;
  private readonly xt: Float64Array;
  private readonly xu2: Float64Array;
  private readonly dots: Float64Array;
  private readonly at: { xt: number; xu2: number; norms: number; dots: number; slab: number };

  constructor(
    private readonly data: Float64Array,
    readonly n: number,
    private readonly d: number,
    private readonly spec: KernelSpec,
    cacheBytes: number,
  ) {
    const slots = Math.min(n, Math.max(2, Math.floor(cacheBytes / (4 * n))));
    // Layout (bytes): xt d·n f64 | xu2 2d f64 | norms n f64 | dots n f64 | slab slots·n f32.
    const at = { xt: 0, xu2: d * n * 8, norms: 0, dots: 0, slab: 0 };
    at.norms = at.xu2 + 2 * d * 8;
    at.dots = at.norms + n * 8;
    at.slab = at.dots + n * 8;
    const bytes = at.slab + slots * n * 4;
    this.at = at;
    this.simd = simdKernels(bytes);
    const buffer = this.simd ? this.simd.memory.buffer : new ArrayBuffer(bytes);
    this.xt = new Float64Array(buffer, at.xt, d * n);
    this.xu2 = new Float64Array(buffer, at.xu2, 2 * d);
    this.norms = new Float64Array(buffer, at.norms, n);
    this.dots = new Float64Array(buffer, at.dots, n);
    for (let s = 0; s < slots; s++) this.rows.push(new Float32Array(buffer, at.slab + s * n * 4, n));
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j];
        this.xt[j * n + i] = v;
        sq += v * v;
      }
      this.norms[i] = sq;
    }
    this.diag = Float64Array.from(this.norms, (sq) => (spec.kernel === 'rbf' ? 1 : (spec.gamma * sq + spec.coef0) ** spec.degree));
  }

  /** Row u, whole. Valid until a later call evicts it (at least two rows are always kept). */
  row(u: number): Float32Array {
    const cached = this.slot.get(u);
    if (cached !== undefined) {
      this.slot.delete(u); // most recently used last
      this.slot.set(u, cached);
      return this.rows[cached];
    }
    let s = this.slot.size;
    if (s >= this.rows.length) {
      const [oldest, freed] = this.slot.entries().next().value as [number, number];
      this.slot.delete(oldest);
      s = freed;
    }
    this.slot.set(u, s);
    const row = this.rows[s];
    const { data, n, d, xt, xu2, dots, norms, spec, simd, at } = this;
    for (let j = 0; j < d; j++) xu2[2 * j] = xu2[2 * j + 1] = data[u * d + j];
    const n8 = simd ? n - (n % 8) : 0;
    const rbf = spec.kernel === 'rbf';
    const g = spec.gamma;
    const nu = norms[u];
    if (simd && rbf) simd.rbfRow(at.xt, n8, d, at.xu2, at.slab + s * n * 4, n, at.norms, nu, g);
    else if (simd) simd.dots(at.xt, n8, d, at.xu2, at.dots, n);
    for (let v = rbf ? n8 : 0; v < n; v++) {
      if (v >= n8) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += xu2[2 * j] * xt[j * n + v];
        dots[v] = dot;
      }
      row[v] = rbf ? Math.exp(-g * (nu + norms[v] - 2 * dots[v])) : (g * dots[v] + spec.coef0) ** spec.degree;
    }
    return row;
  }
}

const TAU = 1e-12;
const LOWER = 0;
const UPPER = 1;
const FREE = 2;

export interface SmoProblem {
  /** Sign of each variable (+1 / −1). */
  s: Int8Array;
  /** Kernel row behind each variable. */
  r: Int32Array;
  /** Linear term. */
  p: Float64Array;
  C: number;
  eps: number;
  shrinking: boolean;
  kernel: KernelRows;
}

export interface SmoSolution {
  alpha: Float64Array;
  rho: number;
  iterations: number;
}

/** libsvm's Solver::Solve (with shrinking as -h 1), on variable indices instead of swapped arrays. */
export function solveSmo(prob: SmoProblem): SmoSolution {
  const { s, r, p, C, eps, shrinking, kernel } = prob;
  const L = s.length;
  const alpha = new Float64Array(L);
  const status = new Uint8Array(L); // all LOWER: α = 0
  const G = Float64Array.from(p);
  const Gbar = new Float64Array(L);
  const QD = Float64Array.from(r, (u) => kernel.diag[u]);
  // active[0..activeSize): the variables still considered, in libsvm's (swapped) order.
  const active = Int32Array.from({ length: L }, (_, a) => a);
  let activeSize = L;
  let unshrink = false;
  const isUpper = (a: number) => status[a] === UPPER;
  const isLower = (a: number) => status[a] === LOWER;
  const setStatus = (a: number) => (status[a] = alpha[a] >= C ? UPPER : alpha[a] <= 0 ? LOWER : FREE);
  const clipSum = (x: number, y: number, sum: number) => {
    if (sum > C) {
      if (alpha[x] > C) {
        alpha[x] = C;
        alpha[y] = sum - C;
      }
    } else if (alpha[y] < 0) {
      alpha[y] = 0;
      alpha[x] = sum;
    }
  };

  const reconstructGradient = () => {
    if (activeSize === L) return;
    for (let t = activeSize; t < L; t++) G[active[t]] = Gbar[active[t]] + p[active[t]];
    let free = 0;
    for (let t = 0; t < activeSize; t++) if (status[active[t]] === FREE) free++;
    if (free * L > 2 * activeSize * (L - activeSize)) {
      for (let t = activeSize; t < L; t++) {
        const a = active[t];
        const Ka = kernel.row(r[a]);
        let sum = 0;
        for (let q = 0; q < activeSize; q++) {
          const b = active[q];
          if (status[b] === FREE) sum += alpha[b] * s[b] * Ka[r[b]];
        }
        G[a] += s[a] * sum;
      }
    } else {
      for (let q = 0; q < activeSize; q++) {
        const b = active[q];
        if (status[b] !== FREE) continue;
        const Kb = kernel.row(r[b]);
        const coef = alpha[b] * s[b];
        for (let t = activeSize; t < L; t++) G[active[t]] += coef * s[active[t]] * Kb[r[active[t]]];
      }
    }
  };

  const beShrunk = (a: number, Gmax1: number, Gmax2: number) => {
    if (isUpper(a)) return s[a] === 1 ? -G[a] > Gmax1 : -G[a] > Gmax2;
    if (isLower(a)) return s[a] === 1 ? G[a] > Gmax2 : G[a] > Gmax1;
    return false;
  };

  const doShrinking = () => {
    let Gmax1 = -Infinity; // max −s·G over variables that may go up
    let Gmax2 = -Infinity; // max s·G over variables that may go down
    for (let t = 0; t < activeSize; t++) {
      const a = active[t];
      if (s[a] === 1) {
        if (!isUpper(a)) Gmax1 = Math.max(Gmax1, -G[a]);
        if (!isLower(a)) Gmax2 = Math.max(Gmax2, G[a]);
      } else {
        if (!isUpper(a)) Gmax2 = Math.max(Gmax2, -G[a]);
        if (!isLower(a)) Gmax1 = Math.max(Gmax1, G[a]);
      }
    }
    if (!unshrink && Gmax1 + Gmax2 <= eps * 10) {
      unshrink = true;
      reconstructGradient();
      activeSize = L;
    }
    for (let t = 0; t < activeSize; t++) {
      if (!beShrunk(active[t], Gmax1, Gmax2)) continue;
      activeSize--;
      while (activeSize > t) {
        if (!beShrunk(active[activeSize], Gmax1, Gmax2)) {
          const tmp = active[t];
          active[t] = active[activeSize];
          active[activeSize] = tmp;
          break;
        }
        activeSize--;
      }
    }
  };

  /** WSS3: i maximises −s·G among variables that may move up, j the second-order gain; -1 when optimal. */
  let wi = -1;
  let wj = -1;
  // The first half of the working-set selection (i and Gmax) is done by the gradient update of the
  // iteration before, in the same pass, unless the active set or the gradient changed since.
  let preI = -1;
  let preGmax = -Infinity;
  let preValid = false;
  const selectWorkingSet = (): boolean => {
    let Gmax = -Infinity;
    let Gmax2 = -Infinity;
    let i = -1;
    let j = -1;
    let objDiffMin = Infinity;
    if (preValid) {
      i = preI;
      Gmax = preGmax;
    } else {
      for (let t = 0; t < activeSize; t++) {
        const a = active[t];
        if (s[a] === 1) {
          if (status[a] !== UPPER && -G[a] >= Gmax) {
            Gmax = -G[a];
            i = a;
          }
        } else if (status[a] !== LOWER && G[a] >= Gmax) {
          Gmax = G[a];
          i = a;
        }
      }
    }
    preValid = false;
    if (i >= 0) {
      const Ki = kernel.row(r[i]);
      const si = s[i];
      const QDi = QD[i];
      for (let t = 0; t < activeSize; t++) {
        const b = active[t];
        let gradDiff: number;
        if (s[b] === 1) {
          if (status[b] === LOWER) continue;
          gradDiff = Gmax + G[b];
          if (G[b] >= Gmax2) Gmax2 = G[b];
        } else {
          if (status[b] === UPPER) continue;
          gradDiff = Gmax - G[b];
          if (-G[b] >= Gmax2) Gmax2 = -G[b];
        }
        if (gradDiff > 0) {
          // QD_i + QD_j − 2·s_i·Q_ij·s_j... = QD_i + QD_j − 2 s_i s_j K_ij in both of libsvm's cases.
          let quad = QDi + QD[b] - 2 * si * s[b] * Ki[r[b]];
          if (quad <= 0) quad = TAU;
          const objDiff = -(gradDiff * gradDiff) / quad;
          if (objDiff <= objDiffMin) {
            j = b;
            objDiffMin = objDiff;
          }
        }
      }
    }
    if (Gmax + Gmax2 < eps || j === -1) return false;
    wi = i;
    wj = j;
    return true;
  };

  let iterations = 0;
  const maxIterations = Math.max(10_000_000, L > 21_474_836 ? 2_147_483_647 : 100 * L);
  let counter = Math.min(L, 1000) + 1;
  while (iterations < maxIterations) {
    if (--counter === 0) {
      counter = Math.min(L, 1000);
      if (shrinking) {
        doShrinking();
        preValid = false;
      }
    }
    if (!selectWorkingSet()) {
      reconstructGradient();
      activeSize = L;
      preValid = false;
      if (!selectWorkingSet()) break;
      counter = 1; // shrink at the next iteration
    }
    iterations++;
    const i = wi;
    const j = wj;
    const Ki = kernel.row(r[i]);
    const Kj = kernel.row(r[j]);
    const si = s[i];
    const sj = s[j];
    const Qij = si * sj * Ki[r[j]];
    const oldI = alpha[i];
    const oldJ = alpha[j];
    if (si !== sj) {
      let quad = QD[i] + QD[j] + 2 * Qij;
      if (quad <= 0) quad = TAU;
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = diff;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = -diff;
      }
      if (diff > 0) {
        if (alpha[i] > C) {
          alpha[i] = C;
          alpha[j] = C - diff;
        }
      } else if (alpha[j] > C) {
        alpha[j] = C;
        alpha[i] = C + diff;
      }
    } else {
      let quad = QD[i] + QD[j] - 2 * Qij;
      if (quad <= 0) quad = TAU;
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      // Back onto the box along α_i + α_j = sum: libsvm's two checks, the second with i and j swapped.
      clipSum(i, j, sum);
      clipSum(j, i, sum);
    }
    const wasUpperI = isUpper(i);
    const wasUpperJ = isUpper(j);
    setStatus(i);
    setStatus(j);
    // G_b += Q_bi Δα_i + Q_bj Δα_j over the active variables, and the next i (max −s·G among
    // variables that may move up) in the same pass.
    const di = (alpha[i] - oldI) * si;
    const dj = (alpha[j] - oldJ) * sj;
    let Gmax = -Infinity;
    let next = -1;
    for (let t = 0; t < activeSize; t++) {
      const b = active[t];
      const u = r[b];
      const g = (G[b] += s[b] * (Ki[u] * di + Kj[u] * dj));
      if (s[b] === 1) {
        if (status[b] !== UPPER && -g >= Gmax) {
          Gmax = -g;
          next = b;
        }
      } else if (status[b] !== LOWER && g >= Gmax) {
        Gmax = g;
        next = b;
      }
    }
    preI = next;
    preGmax = Gmax;
    preValid = true;
    // G_bar keeps Σ C·Q_b· over the variables at the upper bound (for gradient reconstruction).
    for (const [a, was] of [
      [i, wasUpperI],
      [j, wasUpperJ],
    ] as const) {
      if (was === isUpper(a)) continue;
      const Ka = kernel.row(r[a]);
      const coef = (was ? -C : C) * s[a];
      for (let b = 0; b < L; b++) Gbar[b] += coef * s[b] * Ka[r[b]];
    }
  }
  if (activeSize < L) {
    reconstructGradient();
    activeSize = L;
  }
  // rho: the mean of s·G over free variables, or the middle of the feasible interval.
  let ub = Infinity;
  let lb = -Infinity;
  let free = 0;
  let sumFree = 0;
  for (let a = 0; a < L; a++) {
    const yG = s[a] * G[a];
    if (isUpper(a)) {
      if (s[a] === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (isLower(a)) {
      if (s[a] === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      free++;
      sumFree += yG;
    }
  }
  return { alpha, rho: free > 0 ? sumFree / free : (ub + lb) / 2, iterations };
}
