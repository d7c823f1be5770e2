import { encodeFeatures } from './encoding';
import {
  classificationCurves,
  classificationMetrics,
  evaluationWarnings,
  regressionMetrics,
  residualPoints,
  type ClusteringMetrics,
  type EvaluationMetrics,
  type ProjectionMetrics,
} from '../../lib/metrics';
import { silhouette } from '../ml/kmeans';
import type { PcaState } from '../ml/pca';
import { applyRecipe } from '../recipe';
import { createRng, shuffledIndices } from '../../lib/rng';
import { classCodes, getColumn, labelOf, numericValues, takeRows, type Table } from '../../lib/table';
import type { MetricsArtifact, SplitArtifact, TrainedModelArtifact } from '../artifacts';
import type { RunContext } from '../context';
import type { KMeansModel } from './classic';
import { forecastBaselines } from './forecast-baselines';
import { predictTable, type TablePredictions } from './predict';

/** Training rows scored to spot overfitting: a seeded sample above this many. */
const TRAIN_SCORE_ROWS = 5000;
/** Test rows drawn on a PCA map. */
const MAP_POINTS = 500;

/** Judges a trained model on the split's test rows, by what the model does. */
export async function evaluateModel(trained: TrainedModelArtifact, split: SplitArtifact, ctx: RunContext): Promise<MetricsArtifact> {
  const predictions = await predictTable(trained, split.test);
  const metrics = await metricsFor(trained, split, predictions);
  ctx.log(describe(metrics));
  for (const warning of ('warnings' in metrics && metrics.warnings) || []) ctx.log(`Caution: ${warning}`);
  return { metrics, predictions, model: trained.spec.family, testFingerprint: fingerprint(split) };
}

/** Cheap identity of the test rows: their count and an FNV-1a hash of the target cells. */
function fingerprint(split: SplitArtifact): string {
  const target = getColumn(split.test, split.target);
  let hash = 0x811c9dc5;
  for (let r = 0; r < split.test.rowCount; r++) {
    for (const ch of String(labelOf(target, r))) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193);
    hash = Math.imul(hash ^ 0x2c, 0x01000193);
  }
  return `${split.test.rowCount}:${(hash >>> 0).toString(16)}`;
}

async function metricsFor(trained: TrainedModelArtifact, split: SplitArtifact, predictions: TablePredictions): Promise<EvaluationMetrics> {
  const test = split.test;
  switch (trained.task) {
    case 'classification': {
      const actual = classCodes(getColumn(test, split.target), trained.labels);
      const metrics = classificationMetrics(actual, predictedCodes(trained, predictions), trained.labels);
      if (predictions.probabilities) metrics.curves = classificationCurves(actual, predictions.probabilities, trained.labels);
      const train = trainingSample(split);
      const trainPredictions = await predictTable(trained, train);
      const trainAccuracy = classificationMetrics(classCodes(getColumn(train, split.target), trained.labels), predictedCodes(trained, trainPredictions), trained.labels).accuracy;
      metrics.warnings = evaluationWarnings(metrics, trainAccuracy);
      return metrics;
    }
    case 'regression': {
      const actual = numericValues(getColumn(test, split.target));
      const predicted = new Float64Array(predictions.predicted as number[]);
      const metrics = regressionMetrics(actual, predicted, trained.targetScale.mean);
      metrics.residuals = residualPoints(actual, predicted);
      // A forecast of Sequence windows: persistence and a linear autoregression beside the model.
      const baselines = forecastBaselines(split);
      if (baselines) metrics.baselines = baselines;
      const train = trainingSample(split);
      const trainPredicted = new Float64Array((await predictTable(trained, train)).predicted as number[]);
      const trainR2 = regressionMetrics(numericValues(getColumn(train, split.target)), trainPredicted, trained.targetScale.mean).r2;
      metrics.warnings = evaluationWarnings(metrics, trainR2);
      return metrics;
    }
    case 'clustering':
      return clusteringMetrics(trained, split, Int32Array.from(predictions.predicted as number[]));
    case 'projection':
      return projectionMetrics(trained, split, predictions.projection!);
  }
}

function predictedCodes(trained: TrainedModelArtifact, predictions: TablePredictions): Int32Array {
  return Int32Array.from(predictions.predicted, (label) => trained.labels.indexOf(String(label)));
}

