import { describe, expect, it } from 'vitest';
import { fitForest, fitTree, predictForest, type FlatTree, type ForestModel } from '../../runtime/ml/forest';
import type { DenseMatrix } from '../../runtime/ml/pca';
import { createRng } from '../../lib/rng';
import { decodeArtifact, encodeArtifact } from '../../server/engine/artifact-store';
import { accuracy, classesOf, loadSample, splitRows, valuesOf } from '../support/ml-data';

const column = (values: number[]): DenseMatrix => ({ data: Float64Array.from(values), rows: values.length, cols: 1 });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function depthOf(tree: FlatTree, node = 0): number {
  return tree.feature[node] < 0 ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]), depthOf(tree, tree.right[node]));
}
/** Training rows reaching each leaf of a one-tree model. */
function leafCounts(model: ForestModel, X: DenseMatrix): Map<number, number> {
  const tree = model.trees[0];
  const counts = new Map<number, number>();
  for (let i = 0; i < X.rows; i++) {
    let node = 0;
    while (tree.feature[node] >= 0) node = X.data[i * X.cols + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return counts;
}

/** 4 columns of noise and one (column 2) that decides the class; 300 rows. */
function informative(seed: number): { X: DenseMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const n = 300;
  const data = new Float64Array(n * 5);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 5; j++) data[i * 5 + j] = rng();
    y[i] = data[i * 5 + 2] > 0.6 ? 1 : 0;
  }
  return { X: { data, rows: n, cols: 5 }, y };
}

describe('decision tree', () => {
  it('fits a step function exactly with one split at the midpoint', () => {
    const X = column(range(100));
    const y = Float64Array.from(range(100), (x) => (x < 37 ? 1 : 5));
    const model = fitTree(X, y, { task: 'regression', seed: 0 });
    const tree = model.trees[0];
    expect(tree.feature.length).toBe(3);
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(36.5);
    expect(Array.from(valuesOf(predictForest(model, X)))).toEqual(Array.from(y));
    expect(Array.from(valuesOf(predictForest(model, column([36.5, 36.6, -100, 1000]))))).toEqual([1, 5, 1, 5]);
    // Classification: the same step as two classes, probabilities 0/1 on either side.
    const cls = fitTree(X, Int32Array.from(range(100), (x) => (x < 37 ? 0 : 1)), { task: 'classification', seed: 0 });
    expect(cls.trees[0].threshold[0]).toBe(36.5);
    const p = predictForest(cls, column([10, 90]));
    expect(p).toEqual({ task: 'classification', classes: Int32Array.from([0, 1]), probabilities: Float64Array.from([1, 0, 0, 1]) });
  });

  it('grows through a split that gains nothing at first (XOR)', () => {
    const data: number[] = [];
    const labels: number[] = [];
    for (let r = 0; r < 10; r++) {
      for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        data.push(a, b);
        labels.push(a ^ b);
      }
    }
    const X: DenseMatrix = { data: Float64Array.from(data), rows: 40, cols: 2 };
    const model = fitTree(X, Int32Array.from(labels), { task: 'classification', seed: 1 });
    expect(accuracy(Int32Array.from(labels), classesOf(predictForest(model, X)))).toBe(1);
    expect(depthOf(model.trees[0])).toBe(2);
  });

  it('respects maxDepth, minSamplesLeaf and minSamplesSplit', () => {
    const { X, y } = informative(3);
    const noisy = Int32Array.from(y, (c, i) => (i % 7 === 0 ? 1 - c : c)); // so the tree wants to go deep
    const full = fitTree(X, noisy, { task: 'classification', seed: 1 });
    expect(depthOf(full.trees[0])).toBeGreaterThan(3);
    expect(depthOf(fitTree(X, noisy, { task: 'classification', seed: 1, maxDepth: 3 }).trees[0])).toBeLessThanOrEqual(3);
    const leafy = fitTree(X, noisy, { task: 'classification', seed: 1, minSamplesLeaf: 10 });
    for (const count of leafCounts(leafy, X).values()) expect(count).toBeGreaterThanOrEqual(10);
    const stump = fitTree(X, noisy, { task: 'classification', seed: 1, minSamplesSplit: 301 });
    expect(stump.trees[0].feature.length).toBe(1);
  });

  it('columns with more distinct values than bins still split near the true step', () => {
    const X = column(range(1000).map((i) => i * 0.37));
    const y = Int32Array.from(range(1000), (i) => (i < 613 ? 0 : 1));
    const model = fitTree(X, y, { task: 'classification', seed: 0, maxDepth: 1 });
    // 256 quantile bins of 1,000 values: an edge every ~4 values; the best one is within 4 rows of 612.5.
    expect(Math.abs(model.trees[0].threshold[0] / 0.37 - 612.5)).toBeLessThanOrEqual(4);
    expect(accuracy(y, classesOf(predictForest(model, X)))).toBeGreaterThanOrEqual(0.996);
  });
});

