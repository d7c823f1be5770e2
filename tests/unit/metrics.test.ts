import { describe, expect, it } from 'vitest';
import { classificationCurves, classificationMetrics, evaluationWarnings, rankingCurves, regressionMetrics } from '../../lib/metrics';

describe('classificationMetrics', () => {
  // actual:    a a a b b c
  // predicted: a b a b c c
  const actual = new Int32Array([0, 0, 0, 1, 1, 2]);
  const predicted = new Int32Array([0, 1, 0, 1, 2, 2]);
  const m = classificationMetrics(actual, predicted, ['a', 'b', 'c']);

  it('builds the confusion matrix as [actual][predicted]', () => {
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.testRows).toBe(6);
  });

  it('per-class precision, recall, F1 and support', () => {
    // a: tp 2, predicted 2, actual 3; b: tp 1, predicted 2, actual 2; c: tp 1, predicted 2, actual 1.
    const expected = [
      { label: 'a', precision: 1, recall: 2 / 3, f1: 0.8, support: 3 },
      { label: 'b', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      { label: 'c', precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
    ];
    expected.forEach((e, i) => {
      const got = m.perClass[i];
      expect(got.label).toBe(e.label);
      expect(got.support).toBe(e.support);
      expect(got.precision).toBeCloseTo(e.precision, 12);
      expect(got.recall).toBeCloseTo(e.recall, 12);
      expect(got.f1).toBeCloseTo(e.f1, 12);
    });
  });

  it('macro averages weigh classes equally', () => {
    expect(m.macro.precision).toBeCloseTo(2 / 3, 12);
    expect(m.macro.recall).toBeCloseTo(13 / 18, 12);
    expect(m.macro.f1).toBeCloseTo(59 / 90, 12);
  });

  it('weighted averages weigh classes by support', () => {
    expect(m.weighted.precision).toBeCloseTo(0.75, 12);
    expect(m.weighted.recall).toBeCloseTo(4 / 6, 12); // weighted recall is accuracy
    expect(m.weighted.f1).toBeCloseTo(61 / 90, 12);
  });

  it('baseline is always guessing the most frequent class', () => {
    expect(m.baseline.accuracy).toBeCloseTo(0.5, 12);
    expect(m.baseline.name).toContain('"a"');
  });

  it('a class never predicted has precision 0 instead of NaN', () => {
    const r = classificationMetrics(new Int32Array([0, 1, 1]), new Int32Array([0, 0, 0]), ['x', 'y']);
    expect(r.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(r.perClass[0].precision).toBeCloseTo(1 / 3, 12);
    expect(r.accuracy).toBeCloseTo(1 / 3, 12);
    expect(Number.isNaN(r.macro.f1)).toBe(false);
  });
});

describe('regressionMetrics', () => {
  it('MAE, RMSE, R² and the training-mean baseline', () => {
    // errors: -0.5, 0, 1, -1
    const r = regressionMetrics(new Float64Array([1, 2, 3, 4]), new Float64Array([1.5, 2, 2, 5]), 2);
    expect(r.mae).toBeCloseTo(0.625, 12);
    expect(r.rmse).toBeCloseTo(0.75, 12);
    // SSE 2.25, SST around the test mean 2.5 is 5.
    expect(r.r2).toBeCloseTo(0.55, 12);
    expect(r.testRows).toBe(4);
    expect(r.baseline.mae).toBeCloseTo(1, 12);
    expect(r.baseline.rmse).toBeCloseTo(Math.sqrt(1.5), 12);
  });

  it('perfect predictions give zero error and R² 1', () => {
    const y = new Float64Array([3, -1, 7.5]);
    const r = regressionMetrics(y, y.slice(), 0);
    expect(r).toMatchObject({ mae: 0, rmse: 0, r2: 1 });
  });

  it('a constant target gives R² 0 rather than NaN', () => {
    const r = regressionMetrics(new Float64Array([5, 5]), new Float64Array([4, 6]), 5);
    expect(r.r2).toBe(0);
    expect(r.mae).toBe(1);
  });
});

describe('ranking curves (ROC, precision–recall)', () => {
  it('match a hand computation (scikit-learn gives AUC 0.75, average precision 0.8333)', () => {
    const { roc, pr } = rankingCurves([0.9, 0.8, 0.7, 0.6], [true, false, true, false]);
    expect(roc.points).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(roc.area).toBeCloseTo(0.75, 10);
    expect(pr.area).toBeCloseTo(0.5 + 0.5 * (2 / 3), 10);
  });

  it('moves tied scores together, and a perfect ranking has area 1', () => {
    expect(rankingCurves([0.5, 0.5], [true, false]).roc).toEqual({ points: [[0, 0], [1, 1]], area: 0.5 });
    expect(rankingCurves([0.9, 0.1, 0.8, 0.2], [true, false, true, false]).roc.area).toBe(1);
  });

  it('one-vs-rest: one curve per class for three classes, one for two', () => {
    const probabilities = [
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ];
    const curves = classificationCurves(Int32Array.from([0, 1, 2]), probabilities, ['a', 'b', 'c']);
    expect(curves.map((c) => [c.label, c.roc.area])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(classificationCurves(Int32Array.from([0, 1]), [[0.3, 0.7], [0.6, 0.4]], ['no', 'yes']).map((c) => c.label)).toEqual(['yes']);
  });

  it('warns in plain words about a tiny test set, imbalance and overfitting', () => {
    const m = classificationMetrics(Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ['ok', 'fraud']);
    const warnings = evaluationWarnings(m, 1);
    expect(warnings.join(' ')).toMatch(/Only 10 test rows/);
    expect(warnings.join(' ')).toMatch(/imbalanced \("fraud" is 10%/);
    expect(warnings.join(' ')).toMatch(/no better than always answering/);
    expect(warnings.join(' ')).not.toMatch(/overfitting/);
    const coinFlip = classificationMetrics(Int32Array.from([0, 1, 0, 1]), Int32Array.from([1, 0, 0, 1]), ['no', 'yes']);
    expect(evaluationWarnings(coinFlip, 1).join(' ')).toMatch(/training rows \(100.0%\) than on the test rows \(50.0%\).*overfitting/);
  });
});
