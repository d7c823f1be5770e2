import { TRPCError } from '@trpc/server';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { on } from 'node:events';
import { z } from 'zod';
import { emptyGraph, graphSchema, parseGraphText, type GraphFile } from '../../../lib/graph';
import { graphIdSchema, nodeIdSchema } from '../../../lib/ids';
import { nodeKinds, referencedIds } from '../../../nodes';
import { upgradeGraph } from '../../../nodes/define';
import { graphs } from '../../../drizzle/schema';
import { getDb } from '../../db';
import { changesSince, graphChanges, insertGraph, revisionOf, SaveConflict, saveGraph } from '../../data/versions';
import { AccessDenied, authorize, authorizeActive, type Access, type Action, type Actor } from '../../auth/access';
import { deleteForever, moveToTrash, purgeExpiredTrash, restoreFromTrash, trashedPipelineWorkspace, trashOf, TRASH_DAYS } from '../../data/trash';
import { authorizePipeline, authorizePipelineAsMember, pipelinesSharedWith, shareOf } from '../../auth/sharing';
import { getEngine } from '../../engine/instance';
import { signedInProcedure, workspaceProcedure, router, type Context } from '../trpc';

const noGraph = (id: string) => `There is no pipeline "${id}".`;
const inNoTrash = 'That pipeline is not in the trash (it may be restored or deleted for good already).';

/**
 * Authorizes `action` on a pipeline, without reading its graph: by the actor's role in its workspace,
 * or by a share of this pipeline (server/auth/sharing.ts). One that does not exist and one the actor
 * may not see are the same 404.
 */
export function authorizeGraph(actor: Actor, id: string, action: Action): Access {
  return authorizePipeline(actor, workspaceOfGraph(id), id, action, noGraph(id));
}

/** As authorizeGraph, for what only members of the pipeline's workspace may do (delete it, share it): a share of it is not enough. */
export function authorizeGraphAsMember(actor: Actor, id: string, action: Action): Access {
  return authorizePipelineAsMember(actor, workspaceOfGraph(id), id, action, noGraph(id));
}

/**
 * What the inspector's pickers list: for a pipeline named (`forPipeline`), the datasets and saved
 * models of its workspace (as its runs read them), else those of the active workspace. `only`: the
 * ids someone the pipeline is shared with may see (those the pipeline names: a share is of that
 * pipeline only, not of the workspace's data), or undefined for all (its members).
 */
export function pickerScope(ctx: Context, forPipeline: string | undefined, widget: 'datasets' | 'models'): { workspaceId: string; only?: ReadonlySet<string> } {
  if (!forPipeline) return { workspaceId: authorizeActive(ctx.actor, ctx.requestedWorkspaceId, 'view').workspaceId };
  const { graph, access } = loadGraph(ctx.actor, forPipeline, 'view');
  return access.shared ? { workspaceId: access.workspaceId, only: new Set(referencedIds(graph)[widget]) } : { workspaceId: access.workspaceId };
}

/**
 * Someone a pipeline is shared with may check or save only graphs reading what the saved pipeline
 * names already: compiling or running it in its workspace would otherwise tell them the columns (or
 * the rows) of any other dataset there whose id they knew. Returns the pipeline's workspace.
 */
function sharedDataOnly(actor: Actor, graphId: string, graph: GraphFile, action: Action): string {
  const { graph: saved, access } = loadGraph(actor, graphId, action);
  if (access.shared) {
    const named = referencedIds(saved);
    const asked = referencedIds(graph);
    if (asked.datasets.some((id) => !named.datasets.includes(id)) || asked.models.some((id) => !named.models.includes(id))) {
      throw new AccessDenied(403, 'This pipeline is shared with you: it can read only the datasets and saved models it names already.');
    }
  }
  return access.workspaceId;
}

/** A save refused because someone else saved first: a CONFLICT that says who and what, nothing overwritten. */
export function savedOrConflict<T>(save: () => T): T {
  try {
    return save();
  } catch (error) {
    if (error instanceof SaveConflict) throw new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
    throw error;
  }
}

/** The workspace of a pipeline ('' for one that does not exist, or is in the trash: for everything but the trash's own procedures, it is gone). */
function workspaceOfGraph(id: string): string {
  return getDb().select({ workspaceId: graphs.workspaceId }).from(graphs).where(and(eq(graphs.id, id), isNull(graphs.deletedAt))).get()?.workspaceId ?? '';
}

