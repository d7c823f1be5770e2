import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { emptyGraph, graphSchema, parseGraphText, type GraphFile } from '../../../lib/graph';
import { graphIdSchema, nodeIdSchema } from '../../../lib/ids';
import { nodeKinds } from '../../../nodes';
import { upgradeGraph } from '../../../nodes/define';
import { graphs } from '../../../drizzle/schema';
import { getDb } from '../../db';
import { getEngine } from '../../engine/instance';
import { publicProcedure, router } from '../trpc';

export function loadGraph(id: string): { id: string; graph: GraphFile; updatedAt: number } {
  const row = getDb().select().from(graphs).where(eq(graphs.id, id)).get();
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no graph "${id}".` });
  // A document saved before a rule existed (an internal node kind, say) is named, not opened.
  const parsed = parseGraphText(row.document);
  if (!parsed.ok) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `This pipeline's saved graph cannot be opened: ${parsed.problems.slice(0, 3).join('; ')}` });
  }
  // Nodes saved by an older version of their kind open migrated, and are saved so from then on.
  return { id: row.id, graph: upgradeGraph(parsed.graph, nodeKinds), updatedAt: row.updatedAt };
}

export const graphsRouter = router({
  list: publicProcedure.query(() =>
    getDb()
      .select({ id: graphs.id, name: graphs.name, updatedAt: graphs.updatedAt, createdAt: graphs.createdAt })
      .from(graphs)
      .orderBy(desc(graphs.updatedAt))
      .all(),
  ),

  get: publicProcedure.input(z.object({ id: graphIdSchema })).query(({ input }) => loadGraph(input.id)),

  /** A new empty graph, or an imported graph file. */
  create: publicProcedure
    .input(z.object({ name: z.string().trim().min(1).max(200).optional(), graph: graphSchema.optional() }))
    .mutation(({ input }) => {
      const graph = input.graph ?? emptyGraph(input.name ?? 'Untitled pipeline');
      const id = randomUUID();
      const now = Date.now();
      getDb().insert(graphs).values({ id, name: graph.name, document: JSON.stringify(graph), updatedAt: now }).run();
      return { id };
    }),

  /** Autosave: the whole graph file, validated by the one graph schema before it replaces the saved one. */
  save: publicProcedure.input(z.object({ id: graphIdSchema, graph: graphSchema })).mutation(({ input }) => {
    loadGraph(input.id);
    const updatedAt = Date.now();
    getDb()
      .update(graphs)
      .set({ name: input.graph.name, document: JSON.stringify(input.graph), updatedAt })
      .where(eq(graphs.id, input.id))
      .run();
    return { updatedAt };
  }),

  delete: publicProcedure.input(z.object({ id: graphIdSchema })).mutation(({ input }) => {
    if (getDb().delete(graphs).where(eq(graphs.id, input.id)).run().changes === 0) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `There is no graph "${input.id}".` });
    }
    return { ok: true };
  }),

  /**
   * Compile without running: per-node errors, what each port carries (for column pickers), and for
   * a valid graph which steps the next run will run and why (or reuse from the cache).
   */
  check: publicProcedure.input(z.object({ graph: graphSchema, graphId: graphIdSchema.optional() })).query(({ input }) => {
    const engine = getEngine();
    const result = engine.compile(input.graph);
    return {
      ok: result.ok,
      errors: result.errors,
      ports: result.ports,
      forecast: result.ok ? engine.forecast(input.graph, input.graphId) : {},
    };
  }),

  /** Forget a node's cached result, so the next run computes it (and what depends on it) again. */
  clearCache: publicProcedure.input(z.object({ id: graphIdSchema, nodeId: nodeIdSchema })).mutation(({ input }) => {
    const { graph } = loadGraph(input.id);
    return getEngine().clearCache(graph, input.nodeId);
  }),
});
