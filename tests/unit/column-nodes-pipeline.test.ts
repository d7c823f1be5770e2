/**
 * The new cleaning and feature nodes in a graph (kinds added to the registry here, as nodes/index.ts
 * will): compile carries each node's column schema to the next, names the node and field of a
 * mistake, and running the nodes through a split gives the model the columns compile promised.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitEncoder } from '../../runtime/training/encoding';
import type { GraphEdge, GraphFile, GraphNode } from '../../lib/graph';
import { applyRecipe } from '../../runtime/recipe';
import { tableRows, type Table } from '../../lib/table';
import { nodeKinds } from '../../nodes';
import type { SplitArtifact, TableArtifact } from '../../runtime/artifacts';
import { changeType } from '../../nodes/cleaning/change-type';
import { outliers } from '../../nodes/cleaning/outliers';
import { renameColumns } from '../../nodes/cleaning/rename-columns';
import { textCleanup } from '../../nodes/cleaning/text-cleanup';
import type { CompileEnv, NodeDefinition } from '../../nodes/define';
import { bucketize } from '../../nodes/features/bucketize';
import { dateParts } from '../../nodes/features/date-parts';
import { ordinalEncode } from '../../nodes/features/ordinal-encode';
import { compileEnv } from '../../runtime/ingest/samples';
import { compile } from '../../server/engine/compile';
import { testContext } from '../support/run-context';

const root = path.resolve(import.meta.dirname, '../..');
const NEW_KINDS = [changeType, renameColumns, outliers, textCleanup, ordinalEncode, bucketize, dateParts] as unknown as NodeDefinition[];
const kinds = new Map([...nodeKinds, ...NEW_KINDS.map((k) => [k.type, k] as const)]);
let env: CompileEnv;

beforeAll(() => {
  process.env.PIPELOOM_SAMPLES_DIR ??= path.join(root, 'samples', 'datasets');
  env = compileEnv();
});

/** A chain: sample dataset → each node in turn → split (target "weather"). */
function chain(steps: [type: string, params: Record<string, unknown>][]): GraphFile {
  const nodes: GraphNode[] = [
    { id: 'data', type: 'dataset.sample', typeVersion: 1, params: { dataset: 'seattle_weather' }, position: { x: 0, y: 0 } },
    ...steps.map(([type, params], i): GraphNode => ({ id: `n${i}`, type, typeVersion: 1, params, position: { x: 0, y: 0 } })),
    { id: 'split', type: 'split.train-test', typeVersion: 1, params: { target: 'weather' }, position: { x: 0, y: 0 } },
  ];
  const edges = nodes.slice(1).map((n, i): GraphEdge => ({ id: `e${i}`, source: nodes[i].id, sourceHandle: 'table', target: n.id, targetHandle: 'table' }));
  return { version: 1, name: 'columns', nodes, edges };
}

const STEPS: [string, Record<string, unknown>][] = [
  ['cleaning.rename-columns', { renames: 'temp_max: high, temp_min: low' }],
  ['cleaning.text-cleanup', { columns: ['weather'] }],
  ['cleaning.outliers', { columns: ['wind'], action: 'drop' }],
  ['cleaning.outliers', { columns: ['precipitation', 'high'], method: 'z-score' }],
  ['features.date-parts', { column: 'date' }],
  ['features.bucketize', { columns: ['precipitation'], bins: 3 }],
  ['features.ordinal-encode', { columns: ['precipitation'] }],
  ['features.bucketize', { columns: ['low'], method: 'equal-width' }],
];

