import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { diffGraphs, isEmptyDiff, summarizeDiff, valueText } from '../../lib/graph-diff';
import { diffVocabulary, referencedIds } from '../../nodes';
import { edge, irisGraph, node, withParams } from '../support/pipeloom';

const iris = irisGraph();

describe('graph diff', () => {
  it('names added and removed nodes by kind, param changes old → new, and leaves their own edges out of the summary', () => {
    const outliers = { ...node('outliers', 'cleaning.outliers'), position: { x: 5, y: 5 } };
    const before: GraphFile = { ...iris, nodes: [...iris.nodes, outliers], edges: [...iris.edges, edge('data', 'table', 'outliers', 'table')] };
    const after: GraphFile = withParams({ ...iris, nodes: [...iris.nodes, node('split2', 'split.train-test')] }, 'train', { learningRate: 0.005 });
    const diff = diffGraphs(before, after);
    expect(diff.added).toEqual([{ id: 'split2', type: 'split.train-test' }]);
    expect(diff.removed).toEqual([{ id: 'outliers', type: 'cleaning.outliers' }]);
    expect(diff.changed).toEqual([{ id: 'train', type: 'train.train', param: 'learningRate', from: 0.05, to: 0.005 }]);
    expect(diff.disconnected).toHaveLength(1);
    expect(summarizeDiff(diff, diffVocabulary)).toBe('added Split; learning rate 0.05 → 0.005; removed Outliers');
  });

  it('tells connections between nodes that stay, moves, renames; compares params by meaning, not key order', () => {
    const moved = structuredClone(iris);
    moved.name = 'Iris 2';
    moved.nodes[0].position = { x: 999, y: 1 };
    moved.edges = moved.edges.filter((e) => !(e.source === 'train' && e.target === 'evaluate'));
    const diff = diffGraphs(iris, moved);
    expect(diff.moved).toEqual([moved.nodes[0].id]);
    expect(summarizeDiff(diff, diffVocabulary)).toBe('renamed to "Iris 2"; disconnected Train → Evaluate; moved 1 node');
    const reordered = structuredClone(iris);
    const split = reordered.nodes.find((n) => n.id === 'split')!;
    split.params = Object.fromEntries(Object.entries(split.params).reverse());
    expect(isEmptyDiff(diffGraphs(iris, reordered))).toBe(true);
    expect(summarizeDiff(diffGraphs(iris, reordered), diffVocabulary)).toBe('no changes');
  });

  it('writes values plainly and keeps long summaries short', () => {
    expect(valueText('')).toBe('(empty)');
    expect(valueText(['a', 'b'])).toBe('a, b');
    expect(valueText('x'.repeat(100))).toHaveLength(40);
    let graph = iris;
    for (const epochs of [1, 2, 3, 4, 5, 6, 7]) graph = { ...graph, nodes: [...graph.nodes, node(`n${epochs}`, 'cleaning.outliers')] };
    expect(summarizeDiff(diffGraphs(iris, graph), diffVocabulary)).toBe('added Outliers; added Outliers; added Outliers; added Outliers; added Outliers; and 2 more changes');
  });

  it('finds the datasets and saved models a graph names through the params that pick them', () => {
    const graph: GraphFile = { ...iris, nodes: [...iris.nodes, node('up', 'dataset.uploaded', { dataset: 'a'.repeat(32) }), node('pre', 'model.pretrained', { model: 'b'.repeat(32) }), node('empty', 'dataset.uploaded', { dataset: '' })] };
    expect(referencedIds(graph)).toEqual({ datasets: ['a'.repeat(32)], models: ['b'.repeat(32)] });
  });
});
