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
}

export interface RegressionMetrics {
  task: 'regression';
  mae: number;
  rmse: number;
  r2: number;
  testRows: number;
  baseline: { name: string; mae: number; rmse: number };
}

export type EvaluationMetrics = ClassificationMetrics | RegressionMetrics;

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
