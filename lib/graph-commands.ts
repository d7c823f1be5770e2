/**
 * Graph edits as commands over the graph file format, for undo and redo: pure, safe in a browser.
 *
 * A command is what one edit changed (nodes and edges added, removed or replaced, each at its place in
 * its list, and the name), so applying it to the graph it was made on gives the graph after the edit,
 * and applying its inverse to that gives the graph before it back exactly, order included. Commands are
 * made by comparing the graph before an edit with the graph after it (`commandBetween`), so every edit the
 * editor makes (add, delete, move, connect, disconnect, param change, paste, layout, restore) is one.
 * A history groups edits of one key (one drag, typing in one field) made close together into one step.
 */
import type { GraphEdge, GraphFile, GraphNode } from './graph';

/** One item of a list that an edit changed: `before` absent is an insertion, `after` absent a removal. */
export interface ItemChange<T> {
  id: string;
  /** Its index in the list before the edit (a removal, a replacement) or after it (an insertion). */
  at: number;
  before?: T;
  after?: T;
}

export type CommandType = 'add' | 'delete' | 'move' | 'connect' | 'disconnect' | 'params' | 'rename' | 'edit';

export interface GraphCommand {
  type: CommandType;
  nodes: ItemChange<GraphNode>[];
  edges: ItemChange<GraphEdge>[];
  name?: { before: string; after: string };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The changes that turn list `before` into list `after` (items told apart by id). */
function diffList<T extends { id: string }>(before: T[], after: T[]): ItemChange<T>[] {
  const afterIds = new Set(after.map((item) => item.id));
  const beforeIds = new Set(before.map((item) => item.id));
  const keptBefore = before.filter((item) => afterIds.has(item.id)).map((item) => item.id);
  const keptAfter = after.filter((item) => beforeIds.has(item.id)).map((item) => item.id);
  if (!same(keptBefore, keptAfter)) {
    // Reordered: everything out, everything in, which restores any order exactly.
    return [...before.map((item, at) => ({ id: item.id, at, before: item })), ...after.map((item, at) => ({ id: item.id, at, after: item }))];
  }
  const changes: ItemChange<T>[] = [];
  before.forEach((item, at) => {
    if (!afterIds.has(item.id)) changes.push({ id: item.id, at, before: item });
  });
  const byId = new Map(before.map((item) => [item.id, item]));
  after.forEach((item, at) => {
    const was = byId.get(item.id);
    if (!was) changes.push({ id: item.id, at, after: item });
    else if (!same(was, item)) changes.push({ id: item.id, at, before: was, after: item });
  });
  return changes;
}

/** Applies list changes: removals from the back, then insertions from the front, then replacements. */
function applyList<T extends { id: string }>(list: T[], changes: ItemChange<T>[]): T[] {
  const removals = changes.filter((c) => c.after === undefined).sort((a, b) => b.at - a.at);
  const insertions = changes.filter((c) => c.before === undefined).sort((a, b) => a.at - b.at);
  const replacements = new Map(changes.filter((c) => c.before !== undefined && c.after !== undefined).map((c) => [c.id, c.after!]));
  const next = [...list];
  for (const removal of removals) {
    if (next[removal.at]?.id !== removal.id) throw new Error(`The graph is not the one this edit was made on (no "${removal.id}" at ${removal.at}).`);
    next.splice(removal.at, 1);
  }
  for (const insertion of insertions) next.splice(insertion.at, 0, insertion.after!);
  return next.map((item) => replacements.get(item.id) ?? item);
}

function invertList<T>(changes: ItemChange<T>[]): ItemChange<T>[] {
  return changes.map(({ id, at, before, after }) => ({ id, at, before: after, after: before }));
}

/** What kind of edit a change of the graph is, from what it touched. */
function classify(nodes: ItemChange<GraphNode>[], edges: ItemChange<GraphEdge>[], renamed: boolean): CommandType {
  const added = nodes.some((c) => !c.before);
  const removed = nodes.some((c) => !c.after);
  const replaced = nodes.filter((c) => c.before && c.after);
  if (renamed) return nodes.length + edges.length === 0 ? 'rename' : 'edit';
  if (added && !removed) return 'add';
  if (removed && !added) return 'delete';
  if (added || removed) return 'edit';
  if (edges.length === 0 && replaced.every((c) => same(c.before!.params, c.after!.params))) return 'move';
  if (edges.length === 0 && replaced.every((c) => same(c.before!.position, c.after!.position))) return 'params';
  if (replaced.length === 0 && edges.every((c) => !c.before)) return 'connect';
  if (replaced.length === 0 && edges.every((c) => !c.after)) return 'disconnect';
  return 'edit';
}

/** The command that turns `before` into `after`; null when they are the same graph. */
export function commandBetween(before: GraphFile, after: GraphFile): GraphCommand | null {
  const nodes = diffList(before.nodes, after.nodes);
  const edges = diffList(before.edges, after.edges);
  const renamed = before.name !== after.name;
  if (nodes.length === 0 && edges.length === 0 && !renamed) return null;
  const command: GraphCommand = { type: classify(nodes, edges, renamed), nodes, edges };
  if (renamed) command.name = { before: before.name, after: after.name };
  return command;
}

/** The graph after the command (made on `graph`, or on a graph equal to it). */
export function applyCommand(graph: GraphFile, command: GraphCommand): GraphFile {
  return {
    ...graph,
    name: command.name ? command.name.after : graph.name,
    nodes: applyList(graph.nodes, command.nodes),
    edges: applyList(graph.edges, command.edges),
  };
}

/** The command that undoes `command`. */
export function invertCommand(command: GraphCommand): GraphCommand {
  const inverse: GraphCommand = { type: command.type, nodes: invertList(command.nodes), edges: invertList(command.edges) };
  if (command.name) inverse.name = { before: command.name.after, after: command.name.before };
  return inverse;
}

/** What an edit is called on the Undo and Redo buttons. */
export function describeCommand(command: GraphCommand): string {
  const n = command.nodes.length;
  const steps = (count: number) => `${count} step${count === 1 ? '' : 's'}`;
  switch (command.type) {
    case 'add':
      return `add ${steps(command.nodes.filter((c) => !c.before).length)}`;
    case 'delete':
      return `delete ${steps(command.nodes.filter((c) => !c.after).length)}`;
    case 'move':
      return `move ${steps(n)}`;
    case 'params':
      return 'settings change';
    case 'connect':
      return 'connect';
    case 'disconnect':
      return 'disconnect';
    case 'rename':
      return 'rename';
    case 'edit':
      return 'edit';
  }
}

/** One step of the history: a command, the key edits of one gesture share, and when it was last extended. */
export interface HistoryEntry {
  command: GraphCommand;
  key: string | null;
  at: number;
}

export interface History {
  past: HistoryEntry[];
  future: HistoryEntry[];
}

export const EMPTY_HISTORY: History = { past: [], future: [] };

/** Edits of one key closer together than this are one step (typing in one field). */
export const GROUP_WINDOW_MS = 2000;
/** At most this many steps are kept. */
const HISTORY_LIMIT = 200;

/** The key that groups an edit with the one before it: the node and fields a params change touched, or the name; null never groups. */
export function groupKey(command: GraphCommand): string | null {
  if (command.type === 'rename') return 'name';
  if (command.type !== 'params') return null;
  const fields = command.nodes.map((c) => {
    const before = c.before!.params;
    const after = c.after!.params;
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !same(before[k], after[k])).sort();
    return `${c.id}:${keys.join(',')}`;
  });
  return `params:${fields.join(';')}`;
}

