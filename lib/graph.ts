import { z } from 'zod';

/** Version of the graph file format itself (node kinds carry their own typeVersion). */
export const GRAPH_FORMAT_VERSION = 1;

// "__proto__" as a key of a plain object changes the object instead of adding an entry: no id may be it.
const id = z.string().min(1, 'must not be empty').max(200).refine((value) => value !== '__proto__', 'this name is reserved');

/** Kinds the engine runs for itself (ingesting an upload): no graph from outside may name one. */
export const INTERNAL_KIND_PREFIX = 'system.';

/** Deeper params than this are refused: no node kind nests anywhere near it, and deep JSON is an attack on recursion. */
export const MAX_PARAMS_DEPTH = 16;

/** A text param longer than this is refused: no setting needs it, and messages quote params back. */
export const MAX_PARAM_TEXT = 10_000;

/** What is wrong with a node's params as JSON: nesting deeper than `maxDepth`, or a text (key or value) longer than `maxText`; found without recursion. */
export function paramsShapeProblem(value: unknown, maxDepth: number, maxText: number): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item === 'string' && item.length > maxText) return `a text in the params is longer than ${maxText} characters`;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= maxDepth) return `params nest deeper than ${maxDepth} levels`;
    for (const [key, child] of Object.entries(item)) {
      if (key.length > maxText) return `a name in the params is longer than ${maxText} characters`;
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

export const graphNodeSchema = z.object({
  id,
  type: z
    .string()
    .min(1, 'must not be empty')
    .max(100, 'at most 100 characters')
    .refine((type) => !type.startsWith(INTERNAL_KIND_PREFIX), 'this node kind is internal to the engine and cannot be used in a graph'),
  typeVersion: z.number().int().positive(),
  params: z
    .record(z.string(), z.unknown())
    .default({})
    .superRefine((params, ctx) => {
      const problem = paramsShapeProblem(params, MAX_PARAMS_DEPTH, MAX_PARAM_TEXT);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  position: z.object({ x: z.number(), y: z.number() }),
});

/** A port's name on an edge: ports are short names a node kind declares. */
const handle = z.string().min(1).max(100, 'at most 100 characters');

export const graphEdgeSchema = z.object({
  id,
  source: id,
  sourceHandle: handle,
  target: id,
  targetHandle: handle,
});

/** The one graph format: used by the API, the editor, import/export and the CLI. */
export const graphSchema = z
  .object({
    version: z.literal(GRAPH_FORMAT_VERSION),
    name: z.string().trim().min(1, 'a graph needs a name').max(200),
    nodes: z.array(graphNodeSchema),
    edges: z.array(graphEdgeSchema),
  })
  .superRefine((graph, ctx) => {
    const seen = new Set<string>();
    graph.nodes.forEach((node, i) => {
      if (seen.has(node.id)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `duplicate node id "${node.id}"` });
      seen.add(node.id);
    });
    const edgeIds = new Set<string>();
    graph.edges.forEach((edge, i) => {
      if (edgeIds.has(edge.id)) ctx.addIssue({ code: 'custom', path: ['edges', i, 'id'], message: `duplicate edge id "${edge.id}"` });
      edgeIds.add(edge.id);
    });
  });

export type GraphFile = z.infer<typeof graphSchema>;
export type GraphNode = z.infer<typeof graphNodeSchema>;
export type GraphEdge = z.infer<typeof graphEdgeSchema>;

export function emptyGraph(name: string): GraphFile {
  return { version: GRAPH_FORMAT_VERSION, name, nodes: [], edges: [] };
}

/** Parses unknown JSON into a graph, or a list of readable problems ("nodes.2.position: expected number"). */
export function parseGraph(input: unknown): { ok: true; graph: GraphFile } | { ok: false; problems: string[] } {
  const result = graphSchema.safeParse(input);
  if (result.success) return { ok: true, graph: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'graph'}: ${issue.message}`),
  };
}

/** A stored graph document (JSON text) parsed as parseGraph does; text that is not JSON is one problem. */
export function parseGraphText(text: string): ReturnType<typeof parseGraph> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['graph: the saved document is not valid JSON'] };
  }
  return parseGraph(json);
}
