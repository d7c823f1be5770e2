import path from 'node:path';
import type { GraphFile, GraphNode } from '../../lib/graph';
import type { SampleDatasetId } from '../../lib/samples';
import { nodeKinds } from '../../nodes';
import type { PortInfo } from '../../nodes/define';
import { testContext } from './run-context';

/**
 * A sample dataset through a chain of nodes (each node's first input fed by the one before), both
 * compiled as a graph and run node by node: what compile promised at the last node's first output,
 * and what running gave there.
 */
export async function sampleChain(dataset: SampleDatasetId, steps: [type: string, params: Record<string, unknown>][]): Promise<{ promised: PortInfo | undefined; output: unknown }> {
  process.env.PIPELOOM_SAMPLES_DIR ??= path.resolve(import.meta.dirname, '../../samples/datasets');
  const { compileEnv, loadSample } = await import('../../runtime/ingest/samples');
  const { compile } = await import('../../server/engine/compile');
  const kinds = steps.map(([type]) => nodeKinds.get(type)!);
  const nodes: GraphNode[] = [
    { id: 'data', type: 'dataset.sample', typeVersion: 1, params: { dataset }, position: { x: 0, y: 0 } },
    ...steps.map(([type, params], i): GraphNode => ({ id: `n${i}`, type, typeVersion: 1, params, position: { x: 0, y: 0 } })),
  ];
  const edges = nodes.slice(1).map((node, i) => ({
    id: `e${i}`,
    source: nodes[i].id,
    sourceHandle: i === 0 ? 'table' : kinds[i - 1].outputs[0].name,
    target: node.id,
    targetHandle: kinds[i].inputs[0].name,
  }));
  const graph: GraphFile = { version: 1, name: dataset, nodes, edges };
  const compiled = compile(graph, nodeKinds, compileEnv());
  if (compiled.errors.length > 0) throw new Error(JSON.stringify(compiled.errors));
  const last = kinds.length - 1;
  let output: unknown = { table: loadSample(dataset).table, recipe: [] };
  for (const [i, kind] of kinds.entries()) {
    const outputs = await kind.run({ inputs: { [kind.inputs[0].name]: output }, params: kind.params.parse(steps[i][1]), ctx: testContext() });
    output = outputs[kind.outputs[0].name];
  }
  return { promised: compiled.ports[`n${last}`].outputs[kinds[last].outputs[0].name], output };
}
