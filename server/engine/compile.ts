import type { GraphFile } from '../../lib/graph';
import { canConnect, graphPortLookup, outputType } from '../../lib/ports';
import { upgradeNode, type CompileEnv, type NodeDefinition, type PortInfo } from '../../nodes/define';
import { hashOf } from './stable-json';

export type CompileErrorCode =
  | 'empty-graph'
  | 'unknown-type'
  | 'unknown-node'
  | 'unsupported-version'
  | 'invalid-param'
  | 'unknown-port'
  | 'wrong-port-type'
  | 'duplicate-input'
  | 'missing-input'
  | 'cycle'
  | 'unknown-column'
  | 'config'
  | 'not-allowed';

/** A problem found before anything runs, pinned to the node (and field or edge) it is about. */
export interface CompileError {
  code: CompileErrorCode;
  nodeId?: string;
  edgeId?: string;
  field?: string;
  message: string;
}

export interface PlanStep {
  /** The graph node's id; a part of an expanded node is `<nodeId>#<partId>`. */
  nodeId: string;
  type: string;
  typeVersion: number;
  /** Params parsed by the node's schema: defaults filled in. */
  params: Record<string, unknown>;
  /** Input port → the upstream step and its output port. */
  inputs: Record<string, { nodeId: string; port: string }>;
  /** Content address of this step's outputs: kind, version, params, upstream keys, data identity. */
  cacheKey: string;
  /** What the cache key was made from, kept with the run to explain why a step re-runs. */
  signature: StepSignature;
  sideEffect: boolean;
  /** 'part': one parallel part of an expanded node; 'node': the node itself (gathering its parts). */
  mode: 'node' | 'part';
  /** The graph node a part belongs to. */
  partOf?: string;
  wantsGpu: boolean;
}

export interface StepSignature {
  typeVersion: number;
  params: Record<string, unknown>;
  /** Input port → upstream cache key and port. */
  inputs: Record<string, string>;
  identity: string | null;
}

export interface NodePorts {
  inputs: Record<string, PortInfo | undefined>;
  outputs: Record<string, PortInfo | undefined>;
}

export interface CompileResult {
  ok: boolean;
  errors: CompileError[];
  /** Steps in dependency order; empty unless ok. */
  plan: PlanStep[];
  /** What compile learned about every port (column pickers in the inspector read this). */
  ports: Record<string, NodePorts>;
}

export interface CompileOptions {
  /** Plan only this node and its ancestors ("run up to here"). */
  upTo?: string;
}

