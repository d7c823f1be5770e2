/** Metric formulas on typed arrays; shared by evaluation on the worker and by tests. */

export interface ClassificationMetrics {
  task: 'classification';
  labels: string[];
  accuracy: number;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** confusion[actual][predicted] */
  confusion: number[][];
  testRows: number;
  baseline: { name: string; accuracy: number };
  /** ROC and PR curves from the predicted probabilities (binary: the second class; else one-vs-rest). */
  curves?: ClassCurves[];
  /** Plain-words cautions about these numbers (imbalance, a tiny test set, overfitting). */
  warnings?: string[];
}

export interface RegressionMetrics {
  task: 'regression';
  mae: number;
  rmse: number;
  r2: number;
  testRows: number;
  baseline: { name: string; mae: number; rmse: number };
  /** More baselines where they apply (a forecast: persistence, a linear autoregression). */
  baselines?: { name: string; mae: number; rmse: number }[];
  /** Up to 300 (predicted, actual − predicted) points of the test rows. */
  residuals?: [number, number][];
  warnings?: string[];
}

export type EvaluationMetrics = ClassificationMetrics | RegressionMetrics | ClusteringMetrics | ProjectionMetrics;

/** Below this many test rows, a score is too noisy to trust much. */
export const SMALL_TEST_SET = 30;

/** Why the model does not beat its baseline on the test rows (said by Evaluate, and the reason a Deploy refuses it); undefined when it does, or has none. */
export function notBeatingBaseline(metrics: EvaluationMetrics): string | undefined {
  if (metrics.task === 'classification' && metrics.accuracy <= metrics.baseline.accuracy) {
    return `The model is no better than always answering the most frequent class (${(metrics.baseline.accuracy * 100).toFixed(1)}%).`;
  }
  if (metrics.task === 'regression' && metrics.mae >= metrics.baseline.mae) {
    return `The model is no better than always answering the training mean (MAE ${metrics.baseline.mae.toPrecision(4)}).`;
  }
  return undefined;
}

/**
 * Cautions a non-expert needs next to the scores. `trainScore` is the same score (accuracy or R²) on
 * the training rows, to spot a model that memorized them.
 */
export function evaluationWarnings(metrics: ClassificationMetrics | RegressionMetrics, trainScore: number | undefined): string[] {
  const warnings: string[] = [];
  if (metrics.testRows < SMALL_TEST_SET) {
    warnings.push(`Only ${metrics.testRows} test rows: these scores could change a lot with another split. Use more rows, a bigger test fraction, or K-fold cross-validation.`);
  }
  if (metrics.task === 'classification') {
    const supports = metrics.perClass.map((c) => c.support);
    const smallest = metrics.perClass[supports.indexOf(Math.min(...supports))];
    if (smallest && smallest.support < Math.max(...supports) / 4) {
      warnings.push(
        `The classes are imbalanced ("${smallest.label}" is ${((smallest.support / metrics.testRows) * 100).toFixed(0)}% of the test rows): accuracy flatters the model, so look at each class's recall and F1 (class weights in Train help).`,
      );
    }
    const baseline = notBeatingBaseline(metrics);
    if (baseline) warnings.push(baseline);
    if (trainScore !== undefined && trainScore - metrics.accuracy > 0.1) {
      warnings.push(
        `The model does much better on its training rows (${(trainScore * 100).toFixed(1)}%) than on the test rows (${(metrics.accuracy * 100).toFixed(1)}%): it may be memorizing them (overfitting). Try fewer epochs, dropout or L2, or a simpler model.`,
      );
    }
  } else {
    const baseline = notBeatingBaseline(metrics);
    if (baseline) warnings.push(baseline);
    if (trainScore !== undefined && trainScore - metrics.r2 > 0.15) {
      warnings.push(
        `The model fits its training rows much better (R² ${trainScore.toFixed(2)}) than the test rows (R² ${metrics.r2.toFixed(2)}): it may be memorizing them (overfitting). Try fewer epochs, dropout or L2, or a simpler model.`,
      );
    }
  }
  return warnings;
}

