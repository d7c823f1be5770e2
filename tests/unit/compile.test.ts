import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphEdge, GraphFile, GraphNode } from '../../lib/graph';
import { parseGraph } from '../../lib/graph';
import { nodeKinds } from '../../nodes';
import type { CompileEnv } from '../../nodes/define';
import { compileEnv } from '../../runtime/ingest/samples';
import { compile, type CompileErrorCode, type CompileResult } from '../../server/engine/compile';

const root = path.resolve(import.meta.dirname, '../..');
let env: CompileEnv;

beforeAll(() => {
  process.env.PIPELOOM_SAMPLES_DIR ??= path.join(root, 'samples', 'datasets');
  env = compileEnv();
});

function node(id: string, type: string, params: Record<string, unknown> = {}, typeVersion = 1): GraphNode {
  return { id, type, typeVersion, params, position: { x: 0, y: 0 } };
}

function edge(source: string, sourceHandle: string, target: string, targetHandle: string, id = `${source}.${sourceHandle}->${target}.${targetHandle}`): GraphEdge {
  return { id, source, sourceHandle, target, targetHandle };
}

function graph(nodes: GraphNode[], edges: GraphEdge[] = []): GraphFile {
  return { version: 1, name: 'test', nodes, edges };
}

function iris(): GraphFile {
  const parsed = parseGraph(JSON.parse(readFileSync(path.join(root, 'examples', 'iris-classifier.json'), 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.graph;
}

/** The iris example with one node's params changed (a deep copy: the original is untouched). */
function withParams(g: GraphFile, nodeId: string, params: Record<string, unknown>): GraphFile {
  const copy = structuredClone(g);
  const target = copy.nodes.find((n) => n.id === nodeId)!;
  target.params = { ...target.params, ...params };
  return copy;
}

const keysOf = (result: CompileResult) => Object.fromEntries(result.plan.map((s) => [s.nodeId, s.cacheKey]));

function expectOnlyError(result: CompileResult, code: CompileErrorCode) {
  expect(result.ok).toBe(false);
  expect(result.plan).toEqual([]);
  expect(result.errors.map((e) => e.code)).toContain(code);
  return result.errors.filter((e) => e.code === code);
}

describe('compile errors', () => {
  it('empty-graph', () => {
    const result = compile(graph([]), nodeKinds, env);
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].code).toBe('empty-graph');
  });

  it('unknown-type', () => {
    const [error] = expectOnlyError(compile(graph([node('x', 'dataset.nope')]), nodeKinds, env), 'unknown-type');
    expect(error.nodeId).toBe('x');
    expect(error.message).toContain('dataset.nope');
  });

  it('unsupported-version', () => {
    const [error] = expectOnlyError(compile(graph([node('data', 'dataset.sample', {}, 7)]), nodeKinds, env), 'unsupported-version');
    expect(error.nodeId).toBe('data');
    expect(error.message).toContain('version 7');
  });

  it('invalid-param: NaN learning rate names the field', () => {
    const result = compile(withParams(iris(), 'train', { learningRate: Number.NaN }), nodeKinds, env);
    const errors = expectOnlyError(result, 'invalid-param');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ nodeId: 'train', field: 'learningRate' });
  });

  it('invalid-param: negative learning rate names the field', () => {
    const result = compile(withParams(iris(), 'train', { learningRate: -0.1 }), nodeKinds, env);
    const [error] = expectOnlyError(result, 'invalid-param');
    expect(error).toMatchObject({ nodeId: 'train', field: 'learningRate' });
    expect(error.message).toContain('0 (automatic) or more');
  });

  it('invalid-param: a nested path is joined with dots', () => {
    const result = compile(graph([node('d', 'dataset.sample'), node('s', 'features.standardize', { columns: ['ok', 5] })], [edge('d', 'table', 's', 'table')]), nodeKinds, env);
    const [error] = expectOnlyError(result, 'invalid-param');
    expect(error).toMatchObject({ nodeId: 's', field: 'columns.1' });
  });

  it('unknown-port: a handle the node does not have', () => {
    const g = iris();
    g.edges[0] = { ...g.edges[0], sourceHandle: 'rows' };
    const [error] = expectOnlyError(compile(g, nodeKinds, env), 'unknown-port');
    expect(error).toMatchObject({ nodeId: 'data', edgeId: 'e1' });
    expect(error.message).toContain('"rows"');
  });

  it('unknown-port: a connection to a node that does not exist', () => {
    const g = iris();
    g.edges.push(edge('ghost', 'table', 'split', 'table', 'e9'));
    const [error] = expectOnlyError(compile(g, nodeKinds, env), 'unknown-port');
    expect(error.edgeId).toBe('e9');
    expect(error.message).toContain('ghost');
  });

  it('wrong-port-type', () => {
    const g = graph(
      [node('data', 'dataset.sample'), node('split', 'split.train-test', { target: 'species' }), node('train', 'train.train')],
      [edge('data', 'table', 'split', 'table'), edge('split', 'split', 'train', 'split'), edge('data', 'table', 'train', 'model', 'bad')],
    );
    const [error] = expectOnlyError(compile(g, nodeKinds, env), 'wrong-port-type');
    expect(error).toMatchObject({ nodeId: 'train', edgeId: 'bad', field: 'model' });
    expect(error.message).toMatch(/Model.*Table/);
  });

  it('duplicate-input', () => {
    const g = graph(
      [node('a', 'dataset.sample'), node('b', 'dataset.sample', { dataset: 'wine' }), node('std', 'features.standardize')],
      [edge('a', 'table', 'std', 'table', 'first'), edge('b', 'table', 'std', 'table', 'second')],
    );
    const [error] = expectOnlyError(compile(g, nodeKinds, env), 'duplicate-input');
    expect(error).toMatchObject({ nodeId: 'std', edgeId: 'second', field: 'table' });
  });

  it('missing-input', () => {
    const g = iris();
    g.edges = g.edges.filter((e) => e.id !== 'e3'); // model -> train
    const errors = expectOnlyError(compile(g, nodeKinds, env), 'missing-input');
    expect(errors).toEqual([expect.objectContaining({ nodeId: 'train', field: 'model' })]);
  });

  it('cycle', () => {
    const g = graph(
      [node('data', 'dataset.sample'), node('a', 'features.standardize'), node('b', 'features.standardize'), node('c', 'features.standardize')],
      [edge('data', 'table', 'c', 'table'), edge('a', 'table', 'b', 'table'), edge('b', 'table', 'a', 'table')],
    );
    const result = compile(g, nodeKinds, env);
    const errors = expectOnlyError(result, 'cycle');
    expect(errors.map((e) => e.nodeId).sort()).toEqual(['a', 'b']);
    // Nodes off the loop are not blamed for it.
    expect(result.errors.filter((e) => e.nodeId === 'c' || e.nodeId === 'data')).toEqual([]);
  });

  it('unknown-column: split target not in the table', () => {
    const [error] = expectOnlyError(compile(withParams(iris(), 'split', { target: 'petal_colour' }), nodeKinds, env), 'unknown-column');
    expect(error).toMatchObject({ nodeId: 'split', field: 'target' });
    expect(error.message).toContain('petal_colour');
  });

  it('config: logistic regression on a regression target', () => {
    const g = withParams(withParams(iris(), 'data', { dataset: 'diabetes' }), 'split', { target: 'disease_progression' });
    const result = compile(g, nodeKinds, env);
    const [error] = expectOnlyError(result, 'config');
    expect(error.nodeId).toBe('train');
    expect(error.message).toContain('regression');
    // The split itself is fine and its port knows the task.
    expect(result.ports.split.outputs.split?.table?.task).toBe('regression');
  });

  it('only the broken node is blamed; downstream nodes wait silently', () => {
    const result = compile(withParams(iris(), 'split', { target: 'nope' }), nodeKinds, env);
    expect(result.errors.map((e) => e.nodeId)).toEqual(['split']);
  });
});

