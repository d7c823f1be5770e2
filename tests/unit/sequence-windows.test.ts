import { describe, expect, it } from 'vitest';
import { canConnect } from '../../lib/ports';
import { createRng } from '../../lib/rng';
import { aheadColumnName, lagColumnName, lagGroups, parseAheadColumn, persistenceColumn, tokenColumns } from '../../runtime/sequence';
import { tableRows, type Table, type TableSchema } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import type { CompileEnv } from '../../nodes/define';
import { sequenceWindows, windowRows, type WindowOptions } from '../../nodes/features/sequence-windows';
import { testContext } from '../support/run-context';
import { sampleChain } from '../support/sample-chain';

const env: CompileEnv = { dataset: () => undefined };
const DAY = 86_400_000;

/** A 10-row series, rows shuffled: day 1..10, v = 10 × day, a category, and the day as a date. */
function series(): Table {
  const days = [3, 1, 10, 7, 2, 9, 4, 6, 8, 5];
  return {
    rowCount: 10,
    columns: [
      { name: 'day', type: 'number', values: Float64Array.from(days) },
      { name: 'when', type: 'date', values: Float64Array.from(days, (d) => Date.UTC(2024, 0, d)) },
      { name: 'v', type: 'number', values: Float64Array.from(days, (d) => 10 * d) },
      { name: 'sky', type: 'category', codes: Int32Array.from(days, (d) => d % 2), categories: ['cloudy', 'sunny'] },
    ],
  };
}

const options = (o: Partial<WindowOptions> = {}): WindowOptions => ({ orderColumn: 'day', columns: [], target: 'v', window: 3, horizon: 1, ...o });

describe('naming helpers', () => {
  it('lag and ahead names, lag groups oldest → newest, the persistence column', () => {
    expect(lagColumnName('temp', 0)).toBe('temp_lag0');
    expect(aheadColumnName('temp', 2)).toBe('temp_ahead2');
    expect(parseAheadColumn('temp_max_ahead12')).toEqual({ base: 'temp_max', horizon: 12 });
    expect(parseAheadColumn('temp_max')).toBeUndefined();
    expect(persistenceColumn('temp_max_ahead1')).toBe('temp_max_lag0');
    expect(persistenceColumn('temp_max')).toBe('temp_max_lag0');
    const columns = ['a_lag0', 'day', 'a_lag2', 'b_lag1', 'a_lag1', 'b_lag0', 'c_lag0', 'c_lag2', 'b_ahead1'].map((name) => ({ name }));
    // c has a gap (no c_lag1): not a window.
    expect(lagGroups(columns)).toEqual([
      { base: 'a', columns: ['a_lag2', 'a_lag1', 'a_lag0'], window: 3 },
      { base: 'b', columns: ['b_lag1', 'b_lag0'], window: 2 },
    ]);
    // Lags keep their column's type; word ids must be numbers and complete.
    expect(lagGroups([{ name: 'sky_lag0', type: 'category' }])).toEqual([{ base: 'sky', columns: ['sky_lag0'], window: 1 }]);
    expect(tokenColumns(['t_tok_1', 't_tok_3', 'u_tok_2', 'u_tok_1', 'w_tok_1'].map((name) => ({ name, type: name === 'w_tok_1' ? 'text' : 'number' })))).toEqual([
      { base: 'u', columns: ['u_tok_1', 'u_tok_2'], length: 2 },
    ]);
  });
});

