import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairwiseCoupling, predictSvm, sigmoidTrain, svmDecisionValues, trainSvm, type SvmModel } from '../../lib/ml/svm';
import type { DenseMatrix } from '../../lib/pca';
import { createRng } from '../../lib/rng';
import { decodeArtifact, encodeArtifact } from '../../server/engine/artifact-store';
import { accuracy, blobs, classesOf, loadSample, probabilitiesOf, splitRows, standardize, valuesOf } from '../support/ml-data';

const root = path.resolve(import.meta.dirname, '../..');

/** Two separable clouds: class 0 around (-2, -2), class 1 around (2, 2). */
const separable = blobs([[-2, -2], [2, 2]], 40, 1.5, 1);
const separableY = Int32Array.from({ length: 80 }, (_, i) => (i < 40 ? 0 : 1));

/** XOR: classes by the sign of x·y, points kept away from the axes. */
function xor(seed: number, n: number): { X: DenseMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const data = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = (0.2 + rng()) * (rng() < 0.5 ? -1 : 1);
    const b = (0.2 + rng()) * (rng() < 0.5 ? -1 : 1);
    data[i * 2] = a;
    data[i * 2 + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { X: { data, rows: n, cols: 2 }, y };
}

describe('SVM classification', () => {
  it('separates linearly separable data, linear and RBF', async () => {
    for (const kernel of ['linear', 'rbf'] as const) {
      const model = await trainSvm(separable, separableY, { task: 'classification', seed: 1, kernel });
      expect(accuracy(separableY, classesOf(predictSvm(model, separable)))).toBe(1);
      // Points far on either side.
      expect(Array.from(classesOf(predictSvm(model, { data: Float64Array.from([-5, -4, 4, 6]), rows: 2, cols: 2 })))).toEqual([0, 1]);
    }
  });

  it('matches the hand-solved maximum margin on two points', async () => {
    // x = -1 (class 0) and x = +1 (class 1). Linear, intercept as a regularised feature (liblinear):
    // minimise ½(w² + b²) with -w + b ≥ 1 and w - b ≥ 1 (class 0 is the positive side) → w = -1, b = 0.
    const X: DenseMatrix = { data: Float64Array.from([-1, 1]), rows: 2, cols: 1 };
    const y = Int32Array.from([0, 1]);
    const linear = await trainSvm(X, y, { task: 'classification', seed: 0, kernel: 'linear', C: 100, tolerance: 1e-9, probability: false });
    if (linear.solver !== 'dual-cd') throw new Error('linear solver expected');
    expect(linear.weights[0]).toBeCloseTo(-1, 9);
    expect(linear.weights[1]).toBeCloseTo(0, 9);
    // RBF (libsvm): both points are margin support vectors, so their decision values are exactly ±1.
    const rbf = await trainSvm(X, y, { task: 'classification', seed: 0, kernel: 'rbf', gamma: 0.5, C: 100, probability: false });
    const dec = svmDecisionValues(rbf, X);
    expect(dec[0]).toBeCloseTo(1, 5);
    expect(dec[1]).toBeCloseTo(-1, 5);
  });

  it('RBF solves XOR; a linear SVM cannot', async () => {
    const train = xor(1, 200);
    const test = xor(2, 200);
    const rbf = await trainSvm(train.X, train.y, { task: 'classification', seed: 1, kernel: 'rbf', C: 10 });
    expect(accuracy(test.y, classesOf(predictSvm(rbf, test.X)))).toBeGreaterThanOrEqual(0.95);
    const poly = await trainSvm(train.X, train.y, { task: 'classification', seed: 1, kernel: 'poly', degree: 2, coef0: 0, C: 10 });
    expect(accuracy(test.y, classesOf(predictSvm(poly, test.X)))).toBeGreaterThanOrEqual(0.95); // (x·y)² separates it
    const linear = await trainSvm(train.X, train.y, { task: 'classification', seed: 1, kernel: 'linear' });
    expect(accuracy(test.y, classesOf(predictSvm(linear, test.X)))).toBeLessThan(0.7);
  });

  it('several classes: one-vs-one, probabilities that sum to 1, the class the most probable', async () => {
    const X = blobs([[0, 0], [4, 0], [0, 4], [4, 4]], 30, 1.6, 5);
    const y = Int32Array.from({ length: 120 }, (_, i) => [3, 5, 8, 9][Math.floor(i / 30)]); // ids need not be 0..k-1
    for (const kernel of ['rbf', 'linear'] as const) {
      const model = await trainSvm(X, y, { task: 'classification', seed: 2, kernel });
      expect(Array.from(model.classes)).toEqual([3, 5, 8, 9]);
      expect(model.probA.length).toBe(6); // one sigmoid per pair
      const p = predictSvm(model, X);
      const probs = probabilitiesOf(p);
      expect(accuracy(y, classesOf(p))).toBeGreaterThanOrEqual(0.9);
      for (let i = 0; i < 120; i++) {
        const row = Array.from(probs.subarray(i * 4, i * 4 + 4));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        expect(classesOf(p)[i]).toBe(model.classes[row.indexOf(Math.max(...row))]);
      }
      // Confident at a cluster centre.
      expect(Math.max(...probabilitiesOf(predictSvm(model, { data: Float64Array.from([4, 4]), rows: 1, cols: 2 })))).toBeGreaterThan(0.7);
    }
    // Without probability estimates: the vote, and the share of votes.
    const votes = await trainSvm(X, y, { task: 'classification', seed: 2, probability: false });
    expect(votes.probA.length).toBe(0);
    const p = predictSvm(votes, { data: Float64Array.from([4, 4]), rows: 1, cols: 2 });
    expect(Array.from(classesOf(p))).toEqual([9]);
    expect(Array.from(probabilitiesOf(p))).toEqual([0, 1 / 6, 2 / 6, 3 / 6]);
  });

  it('Platt scaling and pairwise coupling behave as libsvm documents', () => {
    // Decision values that separate perfectly: a steep sigmoid with positive values → positive class.
    const dec = Float64Array.from([-3, -2, -1.5, -1, 1, 1.2, 2, 3]);
    const { A, B } = sigmoidTrain(dec, Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]));
    expect(A).toBeLessThan(0);
    expect(Math.abs(B)).toBeLessThan(0.5);
    // Consistent pairwise probabilities p_ij = p_i / (p_i + p_j) give back p.
    const p = [0.5, 0.3, 0.2];
    const r = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j) r[i * 3 + j] = p[i] / (p[i] + p[j]);
    const back = pairwiseCoupling(r, 3);
    back.forEach((v, i) => expect(v).toBeCloseTo(p[i], 2)); // libsvm stops at max error 0.005 / k
  });

  it('breast cancer, standardized, RBF: test accuracy ≥ 0.94', async () => {
    const { X, y } = loadSample('breast_cancer.csv', 'diagnosis');
    const split = splitRows(X, y as Int32Array, 0.25, 0);
    const { train, test } = standardize(split.train.X, split.test.X);
    const model = await trainSvm(train, split.train.y, { task: 'classification', seed: 1, kernel: 'rbf' });
    // scikit-learn's SVC() on the same standardized split: 0.972.
    expect(accuracy(split.test.y, classesOf(predictSvm(model, test)))).toBeGreaterThanOrEqual(0.94);
  });
});

