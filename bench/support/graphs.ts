/** Generated graphs for the benchmarks (plain graph files, as the editor or the CLI would send). */
import type { GraphEdge, GraphFile, GraphNode } from '../../lib/graph';

export function node(id: string, type: string, params: Record<string, unknown> = {}): GraphNode {
  return { id, type, typeVersion: 1, params, position: { x: 0, y: 0 } };
}

export function edge(source: string, sourceHandle: string, target: string, targetHandle: string): GraphEdge {
  return { id: `${source}.${sourceHandle}->${target}.${targetHandle}`, source, sourceHandle, target, targetHandle };
}

const DATASETS = [
  { id: 'iris', target: 'species', task: 'classification' },
  { id: 'wine', target: 'cultivar', task: 'classification' },
  { id: 'breast_cancer', target: 'diagnosis', task: 'classification' },
  { id: 'digits_8x8', target: 'digit', task: 'classification' },
  { id: 'diabetes', target: 'disease_progression', task: 'regression' },
] as const;

/**
 * A large, realistic-shaped graph of exactly `pipelines * 100` nodes. Each pipeline of 100 nodes:
 * a sample dataset → a trunk of 22 Standardize steps → a fan-out into 4 branches, each 15 more
 * Standardize steps → Split → (model) → Train → Evaluate; branch 0's trained model is also deployed.
 * 1 + 22 + 4 × (15 + 4) + 1 = 100.
 */
export function generatedGraph(pipelines: number): GraphFile {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const TRUNK = 22;
  const BRANCH = 15;
  for (let p = 0; p < pipelines; p++) {
    const ds = DATASETS[p % DATASETS.length];
    const data = `p${p}-data`;
    nodes.push(node(data, 'dataset.sample', { dataset: ds.id }));
    let last = data;
    for (let t = 0; t < TRUNK; t++) {
      const id = `p${p}-trunk${t}`;
      nodes.push(node(id, 'features.standardize'));
      edges.push(edge(last, 'table', id, 'table'));
      last = id;
    }
    const trunkEnd = last;
    for (let b = 0; b < 4; b++) {
      let tip = trunkEnd;
      for (let s = 0; s < BRANCH; s++) {
        const id = `p${p}-b${b}-std${s}`;
        nodes.push(node(id, 'features.standardize'));
        edges.push(edge(tip, 'table', id, 'table'));
        tip = id;
      }
      const split = `p${p}-b${b}-split`;
      const model = `p${p}-b${b}-model`;
      const train = `p${p}-b${b}-train`;
      const evaluate = `p${p}-b${b}-evaluate`;
      const modelType = b % 2 === 0 ? 'model.mlp' : ds.task === 'classification' ? 'model.logistic-regression' : 'model.linear-regression';
      nodes.push(
        node(split, 'split.train-test', { target: ds.target, seed: b }),
        node(model, modelType, modelType === 'model.mlp' ? { units: 8 * (b + 1) } : {}),
        node(train, 'train.train', { epochs: 10 + b, seed: b }),
        node(evaluate, 'evaluate.evaluate'),
      );
      edges.push(
        edge(tip, 'table', split, 'table'),
        edge(split, 'split', train, 'split'),
        edge(model, 'model', train, 'model'),
        edge(train, 'model', evaluate, 'model'),
        edge(split, 'split', evaluate, 'split'),
      );
      if (b === 0) {
        const deploy = `p${p}-deploy`;
        nodes.push(node(deploy, 'deploy.deploy', { modelName: `bench-${p}` }));
        edges.push(edge(train, 'model', deploy, 'model'));
      }
    }
  }
  return { version: 1, name: `Generated ${nodes.length}-node graph`, nodes, edges };
}

/** A sample dataset followed by a straight chain of `length` Standardize steps (`std1` … `stdN`). */
export function standardizeChain(length: number, dataset = 'iris'): GraphFile {
  const nodes: GraphNode[] = [node('data', 'dataset.sample', { dataset })];
  const edges: GraphEdge[] = [];
  let last = 'data';
  for (let i = 1; i <= length; i++) {
    const id = `std${i}`;
    nodes.push(node(id, 'features.standardize'));
    edges.push(edge(last, 'table', id, 'table'));
    last = id;
  }
  return { version: 1, name: `Chain of ${length} Standardize steps`, nodes, edges };
}

/**
 * One dataset feeding `branches` independent Split → Train(MLP) → Evaluate branches. Each branch has
 * its own split and training seed, so no two branches share a cache key and nothing is reused.
 */
export function trainingBranches(options: {
  branches: number;
  dataset: string;
  target: string;
  epochs: number;
  units: number;
  batchSize: number;
  /** Shifts every seed (a warm-up graph that shares no step with the measured one). */
  seedOffset?: number;
}): GraphFile {
  const offset = options.seedOffset ?? 0;
  const nodes: GraphNode[] = [node('data', 'dataset.sample', { dataset: options.dataset })];
  const edges: GraphEdge[] = [];
  for (let b = 0; b < options.branches; b++) {
    const [split, model, train, evaluate] = ['split', 'model', 'train', 'evaluate'].map((s) => `${s}${b}`);
    nodes.push(
      node(split, 'split.train-test', { target: options.target, seed: 1000 + offset + b }),
      node(model, 'model.mlp', { units: options.units, hiddenLayers: 1 }),
      node(train, 'train.train', { epochs: options.epochs, seed: 2000 + offset + b, batchSize: options.batchSize, learningRate: 0.01 }),
      node(evaluate, 'evaluate.evaluate'),
    );
    edges.push(
      edge('data', 'table', split, 'table'),
      edge(split, 'split', train, 'split'),
      edge(model, 'model', train, 'model'),
      edge(train, 'model', evaluate, 'model'),
      edge(split, 'split', evaluate, 'split'),
    );
  }
  return { version: 1, name: `${options.branches} independent training branches`, nodes, edges };
}
