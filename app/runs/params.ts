import type { GraphFile, GraphNode } from '../../lib/graph';

/** The defaults a node kind's params JSON Schema declares (what the engine fills in for a param left unset). */
export function paramDefaults(kind: { paramsSchema: Record<string, unknown> } | undefined): Record<string, unknown> {
  const properties = (kind?.paramsSchema.properties ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(properties).flatMap(([k, v]) => (v.default === undefined ? [] : [[k, v.default]])));
}

/** A step's param as it ran: the value stored in the graph, or the kind's default when it was left unset. */
export interface StepParam {
  name: string;
  value: unknown;
  isDefault: boolean;
}

/** Every param of a node, stored ones first (in their order), then defaults it did not set. */
export function stepParams(node: GraphNode, defaults: Record<string, unknown> = {}): StepParam[] {
  const stored = Object.entries(node.params).map(([name, value]) => ({ name, value, isDefault: false }));
  const unset = Object.entries(defaults)
    .filter(([name]) => !(name in node.params))
    .map(([name, value]) => ({ name, value, isDefault: true }));
  return [...stored, ...unset];
}

/** One param (or, with param null, the step itself) that is not the same in two graph snapshots. */
export interface ParamDifference {
  nodeId: string;
  /** null: the step is missing from one side or is of another kind; a and b are then node types. */
  param: string | null;
  /** undefined: the node is not in that graph. */
  a: StepParam | undefined;
  b: StepParam | undefined;
}

/** JSON with sorted object keys, so equal values compare equal whatever order their keys were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * The params that differ between two runs' graph snapshots, step by step in graph order (a's steps, then
 * those only in b). A param left unset counts as its kind's default, as the engine runs it.
 */
export function paramDifferences(
  a: GraphFile,
  b: GraphFile,
  defaultsOf: (type: string) => Record<string, unknown> = () => ({}),
): ParamDifference[] {
  const nodesA = new Map(a.nodes.map((n) => [n.id, n]));
  const nodesB = new Map(b.nodes.map((n) => [n.id, n]));
  const ids = [...nodesA.keys(), ...[...nodesB.keys()].filter((id) => !nodesA.has(id))];
  const differences: ParamDifference[] = [];
  for (const nodeId of ids) {
    const na = nodesA.get(nodeId);
    const nb = nodesB.get(nodeId);
    if (!na || !nb || na.type !== nb.type) {
      differences.push({
        nodeId,
        param: null,
        a: na && { name: 'step', value: na.type, isDefault: false },
        b: nb && { name: 'step', value: nb.type, isDefault: false },
      });
      if (!na || !nb) continue;
    }
    const pa = new Map(stepParams(na, defaultsOf(na.type)).map((p) => [p.name, p]));
    const pb = new Map(stepParams(nb, defaultsOf(nb.type)).map((p) => [p.name, p]));
    for (const name of [...pa.keys(), ...[...pb.keys()].filter((k) => !pa.has(k))]) {
      const va = pa.get(name);
      const vb = pb.get(name);
      if (va && vb && sameValue(va.value, vb.value)) continue;
      differences.push({ nodeId, param: name, a: va, b: vb });
    }
  }
  return differences;
}

/** Whether the two snapshots wire their steps differently (edge ids aside). */
export function wiringDiffers(a: GraphFile, b: GraphFile): boolean {
  const wires = (g: GraphFile) => g.edges.map((e) => `${e.source}.${e.sourceHandle}>${e.target}.${e.targetHandle}`).sort().join('|');
  return wires(a) !== wires(b);
}

/** A param value in a few characters: strings as written, everything else as JSON. */
export function formatParamValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '—';
  return JSON.stringify(value);
}
