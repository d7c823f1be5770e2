/** The time-ordered split and k-fold: which rows land where, and what compile refuses. */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphEdge, GraphFile, GraphNode } from '../../lib/graph';
import { canConnect } from '../../lib/ports';
import { fitRecipe, type RecipeStep } from '../../runtime/recipe';
import { createRng, shuffledIndices } from '../../lib/rng';
import { getColumn, labelOf, takeRows, type Column, type Table } from '../../lib/table';
import { nodeKinds } from '../../nodes';
import type { FoldsArtifact, SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv } from '../../nodes/define';
import { foldSplit, foldTrainRows, kFold } from '../../nodes/split/k-fold';
import { timeOrderedSplit } from '../../nodes/split/time-ordered-split';
import { compileEnv } from '../../runtime/ingest/samples';
import { decodeArtifact, encodeArtifact } from '../../server/engine/artifact-store';
import { compile } from '../../server/engine/compile';
import { testContext } from '../support/run-context';

const DAY = 86_400_000;
const START = Date.UTC(2020, 0, 1);
const STANDARDIZE: RecipeStep[] = [{ kind: 'standardize', params: { columns: [] } }];

/** `rows` days in shuffled row order: a date, a numeric reading, a class and a numeric target. */
function dailyTable(rows: number, seed = 1): Table {
  const order = shuffledIndices(rows, createRng(seed));
  const rng = createRng(seed + 1);
  const date = new Float64Array(rows);
  const reading = new Float64Array(rows);
  const kind = new Int32Array(rows);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    date[i] = START + order[i] * DAY;
    reading[i] = rng() * 10 + order[i] / 10;
    kind[i] = order[i] % 3;
    y[i] = reading[i] * 2 + rng();
  }
  return {
    rowCount: rows,
    columns: [
      { name: 'date', type: 'date', values: date },
      { name: 'reading', type: 'number', values: reading },
      { name: 'kind', type: 'category', codes: kind, categories: ['a', 'b', 'c'] },
      { name: 'y', type: 'number', values: y },
    ],
  };
}

function values(table: Table, name: string): number[] {
  const column = getColumn(table, name);
  if (!('values' in column)) throw new Error(`${name} is not a value column`);
  return Array.from(column.values);
}

async function timeSplit(table: Table, params: Record<string, unknown>, logs: string[] = [], recipe: RecipeStep[] = []): Promise<SplitArtifact> {
  const parsed = timeOrderedSplit.params.parse(params);
  const { split } = await timeOrderedSplit.run({ inputs: { table: { table, recipe } satisfies TableArtifact }, params: parsed, ctx: testContext(logs) });
  return split as SplitArtifact;
}

async function kFolds(table: Table, params: Record<string, unknown>, logs: string[] = [], recipe: RecipeStep[] = []): Promise<FoldsArtifact> {
  const parsed = kFold.params.parse(params);
  const { folds } = await kFold.run({ inputs: { table: { table, recipe } satisfies TableArtifact }, params: parsed, ctx: testContext(logs) });
  return folds as FoldsArtifact;
}

const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);

