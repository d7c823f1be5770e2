import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GRAPH_FORMAT_VERSION, type GraphFile } from '../../lib/graph';
import {
  applyCommand,
  commandBetween,
  copyNodes,
  EMPTY_HISTORY,
  GROUP_WINDOW_MS,
  invertCommand,
  pasteNodes,
  record,
  redo,
  undo,
  type History,
} from '../../lib/graph-commands';

/**
 * One random edit, as the editor makes them: add a step, delete steps (with their edges), move (a drag),
 * lay out (every step moves), connect, disconnect, change a param, paste copied steps, rename.
 */
type Edit = { op: number; pick: number; pick2: number; value: number };

function edit(graph: GraphFile, { op, pick, pick2, value }: Edit, serial: number): GraphFile {
  const g = structuredClone(graph);
  const node = g.nodes.length ? g.nodes[pick % g.nodes.length] : undefined;
  const other = g.nodes.length ? g.nodes[pick2 % g.nodes.length] : undefined;
  switch (op) {
    case 0:
      g.nodes.splice(pick % (g.nodes.length + 1), 0, { id: `n${serial}`, type: 'features.scale', typeVersion: 1, params: { a: value }, position: { x: value, y: serial } });
      return g;
    case 1:
      if (!node) return g;
      g.nodes = g.nodes.filter((n) => n.id !== node.id && (value % 2 === 0 || n.id !== other?.id));
      g.edges = g.edges.filter((e) => g.nodes.some((n) => n.id === e.source) && g.nodes.some((n) => n.id === e.target));
      return g;
    case 2:
      if (node) node.position = { x: node.position.x + value, y: node.position.y - value };
      return g;
    case 3:
      g.nodes.forEach((n, i) => (n.position = { x: i * 280, y: value }));
      return g;
    case 4:
      if (node && other) g.edges.splice(pick2 % (g.edges.length + 1), 0, { id: `edge${serial}`, source: node.id, sourceHandle: 'out', target: other.id, targetHandle: `in${value % 3}` });
      return g;
    case 5:
      if (g.edges.length) g.edges.splice(pick % g.edges.length, 1);
      return g;
    case 6:
      if (node) node.params = { ...node.params, [`p${pick2 % 3}`]: value % 2 ? value : String(value) };
      return g;
    case 7: {
      if (!node || !other) return g;
      const clip = copyNodes(g, [node.id, other.id]);
      return pasteNodes(g, clip, { x: value, y: value }, (n) => `${n.id}-copy${serial}`).graph;
    }
    default:
      g.name = `Pipeline ${value}`;
      return g;
  }
}

const edits = fc.array(fc.record({ op: fc.integer({ min: 0, max: 8 }), pick: fc.nat(50), pick2: fc.nat(50), value: fc.integer({ min: -500, max: 500 }) }), { maxLength: 40 });

const start: GraphFile = {
  version: GRAPH_FORMAT_VERSION,
  name: 'Start',
  nodes: [
    { id: 'data', type: 'dataset.sample', typeVersion: 1, params: { dataset: 'iris' }, position: { x: 0, y: 0 } },
    { id: 'split', type: 'split.train-test', typeVersion: 1, params: {}, position: { x: 280, y: 0 } },
  ],
  edges: [{ id: 'e0', source: 'data', sourceHandle: 'table', target: 'split', targetHandle: 'table' }],
};

