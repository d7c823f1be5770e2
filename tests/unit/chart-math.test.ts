import { describe, expect, it } from 'vitest';
import {
  bands,
  categoryColor,
  CATEGORY_COLORS,
  cumulative,
  extent,
  finiteMean,
  formatTick,
  groupByLabel,
  linearScale,
  NO_LABEL,
  niceDomain,
  niceTicks,
  polylinePoints,
  tickStep,
} from '../../app/editor/chart-math';
import type { ClusteringMetrics, ProjectionMetrics } from '../../lib/metrics';
import { formatHeadline, headlineMetric } from '../../lib/model-headline';

describe('extent', () => {
  it('skips non-finite values and widens a single value', () => {
    expect(extent([3, NaN, -1, Infinity, 2])).toEqual([-1, 3]);
    expect(extent([5, 5])).toEqual([4.5, 5.5]);
    expect(extent([])).toEqual([0, 1]);
    expect(extent([0, 10], 0.05)).toEqual([-0.5, 10.5]);
  });
});

describe('ticks', () => {
  it('steps of 1, 2 or 5 × 10ⁿ', () => {
    expect(tickStep(0, 1, 5)).toBe(0.2);
    expect(tickStep(0, 100, 5)).toBe(20);
    expect(tickStep(0, 7, 5)).toBe(1);
    expect(tickStep(0, 0.03, 5)).toBe(0.005);
    expect(tickStep(2, 2, 5)).toBe(1);
  });

  it('round ticks inside the range, without floating-point dust', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.05, 0.95, 5)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(-3.2, 7.9, 5)).toEqual([-2, 0, 2, 4, 6]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('a nice domain starts and ends on a tick', () => {
    expect(niceDomain(0.13, 8.7)).toEqual([0, 10]);
    expect(niceDomain(-3.2, 7.9)).toEqual([-4, 8]);
    expect(niceDomain(0, 1)).toEqual([0, 1]);
    expect(niceDomain(412, 1890)).toEqual([400, 2000]);
  });

  it('labels carry as many decimals as the step needs', () => {
    expect(formatTick(0.4, 0.2)).toBe('0.4');
    expect(formatTick(0, 0.05)).toBe('0.00');
    expect(formatTick(20, 20)).toBe('20');
    expect(formatTick(15000, 5000)).toBe('15k');
    expect(formatTick(2_500_000, 500_000)).toBe('2.5M');
    expect(formatTick(-1200, 200)).toBe('-1200');
  });
});

describe('scales and polylines', () => {
  it('maps a domain onto a range, flipped for y', () => {
    const x = linearScale([0, 10], [40, 340]);
    expect(x(0)).toBe(40);
    expect(x(5)).toBe(190);
    const y = linearScale([0, 1], [200, 10]);
    expect(y(0)).toBe(200);
    expect(y(1)).toBe(10);
    expect(y(0.5)).toBe(105);
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
  });

  it('builds polyline points, leaving out non-finite ones', () => {
    const s = linearScale([0, 1], [0, 100]);
    expect(polylinePoints([[0, 0], [0.5, 0.25], [1, NaN], [1, 1]], s, s)).toBe('0,0 50,25 100,100');
    expect(polylinePoints([[1 / 3, 2 / 3]], s, s)).toBe('33.33,66.67');
  });
});

describe('bars and totals', () => {
  it('cuts a range into equal bands with a gap', () => {
    const b = bands(2, [0, 100], 0.2);
    expect(b.map((x) => x.width)).toEqual([40, 40]);
    expect(b.map((x) => x.x)).toEqual([5, 55]);
    expect(b.map((x) => x.center)).toEqual([25, 75]);
  });

  it('running totals and a mean that skips missing areas', () => {
    expect(cumulative([0.5, 0.3, 0.1])).toEqual([0.5, 0.8, 0.9]);
    expect(finiteMean([0.9, null, 0.7, NaN])).toBeCloseTo(0.8);
    expect(finiteMean([null, undefined])).toBeNull();
  });
});

describe('groupByLabel', () => {
  it('groups in natural label order, no label last, one colour each', () => {
    const points = ['10', '2', null, '2', '1'].map((label, i) => ({ x: i, y: i, label }));
    const groups = groupByLabel(points);
    expect(groups.map((g) => g.label)).toEqual(['1', '2', '10', NO_LABEL]);
    expect(groups.map((g) => g.points.length)).toEqual([1, 2, 1, 1]);
    expect(groups.map((g) => g.color)).toEqual(CATEGORY_COLORS.slice(0, 4));
  });

  it('keeps at most `max` points, spread over the whole list', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ i, label: i < 500 ? 'a' : 'b' }));
    const groups = groupByLabel(points, 100);
    expect(groups.flatMap((g) => g.points)).toHaveLength(100);
    expect(groups.map((g) => g.points.length)).toEqual([50, 50]);
  });

  it('one group when there are too many labels to colour apart', () => {
    const points = Array.from({ length: 30 }, (_, i) => ({ label: String(i) }));
    const groups = groupByLabel(points, 500, 12);
    expect(groups).toHaveLength(1);
    expect(groups[0].label).toBe('30 different values');
    expect(groups[0].points).toHaveLength(30);
  });

  it('colours cycle past the palette', () => {
    expect(categoryColor(CATEGORY_COLORS.length + 1)).toBe(CATEGORY_COLORS[1]);
  });
});

describe('score summaries', () => {
  const none = { accuracy: null, r2: null, silhouette: null, varianceKept: null };
  const text = (row: Parameters<typeof headlineMetric>[0]) => formatHeadline(headlineMetric(row));
  it('names the headline score of every task, and a dash when it is missing', () => {
    expect(text({ ...none, accuracy: 0.9333 })).toBe('accuracy 93.3%');
    expect(text({ ...none, r2: 0.51234 })).toBe('R² 0.512');
    expect(text({ ...none, silhouette: 0.5512 })).toBe('silhouette 0.551');
    expect(text({ ...none, varianceKept: 0.873 })).toBe('87.3% of variance kept');
    expect(text(none)).toBe('—');
    expect(text(null)).toBe('—');
  });

  it('the Evaluate node says the same as the runs table', () => {
    const clustering = { task: 'clustering', silhouette: 0.5512 } as ClusteringMetrics;
    const projection = { task: 'projection', explainedVarianceRatio: [0.6, 0.273] } as ProjectionMetrics;
    expect(text(clustering)).toBe(text({ ...none, silhouette: 0.5512 }));
    expect(text(projection)).toBe('87.3% of variance kept');
  });
});
