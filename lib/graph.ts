import { z } from 'zod';

/** Version of the graph file format itself (node kinds carry their own typeVersion). */
export const GRAPH_FORMAT_VERSION = 1;

const id = z.string().min(1, 'must not be empty').max(200);

export const graphNodeSchema = z.object({
  id,
  type: z.string().min(1),
  typeVersion: z.number().int().positive(),
  params: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }),
});

export const graphEdgeSchema = z.object({
  id,
  source: id,
  sourceHandle: z.string().min(1),
  target: id,
  targetHandle: z.string().min(1),
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
