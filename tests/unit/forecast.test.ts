import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGraph, type GraphFile } from '../../lib/graph';
import { catalog, nodeKinds } from '../../nodes';
import { compileEnv } from '../../runtime/ingest/samples';
import { compile, type PlanStep, type StepSignature } from '../../server/engine/compile';
import { forecastStep } from '../../server/engine/explain';
import { describeWorkerDeath } from '../../server/engine/local-pool';

const root = path.resolve(import.meta.dirname, '../..');
let plan: Record<string, PlanStep>;
let graph: GraphFile;

beforeAll(() => {
  process.env.PIPELOOM_SAMPLES_DIR ??= path.join(root, 'samples', 'datasets');
  const parsed = parseGraph(JSON.parse(readFileSync(path.join(root, 'examples', 'iris-classifier.json'), 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  graph = parsed.graph;
  const result = compile(graph, nodeKinds, compileEnv());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  plan = Object.fromEntries(result.plan.map((s) => [s.nodeId, s]));
});

/** What the engine passes: param titles from each kind's params schema, node labels from the kinds. */
const describe_ = {
  paramTitle(type: string, key: string): string {
    const entry = catalog().find((e) => e.type === type);
    const props = (entry?.paramsSchema.properties ?? {}) as Record<string, { title?: string }>;
    return props[key]?.title ?? key;
  },
  nodeLabel(nodeId: string): string {
    const type = graph.nodes.find((n) => n.id === nodeId)?.type;
    return (type && nodeKinds.get(type)?.label) || nodeId;
  },
};

/** The step's own signature with some fields as they were "last time". */
function previous(step: PlanStep, changes: Partial<StepSignature> = {}): StepSignature {
  return { ...structuredClone(step.signature), ...changes };
}

describe('forecastStep: will a planned step run, and why', () => {
  it('a cached step is reused', () => {
    const f = forecastStep(plan.train, true, previous(plan.train), describe_);
    expect(f.willRun).toBe(false);
    expect(f.reason).toMatch(/^cached/);
    // Cached wins even when the graph never ran before (another graph computed the same step).
    expect(forecastStep(plan.train, true, null, describe_).willRun).toBe(false);
  });

  it('a step this graph never ran: "not run yet"', () => {
    expect(forecastStep(plan.split, false, null, describe_)).toEqual({ willRun: true, reason: 'not run yet' });
  });

  it('a changed param is named by its title, lower-cased', () => {
    const before = previous(plan.train, { params: { ...plan.train.signature.params, learningRate: 0.01 } });
    expect(forecastStep(plan.train, false, before, describe_)).toEqual({ willRun: true, reason: 'learning rate changed' });

    // Two params changed: both are named, once each.
    const two = previous(plan.train, { params: { ...plan.train.signature.params, learningRate: 0.01, epochs: 5 } });
    const reason = forecastStep(plan.train, false, two, describe_).reason;
    expect(reason.split(', ').sort()).toEqual(['epochs changed', 'learning rate changed']);

    // A param that did not exist before (or no longer exists) counts as changed too.
    const { seed: _seed, ...withoutSeed } = plan.train.signature.params;
    expect(forecastStep(plan.train, false, previous(plan.train, { params: withoutSeed }), describe_).reason).toBe('seed changed');
  });

  it('a changed data identity (the dataset content hash): "the dataset changed"', () => {
    expect(plan.data.signature.identity).toBeTruthy();
    const before = previous(plan.data, { identity: 'an-older-content-hash' });
    expect(forecastStep(plan.data, false, before, describe_)).toEqual({ willRun: true, reason: 'the dataset changed' });
  });

  it('a changed upstream key: "upstream <label> changed"', () => {
    const before = previous(plan.train, { inputs: { ...plan.train.signature.inputs, split: 'another-key#split' } });
    expect(forecastStep(plan.train, false, before, describe_)).toEqual({ willRun: true, reason: 'upstream Split changed' });
    const evaluate = previous(plan.evaluate, { inputs: { ...plan.evaluate.signature.inputs, model: 'another-key#model' } });
    expect(forecastStep(plan.evaluate, false, evaluate, describe_).reason).toBe('upstream Train changed');
    // An input that had no connection last time.
    const { model: _model, ...unwired } = plan.train.signature.inputs;
    expect(forecastStep(plan.train, false, previous(plan.train, { inputs: unwired }), describe_).reason).toBe('model newly connected');
  });

  it('an upgraded step kind is named', () => {
    const before = previous(plan.train, { typeVersion: plan.train.signature.typeVersion - 1 });
    expect(forecastStep(plan.train, false, before, describe_).reason).toBe('the step kind was upgraded');
  });

  it('a side-effect step (deploy) runs unless what it would do is done already, whatever its last signature', () => {
    expect(plan.deploy.sideEffect).toBe(true);
    for (const last of [null, previous(plan.deploy)]) {
      expect(forecastStep(plan.deploy, false, last, describe_)).toEqual({ willRun: true, reason: 'it publishes its model as a new version' });
      expect(forecastStep(plan.deploy, true, last, describe_)).toEqual({ willRun: false, reason: 'unchanged: its model is already published under its name' });
    }
  });

  it('same signature as last time but not cached: "its cached result was cleared"', () => {
    expect(forecastStep(plan.split, false, previous(plan.split), describe_)).toEqual({ willRun: true, reason: 'its cached result was cleared' });
  });
});

describe('describeWorkerDeath: why a worker died, in plain words', () => {
  it('V8 heap exhaustion in the stderr tail: ran out of memory', () => {
    const stderr = [
      '<--- Last few GCs --->',
      '[4242:0x5d1c0a0]    31502 ms: Mark-Compact 4046.9 (4133.5) -> 4031.2 (4134.2) MB',
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    ].join('\n');
    for (const signal of [null, 'SIGABRT', 'SIGKILL'] as const) {
      const message = describeWorkerDeath(signal ? null : 134, signal, stderr);
      expect(message).toMatch(/ran out of memory/);
    }
  });

  it('SIGKILL without a message: killed, most likely out of memory', () => {
    const message = describeWorkerDeath(null, 'SIGKILL', 'training epoch 12\n');
    expect(message).toMatch(/SIGKILL/);
    expect(message).toMatch(/memory/i);
  });

  it('another exit: says the exit code (or the signal)', () => {
    const byCode = describeWorkerDeath(3, null, '');
    expect(byCode).toMatch(/exit code 3/);
    expect(byCode).not.toMatch(/memory/i);
    expect(describeWorkerDeath(null, 'SIGSEGV', '')).toMatch(/signal SIGSEGV/);
  });
});