describe('compile plan', () => {
  it('a valid iris graph compiles to a plan in dependency order', () => {
    const g = iris();
    const result = compile(g, nodeKinds, env);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.plan.map((s) => s.nodeId).sort()).toEqual(g.nodes.map((n) => n.id).sort());
    const position = new Map(result.plan.map((s, i) => [s.nodeId, i]));
    for (const e of g.edges) expect(position.get(e.source)!).toBeLessThan(position.get(e.target)!);
    const train = result.plan.find((s) => s.nodeId === 'train')!;
    expect(train.inputs).toEqual({ split: { nodeId: 'split', port: 'split' }, model: { nodeId: 'model', port: 'model' } });
    // Defaults are filled in, given params kept.
    expect(train.params).toMatchObject({ epochs: 60, learningRate: 0.05, batchSize: 32, optimizer: 'adam' });
    expect(result.plan.find((s) => s.nodeId === 'deploy')!.sideEffect).toBe(true);
    expect(result.plan.find((s) => s.nodeId === 'train')!.sideEffect).toBe(false);
    expect(result.ports.split.outputs.split?.table).toMatchObject({ target: 'species', task: 'classification' });
  });

  it('cache keys are stable across compiles (and independent of key order in params)', () => {
    const a = keysOf(compile(iris(), nodeKinds, env));
    const b = keysOf(compile(iris(), nodeKinds, env));
    expect(a).toEqual(b);
    expect(new Set(Object.values(a)).size).toBe(6);
    const reordered = iris();
    const train = reordered.nodes.find((n) => n.id === 'train')!;
    train.params = { learningRate: 0.05, epochs: 60 };
    expect(keysOf(compile(reordered, nodeKinds, env))).toEqual(a);
  });

  it('spelling out a default does not change the key', () => {
    const a = keysOf(compile(iris(), nodeKinds, env));
    const b = keysOf(compile(withParams(iris(), 'train', { batchSize: 32 }), nodeKinds, env));
    expect(b).toEqual(a);
  });

  it('a param change re-keys the node and everything downstream, nothing else', () => {
    const before = keysOf(compile(iris(), nodeKinds, env));
    const after = keysOf(compile(withParams(iris(), 'train', { learningRate: 0.01 }), nodeKinds, env));
    for (const id of ['train', 'evaluate', 'deploy']) expect(after[id], id).not.toBe(before[id]);
    for (const id of ['data', 'split', 'model']) expect(after[id], id).toBe(before[id]);
  });

  it('a split param change re-keys split, train, evaluate and deploy but not data or model', () => {
    const before = keysOf(compile(iris(), nodeKinds, env));
    const after = keysOf(compile(withParams(iris(), 'split', { seed: 7 }), nodeKinds, env));
    for (const id of ['split', 'train', 'evaluate', 'deploy']) expect(after[id], id).not.toBe(before[id]);
    for (const id of ['data', 'model']) expect(after[id], id).toBe(before[id]);
  });

  it('a new dataset content hash re-keys the dataset and its descendants', () => {
    const before = keysOf(compile(iris(), nodeKinds, env));
    const changed: CompileEnv = { dataset: (id) => (id === 'iris' ? { ...env.dataset('iris')!, contentHash: 'f'.repeat(64) } : env.dataset(id)) };
    const after = keysOf(compile(iris(), nodeKinds, changed));
    for (const id of ['data', 'split', 'train', 'evaluate', 'deploy']) expect(after[id], id).not.toBe(before[id]);
    expect(after.model).toBe(before.model);
  });

  it('upTo plans only the node and its ancestors', () => {
    const full = compile(iris(), nodeKinds, env);
    const result = compile(iris(), nodeKinds, env, { upTo: 'train' });
    expect(result.ok).toBe(true);
    expect(result.plan.map((s) => s.nodeId).sort()).toEqual(['data', 'model', 'split', 'train']);
    // Same keys as in the full plan, so a later full run reuses them.
    for (const step of result.plan) expect(step.cacheKey).toBe(keysOf(full)[step.nodeId]);
    expect(compile(iris(), nodeKinds, env, { upTo: 'split' }).plan.map((s) => s.nodeId)).toEqual(['data', 'split']);
  });

  it('upTo is not blocked by errors in unrelated nodes', () => {
    const g = withParams(iris(), 'deploy', { modelName: 'Not A Valid Name!' });
    const full = compile(g, nodeKinds, env);
    expect(full.ok).toBe(false);
    expect(full.errors).toEqual([expect.objectContaining({ code: 'invalid-param', nodeId: 'deploy', field: 'modelName' })]);
    const partial = compile(g, nodeKinds, env, { upTo: 'evaluate' });
    expect(partial.ok).toBe(true);
    expect(partial.plan.map((s) => s.nodeId)).not.toContain('deploy');
    expect(partial.plan.at(-1)!.nodeId).toBe('evaluate');
  });

  it('upTo still reports errors in an ancestor', () => {
    const g = withParams(iris(), 'split', { target: 'nope' });
    const result = compile(g, nodeKinds, env, { upTo: 'train' });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'unknown-column', nodeId: 'split' })]);
  });

  it('upTo a node that does not exist is an error, not a throw', () => {
    const result = compile(iris(), nodeKinds, env, { upTo: 'nowhere' });
    expect(result.ok).toBe(false);
    expect(result.errors[0].code).toBe('unknown-node');
    expect(result.errors[0].message).toContain('nowhere');
  });
});

