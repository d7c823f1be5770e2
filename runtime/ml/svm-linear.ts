/** The linear SVM solver: dual coordinate descent (liblinear's solve_l2r_l1l2_svc / _svr, L1 losses). */

/** The rows and labels one machine is trained on (labels: class index 0..K-1, or scaled targets). */
export interface Problem {
  data: Float64Array;
  cols: number;
  rows: Int32Array;
  label: Float64Array;
}

/** Starting point of both dual solvers: zero weights and dual variables, the Hessian's diagonal, every row active. */
function dualStart(prob: Problem) {
  const { data, cols: d, rows } = prob;
  const l = rows.length;
  // ‖x‖² + 1 per row (the 1 is the constant feature that carries the intercept).
  const QD = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    let s = 1;
    for (let j = 0, o = rows[i] * d; j < d; j++) s += data[o + j] * data[o + j];
    QD[i] = s;
  }
  return { w: new Float64Array(d + 1), dual: new Float64Array(l), QD, index: Int32Array.from({ length: l }, (_, i) => i) };
}

/** Shuffles index[0..active) in place (each pass visits the active rows in a fresh random order). */
function shuffleActive(index: Int32Array, active: number, rng: () => number): void {
  for (let s = 0; s < active; s++) {
    const t = s + Math.floor(rng() * (active - s));
    const tmp = index[s];
    index[s] = index[t];
    index[t] = tmp;
  }
}

/** Shrinking: moves index[s] past the new end of the active rows (the caller decrements `active`). */
function retire(index: Int32Array, s: number, active: number): void {
  const i = index[s];
  index[s] = index[active - 1];
  index[active - 1] = i;
}

/** w·x + intercept for problem row i. */
function linearValue(w: Float64Array, data: Float64Array, o: number, d: number): number {
  let dot = w[d];
  for (let j = 0; j < d; j++) dot += w[j] * data[o + j];
  return dot;
}

/** w += step · (x, 1). */
function addRow(w: Float64Array, step: number, data: Float64Array, o: number, d: number): void {
  for (let j = 0; j < d; j++) w[j] += step * data[o + j];
  w[d] += step;
}

/** Binary hinge-loss SVM on problem rows with labels ±1; returns cols weights then the intercept. */
export function dcdClassifier(prob: Problem, C: number, eps: number, maxIterations: number, rng: () => number): Float64Array {
  const { data, cols: d, rows, label: y } = prob;
  const l = rows.length;
  const { w, dual: alpha, QD, index } = dualStart(prob);
  let active = l;
  let PGmaxOld = Infinity;
  let PGminOld = -Infinity;
  for (let iter = 0; iter < maxIterations; iter++) {
    let PGmaxNew = -Infinity;
    let PGminNew = Infinity;
    shuffleActive(index, active, rng);
    for (let s = 0; s < active; s++) {
      const i = index[s];
      const o = rows[i] * d;
      const G = y[i] * linearValue(w, data, o, d) - 1;
      let PG = 0;
      if (alpha[i] === 0) {
        if (G > PGmaxOld) {
          retire(index, s--, active--);
          continue;
        }
        if (G < 0) PG = G;
      } else if (alpha[i] === C) {
        if (G < PGminOld) {
          retire(index, s--, active--);
          continue;
        }
        if (G > 0) PG = G;
      } else PG = G;
      PGmaxNew = Math.max(PGmaxNew, PG);
      PGminNew = Math.min(PGminNew, PG);
      if (Math.abs(PG) > 1e-12) {
        const old = alpha[i];
        alpha[i] = Math.min(Math.max(old - G / QD[i], 0), C);
        addRow(w, (alpha[i] - old) * y[i], data, o, d);
      }
    }
    if (PGmaxNew - PGminNew <= eps) {
      if (active === l) break;
      active = l;
      PGmaxOld = Infinity;
      PGminOld = -Infinity;
      continue;
    }
    PGmaxOld = PGmaxNew <= 0 ? Infinity : PGmaxNew;
    PGminOld = PGminNew >= 0 ? -Infinity : PGminNew;
  }
  return w;
}

/** Epsilon-insensitive linear SVR; returns cols weights then the intercept. */
export function dcdRegressor(prob: Problem, C: number, p: number, eps: number, maxIterations: number, rng: () => number): Float64Array {
  const { data, cols: d, rows, label: y } = prob;
  const l = rows.length;
  const { w, dual: beta, QD, index } = dualStart(prob);
  let active = l;
  let GmaxOld = Infinity;
  let Gnorm1Init = -1;
  for (let iter = 0; iter < maxIterations; iter++) {
    let GmaxNew = 0;
    let Gnorm1New = 0;
    shuffleActive(index, active, rng);
    for (let s = 0; s < active; s++) {
      const i = index[s];
      const o = rows[i] * d;
      const G = linearValue(w, data, o, d) - y[i];
      const H = QD[i];
      const Gp = G + p;
      const Gn = G - p;
      const b = beta[i];
      let violation = 0;
      let shrink = false;
      if (b === 0) {
        if (Gp < 0) violation = -Gp;
        else if (Gn > 0) violation = Gn;
        else shrink = Gp > GmaxOld && Gn < -GmaxOld;
      } else if (b >= C) {
        if (Gp > 0) violation = Gp;
        else shrink = Gp < -GmaxOld;
      } else if (b <= -C) {
        if (Gn < 0) violation = -Gn;
        else shrink = Gn > GmaxOld;
      } else violation = b > 0 ? Math.abs(Gp) : Math.abs(Gn);
      if (shrink) {
        retire(index, s--, active--);
        continue;
      }
      GmaxNew = Math.max(GmaxNew, violation);
      Gnorm1New += violation;
      // Newton direction of the one-variable problem, clipped to [-C, C].
      const dir = Gp < H * b ? -Gp / H : Gn > H * b ? -Gn / H : -b;
      if (Math.abs(dir) < 1e-12) continue;
      beta[i] = Math.min(Math.max(b + dir, -C), C);
      if (beta[i] !== b) addRow(w, beta[i] - b, data, o, d);
    }
    if (iter === 0) Gnorm1Init = Gnorm1New;
    if (Gnorm1New <= eps * Gnorm1Init) {
      if (active === l) break;
      active = l;
      GmaxOld = Infinity;
      continue;
    }
    GmaxOld = GmaxNew;
  }
  return w;
}