/**
 * The history after an edit made on `graph` (the graph before it): a new step, or the top step
 * extended when the edit has its key and came within the window (unless `alone`: a step of its own,
 * such as a restored version). The redo steps are dropped.
 */
export function record(history: History, graph: GraphFile, command: GraphCommand, now: number, alone = false): History {
  const key = alone ? null : groupKey(command);
  const top = history.past.at(-1);
  if (key !== null && top && top.key === key && history.future.length === 0 && now - top.at <= GROUP_WINDOW_MS) {
    const start = applyCommand(graph, invertCommand(top.command));
    const merged = commandBetween(start, applyCommand(graph, command));
    const past = history.past.slice(0, -1);
    return { past: merged ? [...past, { command: merged, key, at: now }] : past, future: [] };
  }
  return { past: [...history.past, { command, key, at: now }].slice(-HISTORY_LIMIT), future: [] };
}

/** Undoes the last step: the graph before it and the history after; null when there is nothing to undo. */
export function undo(history: History, graph: GraphFile): { graph: GraphFile; history: History } | null {
  const top = history.past.at(-1);
  if (!top) return null;
  return { graph: applyCommand(graph, invertCommand(top.command)), history: { past: history.past.slice(0, -1), future: [...history.future, { ...top, key: null }] } };
}

/** Redoes the last undone step; null when there is nothing to redo. */
export function redo(history: History, graph: GraphFile): { graph: GraphFile; history: History } | null {
  const top = history.future.at(-1);
  if (!top) return null;
  return { graph: applyCommand(graph, top.command), history: { past: [...history.past, top], future: history.future.slice(0, -1) } };
}

/** Steps copied: the chosen nodes and the edges among them (edges to steps left behind are not copied). */
export interface Clipboard {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function copyNodes(graph: GraphFile, ids: Iterable<string>): Clipboard {
  const chosen = new Set(ids);
  return {
    nodes: graph.nodes.filter((n) => chosen.has(n.id)),
    edges: graph.edges.filter((e) => chosen.has(e.source) && chosen.has(e.target)),
  };
}

/**
 * The graph with the clipboard's steps added (fresh ids from `newId`, their edges among them kept), its
 * top-left step at `at`; and the new ids.
 */
export function pasteNodes(graph: GraphFile, clipboard: Clipboard, at: { x: number; y: number }, newId: (node: GraphNode) => string): { graph: GraphFile; ids: string[] } {
  if (clipboard.nodes.length === 0) return { graph, ids: [] };
  const left = Math.min(...clipboard.nodes.map((n) => n.position.x));
  const top = Math.min(...clipboard.nodes.map((n) => n.position.y));
  const taken = new Set(graph.nodes.map((n) => n.id));
  const ids = new Map<string, string>();
  for (const node of clipboard.nodes) {
    let id = newId(node);
    while (taken.has(id)) id = newId(node);
    taken.add(id);
    ids.set(node.id, id);
  }
  const nodes = clipboard.nodes.map((n) => ({
    ...structuredClone(n),
    id: ids.get(n.id)!,
    position: { x: Math.round(at.x + n.position.x - left), y: Math.round(at.y + n.position.y - top) },
  }));
  const edges = clipboard.edges.map((e) => {
    const source = ids.get(e.source)!;
    const target = ids.get(e.target)!;
    return { ...e, id: edgeId(source, e.sourceHandle, target, e.targetHandle), source, target };
  });
  return { graph: { ...graph, nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] }, ids: [...ids.values()] };
}

/** An edge's id as the editor names it: its two ends. */
export function edgeId(source: string, sourceHandle: string | null | undefined, target: string, targetHandle: string | null | undefined): string {
  return `e-${source}-${sourceHandle}-${target}-${targetHandle}`;
}
