/** Graphs saved by an older version of a node kind: migrated when compiled or opened, so they keep working. */
import path from 'node:path';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile, GraphNode } from '../../lib/graph';
import { nodeKinds } from '../../nodes';
import { defineNode, upgradeGraph, upgradeNode, type CompileEnv } from '../../nodes/define';
import { compileEnv } from '../../runtime/ingest/samples';
import { compile } from '../../server/engine/compile';

const root = path.resolve(import.meta.dirname, '../..');
let env: CompileEnv;
beforeAll(() => {
  process.env.PIPELOOM_SAMPLES_DIR ??= path.join(root, 'samples', 'datasets');
  env = compileEnv();
});

const node = (id: string, type: string, params: Record<string, unknown>, typeVersion = 1): GraphNode => ({ id, type, typeVersion, params, position: { x: 0, y: 0 } });

/** A kind at version 3 that renamed "n" (v1) to "count" (v2) and then doubled it (v3). */
const counter = defineNode({
  type: 'test.counter',
  version: 3,
  category: 'cleaning',
  label: 'Counter',
  description: 'test',
  inputs: [],
  outputs: [],
  params: z.object({ count: z.number() }),
  migrate(params, fromVersion) {
    if (fromVersion === 1 && typeof params.n !== 'number') throw new Error('"n" should be a number.');
    const count = fromVersion === 1 ? (params.n as number) : (params.count as number);
    return { count: fromVersion < 3 ? count * 2 : count };
  },
  configure: () => ({ outputs: {} }),
  run: async () => ({}),
});

describe('upgradeNode', () => {
  it('leaves a current node alone and migrates an older one from any earlier version', () => {
    const current = { typeVersion: 3, params: { count: 5 } };
    expect(upgradeNode(counter, current)).toEqual({ ok: true, node: current });
    expect(upgradeNode(counter, { typeVersion: 1, params: { n: 5 } })).toEqual({ ok: true, node: { typeVersion: 3, params: { count: 10 } } });
    expect(upgradeNode(counter, { typeVersion: 2, params: { count: 5 } })).toEqual({ ok: true, node: { typeVersion: 3, params: { count: 10 } } });
  });

  it('says why it cannot: a newer version, no migration, or params the migration refuses', () => {
    expect(upgradeNode(counter, { typeVersion: 4, params: {} })).toEqual({ ok: false, message: expect.stringContaining('saved as version 4; this Pipeloom has version 3') });
    const { migrate: _none, ...noMigration } = counter;
    expect(upgradeNode({ ...noMigration, version: 3 }, { typeVersion: 1, params: {} })).toEqual({ ok: false, message: expect.stringContaining('no upgrade from it') });
    expect(upgradeNode(counter, { typeVersion: 1, params: { n: 'x' } })).toEqual({ ok: false, message: expect.stringContaining('could not be upgraded: "n" should be a number.') });
  });
});

describe('Filter rows saved with one condition (version 1)', () => {
  const v1Graph = (params: Record<string, unknown>): GraphFile => ({
    version: 1,
    name: 'old filter',
    nodes: [node('data', 'dataset.sample', { dataset: 'iris' }), node('filter', 'cleaning.filter-rows', params, 1)],
    edges: [{ id: 'e', source: 'data', sourceHandle: 'table', target: 'filter', targetHandle: 'table' }],
  });

  it('compiles as version 2 with that one condition, the same way as a graph saved as version 2', () => {
    const old = compile(v1Graph({ column: 'petal_length_cm', operator: 'greater', value: '4' }), nodeKinds, env);
    expect(old.errors).toEqual([]);
    const step = old.plan.find((s) => s.nodeId === 'filter')!;
    expect(step.typeVersion).toBe(2);
    expect(step.params).toEqual({ match: 'all', conditions: [{ column: 'petal_length_cm', operator: 'greater', value: '4', to: '' }] });
    const saved = compile(upgradeGraph(v1Graph({ column: 'petal_length_cm', operator: 'greater', value: '4' }), nodeKinds), nodeKinds, env);
    expect(saved.plan.map((s) => s.cacheKey)).toEqual(old.plan.map((s) => s.cacheKey));
  });

  it('opens migrated in the editor (upgradeGraph), and its old problems still name the condition', () => {
    const opened = upgradeGraph(v1Graph({ column: 'species', operator: 'is-missing' }), nodeKinds);
    expect(opened.nodes[1]).toMatchObject({ typeVersion: 2, params: { match: 'all', conditions: [{ column: 'species', operator: 'is-missing', value: '', to: '' }] } });
    // Unknown kinds and nodes already current stay as they were.
    expect(opened.nodes[0]).toEqual(v1Graph({}).nodes[0]);
    const result = compile(v1Graph({ column: 'sepal_width_cm', operator: 'less', value: 'wide' }), nodeKinds, env);
    expect(result.errors).toEqual([expect.objectContaining({ nodeId: 'filter', field: 'conditions.0.value', message: expect.stringContaining('"wide" is not a number') })]);
    // An empty v1 node (just dropped on the canvas) asks for its column, as before.
    expect(compile(v1Graph({}), nodeKinds, env).errors).toEqual([expect.objectContaining({ field: 'conditions.0.column' })]);
  });
});
