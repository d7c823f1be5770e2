import { describe, expect, it } from 'vitest';
import { assignClusters, elbow, kmeans, silhouette } from '../../runtime/ml/kmeans';
import type { DenseMatrix } from '../../runtime/ml/pca';
import { decodeArtifact, encodeArtifact } from '../../server/engine/artifact-store';
import { blobs, loadSample } from '../support/ml-data';

const CENTRES = [
  [0, 0],
  [10, 10],
  [-10, 10],
];
const three = blobs(CENTRES, 30, 1, 3);
const line = (values: number[]): DenseMatrix => ({ data: Float64Array.from(values), rows: values.length, cols: 1 });

describe('kmeans', () => {
  it('finds three well-separated blobs', () => {
    const fit = kmeans(three, { k: 3, seed: 1 });
    // Every blob in one cluster, each blob its own.
    const blobLabels = [0, 1, 2].map((b) => new Set(fit.labels.subarray(b * 30, b * 30 + 30)));
    for (const set of blobLabels) expect(set.size).toBe(1);
    expect(new Set(blobLabels.map((s) => [...s][0])).size).toBe(3);
    expect(Array.from(fit.clusterSizes)).toEqual([30, 30, 30]);
    // Each centroid sits near its blob's centre (jitter ±1, so the mean is well within 0.5).
    for (let b = 0; b < 3; b++) {
      const c = fit.labels[b * 30];
      for (let j = 0; j < 2; j++) expect(Math.abs(fit.centroids.data[c * 2 + j] - CENTRES[b][j])).toBeLessThan(0.5);
    }
    expect(fit.converged).toBe(true);
    expect(fit.centroids.rows).toBe(3);
    expect(fit.centroids.cols).toBe(2);
  });

  it('inertia and centroids match a hand computation', () => {
    // Two pairs of points: centroids (0, 1) and (10, 1), each point at distance 1 → inertia 4.
    const X: DenseMatrix = { data: Float64Array.from([0, 0, 0, 2, 10, 0, 10, 2]), rows: 4, cols: 2 };
    const fit = kmeans(X, { k: 2, seed: 5 });
    expect(fit.inertia).toBeCloseTo(4, 12);
    const centroids = [0, 1].map((c) => Array.from(fit.centroids.data.subarray(c * 2, c * 2 + 2))).sort((a, b) => a[0] - b[0]);
    expect(centroids).toEqual([
      [0, 1],
      [10, 1],
    ]);
    expect(fit.labels[0]).toBe(fit.labels[1]);
    expect(fit.labels[2]).toBe(fit.labels[3]);
    expect(fit.labels[0]).not.toBe(fit.labels[2]);
    // k = 1: the mean, and the total sum of squares around it: 4·1 + 4·25 = 104.
    const one = kmeans(X, { k: 1, seed: 0 });
    expect(Array.from(one.centroids.data)).toEqual([5, 1]);
    expect(one.inertia).toBeCloseTo(104, 12);
  });

  it('is repeatable from its seed, and float32 input gives the same clusters', () => {
    const X = blobs([[0, 0, 0], [4, 0, 1], [0, 5, 2], [3, 3, 3]], 40, 2, 11);
    const a = kmeans(X, { k: 4, seed: 42, inits: 2 });
    expect(kmeans(X, { k: 4, seed: 42, inits: 2 })).toEqual(a);
    const f32 = kmeans({ ...X, data: Float32Array.from(X.data) }, { k: 4, seed: 42, inits: 2 });
    expect(Array.from(f32.labels)).toEqual(Array.from(a.labels));
    expect(f32.inertia).toBeCloseTo(a.inertia, 3);
  });

  it('the WebAssembly SIMD loops and plain JavaScript give bit-identical results', () => {
    // Odd row and column counts and k not a multiple of 4 exercise every tail of the SIMD path.
    for (const [rows, cols, k] of [
      [301, 3, 5],
      [300, 4, 8],
      [57, 7, 1],
      [2, 2, 2],
    ]) {
      const centres = Array.from({ length: k }, (_, c) => Array.from({ length: cols }, (_, j) => ((c * 7 + j * 3) % 11) - 5));
      const X = blobs(centres, Math.ceil(rows / k), 2.5, rows);
      const part: DenseMatrix = { data: X.data.subarray(0, rows * cols), rows, cols };
      const simd = kmeans(part, { k, seed: 4, inits: 2 });
      const plain = kmeans(part, { k, seed: 4, inits: 2, simd: false });
      expect(simd).toEqual(plain);
      expect(Array.from(assignClusters(simd.centroids, X))).toEqual(Array.from(assignClusters(plain.centroids, X)));
    }
  });

  it('keeps the restart with the lowest inertia', () => {
    const X = blobs([[0, 0], [3, 0], [0, 3], [3, 3], [1.5, 1.5]], 20, 0.9, 2);
    const single = [1, 2, 3, 4, 5, 6].map((seed) => kmeans(X, { k: 5, seed, inits: 1 }).inertia);
    const several = kmeans(X, { k: 5, seed: 1, inits: 6 }).inertia;
    // The six restarts draw from one seeded stream, so they are not the six single runs, but never worse than the worst.
    expect(several).toBeLessThanOrEqual(Math.max(...single) + 1e-9);
    expect(several).toBeLessThanOrEqual(kmeans(X, { k: 5, seed: 1, inits: 1 }).inertia + 1e-9);
  });

  it('stops at maxIterations, or on the tolerance', () => {
    const X = blobs([[0, 0], [2, 0], [1, 2]], 50, 1.5, 9);
    const capped = kmeans(X, { k: 3, seed: 1, maxIterations: 1, inits: 1 });
    expect(capped.iterations).toBe(1);
    const loose = kmeans(X, { k: 3, seed: 1, tolerance: 10, inits: 1 });
    expect(loose.iterations).toBe(1);
    expect(loose.converged).toBe(true);
    const strict = kmeans(X, { k: 3, seed: 1, tolerance: 0, inits: 1 });
    expect(strict.converged).toBe(true);
    expect(strict.iterations).toBeGreaterThan(1);
    // The labels always belong to the returned centroids.
    expect(Array.from(assignClusters(capped.centroids, X))).toEqual(Array.from(capped.labels));
  });

  it('a cluster left empty takes the row farthest from its centroid', () => {
    // Starting at 0.5, 10.5 and 100: nothing is nearest 100, so it takes row 1 (value 0; all rows
    // are 0.5 from their centroid, the first one wins), leaving 1 alone and 10, 11 together.
    const fit = kmeans(line([0, 1, 10, 11]), { k: 3, seed: 0, init: line([0.5, 10.5, 100]) });
    expect(Array.from(fit.centroids.data)).toEqual([1, 10.5, 0]);
    expect(Array.from(fit.labels)).toEqual([2, 0, 1, 1]);
    expect(fit.inertia).toBeCloseTo(0.5, 12);
    // More clusters than distinct rows: no failure, inertia 0 (twin centroids leave a cluster empty, as in scikit-learn).
    const twins = kmeans(line([1, 1, 1, 1, 5, 5]), { k: 3, seed: 0 });
    expect(twins.inertia).toBe(0);
    expect(Array.from(twins.clusterSizes).reduce((a, b) => a + b, 0)).toBe(6);
    expect(() => kmeans(line([0, 1, 2]), { k: 2, seed: 0, init: line([0]) })).toThrow(/init must hold 2 centroids of 1 columns, not 1×1/);
  });

  it('refuses bad input with plain messages', () => {
    expect(() => kmeans(three, { k: 0, seed: 1 })).toThrow(/k must be a whole number from 1 to 90, not 0/);
    expect(() => kmeans(three, { k: 91, seed: 1 })).toThrow(/from 1 to 90/);
    expect(() => kmeans(three, { k: 2.5, seed: 1 })).toThrow(/whole number/);
    expect(() => kmeans(three, { k: 3, seed: 1.5 })).toThrow(/seed must be a whole number/);
    expect(() => kmeans(three, { k: 3, seed: 1, maxIterations: 0 })).toThrow(/maxIterations/);
    expect(() => kmeans(three, { k: 3, seed: 1, inits: 0 })).toThrow(/inits/);
    expect(() => kmeans(three, { k: 3, seed: 1, tolerance: -1 })).toThrow(/tolerance must be a number ≥ 0/);
    expect(() => kmeans(line([1, NaN, 3]), { k: 1, seed: 1 })).toThrow(/row 2, column 1 is NaN/);
    expect(() => kmeans({ data: new Float64Array(5), rows: 2, cols: 2 }, { k: 1, seed: 1 })).toThrow(/do not make a 2×2 matrix/);
    expect(() => kmeans({ data: new Float64Array(0), rows: 0, cols: 2 }, { k: 1, seed: 1 })).toThrow(/at least 1 row/);
    const fit = kmeans(three, { k: 3, seed: 1 });
    expect(() => assignClusters(fit.centroids, line([1, 2]))).toThrow(/fitted on 2 columns, given 1/);
  });
});