describe('SVM regression', () => {
  it('fits a line (linear and RBF), errors within epsilon', async () => {
    const xs = Array.from({ length: 50 }, (_, i) => i / 5);
    const X: DenseMatrix = { data: Float64Array.from(xs), rows: 50, cols: 1 };
    const y = Float64Array.from(xs, (x) => 3 * x + 200);
    const linear = await trainSvm(X, y, { task: 'regression', seed: 1, kernel: 'linear', epsilon: 0.1, C: 100, tolerance: 1e-4 });
    valuesOf(predictSvm(linear, X)).forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThan(0.2));
    // Between training points too.
    expect(valuesOf(predictSvm(linear, { data: Float64Array.from([2.5]), rows: 1, cols: 1 }))[0]).toBeCloseTo(207.5, 0);
    const rbf = await trainSvm(X, y, { task: 'regression', seed: 1, kernel: 'rbf', gamma: 0.1, epsilon: 0.1, C: 1000 });
    valuesOf(predictSvm(rbf, X)).forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThan(0.15));
  });

  it('diabetes (held-out quarter), RBF: better than predicting the mean', async () => {
    const { X, y } = loadSample('diabetes.csv', 'disease_progression');
    const split = splitRows(X, y as Float64Array, 0.25, 0);
    const { train, test } = standardize(split.train.X, split.test.X);
    const predicted = valuesOf(predictSvm(await trainSvm(train, split.train.y, { task: 'regression', seed: 1, C: 50, epsilon: 5 }), test));
    const mean = split.test.y.reduce((a, b) => a + b, 0) / split.test.y.length;
    let ss = 0;
    let tot = 0;
    split.test.y.forEach((t, i) => {
      ss += (t - predicted[i]) ** 2;
      tot += (t - mean) ** 2;
    });
    expect(1 - ss / tot).toBeGreaterThan(0.3);
  });
});

