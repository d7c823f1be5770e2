'use client';
import type { Connection, Edge } from '@xyflow/react';
import { useCallback, useEffect, useRef } from 'react';
import type { GraphFile } from '../../lib/graph';
import { copyNodes, pasteNodes, type Clipboard } from '../../lib/graph-commands';
import { canConnect } from '../../lib/ports';
import { paramDefaults } from '../runs/params';
import { connectionProblem, edgeOf, newNodeId, possibleConnections, toCanvas, type CanvasNode, type Kinds, type WireEnd } from './canvas-graph';

type Point = { x: number; y: number };

/** Where a step added beside `near` goes: to its right, below whatever is there already. */
function besideOf(near: CanvasNode, nodes: CanvasNode[]): Point {
  const spot = { x: Math.round(near.position.x + 300), y: Math.round(near.position.y) };
  while (nodes.some((n) => Math.abs(n.position.x - spot.x) < 150 && Math.abs(n.position.y - spot.y) < 120)) spot.y += 160;
  return spot;
}

/** The connection a new step makes with a loose wire end: the first of its ports that fits and is free. */
function wireConnection(end: WireEnd, kinds: Kinds, type: string, id: string): Connection | undefined {
  const kind = kinds.get(type);
  if (!kind) return undefined;
  if (end.side === 'output') {
    const input = kind.inputs.find((p) => canConnect(end.type, p).ok);
    return input && { source: end.nodeId, sourceHandle: end.port, target: id, targetHandle: input.name };
  }
  const output = kind.outputs.find((p) => end.accepts.includes(p.type));
  return output && { source: id, sourceHandle: output.name, target: end.nodeId, targetHandle: end.port };
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * The editor's commands over the graph: add a step (beside the selected one, connected when the ports
 * fit, or at a loose wire's end), connect, copy, paste at the pointer, duplicate, delete; and their keys
 * (Ctrl/Cmd+Z, Shift+Ctrl/Cmd+Z and Ctrl+Y, C, V, D). Each puts a new graph on the canvas through
 * `show`, so each is one step of the undo history. Nothing is offered when `enabled` is false (a viewer).
 */
export function useEditorCommands({
  nodes,
  edges,
  kinds,
  graph,
  show,
  enabled,
  pointer,
  viewCenter,
  undo,
  redo,
}: {
  nodes: CanvasNode[];
  edges: Edge[];
  kinds: Kinds;
  graph: GraphFile;
  show(graph: GraphFile, selected?: ReadonlySet<string>): void;
  enabled: boolean;
  /** The pointer over the canvas, in flow coordinates; null when it has not been there. */
  pointer: () => Point | null;
  viewCenter: () => Point;
  undo(): void;
  redo(): void;
}) {
  const clipboard = useRef<Clipboard | null>(null);
  const selectedIds = nodes.filter((n) => n.selected).map((n) => n.id);

  /** The graph with a connection made (when it may be). */
  const withEdge = (g: GraphFile, c: Connection): GraphFile => {
    const { nodes: ns, edges: es } = toCanvas(g);
    if (connectionProblem(c, { nodes: ns, edges: es, kinds }) !== null) return g;
    return { ...g, edges: [...g.edges, edgeOf(c)] };
  };

  /** Adds a step: at `at`, or beside `near` (the selected step unless given; null: none) and connected to it when the ports fit, or to `wire`'s loose end. */
  const addStep = (type: string, place: { near?: string | null; at?: Point; wire?: WireEnd } = {}) => {
    const kind = kinds.get(type);
    if (!enabled || !kind) return;
    const near = nodes.find((n) => n.id === (place.near === undefined ? selectedIds[0] : place.near));
    const id = newNodeId(type);
    const position = place.at ?? (near ? besideOf(near, nodes) : viewCenter());
    let next: GraphFile = {
      ...graph,
      nodes: [...graph.nodes, { id, type, typeVersion: kind.version, params: paramDefaults(kind), position: { x: Math.round(position.x), y: Math.round(position.y) } }],
    };
    const link = place.wire
      ? wireConnection(place.wire, kinds, type, id)
      : near && possibleConnections({ ...toCanvas(next), kinds }, near.id, id)[0];
    if (link) next = withEdge(next, link);
    show(next, new Set([id]));
  };

  const connect = (c: Connection) => {
    if (enabled) show(withEdge(graph, c));
  };

  const copy = () => {
    if (selectedIds.length > 0) clipboard.current = copyNodes(graph, selectedIds);
  };

  const pasteFrom = (clip: Clipboard, at: Point) => {
    const { graph: next, ids } = pasteNodes(graph, clip, at, (n) => newNodeId(n.type));
    show(next, new Set(ids));
  };

  const paste = () => {
    const clip = clipboard.current;
    if (!enabled || !clip || clip.nodes.length === 0) return;
    const first = clip.nodes[0].position;
    pasteFrom(clip, pointer() ?? { x: first.x + 40, y: first.y + 40 });
  };

  const duplicate = (ids: string[] = selectedIds) => {
    const clip = copyNodes(graph, ids);
    if (!enabled || clip.nodes.length === 0) return;
    pasteFrom(clip, { x: Math.min(...clip.nodes.map((n) => n.position.x)) + 40, y: Math.min(...clip.nodes.map((n) => n.position.y)) + 40 });
  };

  const remove = (ids: string[]) => {
    if (!enabled) return;
    const gone = new Set(ids);
    show({ ...graph, nodes: graph.nodes.filter((n) => !gone.has(n.id)), edges: graph.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)) });
  };

  // The keys read the latest commands through a ref: one listener for the editor's life.
  const keys = useRef({ undo, redo, copy, paste, duplicate });
  keys.current = { undo, redo, copy, paste, duplicate };
  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      if (!enabled || !(e.ctrlKey || e.metaKey) || e.altKey || isTyping(e.target) || document.querySelector('[role="dialog"], [role="alertdialog"], [role="menu"]')) return;
      const key = e.key.toLowerCase();
      const command =
        key === 'z' ? (e.shiftKey ? keys.current.redo : keys.current.undo)
        : key === 'y' ? keys.current.redo
        : key === 'c' && !window.getSelection()?.toString() ? keys.current.copy
        : key === 'v' ? keys.current.paste
        : key === 'd' ? () => keys.current.duplicate()
        : null;
      if (!command) return;
      e.preventDefault();
      command();
    },
    [enabled],
  );
  useEffect(() => {
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [onKeyDown]);

  return { addStep, connect, duplicate, remove };
}