describe('assignClusters', () => {
  it('puts new rows with their nearest centroid', () => {
    const fit = kmeans(three, { k: 3, seed: 1 });
    const fresh: DenseMatrix = { data: Float64Array.from([0.3, -0.2, 9.5, 10.4, -9, 11, 100, 100]), rows: 4, cols: 2 };
    const labels = assignClusters(fit.centroids, fresh);
    expect(Array.from(labels.subarray(0, 3))).toEqual([fit.labels[0], fit.labels[30], fit.labels[60]]);
    expect(labels[3]).toBe(fit.labels[30]); // far away, but closest to (10, 10)
  });

  it('a fitted model stored as an artifact (centroids: a typed-array matrix) assigns new rows the same', () => {
    const fit = kmeans(three, { k: 3, seed: 2 });
    const { json, binary } = encodeArtifact(fit);
    const back = decodeArtifact(json, binary) as typeof fit;
    expect(back.centroids.data).toBeInstanceOf(Float64Array);
    const fresh = blobs(CENTRES, 7, 3, 99);
    expect(Array.from(assignClusters(back.centroids, fresh))).toEqual(Array.from(assignClusters(fit.centroids, fresh)));
  });
});

describe('silhouette', () => {
  it('matches a hand computation on four points', () => {
    // 1-D: {0, 1} and {4, 6}.
    //   0: a = 1, b = (4 + 6)/2 = 5    → 4/5
    //   1: a = 1, b = (3 + 5)/2 = 4    → 3/4
    //   4: a = 2, b = (4 + 3)/2 = 3.5  → 1.5/3.5 = 3/7
    //   6: a = 2, b = (6 + 5)/2 = 5.5  → 3.5/5.5 = 7/11
    const s = silhouette(line([0, 1, 4, 6]), Int32Array.from([0, 0, 1, 1]));
    expect(s.score).toBeCloseTo((4 / 5 + 3 / 4 + 3 / 7 + 7 / 11) / 4, 12);
    expect(s.perCluster[0]).toBeCloseTo((4 / 5 + 3 / 4) / 2, 12);
    expect(s.perCluster[1]).toBeCloseTo((3 / 7 + 7 / 11) / 2, 12);
    expect(s.sampled).toBe(false);
    expect(s.rows).toBe(4);
  });

  it('a row alone in its cluster counts 0, and the nearest other cluster is the one used for b', () => {
    // Adding 20 as its own cluster: the other rows' b stays the same (20 is farther), and it scores 0.
    const s = silhouette(line([0, 1, 4, 6, 20]), Int32Array.from([0, 0, 1, 1, 2]));
    expect(s.score).toBeCloseTo((4 / 5 + 3 / 4 + 3 / 7 + 7 / 11) / 5, 12);
    expect(s.perCluster[2]).toBe(0);
  });

  it('above maxRows, uses a seeded sample and says so', () => {
    const X = blobs([[0, 0], [6, 0], [0, 6]], 400, 2, 4);
    const fit = kmeans(X, { k: 3, seed: 1 });
    const exact = silhouette(X, fit.labels);
    const sampled = silhouette(X, fit.labels, { maxRows: 300, seed: 7 });
    expect(exact.sampled).toBe(false);
    expect(exact.rows).toBe(1200);
    expect(sampled.sampled).toBe(true);
    expect(sampled.rows).toBe(300);
    expect(silhouette(X, fit.labels, { maxRows: 300, seed: 7 })).toEqual(sampled);
    expect(Math.abs(sampled.score - exact.score)).toBeLessThan(0.05);
  });

  it('refuses one cluster, or labels that do not fit', () => {
    expect(() => silhouette(line([1, 2, 3]), Int32Array.from([0, 0, 0]))).toThrow(/from 2 to 2 clusters/);
    expect(() => silhouette(line([1, 2, 3]), Int32Array.from([0, 1]))).toThrow(/one Int32Array cluster label per row/);
    expect(() => silhouette(line([1, 2, 3]), Int32Array.from([0, 1, -1]))).toThrow(/0 or more/);
  });

  it('raw iris, k = 3: silhouette ≥ 0.45 (0.553; standardized columns give only ~0.46)', () => {
    const { X } = loadSample('iris.csv', 'species');
    const fit = kmeans(X, { k: 3, seed: 0 });
    const s = silhouette(X, fit.labels);
    // scikit-learn: KMeans(3) on the raw iris features has silhouette 0.5528 and inertia 78.85.
    expect(s.score).toBeGreaterThanOrEqual(0.45);
    expect(s.score).toBeCloseTo(0.5528, 3);
    expect(fit.inertia).toBeCloseTo(78.851, 2);
  });
});

describe('elbow', () => {
  it('inertia per k falls, steeply until the true number of clusters', () => {
    const points = elbow(three, [1, 2, 3, 4, 5], { seed: 3 });
    expect(points.map((p) => p.k)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < points.length; i++) expect(points[i].inertia).toBeLessThanOrEqual(points[i - 1].inertia + 1e-9);
    // Past k = 3 only the jitter is left to explain.
    expect(points[2].inertia).toBeLessThan(points[1].inertia / 10);
    expect(points[3].inertia).toBeGreaterThan(points[2].inertia / 2);
    expect(() => elbow(three, [], { seed: 1 })).toThrow(/at least one value of k/);
  });
});
