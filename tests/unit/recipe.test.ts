import { describe, expect, it } from 'vitest';
import { applyRecipe, fitRecipe, type RecipeStep } from '../../runtime/recipe';
import { standardizeStep, type StandardizeState } from '../../runtime/steps/standardize';
import { takeRows, type Table } from '../../lib/table';
// Every node kind registers the recipe step it adds (recipes find steps by kind).
import '../../nodes';

/** 6 rows: the first 4 are "training" rows; the last 2 are far away, so leaking them into the fit would show. */
const full: Table = {
  rowCount: 6,
  columns: [
    { name: 'x', type: 'number', values: new Float64Array([1, 2, 3, 4, 100, 200]) },
    { name: 'z', type: 'number', values: new Float64Array([10, Number.NaN, 30, 50, -1000, 0]) },
    { name: 'colour', type: 'category', codes: new Int32Array([0, 1, 0, 1, 0, 1]), categories: ['red', 'blue'] },
    { name: 'y', type: 'number', values: new Float64Array([5, 6, 7, 8, 900, 1000]) },
  ],
};
const train = takeRows(full, [0, 1, 2, 3]);
const test = takeRows(full, [4, 5]);
const recipe: RecipeStep[] = [{ kind: 'standardize', params: { columns: [] } }];

const values = (t: Table, name: string) => {
  const c = t.columns.find((col) => col.name === name)!;
  if (c.type !== 'number') throw new Error('not numeric');
  return Array.from(c.values);
};

describe('fitRecipe with standardize', () => {
  const fitted = fitRecipe(recipe, train, { target: 'y' });
  const state = fitted[0].state as StandardizeState;

  it('learns mean and (population) std from the given rows only', () => {
    expect(fitted).toHaveLength(1);
    expect(fitted[0]).toMatchObject({ kind: 'standardize', params: { columns: [] } });
    const x = state.columns.find((c) => c.name === 'x')!;
    // x: 1,2,3,4 -> mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5 over 4 rows.
    expect(x.mean).toBeCloseTo(2.5, 12);
    expect(x.std).toBeCloseTo(Math.sqrt(1.25), 12);
    // z: 10, (missing), 30, 50 -> missing skipped: mean 30, variance (400+0+400)/3.
    const z = state.columns.find((c) => c.name === 'z')!;
    expect(z.mean).toBeCloseTo(30, 12);
    expect(z.std).toBeCloseTo(Math.sqrt(800 / 3), 12);
  });

  it('never touches the target (nor categories)', () => {
    expect(state.columns.map((c) => c.name).sort()).toEqual(['x', 'z']);
    expect(values(applyRecipe(fitted, train), 'y')).toEqual([5, 6, 7, 8]);
    // Even when the target is named explicitly.
    const explicit = fitRecipe([{ kind: 'standardize', params: { columns: ['x', 'y'] } }], train, { target: 'y' });
    expect((explicit[0].state as StandardizeState).columns.map((c) => c.name)).toEqual(['x']);
    expect(values(applyRecipe(explicit, test), 'y')).toEqual([900, 1000]);
  });

  it('transform scales the training rows to mean 0 and std 1, missing stays missing', () => {
    const out = applyRecipe(fitted, train);
    const x = values(out, 'x');
    expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(Math.sqrt(x.reduce((a, b) => a + b * b, 0) / x.length)).toBeCloseTo(1, 12);
    expect(Number.isNaN(values(out, 'z')[1])).toBe(true);
    expect(out.columns.find((c) => c.name === 'colour')).toEqual(train.columns.find((c) => c.name === 'colour'));
  });

  it('transform applies the same (training) state to other rows', () => {
    const out = applyRecipe(fitted, test);
    const [a, b] = values(out, 'x');
    expect(a).toBeCloseTo((100 - 2.5) / Math.sqrt(1.25), 9);
    expect(b).toBeCloseTo((200 - 2.5) / Math.sqrt(1.25), 9);
    expect(values(out, 'z')[0]).toBeCloseTo((-1000 - 30) / Math.sqrt(800 / 3), 9);
    // The input table is not mutated.
    expect(values(test, 'x')).toEqual([100, 200]);
  });

  it('a constant column gets std 1 (no division by zero)', () => {
    const t: Table = { rowCount: 3, columns: [{ name: 'k', type: 'number', values: new Float64Array([4, 4, 4]) }] };
    const s = standardizeStep.fit(t, { columns: [] }, { target: 'none' });
    expect(s.columns).toEqual([{ name: 'k', mean: 4, std: 1 }]);
    expect(values(standardizeStep.transform(t, s, { columns: [] }), 'k')).toEqual([0, 0, 0]);
  });

  it('an unknown step kind is a clear error', () => {
    expect(() => fitRecipe([{ kind: 'mystery', params: {} }], train, { target: 'y' })).toThrow('Unknown preprocessing step "mystery".');
  });
});
