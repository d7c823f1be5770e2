/** The closed set of artifact kinds that travel along edges, and the rule for wiring them. */
export const PORT_TYPES = ['Table', 'Split', 'Folds', 'Model', 'TrainedModel', 'Metrics', 'Deployment'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec {
  /** Stable handle id, unique among a node's inputs (or outputs). */
  name: string;
  type: PortType;
  label: string;
  /** Inputs only: an optional input may stay unconnected. */
  optional?: boolean;
  /** Inputs only: other types this input takes besides `type` (a fitted step accepts a Split too). */
  accepts?: PortType[];
  /** Outputs only: the name of the input whose type this output carries on (a Split in, a Split out). */
  passes?: string;
}

/** Handle colours, one per port type, so users learn which sockets fit together. */
export const PORT_COLORS: Record<PortType, string> = {
  Table: '#2563eb',
  Split: '#7c3aed',
  Folds: '#0891b2',
  Model: '#d97706',
  TrainedModel: '#dc2626',
  Metrics: '#059669',
  Deployment: '#475569',
};

export const PORT_DESCRIPTIONS: Record<PortType, string> = {
  Table: 'a table of rows and columns',
  Split: 'data split into train / validation / test rows',
  Folds: 'data cut into k folds for cross-validation (each fold takes a turn as the test rows)',
  Model: 'an untrained model design',
  TrainedModel: 'a trained model',
  Metrics: 'evaluation results',
  Deployment: 'a published model',
};

export type ConnectCheck = { ok: true } | { ok: false; reason: string };

/** Every type an input takes, its main type first. */
export function acceptedTypes(input: Pick<PortSpec, 'type' | 'accepts'>): PortType[] {
  return [input.type, ...(input.accepts ?? [])];
}

/** Whether an output of type `from` may feed an input; says why not in plain words. */
export function canConnect(from: PortType, to: PortType | Pick<PortSpec, 'type' | 'accepts'>): ConnectCheck {
  const accepted = acceptedTypes(typeof to === 'string' ? { type: to } : to);
  if (accepted.includes(from)) return { ok: true };
  const expected = accepted.map((t) => `${PORT_DESCRIPTIONS[t]} (${t})`).join(' or ');
  return { ok: false, reason: `This input expects ${expected}, but that output gives ${PORT_DESCRIPTIONS[from]} (${from}).` };
}

/** The wiring `outputType` needs: a node's kind ports, and what feeds one of its inputs. */
export interface PortLookup {
  ports(nodeId: string): { inputs: PortSpec[]; outputs: PortSpec[] } | undefined;
  source(nodeId: string, input: string): { nodeId: string; port: string } | undefined;
}

/**
 * The type an output actually carries: its declared type, or for an output that passes on an input's
 * type, the type of whatever is wired to that input (followed upstream). Unwired: the declared type.
 */
export function outputType(lookup: PortLookup, nodeId: string, port: string, seen = new Set<string>()): PortType | undefined {
  const spec = lookup.ports(nodeId)?.outputs.find((p) => p.name === port);
  if (!spec) return undefined;
  if (!spec.passes || seen.has(nodeId)) return spec.type;
  seen.add(nodeId);
  const source = lookup.source(nodeId, spec.passes);
  return (source && outputType(lookup, source.nodeId, source.port, seen)) ?? spec.type;
}

/** A PortLookup over a graph's nodes and edges (one edge per input). */
export function graphPortLookup(
  nodes: { id: string; kind: string }[],
  edges: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }[],
  kindPorts: (kind: string) => { inputs: PortSpec[]; outputs: PortSpec[] } | undefined,
): PortLookup {
  const kindOf = new Map(nodes.map((n) => [n.id, n.kind]));
  const sources = new Map(edges.map((e) => [`${e.target}\u0000${e.targetHandle}`, { nodeId: e.source, port: e.sourceHandle ?? '' }]));
  return {
    ports: (nodeId) => {
      const kind = kindOf.get(nodeId);
      return kind === undefined ? undefined : kindPorts(kind);
    },
    source: (nodeId, input) => sources.get(`${nodeId}\u0000${input}`),
  };
}
