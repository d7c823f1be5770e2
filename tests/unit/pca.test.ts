import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitPca, projectPca, type DenseMatrix } from '../../runtime/ml/pca';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { createRng } from '../../lib/rng';
import { pcaStep, type PcaStepState } from '../../runtime/steps/pca';
import { isValueColumn, takeRows, type Table, type TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv } from '../../nodes/define';
import { pca } from '../../nodes/features/pca';
import { parseCsv } from '../../runtime/ingest/csv';
import { testContext } from '../support/run-context';

const S2 = Math.SQRT2;

/** Four points on the two diagonals through (5, -3): covariance [[10/3, 2], [2, 10/3]]. */
const diagonal: DenseMatrix = { data: Float64Array.from([7, -1, 3, -5, 6, -4, 4, -2]), rows: 4, cols: 2 };

function randomMatrix(seed: number, rows: number, cols: number): DenseMatrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  // Correlated columns with different spreads, so every eigenvalue differs.
  for (let r = 0; r < rows; r++) {
    const z = rng() - 0.5;
    for (let c = 0; c < cols; c++) data[r * cols + c] = (c + 1) * (rng() - 0.5) + z * (c % 3) + c;
  }
  return { data, rows, cols };
}

describe('fitPca', () => {
  it('matches the hand-computed eigenvectors of a 2-D example', () => {
    const state = fitPca(diagonal, 2);
    expect(state.mean).toEqual([5, -3]);
    // Eigenvalues 10/3 ± 2 (divisor n - 1) along (1, 1)/√2 and (1, -1)/√2.
    expect(state.explainedVariance[0]).toBeCloseTo(16 / 3, 12);
    expect(state.explainedVariance[1]).toBeCloseTo(4 / 3, 12);
    expect(state.totalVariance).toBeCloseTo(20 / 3, 12);
    expect(state.explainedVarianceRatio[0]).toBeCloseTo(0.8, 12);
    expect(state.explainedVarianceRatio[1]).toBeCloseTo(0.2, 12);
    // Equal magnitudes: the first loading is made positive.
    expect(state.components[0][0]).toBeCloseTo(1 / S2, 12);
    expect(state.components[0][1]).toBeCloseTo(1 / S2, 12);
    expect(state.components[1][0]).toBeCloseTo(1 / S2, 12);
    expect(state.components[1][1]).toBeCloseTo(-1 / S2, 12);
    const projected = Array.from(projectPca(diagonal, state).data);
    const expected = [2 * S2, 0, -2 * S2, 0, 0, S2, 0, -S2];
    projected.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it('with every component: ratios sum to 1, and projecting back gives the centred data', () => {
    const m = randomMatrix(7, 300, 6);
    const state = fitPca(m, 6);
    expect(state.explainedVarianceRatio.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 1; i < 6; i++) expect(state.explainedVariance[i]).toBeLessThanOrEqual(state.explainedVariance[i - 1]);
    const p = projectPca(m, state);
    for (let r = 0; r < m.rows; r++) {
      for (let j = 0; j < m.cols; j++) {
        let back = 0;
        for (let c = 0; c < 6; c++) back += p.data[r * 6 + c] * state.components[c][j];
        expect(back).toBeCloseTo(m.data[r * m.cols + j] - state.mean[j], 9);
      }
    }
    // The components are orthonormal.
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        const dot = state.components[a].reduce((s, x, j) => s + x * state.components[b][j], 0);
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 9);
      }
    }
  });

  it('is deterministic: the largest loading of each component is positive, whatever the sign of the data', () => {
    const m = randomMatrix(3, 200, 5);
    const a = fitPca(m, 3);
    expect(fitPca(m, 3)).toEqual(a);
    for (const component of a.components) {
      const largest = component.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
    // Float32 input and a negated copy give the same axes (the eigenvectors' signs are fixed, not the solver's).
    const negated: DenseMatrix = { ...m, data: m.data.map((v) => -v) };
    const b = fitPca(negated, 3);
    b.components.forEach((c, i) => c.forEach((x, j) => expect(x).toBeCloseTo(a.components[i][j], 9)));
    const f32 = fitPca({ ...m, data: Float32Array.from(m.data) }, 3);
    f32.components.forEach((c, i) => c.forEach((x, j) => expect(x).toBeCloseTo(a.components[i][j], 4)));
  });

  it('without centring, uses X^T X / (n - 1) and projects without subtracting a mean', () => {
    const state = fitPca(diagonal, 1, { center: false });
    expect(state.mean).toEqual([0, 0]);
    // Dominated by the offset (5, -3).
    expect(state.components[0][0]).toBeGreaterThan(0.8);
    expect(state.components[0][1]).toBeLessThan(-0.4);
  });

  it('refuses bad shapes and component counts', () => {
    expect(() => fitPca(diagonal, 3)).toThrow(/components must be a whole number from 1 to 2/);
    expect(() => fitPca(diagonal, 0)).toThrow(/components/);
    expect(() => fitPca({ data: new Float64Array(5), rows: 2, cols: 2 }, 1)).toThrow(/do not make/);
    expect(() => projectPca({ data: new Float64Array(3), rows: 1, cols: 3 }, fitPca(diagonal, 1))).toThrow(/fitted on 2 columns/);
  });

  it('raw digits (8×8 pixels): 2 components explain at least 0.28 of the variance', () => {
    const table = parseCsv(readFileSync(new URL('../../samples/datasets/digits_8x8.csv', import.meta.url), 'utf8'));
    const pixels = table.columns.filter((c) => c.name !== 'digit');
    expect(pixels).toHaveLength(64);
    const data = new Float64Array(table.rowCount * 64);
    pixels.forEach((column, j) => {
      if (!isValueColumn(column)) throw new Error(`${column.name} is not numeric`);
      for (let r = 0; r < table.rowCount; r++) data[r * 64 + j] = column.values[r];
    });
    const state = fitPca({ data, rows: table.rowCount, cols: 64 }, 2);
    const explained = state.explainedVarianceRatio[0] + state.explainedVarianceRatio[1];
    // scikit-learn: 0.1489 + 0.1362 = 0.2851.
    expect(explained).toBeGreaterThanOrEqual(0.28);
    expect(explained).toBeCloseTo(0.2851, 3);
  });
});

