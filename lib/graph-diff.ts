import type { GraphEdge, GraphFile, GraphNode } from './graph';

/**
 * What changed between two versions of a graph, by meaning: nodes added and removed (by id), params
 * changed (old → new), connections made and removed (by their ends, not their ids), nodes moved, and
 * the name. Positions alone never count as a param change.
 */
export interface GraphDiff {
  renamed: { from: string; to: string } | null;
  added: Pick<GraphNode, 'id' | 'type'>[];
  removed: Pick<GraphNode, 'id' | 'type'>[];
  changed: { id: string; type: string; param: string; from: unknown; to: unknown }[];
  moved: string[];
  connected: DiffEdge[];
  disconnected: DiffEdge[];
}

/** A connection, with the kinds of the nodes at its ends (to name them). */
export type DiffEdge = GraphEdge & { sourceType: string; targetType: string };

/** JSON with object keys sorted: two params equal in meaning compare equal as text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const edgeKey = (e: GraphEdge) => JSON.stringify([e.source, e.sourceHandle, e.target, e.targetHandle]);

export function diffGraphs(before: GraphFile, after: GraphFile): GraphDiff {
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const now = new Map(after.nodes.map((n) => [n.id, n]));
  const diff: GraphDiff = {
    renamed: before.name === after.name ? null : { from: before.name, to: after.name },
    added: after.nodes.filter((n) => !old.has(n.id)).map(({ id, type }) => ({ id, type })),
    removed: before.nodes.filter((n) => !now.has(n.id)).map(({ id, type }) => ({ id, type })),
    changed: [],
    moved: [],
    connected: [],
    disconnected: [],
  };
  for (const node of after.nodes) {
    const previous = old.get(node.id);
    if (!previous) continue;
    if (previous.position.x !== node.position.x || previous.position.y !== node.position.y) diff.moved.push(node.id);
    const params = new Set([...Object.keys(previous.params), ...Object.keys(node.params)]);
    for (const param of [...params].sort()) {
      if (stableJson(previous.params[param]) !== stableJson(node.params[param])) {
        diff.changed.push({ id: node.id, type: node.type, param, from: previous.params[param], to: node.params[param] });
      }
    }
  }
  const oldEdges = new Set(before.edges.map(edgeKey));
  const newEdges = new Set(after.edges.map(edgeKey));
  const typed = (nodes: Map<string, GraphNode>) => (e: GraphEdge): DiffEdge => ({ ...e, sourceType: nodes.get(e.source)?.type ?? '', targetType: nodes.get(e.target)?.type ?? '' });
  diff.connected = after.edges.filter((e) => !oldEdges.has(edgeKey(e))).map(typed(now));
  diff.disconnected = before.edges.filter((e) => !newEdges.has(edgeKey(e))).map(typed(old));
  return diff;
}

export function isEmptyDiff(diff: GraphDiff): boolean {
  return !diff.renamed && [diff.added, diff.removed, diff.changed, diff.moved, diff.connected, diff.disconnected].every((list) => list.length === 0);
}

/** How the summary names things: a node kind's label ("Split") and a param's title ("Learning rate"). */
export interface DiffVocabulary {
  kindLabel(type: string): string;
  paramTitle(type: string, param: string): string;
}

const MAX_VALUE = 40;

/** A param value in a sentence: 0.005, Species, (empty), [a, b]. */
export function valueText(value: unknown): string {
  if (value === undefined || value === '' || value === null) return '(empty)';
  const text = typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v !== 'object') ? value.join(', ') : stableJson(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/**
 * The diff in a line for people: "added Split; learning rate 0.01 → 0.005; removed Outliers". At most
 * `max` parts, then "and N more changes"; "no changes" for none.
 */
export function summarizeDiff(diff: GraphDiff, words: DiffVocabulary, max = 5): string {
  const comesOrGoes = new Set([...diff.added, ...diff.removed].map((n) => n.id));
  const parts: string[] = [];
  if (diff.renamed) parts.push(`renamed to "${diff.renamed.to}"`);
  for (const node of diff.added) parts.push(`added ${words.kindLabel(node.type)}`);
  for (const change of diff.changed) parts.push(`${words.paramTitle(change.type, change.param).toLowerCase()} ${valueText(change.from)} → ${valueText(change.to)}`);
  for (const node of diff.removed) parts.push(`removed ${words.kindLabel(node.type)}`);
  // Connections to and from added or removed nodes go with them; the rest are told.
  const alone = (e: DiffEdge) => !comesOrGoes.has(e.source) && !comesOrGoes.has(e.target);
  const ends = (e: DiffEdge) => `${words.kindLabel(e.sourceType)} → ${words.kindLabel(e.targetType)}`;
  const connected = diff.connected.filter(alone);
  const disconnected = diff.disconnected.filter(alone);
  if (connected.length > 0) parts.push(`connected ${connected.map(ends).join(', ')}`);
  if (disconnected.length > 0) parts.push(`disconnected ${disconnected.map(ends).join(', ')}`);
  if (diff.moved.length > 0) parts.push(`moved ${diff.moved.length} node${diff.moved.length === 1 ? '' : 's'}`);
  if (parts.length === 0) return 'no changes';
  const shown = parts.slice(0, max).join('; ');
  return parts.length > max ? `${shown}; and ${parts.length - max} more change${parts.length - max === 1 ? '' : 's'}` : shown;
}