/** Pure: graph → plan, or structured per-node errors. Never throws on bad graphs. */
export function compile(
  graph: GraphFile,
  kinds: ReadonlyMap<string, NodeDefinition>,
  env: CompileEnv,
  options: CompileOptions = {},
): CompileResult {
  const errors: CompileError[] = [];
  const ports: Record<string, NodePorts> = {};
  if (graph.nodes.length === 0) {
    return { ok: false, errors: [{ code: 'empty-graph', message: 'The graph is empty: drag nodes from the palette onto the canvas.' }], plan: [], ports };
  }

  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const parsedParams = new Map<string, Record<string, unknown>>();
  const broken = new Set<string>();
  for (const node of graph.nodes) {
    ports[node.id] = { inputs: {}, outputs: {} };
    const kind = kinds.get(node.type);
    if (!kind) {
      errors.push({ code: 'unknown-type', nodeId: node.id, message: `Unknown node type "${node.type}": this Pipeloom has no such kind (the graph came from another version or server). The step is kept as is, with its settings and connections, but cannot run.` });
      broken.add(node.id);
      continue;
    }
    // A node saved by an older version of its kind is migrated first (see NodeDefinition.migrate).
    const upgraded = upgradeNode(kind, node);
    if (!upgraded.ok) {
      errors.push({ code: 'unsupported-version', nodeId: node.id, message: upgraded.message });
      broken.add(node.id);
      continue;
    }
    const parsed = kind.params.safeParse(upgraded.node.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map(String).join('.');
        errors.push({ code: 'invalid-param', nodeId: node.id, field: field || undefined, message: `${field || 'params'}: ${issue.message}` });
      }
      broken.add(node.id);
      continue;
    }
    parsedParams.set(node.id, parsed.data as Record<string, unknown>);
  }

  // Wiring: each edge must join an existing output to an existing input of a compatible type.
  const incoming = new Map<string, Record<string, { nodeId: string; port: string }>>();
  const portLookup = graphPortLookup(
    graph.nodes.map((n) => ({ id: n.id, kind: n.type })),
    graph.edges,
    (type) => kinds.get(type),
  );
  for (const edge of graph.edges) {
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    if (!source || !target) {
      errors.push({
        code: 'unknown-port',
        edgeId: edge.id,
        nodeId: target?.id ?? source?.id,
        message: `A connection points to a node that does not exist ("${!source ? edge.source : edge.target}").`,
      });
      continue;
    }
    const sourceKind = kinds.get(source.type);
    const targetKind = kinds.get(target.type);
    if (!sourceKind || !targetKind) continue;
    const out = sourceKind.outputs.find((p) => p.name === edge.sourceHandle);
    const inp = targetKind.inputs.find((p) => p.name === edge.targetHandle);
    if (!out || !inp) {
      errors.push({
        code: 'unknown-port',
        edgeId: edge.id,
        nodeId: !out ? source.id : target.id,
        message: !out
          ? `${sourceKind.label} has no output "${edge.sourceHandle}".`
          : `${targetKind.label} has no input "${edge.targetHandle}".`,
      });
      continue;
    }
    const check = canConnect(outputType(portLookup, source.id, out.name) ?? out.type, inp);
    if (!check.ok) {
      errors.push({ code: 'wrong-port-type', edgeId: edge.id, nodeId: target.id, field: inp.name, message: `${inp.label}: ${check.reason}` });
      continue;
    }
    const wired = incoming.get(target.id) ?? {};
    if (wired[inp.name]) {
      errors.push({ code: 'duplicate-input', edgeId: edge.id, nodeId: target.id, field: inp.name, message: `${inp.label} already has a connection; an input takes one.` });
      continue;
    }
    wired[inp.name] = { nodeId: source.id, port: out.name };
    incoming.set(target.id, wired);
  }

  const order = topologicalOrder(graph.nodes.map((n) => n.id), incoming);
  for (const nodeId of order.cyclic) {
    errors.push({ code: 'cycle', nodeId, message: 'This node is part of a loop: data must flow one way, so remove one connection of the loop.' });
    broken.add(nodeId);
  }

  // Configure in dependency order: port schemas flow downstream, problems stay on their node.
  const keys = new Map<string, string>();
  /** Per graph node: its part steps (if it expands), then its own step. */
  const steps = new Map<string, PlanStep[]>();
  for (const nodeId of order.sorted) {
    if (broken.has(nodeId)) continue;
    const node = nodes.get(nodeId)!;
    const kind = kinds.get(node.type)!;
    const wired = incoming.get(nodeId) ?? {};
    const inputInfos: Record<string, PortInfo | undefined> = {};
    let upstreamReady = true;
    for (const port of kind.inputs) {
      const source = wired[port.name];
      if (!source) {
        if (!port.optional) {
          errors.push({ code: 'missing-input', nodeId, field: port.name, message: `Connect something to "${port.label}" (${port.type}).` });
          upstreamReady = false;
        }
        continue;
      }
      const info = ports[source.nodeId]?.outputs[source.port];
      if (!info || !keys.has(source.nodeId)) upstreamReady = false;
      inputInfos[port.name] = info;
    }
    ports[nodeId].inputs = inputInfos;
    if (!upstreamReady) continue;
    const params = parsedParams.get(nodeId)!;
    const configured = kind.configure({ params, inputs: inputInfos, env: { ...env, pipelineName: graph.name } });
    ports[nodeId].outputs = configured.outputs;
    const problems = configured.problems ?? [];
    for (const problem of problems) {
      errors.push({ code: problem.code ?? 'config', nodeId, field: problem.field, message: problem.message });
    }
    if (problems.length > 0) continue;
    const inputKeys = Object.fromEntries(Object.entries(wired).map(([port, src]) => [port, `${keys.get(src.nodeId)}#${src.port}`]));
    const signature: StepSignature = { typeVersion: kind.version, params, inputs: inputKeys, identity: configured.identity ?? null };
    const cacheKey = hashOf({ type: kind.type, ...signature });
    keys.set(nodeId, cacheKey);
    const common = { type: kind.type, typeVersion: kind.version, sideEffect: kind.sideEffect ?? false, wantsGpu: kind.wantsGpu ?? false };
    const parts = kind.parts?.(params, inputInfos) ?? [];
    const gatherInputs: PlanStep['inputs'] = { ...wired };
    steps.set(
      nodeId,
      parts.map((part, i) => {
        const partParams = { ...params, ...part.params };
        const partSignature: StepSignature = { ...signature, params: partParams, identity: `${signature.identity ?? ''}#part:${part.id}` };
        const partId = `${nodeId}#${part.id}`;
        gatherInputs[`part:${i}`] = { nodeId: partId, port: 'part' };
        return {
          ...common,
          nodeId: partId,
          params: partParams,
          inputs: wired,
          cacheKey: hashOf({ type: kind.type, ...partSignature }),
          signature: partSignature,
          sideEffect: false,
          mode: 'part' as const,
          partOf: nodeId,
        };
      }),
    );
    steps.get(nodeId)!.push({ ...common, nodeId, params, inputs: gatherInputs, cacheKey, signature, mode: 'node' });
  }

  let included = graph.nodes.map((n) => n.id);
  if (options.upTo) {
    if (!nodes.has(options.upTo)) {
      return { ok: false, errors: [{ code: 'unknown-node', message: `There is no node "${options.upTo}" to run up to.` }], plan: [], ports };
    }
    included = [...ancestorsOf(options.upTo, incoming), options.upTo];
  }
  const includedSet = new Set(included);
  const relevant = errors.filter((e) => !e.nodeId || includedSet.has(e.nodeId));
  if (relevant.length > 0) return { ok: false, errors: relevant, plan: [], ports };
  const plan = order.sorted.filter((id) => includedSet.has(id)).flatMap((id) => steps.get(id)!);
  return { ok: true, errors: [], plan, ports };
}

