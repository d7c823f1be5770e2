/** SVM probabilities: Platt's sigmoid and pairwise coupling (libsvm's sigmoid_train, multiclass_probability). */

export function sigmoidPredict(dec: number, A: number, B: number): number {
  const f = dec * A + B;
  return f >= 0 ? Math.exp(-f) / (1 + Math.exp(-f)) : 1 / (1 + Math.exp(f));
}

/** Platt scaling with Lin, Lin & Weng's Newton method: P(positive | dec) = 1 / (1 + exp(A·dec + B)). */
export function sigmoidTrain(dec: Float64Array, positive: Uint8Array): { A: number; B: number } {
  const l = dec.length;
  let prior1 = 0;
  for (let i = 0; i < l; i++) prior1 += positive[i];
  const prior0 = l - prior1;
  const hiTarget = (prior1 + 1) / (prior1 + 2);
  const loTarget = 1 / (prior0 + 2);
  const target = Float64Array.from(positive, (p) => (p ? hiTarget : loTarget));
  const objective = (A: number, B: number) => {
    let f = 0;
    for (let i = 0; i < l; i++) {
      const v = dec[i] * A + B;
      f += v >= 0 ? target[i] * v + Math.log1p(Math.exp(-v)) : (target[i] - 1) * v + Math.log1p(Math.exp(v));
    }
    return f;
  };
  let A = 0;
  let B = Math.log((prior0 + 1) / (prior1 + 1));
  let fval = objective(A, B);
  for (let iter = 0; iter < 100; iter++) {
    let h11 = 1e-12;
    let h22 = 1e-12;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < l; i++) {
      const v = dec[i] * A + B;
      let p: number;
      let q: number;
      if (v >= 0) {
        p = Math.exp(-v) / (1 + Math.exp(-v));
        q = 1 / (1 + Math.exp(-v));
      } else {
        p = 1 / (1 + Math.exp(v));
        q = Math.exp(v) / (1 + Math.exp(v));
      }
      const d2 = p * q;
      h11 += dec[i] * dec[i] * d2;
      h22 += d2;
      h21 += dec[i] * d2;
      const d1 = target[i] - p;
      g1 += dec[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-5 && Math.abs(g2) < 1e-5) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= 1e-10) {
      const newA = A + step * dA;
      const newB = B + step * dB;
      const newf = objective(newA, newB);
      if (newf < fval + 0.0001 * step * gd) {
        A = newA;
        B = newB;
        fval = newf;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
  return { A, B };
}

/** Class probabilities from pairwise ones, r[i * k + j] = P(i | i or j) (Wu, Lin & Weng's method 2). */
export function pairwiseCoupling(r: Float64Array, k: number): Float64Array {
  const p = new Float64Array(k);
  if (k === 2) {
    p[0] = r[1];
    p[1] = r[k];
    return p;
  }
  const Q = new Float64Array(k * k);
  const Qp = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    p[t] = 1 / k;
    for (let j = 0; j < k; j++) {
      if (j === t) continue;
      Q[t * k + t] += r[j * k + t] * r[j * k + t];
      Q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  const eps = 0.005 / k;
  for (let iter = 0; iter < Math.max(100, k); iter++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += Q[t * k + j] * p[j];
      Qp[t] = s;
      pQp += p[t] * s;
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) maxError = Math.max(maxError, Math.abs(Qp[t] - pQp));
    if (maxError < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-Qp[t] + pQp) / Q[t * k + t];
      p[t] += diff;
      pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
        p[j] /= 1 + diff;
      }
    }
  }
  return p;
}