const safeDiv = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function classificationMetrics(actual: Int32Array, predicted: Int32Array, labels: string[]): ClassificationMetrics {
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    confusion[actual[i]][predicted[i]]++;
    if (actual[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c][c];
    let predictedC = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predictedC += confusion[j][c];
      support += confusion[c][j];
    }
    const precision = safeDiv(tp, predictedC);
    const recall = safeDiv(tp, support);
    const f1 = safeDiv(2 * precision * recall, precision + recall);
    return { label, precision, recall, f1, support };
  });
  const n = actual.length;
  const mean = (key: 'precision' | 'recall' | 'f1') => safeDiv(perClass.reduce((s, c) => s + c[key], 0), k);
  const weightedMean = (key: 'precision' | 'recall' | 'f1') => safeDiv(perClass.reduce((s, c) => s + c[key] * c.support, 0), n);
  const supports = perClass.map((c) => c.support);
  const majority = supports.indexOf(Math.max(...supports));
  return {
    task: 'classification',
    labels,
    accuracy: safeDiv(correct, n),
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: weightedMean('precision'), recall: weightedMean('recall'), f1: weightedMean('f1') },
    perClass,
    confusion,
    testRows: n,
    baseline: { name: `always "${labels[majority]}" (most frequent class)`, accuracy: safeDiv(supports[majority], n) },
  };
}

export function regressionMetrics(actual: Float64Array, predicted: Float64Array, trainMean: number): RegressionMetrics {
  const n = actual.length;
  let absErr = 0;
  let sqErr = 0;
  let baseAbs = 0;
  let baseSq = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i] / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i] - predicted[i];
    absErr += Math.abs(e);
    sqErr += e * e;
    baseAbs += Math.abs(actual[i] - trainMean);
    baseSq += (actual[i] - trainMean) ** 2;
    total += (actual[i] - mean) ** 2;
  }
  return {
    task: 'regression',
    mae: safeDiv(absErr, n),
    rmse: Math.sqrt(safeDiv(sqErr, n)),
    r2: total === 0 ? 0 : 1 - sqErr / total,
    testRows: n,
    baseline: { name: 'always the training mean', mae: safeDiv(baseAbs, n), rmse: Math.sqrt(safeDiv(baseSq, n)) },
  };
}

/** A curve as at most ~100 points, plus the area under it. */
export interface Curve {
  /** [x, y] pairs: ROC (false positive rate, true positive rate); PR (recall, precision). */
  points: [number, number][];
  area: number;
}

export interface ClassCurves {
  /** The class treated as "positive" (one-vs-rest for more than two classes). */
  label: string;
  roc: Curve;
  pr: Curve;
}

/** Keeps every n-th point (and the last), so a chart of 100,000 test rows stays light. */
function thin(points: [number, number][], max = 101): [number, number][] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/**
 * ROC and precision–recall curves of one class from its scores (higher = more likely positive).
 * Tied scores move together (one point), as scikit-learn's roc_curve; ROC AUC by the trapezoid rule,
 * PR area as average precision (the step-wise sum, as scikit-learn's average_precision_score).
 */
export function rankingCurves(scores: ArrayLike<number>, positive: ArrayLike<boolean>): { roc: Curve; pr: Curve } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (positive[i]) positives++;
  const negatives = n - positives;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let i = 0; i < n; i++) {
    if (positive[order[i]]) tp++;
    else fp++;
    if (i + 1 < n && scores[order[i + 1]] === scores[order[i]]) continue;
    const tpr = safeDiv(tp, positives);
    const fpr = safeDiv(fp, negatives);
    const [prevFpr, prevTpr] = roc[roc.length - 1];
    auc += ((fpr - prevFpr) * (tpr + prevTpr)) / 2;
    roc.push([fpr, tpr]);
    const precision = tp / (tp + fp);
    ap += (tpr - lastRecall) * precision;
    lastRecall = tpr;
    pr.push([tpr, precision]);
  }
  return { roc: { points: thin(roc), area: positives && negatives ? auc : NaN }, pr: { points: thin(pr), area: positives ? ap : NaN } };
}

/** Binary: the curves of the second class; more classes: one-vs-rest curves of each class. */
export function classificationCurves(actual: Int32Array, probabilities: number[][], labels: string[]): ClassCurves[] {
  const classes = labels.length === 2 ? [1] : labels.map((_, c) => c);
  return classes.map((c) => ({
    label: labels[c],
    ...rankingCurves(
      probabilities.map((p) => p[c]),
      Array.from(actual, (a) => a === c),
    ),
  }));
}

/** At most `max` (predicted, residual) points, spread evenly over the test rows, for a residual plot. */
export function residualPoints(actual: Float64Array, predicted: Float64Array, max = 300): [number, number][] {
  const count = Math.min(actual.length, max);
  return Array.from({ length: count }, (_, j) => {
    const i = Math.floor((j * actual.length) / count);
    return [predicted[i], actual[i] - predicted[i]];
  });
}

