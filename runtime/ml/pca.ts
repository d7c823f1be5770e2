import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/**
 * Principal component analysis: the one implementation in the project (the PCA recipe step and the
 * PCA analysis node both use it). The heavy part is the d×d covariance (X^T X over the rows, O(n·d²));
 * the eigen-decomposition of that small symmetric matrix is done by ml-matrix. `pcaFromCovariance`
 * takes a covariance computed elsewhere (e.g. as a tensor op on a worker's backend), so that part can
 * move without changing the results' shape.
 */

/** A dense row-major matrix: `data[r * cols + c]`. */
export interface DenseMatrix {
  data: Float64Array | Float32Array;
  rows: number;
  cols: number;
}

export interface PcaOptions {
  /** Subtract each column's mean before fitting (default true). Without it the "covariance" is X^T X / (n - 1). */
  center?: boolean;
}

/** Plain arrays so the state serialises (it travels with a trained model). */
export interface PcaState {
  /** The column means subtracted before projecting (zeros when not centred). */
  mean: number[];
  /** k × d: each row a unit-length principal axis, by decreasing variance. */
  components: number[][];
  /** Variance along each component (eigenvalues of the covariance, divisor n - 1 as scikit-learn). */
  explainedVariance: number[];
  /** Each component's share of the total variance. */
  explainedVarianceRatio: number[];
  /** The sum of the columns' variances (the covariance's trace). */
  totalVariance: number;
}

function checkShape(m: DenseMatrix): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1) throw new Error(`PCA: bad matrix shape ${m.rows}×${m.cols}.`);
  if (m.data.length !== m.rows * m.cols) throw new Error(`PCA: ${m.data.length} values do not make a ${m.rows}×${m.cols} matrix.`);
}

export function columnMeans(m: DenseMatrix): Float64Array {
  const { data, rows, cols } = m;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) mean[c] += data[base + c];
  }
  if (rows > 0) for (let c = 0; c < cols; c++) mean[c] /= rows;
  return mean;
}

/**
 * (X - mean)^T (X - mean) / (n - 1), d×d row-major. Blocks of rows are centred into a column-major
 * buffer, then each 4×4 tile of the upper triangle is summed in registers (8 loads per 16
 * multiply-adds): about twice as fast as a row-by-row rank-1 update.
 */
export function covarianceMatrix(m: DenseMatrix, mean: ArrayLike<number>): Float64Array {
  checkShape(m);
  const { data, rows, cols: d } = m;
  const d4 = Math.ceil(d / 4) * 4; // padded with zero columns
  const B = 256;
  const t = new Float64Array(d4 * B); // t[j * B + r]: column j of the block's centred rows
  const acc = new Float64Array(d4 * d4);
  for (let r0 = 0; r0 < rows; r0 += B) {
    const nb = Math.min(B, rows - r0);
    for (let r = 0; r < nb; r++) {
      const o = (r0 + r) * d;
      for (let j = 0; j < d; j++) t[j * B + r] = data[o + j] - mean[j];
    }
    for (let i = 0; i < d4; i += 4) {
      const i0 = i * B;
      const i1 = i0 + B;
      const i2 = i1 + B;
      const i3 = i2 + B;
      for (let j = i; j < d4; j += 4) {
        const j0 = j * B;
        const j1 = j0 + B;
        const j2 = j1 + B;
        const j3 = j2 + B;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        for (let r = 0; r < nb; r++) {
          const x0 = t[i0 + r], x1 = t[i1 + r], x2 = t[i2 + r], x3 = t[i3 + r];
          const y0 = t[j0 + r], y1 = t[j1 + r], y2 = t[j2 + r], y3 = t[j3 + r];
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
          s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
          s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        let o = i * d4 + j;
        acc[o] += s00; acc[o + 1] += s01; acc[o + 2] += s02; acc[o + 3] += s03;
        o += d4;
        acc[o] += s10; acc[o + 1] += s11; acc[o + 2] += s12; acc[o + 3] += s13;
        o += d4;
        acc[o] += s20; acc[o + 1] += s21; acc[o + 2] += s22; acc[o + 3] += s23;
        o += d4;
        acc[o] += s30; acc[o + 1] += s31; acc[o + 2] += s32; acc[o + 3] += s33;
      }
    }
  }
  const cov = new Float64Array(d * d);
  const divisor = Math.max(rows - 1, 1);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = acc[i * d4 + j] / divisor;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return cov;
}

/** The top-k principal axes of a d×d covariance (row-major), sorted by eigenvalue, sign-normalised. */
export function pcaFromCovariance(cov: ArrayLike<number>, mean: ArrayLike<number>, k: number): PcaState {
  const d = mean.length;
  if (cov.length !== d * d) throw new Error(`PCA: the covariance must be ${d}×${d}.`);
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`PCA: components must be a whole number from 1 to ${d}, not ${k}.`);
  const rows: number[][] = [];
  let totalVariance = 0;
  for (let i = 0; i < d; i++) {
    rows.push(Array.from({ length: d }, (_, j) => cov[i * d + j]));
    totalVariance += cov[i * d + i];
  }
  const eig = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  // Largest eigenvalue first; equal eigenvalues keep the solver's order (stable sort).
  const order = values.map((_, i) => i).sort((x, y) => values[y] - values[x]);
  const components: number[][] = [];
  const explainedVariance: number[] = [];
  for (const idx of order.slice(0, k)) {
    const v = vectors.getColumn(idx);
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    // Deterministic sign: the loading of largest magnitude (the first such) is positive.
    let best = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[best]) + 1e-12) best = j;
    const sign = v[best] < 0 ? -1 : 1;
    components.push(v.map((x) => (sign * x) / norm + 0)); // + 0 turns -0 into 0
    // Round-off can make a zero eigenvalue slightly negative.
    explainedVariance.push(Math.max(values[idx], 0));
  }
  const explainedVarianceRatio = explainedVariance.map((v) => (totalVariance > 0 ? v / totalVariance : 0));
  return { mean: Array.from(mean), components, explainedVariance, explainedVarianceRatio, totalVariance };
}

/** Fits k components on the rows of a rows×d matrix (at least one row; no missing values). */
export function fitPca(m: DenseMatrix, k: number, options: PcaOptions = {}): PcaState {
  checkShape(m);
  if (m.rows < 1) throw new Error('PCA needs at least one row.');
  const mean = options.center === false ? new Float64Array(m.cols) : columnMeans(m);
  return pcaFromCovariance(covarianceMatrix(m, mean), mean, k);
}

/** (X - mean) · components^T: rows × k. */
export function projectPca(m: DenseMatrix, state: PcaState): DenseMatrix {
  checkShape(m);
  const d = state.mean.length;
  if (m.cols !== d) throw new Error(`PCA: fitted on ${d} columns, given ${m.cols}.`);
  const k = state.components.length;
  const comps = Float64Array.from(state.components.flat());
  const mean = Float64Array.from(state.mean);
  const out = new Float64Array(m.rows * k);
  const centred = new Float64Array(d);
  for (let r = 0; r < m.rows; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) centred[j] = m.data[o + j] - mean[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) s += centred[j] * comps[base + j];
      out[r * k + c] = s;
    }
  }
  return { data: out, rows: m.rows, cols: k };
}