/** Kahn's algorithm; nodes left over sit on a cycle (or downstream of one). */
function topologicalOrder(ids: string[], incoming: Map<string, Record<string, { nodeId: string }>>) {
  const indegree = new Map(ids.map((id) => [id, 0]));
  const children = new Map<string, string[]>();
  for (const [target, wired] of incoming) {
    for (const { nodeId: source } of Object.values(wired)) {
      indegree.set(target, (indegree.get(target) ?? 0) + 1);
      const list = children.get(source);
      if (list) list.push(target);
      else children.set(source, [target]);
    }
  }
  const queue = ids.filter((id) => indegree.get(id) === 0);
  const sorted: string[] = [];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head];
    sorted.push(id);
    for (const child of children.get(id) ?? []) {
      const d = indegree.get(child)! - 1;
      indegree.set(child, d);
      if (d === 0) queue.push(child);
    }
  }
  const done = new Set(sorted);
  return { sorted, cyclic: ids.filter((id) => !done.has(id)) };
}

function ancestorsOf(nodeId: string, incoming: Map<string, Record<string, { nodeId: string }>>): string[] {
  const seen = new Set<string>();
  const stack = [nodeId];
  while (stack.length > 0) {
    for (const { nodeId: source } of Object.values(incoming.get(stack.pop()!) ?? {})) {
      if (!seen.has(source)) {
        seen.add(source);
        stack.push(source);
      }
    }
  }
  return [...seen];
}