describe('windowRows', () => {
  it('a 10-row series, window 3, one step ahead: 7 rows in time order, lags oldest first, target last', () => {
    const logs: string[] = [];
    const out = windowRows(series(), options(), testContext(logs));
    expect(out.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'day:number',
      'when:date',
      'v_lag2:number',
      'v_lag1:number',
      'v_lag0:number',
      'sky:category',
      'v_ahead1:number',
    ]);
    const rows = tableRows(out);
    expect(rows.map((r) => r.day)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(rows[0]).toEqual({ day: 3, when: '2024-01-03', v_lag2: 10, v_lag1: 20, v_lag0: 30, sky: 'sunny', v_ahead1: 40 });
    expect(rows[6]).toMatchObject({ v_lag2: 70, v_lag1: 80, v_lag0: 90, v_ahead1: 100 });
    expect(logs).toEqual([
      'Made 7 windows of 3 rows for 1 column, forecasting "v" 1 step ahead. Dropped the first 2 rows in time order (no full window), the last 1 (nothing ahead to forecast).',
    ]);
  });

  it('windows several columns (a category too), forecasts further ahead, orders by a date, drops rows whose future value is missing', () => {
    const table = series();
    const v = table.columns[2] as { values: Float64Array };
    v.values[3] = NaN; // day 7's v is missing
    const logs: string[] = [];
    const out = windowRows(table, options({ orderColumn: 'when', columns: ['day', 'sky'], window: 2, horizon: 2 }), testContext(logs));
    expect(out.columns.map((c) => c.name)).toEqual(['day_lag1', 'day_lag0', 'when', 'v_lag1', 'v_lag0', 'sky_lag1', 'sky_lag0', 'v_ahead2']);
    const rows = tableRows(out);
    // Positions 1..7 have a window of 2 and a row 2 ahead; day 5's value 2 ahead (day 7) is missing.
    expect(rows.map((r) => r.day_lag0)).toEqual([2, 3, 4, 6, 7, 8]);
    expect(rows[3]).toEqual({ day_lag1: 5, day_lag0: 6, when: '2024-01-06', v_lag1: 50, v_lag0: 60, sky_lag1: 'sunny', sky_lag0: 'cloudy', v_ahead2: 80 });
    // The missing value stays a (missing) lag feature.
    expect(rows[4]).toMatchObject({ v_lag0: null, v_ahead2: 90 });
    expect(logs[0]).toMatch(/Dropped the first 1 rows in time order \(no full window\), the last 2 \(nothing ahead to forecast\) and 1 whose "v" 2 steps ahead is missing\.$/);
  });

  it('past-only: changing any value at a later time never changes an earlier row’s features', () => {
    const rng = createRng(11);
    const n = 10;
    const random = (): Table => ({
      rowCount: n,
      columns: [
        { name: 't', type: 'number', values: Float64Array.from({ length: n }, (_, i) => i) },
        { name: 'a', type: 'number', values: Float64Array.from({ length: n }, () => Math.round(rng() * 100)) },
        { name: 'b', type: 'number', values: Float64Array.from({ length: n }, () => rng()) },
        { name: 'c', type: 'category', codes: Int32Array.from({ length: n }, () => Math.floor(rng() * 3)), categories: ['x', 'y', 'z'] },
      ],
    });
    const opts = options({ orderColumn: 't', target: 'a', columns: ['a', 'b', 'c'], window: 4, horizon: 2 });
    const features = (table: Table) =>
      new Map(tableRows(windowRows(table, opts, testContext())).map(({ a_ahead2: _label, ...features }) => [features.t, features]));
    for (let trial = 0; trial < 20; trial++) {
      const base = random();
      const before = features(base);
      expect(before.size).toBe(n - 3 - 2);
      for (let t = 0; t < n; t++) {
        // Every value of every row after time t changes (the time itself stays).
        const changed: Table = {
          rowCount: n,
          columns: base.columns.map((c) => {
            if (c.name === 't') return c;
            if ('values' in c) return { ...c, values: c.values.map((v, r) => (r > t ? v + 1 + Math.round(rng() * 50) : v)) };
            return { ...c, codes: c.codes.map((code, r) => (r > t ? (code + 1) % 3 : code)) };
          }),
        };
        const after = features(changed);
        for (const [time, row] of before) if ((time as number) <= t) expect(after.get(time), `row t=${time}, changed after ${t}`).toEqual(row);
        // (The label of row t, "a" two steps later, does change: it is the future by design.)
      }
    }
  });

  it('keeps the row order without a time column; refuses two rows at one time and too few rows', () => {
    const rows = tableRows(windowRows(series(), options({ orderColumn: '', window: 2 }), testContext()));
    expect(rows.map((r) => [r.v_lag1, r.v_lag0, r.v_ahead1])).toEqual([
      [30, 10, 100],
      [10, 100, 70],
      [100, 70, 20],
      [70, 20, 90],
      [20, 90, 40],
      [90, 40, 60],
      [40, 60, 80],
      [60, 80, 50],
    ]);
    const twice = series();
    (twice.columns[1] as { values: Float64Array }).values[1] = Date.UTC(2024, 0, 3);
    expect(() => windowRows(twice, options({ orderColumn: 'when' }), testContext())).toThrow(
      'Sequence windows needs one row per time, but several rows share when = 2024-01-03. Remove duplicates, or keep one series (Filter rows), first.',
    );
    expect(() => windowRows(series(), options({ window: 8, horizon: 3 }), testContext())).toThrow(/10 rows are too few for a window of 8 and a forecast 3 steps ahead \(at least 11\)/);
    const undated = series();
    (undated.columns[1] as { values: Float64Array }).values[0] = NaN;
    const logs: string[] = [];
    expect(windowRows(undated, options({ orderColumn: 'when' }), testContext(logs)).rowCount).toBe(6);
    expect(logs[0]).toBe('Dropped 1 rows whose time "when" is missing.');
  });
});

