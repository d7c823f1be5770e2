import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGraph, type GraphFile } from '../../lib/graph';
import { nodeKinds } from '../../nodes';
import type { CompileEnv } from '../../nodes/define';
import { compileEnv } from '../../runtime/ingest/samples';
import { compile, type CompileResult, type PlanStep } from '../../server/engine/compile';
import { readySteps, type StepStatus } from '../../server/engine/scheduler';

const root = path.resolve(import.meta.dirname, '../..');
let env: CompileEnv;

beforeAll(() => {
  process.env.PIPELOOM_SAMPLES_DIR ??= path.join(root, 'samples', 'datasets');
  env = compileEnv();
});

/** examples/iris-tune-learning-rate.json: Train is train.tune-learning-rate with rates [0.001, 0.01, 0.1]. */
function tuneGraph(): GraphFile {
  const parsed = parseGraph(JSON.parse(readFileSync(path.join(root, 'examples', 'iris-tune-learning-rate.json'), 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.graph;
}

function withParams(graph: GraphFile, nodeId: string, params: Record<string, unknown>): GraphFile {
  const copy = structuredClone(graph);
  const target = copy.nodes.find((n) => n.id === nodeId)!;
  target.params = { ...target.params, ...params };
  return copy;
}

function compiled(graph: GraphFile): CompileResult {
  const result = compile(graph, nodeKinds, env);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

const keysOf = (result: CompileResult) => Object.fromEntries(result.plan.map((s) => [s.nodeId, s.cacheKey]));
const ids = (steps: PlanStep[]) => steps.map((s) => s.nodeId);
const PARTS = ['train#lr=0.001', 'train#lr=0.01', 'train#lr=0.1'];

describe('expansion: train.tune-learning-rate compiles into one part per learning rate', () => {
  it('plans three part steps, each with one rate, right before the gather step', () => {
    const { plan } = compiled(tuneGraph());
    const order = ids(plan);
    const gather = order.indexOf('train');
    expect(gather).toBeGreaterThan(2);
    // The three parts come immediately before their gather step, in the order of the rates.
    expect(order.slice(gather - 3, gather)).toEqual(PARTS);
    // Everything the parts need is planned before them; the gather's consumers after it.
    for (const upstream of ['data', 'split', 'model']) expect(order.indexOf(upstream)).toBeLessThan(gather - 3);
    for (const downstream of ['evaluate', 'deploy']) expect(order.indexOf(downstream)).toBeGreaterThan(gather);

    const rates = [0.001, 0.01, 0.1];
    PARTS.forEach((id, i) => {
      const part = plan.find((s) => s.nodeId === id)!;
      expect(part).toMatchObject({ type: 'train.tune-learning-rate', mode: 'part', partOf: 'train', sideEffect: false });
      expect(part.params.learningRates).toEqual([rates[i]]);
      // The other params are the node's (defaults filled in).
      expect(part.params).toMatchObject({ epochs: 40, batchSize: 32, optimizer: 'adam', seed: 42 });
      // A part reads the node's own inputs.
      expect(part.inputs).toEqual({ split: { nodeId: 'split', port: 'split' }, model: { nodeId: 'model', port: 'model' } });
    });

    const node = plan[gather];
    expect(node.mode).toBe('node');
    expect(node.partOf).toBeUndefined();
    expect(node.params.learningRates).toEqual(rates);
    // The gather step reads the node's inputs plus every part, as part:0..2 in order.
    const partInputs = Object.entries(node.inputs).filter(([port]) => port.startsWith('part:'));
    expect(partInputs).toEqual(PARTS.map((id, i) => [`part:${i}`, { nodeId: id, port: 'part' }]));
    expect(node.inputs.split).toEqual({ nodeId: 'split', port: 'split' });
    expect(node.inputs.model).toEqual({ nodeId: 'model', port: 'model' });

    // Every part has its own cache key, different from the node's.
    const keys = new Set([...PARTS, 'train'].map((id) => keysOf(compiled(tuneGraph()))[id]));
    expect(keys.size).toBe(4);
  });

  it('part cache keys are independent: changing one rate changes only that part, the gather and what follows', () => {
    const before = keysOf(compiled(tuneGraph()));
    const after = keysOf(compiled(withParams(tuneGraph(), 'train', { learningRates: [0.001, 0.01, 0.2] })));
    expect(Object.keys(after)).toContain('train#lr=0.2');
    expect(Object.keys(after)).not.toContain('train#lr=0.1');
    // The untouched parts keep their keys: their cached results are reused.
    expect(after['train#lr=0.001']).toBe(before['train#lr=0.001']);
    expect(after['train#lr=0.01']).toBe(before['train#lr=0.01']);
    expect(after['train#lr=0.2']).not.toBe(before['train#lr=0.1']);
    for (const id of ['train', 'evaluate', 'deploy']) expect(after[id], id).not.toBe(before[id]);
    for (const id of ['data', 'split', 'model']) expect(after[id], id).toBe(before[id]);

    // Reordering the rates keeps every part's key (a part only knows its own rate) but not the gather's.
    const reordered = keysOf(compiled(withParams(tuneGraph(), 'train', { learningRates: [0.1, 0.001, 0.01] })));
    for (const id of PARTS) expect(reordered[id], id).toBe(before[id]);
    expect(reordered.train).not.toBe(before.train);

    // A param every part shares (epochs) changes every part's key.
    const longer = keysOf(compiled(withParams(tuneGraph(), 'train', { epochs: 41 })));
    for (const id of PARTS) expect(longer[id], id).not.toBe(before[id]);

    // Same graph, same keys.
    expect(keysOf(compiled(tuneGraph()))).toEqual(before);
  });

  it('the scheduler makes all three parts ready together once their inputs are done, and the gather only after all parts', () => {
    const { plan } = compiled(tuneGraph());
    const status: Record<string, StepStatus> = Object.fromEntries(plan.map((s) => [s.nodeId, 'pending' as StepStatus]));
    expect(ids(readySteps(plan, status)).sort()).toEqual(['data', 'model']);

    status.data = 'done';
    status.model = 'cached';
    expect(ids(readySteps(plan, status))).toEqual(['split']);

    status.split = 'done';
    expect(ids(readySteps(plan, status))).toEqual(PARTS);

    // While any part is unfinished the gather waits; a cached part counts as finished.
    status['train#lr=0.001'] = 'done';
    status['train#lr=0.01'] = 'cached';
    status['train#lr=0.1'] = 'running';
    expect(ids(readySteps(plan, status))).toEqual([]);
    status['train#lr=0.1'] = 'failed';
    expect(ids(readySteps(plan, status))).toEqual([]);
    status['train#lr=0.1'] = 'done';
    expect(ids(readySteps(plan, status))).toEqual(['train']);

    status.train = 'done';
    expect(ids(readySteps(plan, status))).toEqual(['evaluate', 'deploy']);
  });

  it('a split without validation rows is a compile problem on the tune node', () => {
    const result = compile(withParams(tuneGraph(), 'split', { validationFraction: 0 }), nodeKinds, env);
    expect(result.ok).toBe(false);
    expect(result.plan).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'config', nodeId: 'train' });
    expect(result.errors[0].message).toMatch(/validation/i);
  });

  it('learning rates are checked: fewer than two, or a repeated one, is an invalid param', () => {
    for (const learningRates of [[0.1], [0.1, 0.1]]) {
      const result = compile(withParams(tuneGraph(), 'train', { learningRates }), nodeKinds, env);
      expect(result.ok, JSON.stringify(learningRates)).toBe(false);
      expect(result.errors[0]).toMatchObject({ code: 'invalid-param', nodeId: 'train' });
    }
  });
});