describe('graph commands', () => {
  it("every edit's command takes the graph before it to the graph after it, and its inverse takes it back exactly (seeded)", () => {
    fc.assert(
      fc.property(edits, (sequence) => {
        let graph = start;
        sequence.forEach((e, serial) => {
          const next = edit(graph, e, serial);
          const command = commandBetween(graph, next);
          if (command === null) {
            expect(next).toStrictEqual(graph);
          } else {
            expect(applyCommand(graph, command)).toStrictEqual(next);
            expect(applyCommand(next, invertCommand(command))).toStrictEqual(graph);
          }
          graph = next;
        });
      }),
      { seed: 17, numRuns: 300 },
    );
  });

  it('a history of random edits undoes to the first graph, redoes to the last, and any undo/redo walk lands on a graph it passed (seeded)', () => {
    fc.assert(
      fc.property(edits, fc.array(fc.boolean(), { maxLength: 30 }), (sequence, walk) => {
        let graph = start;
        let history: History = EMPTY_HISTORY;
        const seen = [JSON.stringify(start)];
        sequence.forEach((e, serial) => {
          const next = edit(graph, e, serial);
          const command = commandBetween(graph, next);
          // Far apart in time: no grouping, one step per edit.
          if (command) history = record(history, graph, command, serial * GROUP_WINDOW_MS * 2);
          graph = next;
          seen.push(JSON.stringify(graph));
        });
        const end = graph;
        for (const back of walk) {
          const step = back ? undo(history, graph) : redo(history, graph);
          if (step) ({ graph, history } = step);
          expect(seen).toContain(JSON.stringify(graph));
        }
        for (let step = undo(history, graph); step; step = undo(history, graph)) ({ graph, history } = step);
        expect(graph).toStrictEqual(start);
        for (let step = redo(history, graph); step; step = redo(history, graph)) ({ graph, history } = step);
        expect(graph).toStrictEqual(end);
      }),
      { seed: 1717, numRuns: 300 },
    );
  });

  it('groups typing in one field into one step, but not edits of another field, nor after a pause', () => {
    const typed = (graph: GraphFile, value: string) => ({ ...graph, nodes: graph.nodes.map((n) => (n.id === 'split' ? { ...n, params: { ...n.params, testFraction: value } } : n)) });
    let history: History = EMPTY_HISTORY;
    let graph = start;
    for (const [i, value] of ['0', '0.', '0.2', '0.25'].entries()) {
      const next = typed(graph, value);
      history = record(history, graph, commandBetween(graph, next)!, 1000 + i * 300);
      graph = next;
    }
    expect(history.past).toHaveLength(1);
    expect(undo(history, graph)!.graph).toStrictEqual(start);
    const other = { ...graph, nodes: graph.nodes.map((n) => (n.id === 'data' ? { ...n, params: { dataset: 'wine' } } : n)) };
    history = record(history, graph, commandBetween(graph, other)!, 2000);
    expect(history.past).toHaveLength(2);
    const later = typed(other, '0.5');
    history = record(history, other, commandBetween(other, later)!, 2000 + GROUP_WINDOW_MS + 1);
    expect(history.past).toHaveLength(3);
    // A step of its own (a restored version) never joins the one before, even on the same field at once.
    const restored = typed(later, '0.3');
    history = record(history, later, commandBetween(later, restored)!, 2000 + GROUP_WINDOW_MS + 2, true);
    expect(history.past).toHaveLength(4);
    expect(undo(history, restored)!.graph).toStrictEqual(later);
  });

  it('copies the edges among the copied steps only, and pastes them with fresh ids at the point given', () => {
    const clip = copyNodes({ ...start, nodes: [...start.nodes, { ...start.nodes[0], id: 'x' }] }, ['data', 'split']);
    expect(clip.nodes.map((n) => n.id)).toEqual(['data', 'split']);
    expect(clip.edges).toHaveLength(1);
    const { graph, ids } = pasteNodes(start, clip, { x: 100, y: 500 }, (n) => `${n.id}-2`);
    expect(ids).toEqual(['data-2', 'split-2']);
    expect(graph.nodes.slice(2).map((n) => n.position)).toEqual([{ x: 100, y: 500 }, { x: 380, y: 500 }]);
    expect(graph.edges[1]).toMatchObject({ source: 'data-2', target: 'split-2', sourceHandle: 'table', targetHandle: 'table' });
    expect(commandBetween(start, graph)!.type).toBe('add');
  });
});