describe('the new nodes in a graph', () => {
  it('compile: each node sees the schema the one before it made', () => {
    const result = compile(chain(STEPS), kinds, env);
    expect(result.errors).toEqual([]);
    const split = result.ports.split.outputs.split?.table;
    expect(split?.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'date_year:number',
      'date_month:number',
      'date_day:number',
      'date_weekday:number',
      'precipitation:number',
      'high:number',
      'low:category',
      'wind:number',
      'weather:category',
    ]);
    expect(split).toMatchObject({ target: 'weather', task: 'classification' });
  });

  it('compile: a node naming a column an earlier node renamed, changed or replaced is an error on that node and field', () => {
    const errors = (steps: [string, Record<string, unknown>][]) =>
      compile(chain(steps), kinds, env).errors.map((e) => ({ nodeId: e.nodeId, field: e.field, code: e.code }));
    expect(errors([STEPS[0], ['features.bucketize', { columns: ['temp_max'] }]])).toEqual([{ nodeId: 'n1', field: 'columns', code: 'unknown-column' }]);
    expect(errors([['features.date-parts', { column: 'date' }], ['cleaning.change-type', { columns: ['date'], to: 'text' }]])).toEqual([
      { nodeId: 'n1', field: 'columns', code: 'unknown-column' },
    ]);
    expect(errors([['features.bucketize', { columns: ['wind'] }], ['cleaning.outliers', { columns: ['wind'] }]])).toEqual([{ nodeId: 'n1', field: 'columns', code: 'config' }]);
    expect(errors([['cleaning.change-type', { columns: ['wind'], to: 'category' }], ['cleaning.text-cleanup', { columns: ['wind'] }]])).toEqual([]);
    expect(errors([['cleaning.change-type', { columns: ['wind'], to: 'date' }]])).toEqual([{ nodeId: 'n0', field: 'to', code: 'config' }]);
    expect(errors([['cleaning.outliers', { iqrFactor: -1 }]])).toEqual([{ nodeId: 'n0', field: 'iqrFactor', code: 'invalid-param' }]);
  });

  it('run: the split hands the model exactly the columns compile promised; serving takes the raw columns', async () => {
    const { loadSample } = await import('../../runtime/ingest/samples');
    let artifact: TableArtifact = { table: loadSample('seattle_weather').table, recipe: [] };
    const logs: string[] = [];
    for (const [type, params] of STEPS) {
      const kind = kinds.get(type)!;
      artifact = (await kind.run({ inputs: { table: artifact }, params: kind.params.parse(params), ctx: testContext(logs) })).table as TableArtifact;
    }
    expect(logs.some((l) => /^Dropped \d+ of 1461 rows with outliers/.test(l))).toBe(true);
    const splitKind = kinds.get('split.train-test')!;
    const { split } = (await splitKind.run({ inputs: { table: artifact }, params: splitKind.params.parse({ target: 'weather' }), ctx: testContext() })) as { split: SplitArtifact };
    const train = applyRecipe(split.recipe, split.train);
    const promised = compile(chain(STEPS), kinds, env).ports.split.outputs.split?.table?.columns.map((c) => `${c.name}:${c.type}`);
    expect(train.columns.map((c) => `${c.name}:${c.type}`)).toEqual(promised);
    // The model's encoder takes these columns as they are.
    const encoder = fitEncoder(train, train.columns.filter((c) => c.name !== 'weather').map((c) => c.name));
    expect(encoder.features.map((f) => f.type)).toEqual(['number', 'number', 'number', 'number', 'number', 'number', 'category', 'number']);
    // A request holds the raw columns (a date, the precipitation as a number) and gets the same treatment.
    const request: Table = {
      rowCount: 1,
      columns: split.train.columns
        .filter((c) => c.name !== 'weather')
        .map((c) => ('values' in c ? { ...c, values: new Float64Array([c.name === 'date' ? Date.UTC(2016, 6, 4) : c.name === 'precipitation' ? 500 : 10]) } : c)),
    };
    const served = tableRows(applyRecipe(split.recipe, request))[0];
    expect(served).toMatchObject({ date_year: 2016, date_month: 7, date_day: 4, date_weekday: 1 });
    // 500 mm is clipped, then falls in the top precipitation group: the last code.
    const state = split.recipe.find((s) => s.kind === 'ordinal-encode')!.state as { columns: { vocabulary: string[] }[] };
    expect(served.precipitation).toBe(state.columns[0].vocabulary.length - 1);
  });
});