/** The training rows (a seeded sample of them when there are many). */
function trainingSample(split: SplitArtifact): Table {
  const n = split.train.rowCount;
  if (n <= TRAIN_SCORE_ROWS) return split.train;
  const rows = shuffledIndices(n, createRng(split.seed + 1)).subarray(0, TRAIN_SCORE_ROWS).sort();
  return takeRows(split.train, rows);
}

/** The test rows as the model sees them: recipe applied, then encoded. */
function encodedTest(trained: TrainedModelArtifact, split: SplitArtifact) {
  const prepared = applyRecipe(trained.recipe, split.test);
  return { data: encodeFeatures(prepared, trained.encoder), rows: prepared.rowCount, cols: trained.encoder.width };
}

function clusteringMetrics(trained: TrainedModelArtifact, split: SplitArtifact, clusters: Int32Array): ClusteringMetrics {
  const model = trained.fitted as KMeansModel;
  const X = encodedTest(trained, split);
  const k = model.centroids.rows;
  const sizes = new Array<number>(k).fill(0);
  let inertia = 0;
  for (let r = 0; r < X.rows; r++) {
    const c = clusters[r];
    sizes[c]++;
    for (let j = 0; j < X.cols; j++) inertia += (X.data[r * X.cols + j] - model.centroids.data[c * X.cols + j]) ** 2;
  }
  const used = sizes.filter((s) => s > 0).length;
  const score = X.rows >= 2 && used >= 2 ? silhouette(X, clusters, { seed: split.seed }) : undefined;
  const metrics: ClusteringMetrics = {
    task: 'clustering',
    silhouette: score?.score ?? 0,
    silhouetteSampled: score?.sampled ?? false,
    inertia,
    clusterSizes: sizes,
    elbow: model.elbow.map(({ k: kk, inertia: i }) => ({ k: kk, inertia: i })),
    testRows: X.rows,
  };
  if (split.task === 'classification' && split.labels.length > 0) {
    const target = getColumn(split.test, split.target);
    const counts = Array.from({ length: k }, () => new Array<number>(split.labels.length).fill(0));
    const classes = classCodes(target, split.labels);
    for (let r = 0; r < X.rows; r++) if (classes[r] >= 0) counts[clusters[r]][classes[r]]++;
    metrics.crossTab = { labels: split.labels, counts };
  }
  return metrics;
}

function projectionMetrics(trained: TrainedModelArtifact, split: SplitArtifact, projection: number[][]): ProjectionMetrics {
  const state = trained.fitted as PcaState;
  const X = encodedTest(trained, split);
  // Variance of the test rows around the training mean, and the part the components capture.
  let total = 0;
  for (let r = 0; r < X.rows; r++) for (let j = 0; j < X.cols; j++) total += (X.data[r * X.cols + j] - state.mean[j]) ** 2;
  let captured = 0;
  for (const row of projection) for (const v of row) captured += v * v;
  const target = getColumn(split.test, split.target);
  const step = Math.max(1, X.rows / MAP_POINTS);
  const points: ProjectionMetrics['points'] = [];
  for (let p = 0; p * step < X.rows && points.length < MAP_POINTS; p++) {
    const r = Math.floor(p * step);
    points.push({ x: projection[r][0], y: projection[r][1] ?? 0, label: labelOf(target, r) });
  }
  return { task: 'projection', explainedVarianceRatio: state.explainedVarianceRatio, testExplained: total > 0 ? captured / total : 0, points, testRows: X.rows };
}

function describe(metrics: EvaluationMetrics): string {
  switch (metrics.task) {
    case 'classification':
      return `Test accuracy ${(metrics.accuracy * 100).toFixed(1)}% on ${metrics.testRows} rows (baseline ${(metrics.baseline.accuracy * 100).toFixed(1)}%).`;
    case 'regression':
      return `Test MAE ${metrics.mae.toFixed(3)}, R² ${metrics.r2.toFixed(3)} on ${metrics.testRows} rows (baseline MAE ${metrics.baseline.mae.toFixed(3)}).`;
    case 'clustering':
      return `Silhouette ${metrics.silhouette.toFixed(3)} on ${metrics.testRows} test rows; cluster sizes ${metrics.clusterSizes.join(', ')}.`;
    case 'projection':
      return `${metrics.explainedVarianceRatio.length} components explain ${(metrics.explainedVarianceRatio.reduce((a, b) => a + b, 0) * 100).toFixed(1)}% of the training variance (${(metrics.testExplained * 100).toFixed(1)}% on the test rows).`;
  }
}
