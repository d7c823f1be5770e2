import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { graphs } from '../../../drizzle/schema';
import { graphIdSchema, userIdSchema } from '../../../lib/ids';
import { DAY_MS } from '../../../lib/time';
import { SHARE_ROLES, type SignedInUser } from '../../auth/roles';
import {
  createShareLink,
  describeShareLink,
  LINK_MODES,
  openShareLink,
  revokeShareLink,
  SHARE_TOKEN,
  sharesOf,
  shareWithPerson,
  unshare,
  type SharedPipeline,
} from '../../auth/sharing';
import { getDb } from '../../db';
import { signedInProcedure, router } from '../trpc';
import { authorizeGraphAsMember } from './graphs';

const token = z.string().regex(SHARE_TOKEN, 'not a share link');
/** An optional expiry, in days from now (null: until revoked). */
const expiresInDays = z.number().int().min(1, 'at least 1 day').max(365, 'at most 365 days').nullable().default(null);
const expiryOf = (days: number | null) => (days === null ? null : Date.now() + days * DAY_MS);

/** A pipeline whose sharing the user may change: members of its workspace who may edit it (a share of it is not enough). */
function shareablePipeline(user: SignedInUser, graphId: string): SharedPipeline {
  const { workspaceId } = authorizeGraphAsMember(user, graphId, 'edit');
  const row = getDb().select({ name: graphs.name }).from(graphs).where(eq(graphs.id, graphId)).get();
  return { id: graphId, name: row?.name ?? graphId, workspaceId };
}

/** Sharing one pipeline with people outside its workspace, and share links (server/auth/sharing.ts). */
export const sharingRouter = router({
  /** Who the pipeline is shared with, and its live links (never a token). */
  list: signedInProcedure.input(z.object({ graphId: graphIdSchema })).query(({ ctx, input }) => {
    shareablePipeline(ctx.user, input.graphId);
    return sharesOf(input.graphId);
  }),

  /** Shares the pipeline with the account that has this email, as viewer or editor of this pipeline only. */
  addPerson: signedInProcedure
    .input(z.object({ graphId: graphIdSchema, email: z.string().trim().email('not an email address').max(254), role: z.enum(SHARE_ROLES), expiresInDays }))
    .mutation(({ ctx, input }) => shareWithPerson(shareablePipeline(ctx.user, input.graphId), ctx.user, input.email, input.role, expiryOf(input.expiresInDays))),

  removePerson: signedInProcedure.input(z.object({ graphId: graphIdSchema, userId: userIdSchema })).mutation(({ ctx, input }) => {
    if (!unshare(shareablePipeline(ctx.user, input.graphId), ctx.user, input.userId)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'This pipeline is not shared with that person.' });
    }
    return { removed: true };
  }),

  /** A new link: view-only, or "make a copy in my workspace". Its token is in this answer only. */
  createLink: signedInProcedure
    .input(z.object({ graphId: graphIdSchema, mode: z.enum(LINK_MODES), expiresInDays }))
    .mutation(({ ctx, input }) => createShareLink(shareablePipeline(ctx.user, input.graphId), ctx.user, input.mode, expiryOf(input.expiresInDays))),

  revokeLink: signedInProcedure.input(z.object({ graphId: graphIdSchema, linkId: z.string().uuid('not a share link id') })).mutation(({ ctx, input }) => {
    if (!revokeShareLink(shareablePipeline(ctx.user, input.graphId), ctx.user, input.linkId)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'There is no such live link for this pipeline (it may be revoked already).' });
    }
    return { revoked: true };
  }),

  /** What a link shares (pipeline name, who shared it, view or copy), for the page that opens it. */
  describeLink: signedInProcedure.input(z.object({ token })).query(({ input }) => describeShareLink(input.token)),

  /** Uses a link: see the pipeline (view), or get a copy of it in the active workspace (copy). Says which pipeline to open. */
  openLink: signedInProcedure.input(z.object({ token })).mutation(({ ctx, input }) => openShareLink(input.token, ctx.user, ctx.requestedWorkspaceId)),
});