describe('SVM models', () => {
  it('are repeatable from the seed (the probability folds change with it)', async () => {
    const { X, y } = xor(3, 120);
    const a = await trainSvm(X, y, { task: 'classification', seed: 5 });
    expect(await trainSvm(X, y, { task: 'classification', seed: 5 })).toEqual(a);
    const b = await trainSvm(X, y, { task: 'classification', seed: 6 });
    expect(b.probA).not.toEqual(a.probA);
    const linear = await trainSvm(X, y, { task: 'classification', seed: 5, kernel: 'linear' });
    expect(await trainSvm(X, y, { task: 'classification', seed: 5, kernel: 'linear' })).toEqual(linear);
  });

  it('round-trip through the artifact store, and predict identically in another process without libsvm', async () => {
    const { X, y } = xor(4, 150);
    const models: SvmModel[] = [
      await trainSvm(X, y, { task: 'classification', seed: 1 }),
      await trainSvm(X, y, { task: 'classification', seed: 1, kernel: 'linear' }),
      await trainSvm(X, Float64Array.from(y, (c, i) => c + X.data[i * 2]), { task: 'regression', seed: 1, kernel: 'poly', degree: 2 }),
    ];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-svm-'));
    try {
      const stored = models.map((model, m) => {
        const { json, binary } = encodeArtifact({ model, X });
        writeFileSync(path.join(dir, `${m}.json`), json);
        writeFileSync(path.join(dir, `${m}.bin`), binary);
        const back = decodeArtifact(json, binary) as { model: SvmModel };
        expect(predictSvm(back.model, X)).toEqual(predictSvm(model, X));
        return predictSvm(model, X);
      });
      // A fresh Node process reads the files and predicts (it never imports libsvm).
      const script = `
        import { readFileSync } from 'node:fs';
        import { createRequire } from 'node:module';
        import { decodeArtifact } from './server/engine/artifact-store.ts';
        import { predictSvm } from './lib/ml/svm.ts';
        const out = [];
        for (let m = 0; m < ${models.length}; m++) {
          const { model, X } = decodeArtifact(readFileSync('${dir}/' + m + '.json', 'utf8'), readFileSync('${dir}/' + m + '.bin'));
          const p = predictSvm(model, X);
          out.push(Array.from(p.task === 'classification' ? p.probabilities : p.values));
        }
        const libsvmLoaded = Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('libsvm-js'));
        process.stdout.write(JSON.stringify({ out, libsvmLoaded }));`;
      writeFileSync(path.join(root, `.svm-predict-${process.pid}.mts`), script);
      try {
        const child = spawnSync(process.execPath, ['--import', 'tsx', `.svm-predict-${process.pid}.mts`], { cwd: root, encoding: 'utf8', timeout: 60_000 });
        expect(child.stderr).toBe('');
        const { out, libsvmLoaded } = JSON.parse(child.stdout) as { out: number[][]; libsvmLoaded: boolean };
        expect(libsvmLoaded).toBe(false);
        out.forEach((values, m) => {
          const p = stored[m];
          expect(values).toEqual(Array.from(p.task === 'classification' ? p.probabilities : p.values));
        });
      } finally {
        rmSync(path.join(root, `.svm-predict-${process.pid}.mts`), { force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kernel SVM refuses more rows than its cap at once, pointing at the linear SVM or sampling', async () => {
    const big: DenseMatrix = { data: new Float64Array(20_001 * 2), rows: 20_001, cols: 2 };
    const y = Int32Array.from({ length: 20_001 }, (_, i) => i % 2);
    const started = performance.now();
    await expect(trainSvm(big, y, { task: 'classification', seed: 1 })).rejects.toThrow(
      /RBF-kernel SVM on 20,001 rows would take too long.*limited to 20,000\. Use the linear SVM \(kernel 'linear'\).*or sample at most 20,000 rows/,
    );
    await expect(trainSvm(separable, separableY, { task: 'classification', seed: 1, kernel: 'poly', maxRows: 50 })).rejects.toThrow(/polynomial-kernel SVM on 80 rows.*limited to 50/);
    expect(performance.now() - started).toBeLessThan(2000);
    // The linear SVM has no cap (checked here on the same refused size).
    const linear = await trainSvm(big, y, { task: 'classification', seed: 1, kernel: 'linear', probability: false, maxIterations: 5 });
    expect(linear.solver).toBe('dual-cd');
  });

  it('refuse bad parameters and data with plain messages', async () => {
    const train = (options: object, y: Int32Array | Float64Array = separableY, X: DenseMatrix = separable) => trainSvm(X, y, { task: 'classification', seed: 1, ...options });
    await expect(train({ kernel: 'sigmoid' })).rejects.toThrow(/kernel must be 'linear', 'rbf' or 'poly', not sigmoid/);
    await expect(train({ C: 0 })).rejects.toThrow(/C must be a number above 0, not 0/);
    await expect(train({ gamma: -1 })).rejects.toThrow(/gamma must be a number above 0/);
    await expect(train({ degree: 0 })).rejects.toThrow(/degree must be a whole number from 1 to 10/);
    await expect(train({ seed: 0.5 })).rejects.toThrow(/seed must be a whole number/);
    await expect(train({ task: 'ranking' })).rejects.toThrow(/task must be 'classification' or 'regression'/);
    await expect(train({}, new Int32Array(80))).rejects.toThrow(/at least 2 classes; every row has class 0/);
    await expect(train({}, separableY.subarray(2))).rejects.toThrow(/78 labels for 80 rows/);
    await expect(train({}, Float64Array.from(separableY))).rejects.toThrow(/class labels must be an Int32Array/);
    await expect(train({ task: 'regression' }, separableY)).rejects.toThrow(/regression targets must be a Float64Array/);
    await expect(train({}, separableY, { ...separable, data: separable.data.map((v, i) => (i === 3 ? NaN : v)) })).rejects.toThrow(/row 2, column 2 is NaN/);
    const model = await train({ probability: false });
    expect(() => predictSvm(model, { data: new Float64Array(3), rows: 1, cols: 3 })).toThrow(/fitted on 2 columns, given 3/);
    if (model.solver !== 'libsvm') throw new Error('libsvm model expected');
    expect(() => predictSvm({ ...model, rho: new Float64Array(0) }, separable)).toThrow(/not an SVM model \(support vector arrays do not fit together\)/);
  });
});