describe('Sequence windows node', () => {
  const schema: TableSchema = {
    columns: [
      { name: 'date', type: 'date' },
      { name: 'rain', type: 'number', integer: false, distinct: 21 },
      { name: 'temp', type: 'number', integer: false, distinct: 21 },
      { name: 'weather', type: 'category', distinct: 5 },
      { name: 'note', type: 'text', distinct: 9 },
    ],
  };
  const configure = (p: Record<string, unknown>, s = schema) =>
    sequenceWindows.configure({ params: sequenceWindows.params.parse(p), inputs: { table: { type: 'Table', table: s } }, env });

  it('takes a Table only: it must come before the (time) split', () => {
    expect(canConnect('Split', sequenceWindows.inputs[0]).ok).toBe(false);
    expect(sequenceWindows.outputs[0]).toEqual({ name: 'table', type: 'Table', label: 'Table' });
    expect(sequenceWindows.params.parse({})).toEqual({ orderColumn: '', target: '', horizon: 1, window: 7, columns: [] });
  });

  it('compile: every number column windowed in place, the time column kept, the forecast target last', () => {
    const out = configure({ orderColumn: 'date', target: 'temp', window: 2 });
    expect(out.problems ?? []).toEqual([]);
    expect(out.outputs.table).toEqual({
      type: 'Table',
      table: {
        columns: [
          { name: 'date', type: 'date' },
          { name: 'rain_lag1', type: 'number', integer: false, distinct: 21 },
          { name: 'rain_lag0', type: 'number', integer: false, distinct: 21 },
          { name: 'temp_lag1', type: 'number', integer: false, distinct: 21 },
          { name: 'temp_lag0', type: 'number', integer: false, distinct: 21 },
          { name: 'weather', type: 'category', distinct: 5 },
          { name: 'note', type: 'text', distinct: 9 },
          { name: 'temp_ahead1', type: 'number', integer: false, distinct: 21 },
        ],
      },
    });
    // A category can be forecast (tomorrow's weather): its own past is windowed too.
    const names = configure({ orderColumn: 'date', target: 'weather', columns: ['rain'], window: 1, horizon: 3 }).outputs.table?.table?.columns.map((c) => c.name);
    expect(names).toEqual(['date', 'rain_lag0', 'temp', 'weather_lag0', 'note', 'weather_ahead3']);
  });

  it('compile: problems name the field', () => {
    const problems = (p: Record<string, unknown>, s = schema) => configure(p, s).problems?.map((x) => [x.field, x.message]);
    expect(problems({})).toEqual([['target', 'Choose the column to forecast.']]);
    expect(problems({ target: 'note' })).toEqual([['target', 'Column "note" holds free text, not numbers or yes/no values or categories. Forecast a number, a category or a yes/no column.']]);
    expect(problems({ target: 'temp', orderColumn: 'weather' })).toEqual([['orderColumn', 'Column "weather" holds categories, not dates or numbers.']]);
    expect(problems({ target: 'temp', orderColumn: 'temp' })).toEqual([['orderColumn', '"temp" is the column to forecast: order the rows by a time column.']]);
    expect(problems({ target: 'temp', orderColumn: 'rain', columns: ['rain'] })).toEqual([
      ['columns', '"rain" is the time column: it stays as it is (the Time split orders by it), so leave it out of the windowed columns.'],
    ]);
    expect(problems({ target: 'temp', columns: ['date', 'gone'] })).toEqual([
      ['columns', 'Column "date" holds dates, not numbers or yes/no values or categories. Only numbers, categories and yes/no values can be windowed.'],
      ['columns', 'Column "gone" is not in the table.'],
    ]);
    const taken = { columns: [...schema.columns, { name: 'temp_lag3', type: 'category' as const }] };
    expect(problems({ target: 'temp', orderColumn: 'date' }, taken)).toEqual([['columns', 'The table already has a column "temp_lag3", a name this step gives: rename it first.']]);
    expect(sequenceWindows.params.safeParse({ window: 0 }).success).toBe(false);
  });

  it('run: refuses to window a column an earlier step (applied at the split) names', async () => {
    const input: TableArtifact = { table: series(), recipe: [{ kind: 'standardize', params: { columns: ['v'] } }] };
    const run = sequenceWindows.run({ inputs: { table: input }, params: sequenceWindows.params.parse({ orderColumn: 'day', target: 'v' }), ctx: testContext() });
    await expect(run).rejects.toThrow('Sequence windows: column "v" is used by an earlier "standardize" step, which is applied at the split, after this node. Place Sequence windows before that step.');
  });
});