/** A pipeline's graph, if `actor` may do `action` in its workspace. */
export function loadGraph(actor: Actor, id: string, action: Action): { id: string; graph: GraphFile; updatedAt: number; revision: number; access: Access } {
  const access = authorizeGraph(actor, id, action);
  const row = getDb().select().from(graphs).where(eq(graphs.id, id)).get();
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: noGraph(id) });
  // A document saved before a rule existed (an internal node kind, say) is named, not opened.
  const parsed = parseGraphText(row.document);
  if (!parsed.ok) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `This pipeline's saved graph cannot be opened: ${parsed.problems.slice(0, 3).join('; ')}` });
  }
  // Nodes saved by an older version of their kind open migrated, and are saved so from then on.
  return { id: row.id, graph: upgradeGraph(parsed.graph, nodeKinds), updatedAt: row.updatedAt, revision: row.revision, access };
}

/** Whether `actor` may still see the pipeline (a removed member, an ended share: no more). */
function maySee(actor: Actor, id: string): boolean {
  try {
    authorizeGraph(actor, id, 'view');
    return true;
  } catch (error) {
    if (error instanceof AccessDenied) return false;
    throw error;
  }
}

/** Others' saves of the pipeline after `afterRevision`, as they land (graphs.changes); ends when it is gone or the caller may no longer see it. */
async function* graphChangeStream(actor: NonNullable<Actor>, id: string, afterRevision: number, signal: AbortSignal | undefined) {
  let seen = afterRevision;
  const wake = new AbortController();
  signal?.addEventListener('abort', () => wake.abort());
  const saves = on(graphChanges, id, { signal: wake.signal });
  try {
    while (!signal?.aborted) {
      const revision = revisionOf(getDb(), id);
      if (revision === undefined || !maySee(actor, id)) return;
      if (revision > seen) {
        yield { revision, ...changesSince(getDb(), id, seen, actor.id) };
        seen = revision;
      }
      // A save by this server wakes it at once; another process's (the CLI's) within a few seconds.
      await Promise.race([saves.next(), new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
  } finally {
    wake.abort();
  }
}

export const graphsRouter = router({
  /** The pipelines of the active workspace. */
  list: workspaceProcedure('view').query(({ ctx }) => {
    purgeExpiredTrash(getDb());
    return getDb()
      .select({ id: graphs.id, name: graphs.name, updatedAt: graphs.updatedAt, createdAt: graphs.createdAt })
      .from(graphs)
      .where(and(eq(graphs.workspaceId, ctx.access.workspaceId), isNull(graphs.deletedAt)))
      .orderBy(desc(graphs.updatedAt))
      .all();
  }),

  /**
   * A pipeline and the caller's role: in its workspace, or the role a share of it gives them
   * (`sharedWithYou` says who shared it). A viewer's editor is read-only.
   */
  get: signedInProcedure.input(z.object({ id: graphIdSchema })).query(({ ctx, input }) => {
    const { access, ...loaded } = loadGraph(ctx.user, input.id, 'view');
    return { ...loaded, workspaceId: access.workspaceId, role: access.role, sharedWithYou: access.shared ? shareOf(ctx.user.id, input.id) : null };
  }),

  /** The pipelines of other workspaces shared with the caller (by a person, or a link they opened). */
  sharedWithMe: signedInProcedure.query(({ ctx }) => pipelinesSharedWith(ctx.user.id)),

  /** A new empty graph, or an imported graph file. */
  create: workspaceProcedure('edit')
    .input(z.object({ name: z.string().trim().min(1).max(200).optional(), graph: graphSchema.optional() }))
    .mutation(({ ctx, input }) => {
      const graph = input.graph ?? emptyGraph(input.name ?? 'Untitled pipeline');
      const db = getDb();
      return { id: db.transaction((tx) => insertGraph(tx, ctx.access.workspaceId, graph, ctx.access.user.id)) };
    }),

  /**
   * Autosave: the whole graph file, validated by the one graph schema before it replaces the saved
   * one, and kept in the pipeline's history. With `baseRevision` (the revision the editor last
   * loaded or saved), a save after someone else's is refused (CONFLICT, saying who and what) instead
   * of overwriting it; `fresh` keeps it as a version of its own ("keep mine as a new version").
   */
  save: signedInProcedure
    .input(z.object({ id: graphIdSchema, graph: graphSchema, baseRevision: z.number().int().min(0).optional(), fresh: z.boolean().optional() }))
    .mutation(({ ctx, input }) => {
      // The saved graph is replaced whole: one that no longer reads may be saved over (by a member).
      if (authorizeGraph(ctx.user, input.id, 'edit').shared) sharedDataOnly(ctx.user, input.id, input.graph, 'edit');
      return savedOrConflict(() => saveGraph(getDb(), input.id, input.graph, ctx.user.id, input.baseRevision, { fresh: input.fresh }));
    }),

  /** Moves a pipeline to the trash (restorable for 30 days). */
  delete: signedInProcedure.input(z.object({ id: graphIdSchema })).mutation(({ ctx, input }) => {
    const { workspaceId } = authorizeGraphAsMember(ctx.user, input.id, 'edit');
    if (moveToTrash(getDb(), input.id, workspaceId, ctx.user) === null) throw new TRPCError({ code: 'NOT_FOUND', message: noGraph(input.id) });
    return { ok: true, trashDays: TRASH_DAYS };
  }),

  /** The active workspace's trash: deleted pipelines, who deleted them, when they go for good. */
  trash: workspaceProcedure('view').query(({ ctx }) => {
    purgeExpiredTrash(getDb());
    return trashOf(getDb(), ctx.access.workspaceId);
  }),

  /** Takes a pipeline out of the trash. */
  restore: signedInProcedure.input(z.object({ id: graphIdSchema })).mutation(({ ctx, input }) => {
    const { workspaceId } = authorize(ctx.user, trashedPipelineWorkspace(getDb(), input.id), 'edit', inNoTrash);
    if (restoreFromTrash(getDb(), input.id, workspaceId, ctx.user) === null) throw new TRPCError({ code: 'NOT_FOUND', message: inNoTrash });
    return { ok: true };
  }),

  /** Deletes a pipeline in the trash for good, with its history (its runs stay). */
  deleteForever: signedInProcedure.input(z.object({ id: graphIdSchema })).mutation(({ ctx, input }) => {
    const { workspaceId } = authorize(ctx.user, trashedPipelineWorkspace(getDb(), input.id), 'edit', inNoTrash);
    if (deleteForever(getDb(), input.id, workspaceId, ctx.user) === null) throw new TRPCError({ code: 'NOT_FOUND', message: inNoTrash });
    return { ok: true };
  }),

  /** A copy of the pipeline, beside it in its workspace ("Copy of …"), with a history of its own. */
  duplicate: signedInProcedure.input(z.object({ id: graphIdSchema })).mutation(({ ctx, input }) => {
    const { access, graph } = loadGraph(ctx.user, input.id, 'view');
    authorizeGraphAsMember(ctx.user, input.id, 'edit');
    const copy = { ...graph, name: `Copy of ${graph.name}`.slice(0, 200) };
    return { id: getDb().transaction((tx) => insertGraph(tx, access.workspaceId, copy, ctx.user.id)) };
  }),

  /**
   * Compile without running: per-node errors, what each port carries (for column pickers), and for
   * a valid graph which steps the next run will run and why (or reuse from the cache).
   */
  check: workspaceProcedure('view')
    .input(z.object({ graph: graphSchema, graphId: graphIdSchema.optional() }))
    .query(({ ctx, input }) => {
      // Checked as the saved pipeline's workspace would run it (its datasets, its run history), else the active one's.
      const workspaceId = input.graphId ? sharedDataOnly(ctx.access.user, input.graphId, input.graph, 'view') : ctx.access.workspaceId;
      const engine = getEngine();
      const result = engine.compile(input.graph, workspaceId);
      return {
        ok: result.ok,
        errors: result.errors,
        ports: result.ports,
        forecast: result.ok ? engine.forecast(input.graph, workspaceId, input.graphId) : {},
      };
    }),

  /**
   * Others' saves of the pipeline after `afterRevision`, as they land: who and what changed (the open
   * editor shows it, and reloads or keeps its own). Ends when the caller may no longer see it.
   */
  changes: signedInProcedure.input(z.object({ id: graphIdSchema, afterRevision: z.number().int().min(0) })).subscription(({ ctx, input, signal }) => {
    // Authorized before the stream starts, so a refusal is an error of the call (401/404), not a failure of the stream.
    authorizeGraph(ctx.user, input.id, 'view');
    return graphChangeStream(ctx.user, input.id, input.afterRevision, signal);
  }),

  /** Forget a node's cached result, so the next run computes it (and what depends on it) again. */
  clearCache: signedInProcedure.input(z.object({ id: graphIdSchema, nodeId: nodeIdSchema })).mutation(({ ctx, input }) => {
    const { graph, access } = loadGraph(ctx.user, input.id, 'edit');
    return getEngine().clearCache(graph, access.workspaceId, input.nodeId);
  }),
});
