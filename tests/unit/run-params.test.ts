import { describe, expect, it } from 'vitest';
import { formatParamValue, paramDifferences, stepParams, wiringDiffers } from '../../app/runs/params';
import { edge, irisGraph, node, withParams } from '../support/pipeloom';

const iris = irisGraph();
const defaults: Record<string, Record<string, unknown>> = { 'train.train': { epochs: 50, learningRate: 0.01, seed: 42 } };
const defaultsOf = (type: string) => defaults[type] ?? {};

describe('stepParams', () => {
  it('lists stored params, then the defaults the step left unset', () => {
    const train = iris.nodes.find((n) => n.id === 'train')!;
    expect(stepParams(train, defaults['train.train'])).toEqual([
      { name: 'epochs', value: 60, isDefault: false },
      { name: 'learningRate', value: 0.05, isDefault: false },
      { name: 'seed', value: 42, isDefault: true },
    ]);
  });
});

describe('paramDifferences', () => {
  it('is empty for the same graph, whatever order object keys were written in', () => {
    const reordered = structuredClone(iris);
    const split = reordered.nodes.find((n) => n.id === 'split')!;
    split.params = Object.fromEntries(Object.entries(split.params).reverse());
    expect(paramDifferences(iris, reordered, defaultsOf)).toEqual([]);
    expect(wiringDiffers(iris, reordered)).toBe(false);
  });

  it('lists each changed param with both values, in graph order', () => {
    const b = withParams(withParams(iris, 'train', { learningRate: 0.2 }), 'split', { testFraction: 0.25 });
    expect(paramDifferences(iris, b, defaultsOf)).toEqual([
      { nodeId: 'split', param: 'testFraction', a: { name: 'testFraction', value: 0.3, isDefault: false }, b: { name: 'testFraction', value: 0.25, isDefault: false } },
      { nodeId: 'train', param: 'learningRate', a: { name: 'learningRate', value: 0.05, isDefault: false }, b: { name: 'learningRate', value: 0.2, isDefault: false } },
    ]);
  });

  it('counts an unset param as its default: setting it to the default is no difference, to another value is', () => {
    expect(paramDifferences(iris, withParams(iris, 'train', { seed: 42 }), defaultsOf)).toEqual([]);
    expect(paramDifferences(iris, withParams(iris, 'train', { seed: 7 }), defaultsOf)).toEqual([
      { nodeId: 'train', param: 'seed', a: { name: 'seed', value: 42, isDefault: true }, b: { name: 'seed', value: 7, isDefault: false } },
    ]);
    // Without a known default, a param set on one side only shows as not set on the other.
    expect(paramDifferences(iris, withParams(iris, 'model', { l2: 0.1 }))).toEqual([
      { nodeId: 'model', param: 'l2', a: undefined, b: { name: 'l2', value: 0.1, isDefault: false } },
    ]);
  });

  it('reports a step added, removed or of another kind, and rewiring', () => {
    const b = structuredClone(iris);
    b.nodes = b.nodes.filter((n) => n.id !== 'deploy');
    b.edges = b.edges.filter((e) => e.target !== 'deploy');
    b.nodes.push(node('scale', 'features.standardize', { columns: ['a', 'b'] }));
    b.edges.push(edge('data', 'table', 'scale', 'table'));
    b.nodes.find((n) => n.id === 'model')!.type = 'model.mlp';
    const diff = paramDifferences(iris, b, defaultsOf);
    expect(diff).toEqual([
      { nodeId: 'model', param: null, a: { name: 'step', value: 'model.logistic-regression', isDefault: false }, b: { name: 'step', value: 'model.mlp', isDefault: false } },
      { nodeId: 'deploy', param: null, a: { name: 'step', value: 'deploy.deploy', isDefault: false }, b: undefined },
      { nodeId: 'scale', param: null, a: undefined, b: { name: 'step', value: 'features.standardize', isDefault: false } },
    ]);
    expect(wiringDiffers(iris, b)).toBe(true);
  });
});

describe('formatParamValue', () => {
  it('writes strings as they are and everything else as JSON', () => {
    expect(formatParamValue('species')).toBe('species');
    expect(formatParamValue(0.05)).toBe('0.05');
    expect(formatParamValue(['a', 'b'])).toBe('["a","b"]');
    expect(formatParamValue(true)).toBe('true');
  });
});