describe('Seattle weather: Sequence windows → Time split, compiled and run', () => {
  it('the time split orders by the kept date, predicts the _ahead column (the last), and gets the columns compile promised', async () => {
    const { promised, output } = await sampleChain('seattle_weather', [
      ['features.sequence-windows', { orderColumn: 'date', target: 'temp_max', window: 7 }],
      ['split.time-ordered', { orderColumn: 'date' }],
    ]);
    expect(promised?.table).toMatchObject({ target: 'temp_max_ahead1', task: 'regression' });
    const split = output as SplitArtifact;
    expect(split.train.rowCount + split.validation.rowCount + split.test.rowCount).toBe(1461 - 6 - 1);
    expect(split.train.columns.map((c) => `${c.name}:${c.type}`)).toEqual(promised?.table?.columns.map((c) => `${c.name}:${c.type}`));
    // Persistence ("tomorrow like today") reads temp_max_lag0; the window of each number column oldest → newest.
    expect(persistenceColumn(split.target)).toBe('temp_max_lag0');
    expect(lagGroups(split.train.columns).map((g) => [g.base, g.window, g.columns[0], g.columns[6]])).toEqual([
      ['precipitation', 7, 'precipitation_lag6', 'precipitation_lag0'],
      ['temp_max', 7, 'temp_max_lag6', 'temp_max_lag0'],
      ['temp_min', 7, 'temp_min_lag6', 'temp_min_lag0'],
      ['wind', 7, 'wind_lag6', 'wind_lag0'],
    ]);
    // Each row's target is the next day's temp_max: the next row's lag0.
    const rows = tableRows(split.train, 3);
    expect(rows[1].temp_max_lag0).toBe(rows[0].temp_max_ahead1);
    expect(Date.parse(rows[1].date as string) - Date.parse(rows[0].date as string)).toBe(DAY);
  });
});