/** 6 rows, rows 0-3 "training": a and b move together, c is noise; a missing cell in a and c. */
const table: Table = {
  rowCount: 6,
  columns: [
    { name: 'a', type: 'number', values: new Float64Array([1, 2, NaN, 4, 10, -1]) },
    { name: 'kind', type: 'category', codes: new Int32Array([0, 1, 0, 1, 0, 1]), categories: ['x', 'y'] },
    { name: 'b', type: 'number', values: new Float64Array([10, 21, 29, 41, 100, -5]) },
    { name: 'c', type: 'number', values: new Float64Array([0.5, NaN, 0.1, 0.3, 0.2, 0.9]) },
    { name: 'label', type: 'category', codes: new Int32Array([0, 1, 0, 1, 0, 1]), categories: ['no', 'yes'] },
  ],
};
const train = takeRows(table, [0, 1, 2, 3]);
const test = takeRows(table, [4, 5]);

describe('PCA recipe step', () => {
  it('fills missing values with training means, replaces the chosen columns by pc_1..pc_k', () => {
    const recipe = [{ kind: 'pca', params: { columns: ['a', 'b', 'c'], components: 2, keepOriginal: false, scale: false } }];
    const fitted = fitRecipe(recipe, train, { target: 'label' });
    const state = fitted[0].state as PcaStepState;
    expect(state.columns.map((c) => [c.name, c.mean, c.std])).toEqual([
      ['a', 7 / 3, 1],
      ['b', 25.25, 1],
      ['c', 0.3, 1],
    ]);
    const out = applyRecipe(fitted, test);
    expect(out.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['pc_1:number', 'pc_2:number', 'kind:category', 'label:category']);
    // Test rows are projected with the training means and axes: a missing value counts as the mean.
    const pc1 = out.columns[0];
    if (!isValueColumn(pc1)) throw new Error('pc_1 is numeric');
    const [ca, cb, cc] = state.pca.components[0];
    expect(pc1.values[1]).toBeCloseTo((-1 - 7 / 3) * ca + (-5 - 25.25) * cb + 0.6 * cc, 9);
    // b has by far the largest spread, so it leads pc_1 when not scaled.
    expect(Math.abs(cb)).toBeGreaterThan(0.9);
  });

  it('scale: standardizes first; keepOriginal keeps the columns before the components', () => {
    const recipe = [{ kind: 'pca', params: { columns: ['b', 'a'], components: 1, keepOriginal: true, scale: true } }];
    const fitted = fitRecipe(recipe, train, { target: 'label' });
    const state = fitted[0].state as PcaStepState;
    expect(state.columns.every((c) => c.std !== 1)).toBe(true);
    // a and b are almost perfectly correlated: standardized, both load on pc_1 (unscaled, b alone would;
    // a's filled cell makes its spread smaller, so the loadings are not exactly equal).
    const [cb, ca] = state.pca.components[0];
    expect(ca).toBeGreaterThan(0.6);
    expect(cb).toBeGreaterThan(0.6);
    const out = applyRecipe(fitted, test);
    expect(out.columns.map((c) => c.name)).toEqual(['a', 'kind', 'b', 'pc_1', 'c', 'label']);
  });

  it('no columns named: every numeric column except the target; never the target itself', () => {
    const fitted = fitRecipe([{ kind: 'pca', params: { columns: [], components: 1, keepOriginal: false, scale: false } }], train, { target: 'c' });
    expect((fitted[0].state as PcaStepState).columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(() => pcaStep.fit(train, { columns: ['a', 'c'], components: 1, keepOriginal: false, scale: false }, { target: 'c' })).toThrow(/target/);
    expect(() => pcaStep.fit(train, { columns: ['a'], components: 1, keepOriginal: false, scale: false }, { target: 'label' })).toThrow(/at least 2/);
    expect(() => pcaStep.fit(train, { columns: ['a', 'b'], components: 3, keepOriginal: false, scale: false }, { target: 'label' })).toThrow(/1 to 2/);
    expect(() => pcaStep.fit(train, { columns: ['a', 'kind'], components: 1, keepOriginal: false, scale: false }, { target: 'label' })).toThrow(/numeric/);
  });
});

const env: CompileEnv = { dataset: () => undefined };
const schema: TableSchema = {
  columns: [
    { name: 'a', type: 'number', integer: false },
    { name: 'kind', type: 'category', distinct: 2 },
    { name: 'b', type: 'number', integer: true },
    { name: 'c', type: 'number', integer: false },
    { name: 'label', type: 'category', distinct: 2 },
  ],
};
const configure = (params: Record<string, unknown>, s: TableSchema = schema) =>
  pca.configure({ params: pca.params.parse(params), inputs: { table: { type: 'Table', table: s } }, env });
const names = (s: TableSchema | undefined) => s?.columns.map((c) => `${c.name}:${c.type}`);

describe('PCA node', () => {
  it('compile: pc_1..pc_k replace the chosen columns (or follow them when kept)', () => {
    const out = configure({ columns: ['a', 'b', 'c'], components: 2 });
    expect(out.problems ?? []).toEqual([]);
    expect(names(out.outputs.table?.table)).toEqual(['pc_1:number', 'pc_2:number', 'kind:category', 'label:category']);
    const kept = configure({ columns: ['b', 'c'], components: 1, keepOriginal: true });
    expect(names(kept.outputs.table?.table)).toEqual(['a:number', 'kind:category', 'b:number', 'pc_1:number', 'c:number', 'label:category']);
    // After the split the target is known, so "every numeric column" can leave it out.
    const all = configure({ components: 1 }, { ...schema, target: 'c', task: 'regression' });
    expect(names(all.outputs.table?.table)).toEqual(['pc_1:number', 'kind:category', 'c:number', 'label:category']);
  });

  it('compile problems name their field', () => {
    expect(configure({ columns: ['a', 'ghost'], components: 1 }).problems).toEqual([expect.objectContaining({ field: 'columns', code: 'unknown-column' })]);
    expect(configure({ columns: ['a', 'kind'], components: 1 }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('"kind" holds categories') })]);
    expect(configure({ columns: ['a'], components: 1 }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('at least 2') })]);
    expect(configure({ columns: ['a', 'b'], components: 3 }).problems).toEqual([expect.objectContaining({ field: 'components', message: expect.stringContaining('at most 2') })]);
    expect(configure({ components: 1 }).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('target is not known') })]);
    expect(configure({ columns: ['a', 'c'], components: 1 }, { ...schema, target: 'c' }).problems).toEqual([
      expect.objectContaining({ field: 'columns', message: expect.stringContaining('target') }),
    ]);
    const clash: TableSchema = { columns: [...schema.columns, { name: 'pc_1', type: 'number' }] };
    expect(configure({ columns: ['a', 'b'], components: 1 }, clash).problems).toEqual([expect.objectContaining({ field: 'columns', message: expect.stringContaining('"pc_1"') })]);
    expect(() => pca.params.parse({ components: 51 })).toThrow();
    expect(() => pca.params.parse({ components: 1.5 })).toThrow();
  });

  it('run only appends the unfitted step', async () => {
    const input: TableArtifact = { table, recipe: [{ kind: 'standardize', params: { columns: [] } }] };
    const params = pca.params.parse({ columns: ['a', 'b'], components: 1 });
    const out = (await pca.run({ inputs: { table: input }, params, ctx: testContext() })).table as TableArtifact;
    expect(out.table).toBe(table);
    expect(out.recipe).toEqual([...input.recipe, { kind: 'pca', params: { columns: ['a', 'b'], components: 1, keepOriginal: false, scale: false } }]);
  });
});