describe('time-ordered split', () => {
  it('the latest rows are test, the ones before them validation, the earliest train, each in time order', async () => {
    const logs: string[] = [];
    const split = await timeSplit(dailyTable(100), { target: 'y', orderColumn: 'date', testFraction: 0.2, validationFraction: 0.1 }, logs);
    expect([split.train.rowCount, split.validation.rowCount, split.test.rowCount]).toEqual([70, 10, 20]);
    const [train, validation, test] = [split.train, split.validation, split.test].map((t) => values(t, 'date'));
    for (const part of [train, validation, test]) expect(ascending(part)).toBe(true);
    expect(train).toEqual(Array.from({ length: 70 }, (_, i) => START + i * DAY));
    expect(validation).toEqual(Array.from({ length: 10 }, (_, i) => START + (70 + i) * DAY));
    expect(test).toEqual(Array.from({ length: 20 }, (_, i) => START + (80 + i) * DAY));
    expect(split).toMatchObject({ target: 'y', task: 'regression', labels: [], seed: 0 });
    expect(logs.at(-1)).toContain('70 train (2020-01-01 to 2020-03-10), 10 validation (2020-03-11 to 2020-03-20), 20 test (2020-03-21 to 2020-04-09)');
  });

  it('whole rows move together: every column follows its row', async () => {
    const table = dailyTable(50);
    const split = await timeSplit(table, { target: 'y', orderColumn: 'date' });
    const byDate = new Map(values(table, 'date').map((d, r) => [d, r]));
    for (const part of [split.train, split.validation, split.test]) {
      const dates = values(part, 'date');
      expect(values(part, 'y')).toEqual(dates.map((d) => values(table, 'y')[byDate.get(d)!]));
      expect(values(part, 'reading')).toEqual(dates.map((d) => values(table, 'reading')[byDate.get(d)!]));
    }
  });

  it('a number column orders the rows too, and no validation fraction means no validation rows', async () => {
    const split = await timeSplit(dailyTable(40), { target: 'kind', orderColumn: 'reading', testFraction: 0.25, validationFraction: 0 });
    expect([split.train.rowCount, split.validation.rowCount, split.test.rowCount]).toEqual([30, 0, 10]);
    expect(Math.max(...values(split.train, 'reading'))).toBeLessThanOrEqual(Math.min(...values(split.test, 'reading')));
    expect(ascending(values(split.test, 'reading'))).toBe(true);
    expect(split).toMatchObject({ task: 'classification', labels: ['a', 'b', 'c'] });
  });

  it('without a time column the table row order is kept: the last rows are test', async () => {
    const table = dailyTable(30);
    const logs: string[] = [];
    const split = await timeSplit(table, { target: 'y', testFraction: 0.2, validationFraction: 0.1 }, logs);
    const dates = values(table, 'date');
    expect(values(split.train, 'date')).toEqual(dates.slice(0, 21));
    expect(values(split.validation, 'date')).toEqual(dates.slice(21, 24));
    expect(values(split.test, 'date')).toEqual(dates.slice(24));
    expect(logs.at(-1)).toContain('21 train (rows 1–21), 3 validation (rows 22–24), 6 test (rows 25–30)');
  });

  it('rows without a time are dropped with a log line, like rows without a target', async () => {
    const table = dailyTable(60);
    const date = getColumn(table, 'date') as Column & { values: Float64Array };
    const y = getColumn(table, 'y') as Column & { values: Float64Array };
    for (const r of [0, 5, 9]) date.values[r] = NaN;
    y.values[20] = NaN;
    const logs: string[] = [];
    const split = await timeSplit(table, { target: 'y', orderColumn: 'date', testFraction: 0.2, validationFraction: 0.1 }, logs);
    expect(logs).toContain('Dropped 1 rows whose target "y" is missing.');
    expect(logs).toContain('Dropped 3 rows whose time "date" is missing.');
    expect(split.train.rowCount + split.validation.rowCount + split.test.rowCount).toBe(56);
    for (const part of [split.train, split.validation, split.test]) {
      expect(values(part, 'date').some(Number.isNaN)).toBe(false);
      expect(values(part, 'y').some(Number.isNaN)).toBe(false);
    }
    expect(split.test.rowCount).toBe(Math.round(56 * 0.2));
  });

  it('rows that share one time stay on one side of each cut', async () => {
    // 10 days, 4 rows each. 15% of 40 rows is 6: the test cut would fall inside day 9, so it moves
    // back to where day 9 begins (8 test rows); the validation cut 6 rows earlier falls inside day 7
    // and moves back to its start (8 validation rows).
    const rows = 40;
    const date = new Float64Array(rows).map((_, r) => START + Math.floor(r / 4) * DAY);
    const table: Table = { rowCount: rows, columns: [{ name: 'date', type: 'date', values: date }, { name: 'y', type: 'number', values: new Float64Array(rows).map((_, r) => r) }] };
    const logs: string[] = [];
    const split = await timeSplit(table, { target: 'y', orderColumn: 'date', testFraction: 0.15, validationFraction: 0.15 }, logs);
    expect([split.train.rowCount, split.validation.rowCount, split.test.rowCount]).toEqual([24, 8, 8]);
    const days = (t: Table) => new Set(values(t, 'date'));
    const [train, validation, test] = [split.train, split.validation, split.test].map(days);
    for (const d of test) expect(train.has(d) || validation.has(d)).toBe(false);
    for (const d of validation) expect(train.has(d)).toBe(false);
    expect(logs.some((l) => l.includes('keep rows with the same "date" together: 8 validation rows instead of 6, 8 test rows instead of 6'))).toBe(true);
  });

  it('fits the recipe on the training rows only', async () => {
    const split = await timeSplit(dailyTable(80), { target: 'y', orderColumn: 'date' }, [], STANDARDIZE);
    expect(split.recipe).toEqual(fitRecipe(STANDARDIZE, split.train, { target: 'y' }));
    // The readings drift upwards over time, so a fit that saw the later rows would differ.
    expect(split.recipe).not.toEqual(fitRecipe(STANDARDIZE, dailyTable(80), { target: 'y' }));
  });

  it('says plainly when the fractions leave a part empty', async () => {
    await expect(timeSplit(dailyTable(4), { target: 'y', orderColumn: 'date', testFraction: 0.1, validationFraction: 0 })).rejects.toThrow('leaves no test rows');
    const sameDay: Table = { rowCount: 6, columns: [{ name: 'date', type: 'date', values: new Float64Array(6).fill(START) }, { name: 'y', type: 'number', values: new Float64Array(6) }] };
    await expect(timeSplit(sameDay, { target: 'y', orderColumn: 'date', testFraction: 0.5, validationFraction: 0 })).rejects.toThrow('too few distinct times');
  });
});