describe('random forest', () => {
  it('puts the informative column first in feature importance (summing to 1)', () => {
    const { X, y } = informative(5);
    const model = fitForest(X, y, { task: 'classification', seed: 2, trees: 30 });
    const importance = Array.from(model.featureImportance);
    expect(importance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(importance.indexOf(Math.max(...importance))).toBe(2);
    expect(importance[2]).toBeGreaterThan(0.5);
    const tree = fitTree(X, y, { task: 'classification', seed: 2 });
    expect(tree.featureImportance[2]).toBeGreaterThan(0.9);
  });

  it('class probabilities are leaf frequencies averaged over trees: each row sums to 1, the class is the most probable', () => {
    const { X, y } = informative(8);
    const noisy = Int32Array.from(y, (c, i) => (i % 5 === 0 ? 2 : c)); // a third class, scattered
    const model = fitForest(X, noisy, { task: 'classification', seed: 4, trees: 25, minSamplesLeaf: 5 });
    expect(Array.from(model.classes)).toEqual([0, 1, 2]);
    const p = predictForest(model, X);
    if (p.task !== 'classification') throw new Error('classification expected');
    let fractional = 0;
    for (let i = 0; i < X.rows; i++) {
      const row = Array.from(p.probabilities.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
      expect(p.classes[i]).toBe(model.classes[row.indexOf(Math.max(...row))]);
      if (Math.max(...row) < 1) fractional++;
    }
    expect(fractional).toBeGreaterThan(X.rows / 2); // leaves of ≥ 5 rows mix classes
  });

  it('is repeatable from its seed; another seed grows other trees', () => {
    const { X, y } = informative(1);
    const a = fitForest(X, y, { task: 'classification', seed: 9, trees: 5 });
    expect(fitForest(X, y, { task: 'classification', seed: 9, trees: 5 })).toEqual(a);
    expect(fitForest(X, y, { task: 'classification', seed: 10, trees: 5 })).not.toEqual(a);
  });

  it('stored as an artifact (flat typed arrays) and read back, predicts the same', () => {
    const { X, y } = informative(2);
    const model = fitForest(X, y, { task: 'classification', seed: 3, trees: 10 });
    const { json, binary } = encodeArtifact(model);
    const back = decodeArtifact(json, binary) as ForestModel;
    expect(back.trees[0].threshold).toBeInstanceOf(Float64Array);
    expect(predictForest(back, X)).toEqual(predictForest(model, X));
    const reg = fitForest(X, Float64Array.from(y, (c, i) => c * 3 + X.data[i * 5]), { task: 'regression', seed: 3, trees: 10 });
    const regBack = decodeArtifact(encodeArtifact(reg).json, encodeArtifact(reg).binary) as ForestModel;
    expect(predictForest(regBack, X)).toEqual(predictForest(reg, X));
  });

  it('refuses bad input and bad models with plain messages', () => {
    const { X, y } = informative(4);
    const fit = (options: object, labels: Int32Array | Float64Array = y, matrix: DenseMatrix = X) =>
      fitForest(matrix, labels, { task: 'classification', seed: 1, trees: 2, ...options });
    expect(() => fit({ trees: 0 })).toThrow(/trees must be a whole number from 1/);
    expect(() => fit({ maxDepth: 0 })).toThrow(/maxDepth must be a whole number at least 1/);
    expect(() => fit({ minSamplesLeaf: 0 })).toThrow(/minSamplesLeaf/);
    expect(() => fit({ maxFeatures: 6 })).toThrow(/maxFeatures must be a whole number from 1 to 5/);
    expect(() => fit({ maxFeatures: 'half' })).toThrow(/'sqrt', 'third' or 'all'/);
    expect(() => fit({ maxBins: 1000 })).toThrow(/maxBins must be a whole number from 2 to 256/);
    expect(() => fit({ task: 'clustering' })).toThrow(/task must be 'classification' or 'regression'/);
    expect(() => fit({}, y.subarray(1))).toThrow(/299 labels for 300 rows/);
    expect(() => fit({}, Int32Array.from(y, (c) => c - 1))).toThrow(/class ids must be 0 or more/);
    expect(() => fit({ task: 'regression' }, Float64Array.from(y, (c) => (c ? NaN : 1)))).toThrow(/the target of row \d+ is NaN/);
    expect(() => fit({}, y, { ...X, data: X.data.map((v, i) => (i === 7 ? Infinity : v)) })).toThrow(/row 2, column 3 is Infinity/);
    const model = fit({});
    expect(() => predictForest(model, column([1, 2]))).toThrow(/fitted on 5 columns, given 1/);
    expect(() => predictForest({ ...model, trees: [] }, X)).toThrow(/not a tree model \(no trees\)/);
    const broken = { ...model.trees[0], left: model.trees[0].left.map(() => 0) };
    expect(() => predictForest({ ...model, trees: [broken] }, X)).toThrow(/bad children/);
  });

  it('breast cancer (held-out quarter, stratified): test accuracy ≥ 0.94', () => {
    const { X, y } = loadSample('breast_cancer.csv', 'diagnosis');
    const { train, test } = splitRows(X, y as Int32Array, 0.25, 0);
    // The mean of three forests (seeds), so the figure is not one lucky draw. On this split (the hardest
    // of split seeds 0-2) scikit-learn's RandomForestClassifier averages 0.9475 over 20 seeds (0.937-0.958),
    // these forests 0.9447 (0.937-0.951); one test row is 0.007.
    const scores = [1, 2, 3].map((seed) => accuracy(test.y, classesOf(predictForest(fitForest(train.X, train.y, { task: 'classification', seed }), test.X))));
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeGreaterThanOrEqual(0.94);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.93);
  });

  it('diabetes regression (held-out quarter): better than predicting the mean', () => {
    const { X, y } = loadSample('diabetes.csv', 'disease_progression');
    const { train, test } = splitRows(X, y as Float64Array, 0.25, 0);
    const predicted = valuesOf(predictForest(fitForest(train.X, train.y, { task: 'regression', seed: 1 }), test.X));
    const mean = test.y.reduce((a, b) => a + b, 0) / test.y.length;
    let ss = 0;
    let tot = 0;
    for (let i = 0; i < test.y.length; i++) {
      ss += (test.y[i] - predicted[i]) ** 2;
      tot += (test.y[i] - mean) ** 2;
    }
    // scikit-learn's RandomForestRegressor: R² ≈ 0.4-0.5 on this dataset.
    expect(1 - ss / tot).toBeGreaterThan(0.3);
  });
});
