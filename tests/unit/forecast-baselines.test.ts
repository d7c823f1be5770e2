import { describe, expect, it } from 'vitest';
import type { Table } from '../../lib/table';
import type { SplitArtifact } from '../../runtime/artifacts';
import { forecastBaselines } from '../../runtime/training/forecast-baselines';

/** Windows of 3 over a series, as Sequence windows makes them: x_lag2, x_lag1, x_lag0 and x_ahead1. */
function windows(series: number[], from: number, to: number, extra = false): Table {
  const rows = Array.from({ length: to - from }, (_, i) => from + i);
  const column = (name: string, at: (t: number) => number) => ({ name, type: 'number' as const, values: Float64Array.from(rows, at) });
  return {
    rowCount: rows.length,
    columns: [
      column('x_lag2', (t) => series[t - 2]),
      column('x_lag1', (t) => series[t - 1]),
      column('x_lag0', (t) => series[t]),
      ...(extra ? [column('other', (t) => t)] : []),
      column('x_ahead1', (t) => series[t + 1]),
    ],
  };
}

function split(series: number[], target = 'x_ahead1'): SplitArtifact {
  const train = windows(series, 2, 40, true);
  return { target, task: 'regression', labels: [], train, validation: { ...train, rowCount: 0 }, test: windows(series, 40, series.length - 1, true), recipe: [], seed: 0 };
}

describe('forecast baselines', () => {
  // An exact autoregression: x[t+1] = 0.5·x[t] - 0.3·x[t-1] + 0.1·x[t-2] + 2, from a wobbly start.
  const series = [1, 4, -2];
  for (let t = 2; series.length < 60; t++) series.push(0.5 * series[t] - 0.3 * series[t - 1] + 0.1 * series[t - 2] + 2 + (t % 7 === 0 ? 3 : 0));

  it('persistence predicts the last known value; the linear autoregression, fitted on the training rows, recovers the process', () => {
    const baselines = forecastBaselines(split(series))!;
    expect(baselines.map((b) => b.name)).toEqual(['persistence: the last known x (x_lag0), 1 step ahead', 'linear autoregression on the last 3 values of x']);
    let abs = 0;
    let sq = 0;
    for (let t = 40; t < 59; t++) (abs += Math.abs(series[t + 1] - series[t])), (sq += (series[t + 1] - series[t]) ** 2);
    expect(baselines[0].mae).toBeCloseTo(abs / 19, 10);
    expect(baselines[0].rmse).toBeCloseTo(Math.sqrt(sq / 19), 10);
    // The kicks every 7 steps are not in the lags: the fit is not exact, yet better than persistence.
    expect(baselines[1].mae).toBeGreaterThan(0.1);
    expect(baselines[1].mae).toBeLessThan(baselines[0].mae);
  });

  it('without the kicks the autoregression is exact', () => {
    const clean = [1, 4, -2];
    for (let t = 2; clean.length < 60; t++) clean.push(0.5 * clean[t] - 0.3 * clean[t - 1] + 0.1 * clean[t - 2] + 2);
    // A converging series: keep the early, moving part in the test rows too.
    const s = { ...split(clean), train: windows(clean, 2, 20), test: windows(clean, 20, 59) };
    const [, autoregression] = forecastBaselines(s)!;
    expect(autoregression.mae).toBeLessThan(1e-6);
  });

  it('a missing last value falls back to the one before', () => {
    const s = split(series);
    const lag0 = s.test.columns.find((c) => c.name === 'x_lag0') as { values: Float64Array };
    lag0.values[0] = NaN;
    const withGap = forecastBaselines(s)![0];
    const expected = (Math.abs(series[41] - series[39]) + Array.from({ length: 18 }, (_, i) => Math.abs(series[42 + i] - series[41 + i])).reduce((a, b) => a + b, 0)) / 19;
    expect(withGap.mae).toBeCloseTo(expected, 10);
  });

  it('only for forecast targets of sequence windows', () => {
    expect(forecastBaselines(split(series, 'other'))).toBeUndefined();
    expect(forecastBaselines({ ...split(series), task: 'classification' })).toBeUndefined();
    // The target's windows are missing: nothing to persist.
    const s = split(series);
    const drop = (t: Table): Table => ({ ...t, columns: t.columns.filter((c) => !c.name.startsWith('x_lag')) });
    expect(forecastBaselines({ ...s, train: drop(s.train), test: drop(s.test) })).toBeUndefined();
  });
});