describe('k-fold', () => {
  const table = dailyTable(103);

  it('every row is a test row in exactly one fold; a fold trains on all the others', async () => {
    const folds = await kFolds(table, { target: 'y', folds: 5 });
    expect(folds.folds).toHaveLength(5);
    expect(folds.table.rowCount).toBe(103);
    const seen = new Int32Array(103);
    for (const [f, fold] of folds.folds.entries()) {
      const test = Array.from(fold.test);
      expect(ascending(test)).toBe(true);
      for (const r of test) seen[r]++;
      const train = Array.from(foldTrainRows(folds, f));
      expect(train.length + test.length).toBe(103);
      expect(new Set([...train, ...test]).size).toBe(103);
    }
    expect(Array.from(seen).every((n) => n === 1)).toBe(true);
    const sizes = folds.folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(folds).toMatchObject({ target: 'y', task: 'regression', labels: [], seed: 42 });
  });

  it('stratified: each fold keeps the class shares of the whole table', async () => {
    // 60% / 30% / 10% over 300 rows, classes in shuffled row order.
    const rows = 300;
    const order = shuffledIndices(rows, createRng(3));
    const codes = new Int32Array(rows).map((_, r) => (order[r] < 180 ? 0 : order[r] < 270 ? 1 : 2));
    const labelled: Table = {
      rowCount: rows,
      columns: [
        { name: 'x', type: 'number', values: new Float64Array(rows).map((_, r) => r) },
        { name: 'label', type: 'category', codes, categories: ['common', 'middling', 'rare'] },
      ],
    };
    const folds = await kFolds(labelled, { target: 'label', folds: 5, seed: 9 });
    expect(folds).toMatchObject({ task: 'classification', labels: ['common', 'middling', 'rare'] });
    const label = getColumn(folds.table, 'label');
    for (const fold of folds.folds) {
      const counts = { common: 0, middling: 0, rare: 0 } as Record<string, number>;
      for (const r of fold.test) counts[labelOf(label, r)!]++;
      expect(counts).toEqual({ common: 36, middling: 18, rare: 6 });
    }
    // Uneven counts: each class's count per fold is within one of its share.
    const uneven = await kFolds(labelled, { target: 'label', folds: 7, seed: 9 });
    for (const [c, total] of [[0, 180], [1, 90], [2, 30]] as const) {
      for (const fold of uneven.folds) {
        const n = Array.from(fold.test).filter((r) => labelOf(label, r) === folds.labels[c]).length;
        expect(Math.abs(n - total / 7)).toBeLessThan(1);
      }
    }
  });

  it('not stratified (or regression): folds are random, sizes still within one', async () => {
    const folds = await kFolds(table, { target: 'kind', folds: 4, stratify: false });
    expect(folds.folds.map((f) => f.test.length).sort()).toEqual([25, 26, 26, 26]);
  });

  it('same seed, same folds; another seed, other folds', async () => {
    const a = await kFolds(table, { target: 'kind', folds: 5, seed: 7 });
    const b = await kFolds(table, { target: 'kind', folds: 5, seed: 7 });
    const c = await kFolds(table, { target: 'kind', folds: 5, seed: 8 });
    expect(b.folds.map((f) => Array.from(f.test))).toEqual(a.folds.map((f) => Array.from(f.test)));
    expect(c.folds.map((f) => Array.from(f.test))).not.toEqual(a.folds.map((f) => Array.from(f.test)));
  });

  it('rows without a target are dropped once, with a log line; fold rows index the stored table', async () => {
    const withGaps = dailyTable(50);
    const y = getColumn(withGaps, 'y') as Column & { values: Float64Array };
    y.values[3] = NaN;
    y.values[40] = NaN;
    const logs: string[] = [];
    const folds = await kFolds(withGaps, { target: 'y', folds: 3 }, logs);
    expect(logs[0]).toBe('Dropped 2 rows whose target "y" is missing.');
    expect(folds.table.rowCount).toBe(48);
    expect(values(folds.table, 'y').some(Number.isNaN)).toBe(false);
    expect(folds.folds.reduce((n, f) => n + f.test.length, 0)).toBe(48);
  });

  it('a rare class gets a log line; too few rows for k folds is a plain error', async () => {
    const small: Table = {
      rowCount: 12,
      columns: [
        { name: 'x', type: 'number', values: new Float64Array(12).map((_, r) => r) },
        { name: 'label', type: 'category', codes: Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), categories: ['often', 'seldom'] },
      ],
    };
    const logs: string[] = [];
    await kFolds(small, { target: 'label', folds: 4 }, logs);
    expect(logs).toContain('Class "seldom" has only 2 rows: 2 of the 4 folds test none of it.');
    await expect(kFolds(takeRows(small, [0, 1, 2]), { target: 'label', folds: 4 })).rejects.toThrow('With 3 rows, 4 folds would leave a fold with no rows');
  });

  it('foldSplit gives one fold as a Split: its training rows, its test rows, no validation, its own recipe', async () => {
    const folds = await kFolds(table, { target: 'y', folds: 4 }, [], STANDARDIZE);
    const split = foldSplit(folds, 2);
    expect(split.test).toEqual(takeRows(folds.table, folds.folds[2].test));
    expect(split.train).toEqual(takeRows(folds.table, foldTrainRows(folds, 2)));
    expect(split.validation.rowCount).toBe(0);
    expect(split.recipe).toBe(folds.folds[2].recipe);
    expect(split).toMatchObject({ target: 'y', task: 'regression', labels: [] });
    expect(() => foldSplit(folds, 4)).toThrow('There is no fold 4');
  });

  it('stores the rows once: the artifact is the table plus one row number per row, whatever k', async () => {
    const big = dailyTable(20_000);
    const tableBytes = encodeArtifact(big).binary.byteLength;
    for (const k of [2, 10]) {
      const folds = await kFolds(big, { target: 'y', folds: k }, [], STANDARDIZE);
      const { json, binary } = encodeArtifact(folds);
      expect(binary.byteLength).toBeLessThan(tableBytes + 20_000 * 4 + 1024);
      // The row numbers survive the artifact store as Int32Arrays.
      const decoded = decodeArtifact(json, binary) as FoldsArtifact;
      expect(decoded.folds[1].test).toBeInstanceOf(Int32Array);
      expect(Array.from(decoded.folds[1].test)).toEqual(Array.from(folds.folds[1].test));
      expect(decoded.folds[1].recipe).toEqual(folds.folds[1].recipe);
    }
  });
});

