import { describe, expect, it } from 'vitest';
import { columnStats } from '../../lib/stats';

describe('columnStats', () => {
  it('value columns: missing share, range, mean and a histogram that counts every present value', () => {
    const s = columnStats({ name: 'x', type: 'number', values: new Float64Array([1, 2, NaN, 4, 8]) });
    expect(s).toMatchObject({ name: 'x', type: 'number', missing: 1, missingRatio: 0.2, min: 1, max: 8, mean: 15 / 4 });
    expect(s.histogram!.reduce((sum, b) => sum + b.count, 0)).toBe(4);
    expect(s.histogram![0].from).toBe(1);
    expect(s.histogram!.at(-1)!.to).toBeCloseTo(8);
    expect(s.histogram!.at(-1)!.count).toBe(1);
  });

  it('a constant column still gets one bar with every value', () => {
    const s = columnStats({ name: 'c', type: 'number', values: new Float64Array([3, 3, 3]) });
    expect(s.histogram!.reduce((sum, b) => sum + b.count, 0)).toBe(3);
    expect(s.histogram![0].count).toBe(3);
  });

  it('an all-missing column has no range', () => {
    const s = columnStats({ name: 'm', type: 'date', values: new Float64Array([NaN, NaN]) });
    expect(s).toEqual({ name: 'm', type: 'date', missing: 2, missingRatio: 1 });
  });

  it('dictionary columns: distinct values and the most frequent first', () => {
    const s = columnStats({ name: 'k', type: 'category', codes: new Int32Array([0, 1, 1, -1, 2, 1]), categories: ['a', 'b', 'c', 'unused'] });
    expect(s).toMatchObject({ missing: 1, distinct: 3 });
    expect(s.top).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 1 },
      { value: 'c', count: 1 },
    ]);
  });
});
