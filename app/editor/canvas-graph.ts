/** The canvas (React Flow nodes and edges) as the graph file format and back, and the wiring rules over it. */
import type { Connection, Edge, Node } from '@xyflow/react';
import { edgeId } from '../../lib/graph-commands';
import { GRAPH_FORMAT_VERSION, type GraphEdge, type GraphFile } from '../../lib/graph';
import { acceptedTypes, canConnect, graphPortLookup, outputType, type PortType } from '../../lib/ports';
import type { CatalogEntry } from '../../lib/catalog';
import type { PipelineNodeData } from './context';

export type CanvasNode = Node<PipelineNodeData, 'pipeline'>;
export type Kinds = Map<string, CatalogEntry>;

/** The canvas showing `graph`; nodes named in `selected` are selected. */
export function toCanvas(graph: GraphFile, selected: ReadonlySet<string> = new Set()): { nodes: CanvasNode[]; edges: Edge[] } {
  return {
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      type: 'pipeline',
      position: n.position,
      selected: selected.has(n.id),
      data: { kind: n.type, typeVersion: n.typeVersion, params: n.params },
    })),
    edges: graph.edges.map((e) => ({ ...e })),
  };
}

/**
 * The canvas nodes showing `graph`, keeping each node already on the canvas (its measured size and
 * handles, so nothing re-measures) and only what changed new; `selected` names the selection after,
 * or the selection stays.
 */
export function mergeNodes(current: CanvasNode[], graph: GraphFile, selected?: ReadonlySet<string>): CanvasNode[] {
  const before = new Map(current.map((n) => [n.id, n]));
  return toCanvas(graph, selected).nodes.map((next) => {
    const was = before.get(next.id);
    const isSelected = selected ? selected.has(next.id) : Boolean(was?.selected);
    if (!was) return { ...next, selected: isSelected };
    const same = JSON.stringify([was.position, was.data]) === JSON.stringify([next.position, next.data]);
    return same && Boolean(was.selected) === isSelected ? was : { ...was, position: next.position, data: next.data, selected: isSelected };
  });
}

/** The canvas edges showing `graph`: an edge already there (same ends) is kept as it is, its selection with it. */
export function mergeEdges(current: Edge[], graph: GraphFile): Edge[] {
  const before = new Map(current.map((e) => [e.id, e]));
  return graph.edges.map((e) => {
    const was = before.get(e.id);
    return was && was.source === e.source && was.target === e.target && was.sourceHandle === e.sourceHandle && was.targetHandle === e.targetHandle ? was : { ...e };
  });
}

export function toGraphFile(name: string, nodes: CanvasNode[], edges: Edge[]): GraphFile {
  return {
    version: GRAPH_FORMAT_VERSION,
    name,
    nodes: nodes.map((n) => ({
      id: n.id,
      type: n.data.kind,
      typeVersion: n.data.typeVersion,
      params: n.data.params,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle ?? '', target: e.target, targetHandle: e.targetHandle ?? '' })),
  };
}

/** A saved graph as the editor writes it back: what autosave compares the canvas with. */
export function editorJson(graph: GraphFile): string {
  const { nodes, edges } = toCanvas(graph);
  return JSON.stringify(toGraphFile(graph.name, nodes, edges));
}

/** A fresh node id for a kind: its short name and a random tail. */
export function newNodeId(type: string): string {
  return `${type.split('.')[1] ?? type}-${Math.random().toString(36).slice(2, 7)}`;
}

type Wiring = { nodes: { id: string; data: { kind: string } }[]; edges: Edge[]; kinds: Kinds };

function portLookup({ nodes, edges, kinds }: Wiring) {
  return graphPortLookup(
    nodes.map((n) => ({ id: n.id, kind: n.data.kind })),
    edges,
    (kind) => kinds.get(kind),
  );
}