describe('compile', () => {
  let env: CompileEnv;
  beforeAll(() => {
    process.env.PIPELOOM_SAMPLES_DIR ??= path.resolve(import.meta.dirname, '../../samples/datasets');
    env = compileEnv();
  });

  const node = (id: string, type: string, params: Record<string, unknown> = {}): GraphNode => ({ id, type, typeVersion: 1, params, position: { x: 0, y: 0 } });
  const edge = (source: string, sourceHandle: string, target: string, targetHandle: string): GraphEdge => ({
    id: `${source}.${sourceHandle}->${target}.${targetHandle}`,
    source,
    sourceHandle,
    target,
    targetHandle,
  });
  const weather = (type: string, params: Record<string, unknown>): GraphFile => ({
    version: 1,
    name: 'test',
    nodes: [node('data', 'dataset.sample', { dataset: 'seattle_weather' }), node('split', type, params)],
    edges: [edge('data', 'table', 'split', 'table')],
  });
  const errorsOf = (g: GraphFile) => compile(g, nodeKinds, env).errors.map(({ code, nodeId, field, message }) => ({ code, nodeId, field, message }));

  it('a time split on a date column compiles to a Split that knows its target and task', () => {
    const result = compile(weather('split.time-ordered', { target: 'temp_max', task: 'regression', orderColumn: 'date' }), nodeKinds, env);
    expect(result.errors).toEqual([]);
    expect(result.ports.split.outputs.split).toMatchObject({ type: 'Split', table: { target: 'temp_max', task: 'regression' }, hasValidation: true });
  });

  it('time column errors name the field: a category column, a column not in the table, the target itself', () => {
    expect(errorsOf(weather('split.time-ordered', { target: 'temp_max', orderColumn: 'weather' }))).toEqual([
      { code: 'config', nodeId: 'split', field: 'orderColumn', message: '"weather" holds categories: the time column must hold dates or numbers.' },
    ]);
    expect(errorsOf(weather('split.time-ordered', { target: 'temp_max', orderColumn: 'day' }))).toEqual([
      { code: 'unknown-column', nodeId: 'split', field: 'orderColumn', message: 'Time column "day" is not in the table.' },
    ]);
    expect(errorsOf(weather('split.time-ordered', { target: 'temp_max', orderColumn: 'temp_max' }))).toEqual([
      expect.objectContaining({ code: 'config', field: 'orderColumn', message: expect.stringContaining('is the target') }),
    ]);
    expect(errorsOf(weather('split.time-ordered', { target: 'rainfall', orderColumn: 'date' }))).toEqual([
      { code: 'unknown-column', nodeId: 'split', field: 'target', message: 'Target column "rainfall" is not in the table.' },
    ]);
    expect(errorsOf(weather('split.time-ordered', { target: 'weather', task: 'regression', orderColumn: 'date' }))).toEqual([
      expect.objectContaining({ code: 'config', field: 'task' }),
    ]);
    expect(errorsOf(weather('split.time-ordered', { target: 'temp_max', orderColumn: 'date', testFraction: 0.5, validationFraction: 0.5 }))).toEqual([
      expect.objectContaining({ code: 'config', field: 'validationFraction' }),
    ]);
  });

  it('k-fold: folds out of range or not whole is an invalid param naming the field; an unknown target names target', () => {
    for (const folds of [1, 21, 2.5]) {
      expect(errorsOf(weather('split.k-fold', { target: 'weather', folds }))).toEqual([expect.objectContaining({ code: 'invalid-param', nodeId: 'split', field: 'folds' })]);
    }
    expect(errorsOf(weather('split.k-fold', { target: 'weather', folds: 1 }))[0].message).toContain('at least 2');
    expect(errorsOf(weather('split.k-fold', { target: 'weather', folds: 21 }))[0].message).toContain('at most 20');
    expect(errorsOf(weather('split.k-fold', { target: 'sky' }))).toEqual([
      { code: 'unknown-column', nodeId: 'split', field: 'target', message: 'Target column "sky" is not in the table.' },
    ]);
    const ok = compile(weather('split.k-fold', { target: 'weather', folds: 10 }), nodeKinds, env);
    expect(ok.errors).toEqual([]);
    expect(ok.ports.split.outputs.folds).toMatchObject({ type: 'Folds', table: { target: 'weather', task: 'classification' } });
  });

  it('Folds do not fit a Split input: compile refuses the wire with the plain reason', () => {
    const g = weather('split.k-fold', { target: 'temp_max' });
    g.nodes.push(node('model', 'model.linear-regression'), node('train', 'train.train'));
    g.edges.push(edge('split', 'folds', 'train', 'split'), edge('model', 'model', 'train', 'model'));
    // The refused wire leaves the input unconnected, which compile also says.
    const errors = errorsOf(g).filter((e) => e.code === 'wrong-port-type');
    expect(errors).toEqual([expect.objectContaining({ nodeId: 'train', field: 'split' })]);
    expect(errors[0].message).toBe(
      'Data: This input expects data split into train / validation / test rows (Split), but that output gives data cut into k folds for cross-validation (each fold takes a turn as the test rows) (Folds).',
    );
    expect(canConnect('Folds', 'Split').ok).toBe(false);
    expect(canConnect('Split', 'Folds').ok).toBe(false);
    expect(canConnect('Folds', 'Folds').ok).toBe(true);
  });
});