describe('stateful steps after a split', () => {
  /** Iris with Standardize placed between the split and Train/Evaluate. */
  function standardizedAfterSplit(stepType = 'features.standardize', params: Record<string, unknown> = {}): GraphFile {
    const g = iris();
    g.nodes.push(node('std', stepType, params));
    g.edges = g.edges.filter((e) => e.id !== 'e2' && e.id !== 'e5');
    g.edges.push(edge('split', 'split', 'std', 'table'), edge('std', 'table', 'train', 'split'), edge('std', 'table', 'evaluate', 'split'));
    return g;
  }

  it('a Split through Standardize stays a Split: Train and Evaluate take it', () => {
    const result = compile(standardizedAfterSplit(), nodeKinds, env);
    expect(result.errors).toEqual([]);
    expect(result.ports.std.outputs.table).toMatchObject({ type: 'Split', table: { target: 'species', task: 'classification' } });
    expect(result.plan.map((s) => s.nodeId)).toEqual(expect.arrayContaining(['std', 'train', 'evaluate']));
  });

  it('a Table through Standardize stays a Table: Train refuses it, naming both types', () => {
    const g = iris();
    g.nodes.push(node('std', 'features.standardize'));
    g.edges = g.edges.filter((e) => e.id !== 'e1' && e.id !== 'e2');
    g.edges.push(edge('data', 'table', 'std', 'table'), edge('std', 'table', 'split', 'table'), edge('std', 'table', 'train', 'split', 'bad'));
    const [error] = expectOnlyError(compile(g, nodeKinds, env), 'wrong-port-type');
    expect(error).toMatchObject({ nodeId: 'train', edgeId: 'bad' });
    expect(error.message).toMatch(/expects .*\(Split\), but that output gives .*\(Table\)/);
  });

  it('the Split type passes through a chain of steps', () => {
    const g = standardizedAfterSplit();
    g.nodes.push(node('minmax', 'features.min-max-scale'));
    g.edges = g.edges.filter((e) => e.source !== 'std');
    g.edges.push(edge('std', 'table', 'minmax', 'table'), edge('minmax', 'table', 'train', 'split'), edge('minmax', 'table', 'evaluate', 'split'));
    const result = compile(g, nodeKinds, env);
    expect(result.errors).toEqual([]);
    expect(result.ports.minmax.outputs.table?.type).toBe('Split');
  });

  it('a row-dropping step after a split is a problem on its field', () => {
    const result = compile(standardizedAfterSplit('cleaning.missing-values', { strategy: 'drop-rows' }), nodeKinds, env);
    expect(result.errors).toEqual([expect.objectContaining({ nodeId: 'std', field: 'strategy', message: expect.stringContaining('before the Split') })]);
  });

  it('after the split, an empty column choice means every numeric column but the target', () => {
    const result = compile(standardizedAfterSplit('features.pca', { components: 2 }), nodeKinds, env);
    expect(result.errors).toEqual([]);
    expect(result.ports.std.outputs.table?.table?.columns.map((c) => c.name)).toEqual(['pc_1', 'pc_2', 'species']);
  });
});

describe('graph file edge cases', () => {
  it('refuses "__proto__" as a node or edge id (it would change the objects compile keys by id)', async () => {
    const { parseGraph } = await import('../../lib/graph');
    const parsed = parseGraph({ version: 1, name: 'g', nodes: [{ id: '__proto__', type: 'dataset.sample', typeVersion: 1, params: {}, position: { x: 0, y: 0 } }], edges: [] });
    expect(parsed).toEqual({ ok: false, problems: ['nodes.0.id: this name is reserved'] });
  });

  it('the CLI reads a graph file that starts with a UTF-8 byte-order mark', async () => {
    const { checkGraphText } = await import('../../cli/graph-file');
    const text = `\uFEFF${JSON.stringify({ version: 1, name: 'g', nodes: [], edges: [] })}`;
    // Empty, so it does not compile, but it is read as a graph (no "not valid JSON").
    expect(checkGraphText(text, 'g.json')).toMatchObject({ ok: false, errors: [{ code: 'empty-graph' }] });
  });
});