/** The type each type-passing output carries as wired now (a fitted step after a Split gives a Split). */
export function passedOutputTypes(wiring: Wiring): Record<string, PortType> {
  const lookup = portLookup(wiring);
  const types: Record<string, PortType> = {};
  for (const node of wiring.nodes) {
    for (const port of wiring.kinds.get(node.data.kind)?.outputs ?? []) {
      if (port.passes) types[`${node.id}:${port.name}`] = outputType(lookup, node.id, port.name) ?? port.type;
    }
  }
  return types;
}

/** The type an output of a node on the canvas carries now. */
function carriedType(wiring: Wiring, nodeId: string, port: string): PortType | undefined {
  return outputType(portLookup(wiring), nodeId, port);
}

/** Why a connection may not be made, in plain words; null when it may. */
export function connectionProblem(c: Connection, wiring: Wiring): string | null {
  const { nodes, edges, kinds } = wiring;
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  if (!source || !target) return 'Connect an output (right side) to an input (left side).';
  if (source.id === target.id) return 'A step cannot feed itself.';
  const out = kinds.get(source.data.kind)?.outputs.find((p) => p.name === c.sourceHandle);
  const inp = kinds.get(target.data.kind)?.inputs.find((p) => p.name === c.targetHandle);
  if (!out || !inp) return 'Connect an output (right side) to an input (left side).';
  const check = canConnect(carriedType(wiring, source.id, out.name) ?? out.type, inp);
  if (!check.ok) return check.reason;
  if (edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle)) {
    return `"${inp.label}" already has a connection: delete it first (select it and press Delete).`;
  }
  return null;
}

/** The edge a connection makes. */
export function edgeOf(c: Connection): GraphEdge {
  const [sourceHandle, targetHandle] = [c.sourceHandle ?? '', c.targetHandle ?? ''];
  return { id: edgeId(c.source, sourceHandle, c.target, targetHandle), source: c.source, sourceHandle, target: c.target, targetHandle };
}

/** Every connection that may be made now between node `a` and node `b`, a's outputs to b's inputs first. */
export function possibleConnections(wiring: Wiring, a: string, b: string): Connection[] {
  const found: Connection[] = [];
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    const source = wiring.nodes.find((n) => n.id === from);
    const target = wiring.nodes.find((n) => n.id === to);
    if (!source || !target) continue;
    for (const out of wiring.kinds.get(source.data.kind)?.outputs ?? []) {
      for (const inp of wiring.kinds.get(target.data.kind)?.inputs ?? []) {
        const c = { source: from, sourceHandle: out.name, target: to, targetHandle: inp.name };
        if (connectionProblem(c, wiring) === null) found.push(c);
      }
    }
  }
  return found;
}

/** A loose end of a wire: an output of a node (what it carries), or an input (what it takes). */
export type WireEnd = { nodeId: string; port: string; side: 'output'; type: PortType } | { nodeId: string; port: string; side: 'input'; accepts: PortType[] };

/** Whether a kind can take the wire's end: an input taking the output's type, or an output the input takes. */
export function kindFits(kind: CatalogEntry, end: WireEnd): boolean {
  return end.side === 'output'
    ? kind.inputs.some((inp) => canConnect(end.type, inp).ok)
    : kind.outputs.some((out) => end.accepts.includes(out.type));
}

/** The wire's end described for people: "Table", "Model or TrainedModel". */
export function wireEndType(end: WireEnd): string {
  return end.side === 'output' ? end.type : end.accepts.join(' or ');
}

/** The end of a node's port as a wire end. */
export function wireEnd(wiring: Wiring, nodeId: string, port: string, side: 'input' | 'output'): WireEnd | null {
  const node = wiring.nodes.find((n) => n.id === nodeId);
  const kind = node && wiring.kinds.get(node.data.kind);
  if (!kind) return null;
  if (side === 'output') {
    const type = carriedType(wiring, nodeId, port);
    return type ? { nodeId, port, side, type } : null;
  }
  const input = kind.inputs.find((p) => p.name === port);
  return input ? { nodeId, port, side, accepts: acceptedTypes(input) } : null;
}