export interface ClusteringMetrics {
  task: 'clustering';
  /** Mean silhouette of the test rows, -1..1 (higher: tighter, better separated clusters). */
  silhouette: number;
  /** Whether the silhouette was computed on a random sample of the test rows. */
  silhouetteSampled: boolean;
  /** Sum of squared distances of the test rows to their cluster centres. */
  inertia: number;
  /** Test rows per cluster, by cluster id. */
  clusterSizes: number[];
  /** Inertia of the training rows for k = 1, 2, … (the elbow chart). */
  elbow: { k: number; inertia: number }[];
  /** How the clusters line up with the target's classes: rows per [cluster][class] (classification targets). */
  crossTab?: { labels: string[]; counts: number[][] };
  testRows: number;
}

export interface ProjectionMetrics {
  task: 'projection';
  /** Share of the training rows' variance each component explains. */
  explainedVarianceRatio: number[];
  /** Share of the test rows' variance the kept components explain together. */
  testExplained: number;
  /** Up to 500 test rows on the first two components, with their target label, for a 2-D map. */
  points: { x: number; y: number; label: string | null }[];
  testRows: number;
}

export interface Score {
  name: string;
  value: number;
  /** True for accuracy, R², silhouette…; false for errors (MAE) and inertia. */
  higherIsBetter: boolean;
}

/** The names headlineScores gives for each task, main score first (known before anything runs). */
export const SCORE_NAMES: Record<EvaluationMetrics['task'], string[]> = {
  classification: ['accuracy', 'F1 (macro)', 'precision (macro)', 'recall (macro)', 'ROC AUC'],
  regression: ['R²', 'MAE', 'RMSE'],
  clustering: ['silhouette', 'inertia'],
  projection: ['variance kept', 'test variance kept'],
};

/** The scores a leaderboard or a cross-validation summary shows, main score first (SCORE_NAMES order). */
export function headlineScores(metrics: EvaluationMetrics): Score[] {
  switch (metrics.task) {
    case 'classification': {
      const aucs = (metrics.curves ?? []).map((c) => c.roc.area).filter(Number.isFinite);
      return [
        { name: 'accuracy', value: metrics.accuracy, higherIsBetter: true },
        { name: 'F1 (macro)', value: metrics.macro.f1, higherIsBetter: true },
        { name: 'precision (macro)', value: metrics.macro.precision, higherIsBetter: true },
        { name: 'recall (macro)', value: metrics.macro.recall, higherIsBetter: true },
        // Empty (NaN) for a model without probabilities.
        { name: 'ROC AUC', value: aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN, higherIsBetter: true },
      ];
    }
    case 'regression':
      return [
        { name: 'R²', value: metrics.r2, higherIsBetter: true },
        { name: 'MAE', value: metrics.mae, higherIsBetter: false },
        { name: 'RMSE', value: metrics.rmse, higherIsBetter: false },
      ];
    case 'clustering':
      return [
        { name: 'silhouette', value: metrics.silhouette, higherIsBetter: true },
        { name: 'inertia', value: metrics.inertia, higherIsBetter: false },
      ];
    case 'projection':
      return [
        { name: 'variance kept', value: metrics.explainedVarianceRatio.reduce((a, b) => a + b, 0), higherIsBetter: true },
        { name: 'test variance kept', value: metrics.testExplained, higherIsBetter: true },
      ];
  }
}

export interface CrossValidationSummary {
  /** The task every fold was judged on. */
  task: EvaluationMetrics['task'];
  folds: number;
  /** Per score: mean and standard deviation over the folds, and each fold's value. */
  scores: { name: string; mean: number; std: number; perFold: number[]; higherIsBetter: boolean }[];
}

/** Mean ± standard deviation (population, over the folds) of each headline score. */
export function summarizeFolds(perFold: EvaluationMetrics[]): CrossValidationSummary {
  const scoresPerFold = perFold.map(headlineScores);
  const names = scoresPerFold[0]?.map((s) => s.name) ?? [];
  return {
    task: perFold[0].task,
    folds: perFold.length,
    scores: names.map((name, i) => {
      const values = scoresPerFold.map((scores) => scores.find((s) => s.name === name)?.value ?? NaN);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
      return { name, mean, std, perFold: values, higherIsBetter: scoresPerFold[0][i].higherIsBetter };
    }),
  };
}
