import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { graphIdSchema } from '../../../lib/ids';
import { compareGraphs, nameVersion, saveGraph, versionGraph, versionsOf } from '../../data/versions';
import { getDb } from '../../db';
import { signedInProcedure, router } from '../trpc';
import { authorizeGraph, loadGraph, savedOrConflict } from './graphs';
import { shortName } from './workspaces';

const versionId = z.number().int().positive('not a version id');

/** A version of the pipeline, or a plain 404. */
function versionOrMissing(graphId: string, id: number) {
  const version = versionGraph(getDb(), graphId, id);
  if (!version) throw new TRPCError({ code: 'NOT_FOUND', message: 'This pipeline has no such version.' });
  return version;
}

/** A pipeline's history (server/data/versions.ts): everyone who may see it sees its versions and diffs; those who may edit it restore and name them. */
export const versionsRouter = router({
  /** The versions, newest first: number, name, author, time, a summary of what changed, how many runs ran it. */
  list: signedInProcedure.input(z.object({ id: graphIdSchema })).query(({ ctx, input }) => {
    authorizeGraph(ctx.user, input.id, 'view');
    return versionsOf(getDb(), input.id);
  }),

  /** One version's graph (to show on the canvas). */
  get: signedInProcedure.input(z.object({ id: graphIdSchema, versionId })).query(({ ctx, input }) => {
    authorizeGraph(ctx.user, input.id, 'view');
    return versionOrMissing(input.id, input.versionId);
  }),

  /** What changed from version `from` to version `to` (or to the pipeline as it is now): nodes, params old → new, connections. */
  compare: signedInProcedure
    .input(z.object({ id: graphIdSchema, from: versionId, to: versionId.nullable() }))
    .query(({ ctx, input }) => {
      const { graph: current } = loadGraph(ctx.user, input.id, 'view');
      const before = versionOrMissing(input.id, input.from).graph;
      const after = input.to === null ? current : versionOrMissing(input.id, input.to).graph;
      return compareGraphs(before, after);
    }),

  /** Makes the pipeline equal to an old version, as a new version (nothing is destroyed). */
  restore: signedInProcedure
    .input(z.object({ id: graphIdSchema, versionId, baseRevision: z.number().int().min(0).optional() }))
    .mutation(({ ctx, input }) => {
      authorizeGraph(ctx.user, input.id, 'edit');
      const old = versionOrMissing(input.id, input.versionId);
      return savedOrConflict(() => saveGraph(getDb(), input.id, old.graph, ctx.user.id, input.baseRevision, { fresh: true, note: `restored version ${old.number}` }));
    }),

  /** "Save version…": names the pipeline's newest version. */
  name: signedInProcedure.input(z.object({ id: graphIdSchema, name: shortName })).mutation(({ ctx, input }) => {
    authorizeGraph(ctx.user, input.id, 'edit');
    return nameVersion(getDb(), input.id, input.name, ctx.user.id);
  }),
});
