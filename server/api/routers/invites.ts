import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ROLES } from '../../auth/access';
import { acceptInvite, createInvite, DEFAULT_INVITE_DAYS, describeInvite, INVITE_TOKEN, invitesOf, revokeInvite } from '../../auth/invites';
import { workspaceCookieHeader } from '../../auth/request';
import { publicProcedure, signedInProcedure, workspaceProcedure, router } from '../trpc';

const token = z.string().regex(INVITE_TOKEN, 'not an invite link');

/** Invitations to the active workspace (server/auth/invites.ts): made, listed and revoked by its owners; accepted by the invited account. */
export const invitesRouter = router({
  /** Invites an email address with a role; the answer's token (for the link) is shown this once. */
  create: workspaceProcedure('manage')
    .input(
      z.object({
        email: z.string().trim().email('not an email address').max(254),
        role: z.enum(ROLES),
        days: z.number().int().min(1, 'at least 1 day').max(30, 'at most 30 days').default(DEFAULT_INVITE_DAYS),
      }),
    )
    .mutation(({ ctx, input }) => createInvite(ctx.access.workspaceId, ctx.access.user, input.email, input.role, input.days)),

  /** The workspace's invites with their status (pending, accepted, revoked, expired): never a token. */
  list: workspaceProcedure('manage').query(({ ctx }) => invitesOf(ctx.access.workspaceId)),

  revoke: workspaceProcedure('manage')
    .input(z.object({ id: z.string().uuid('not an invite id') }))
    .mutation(({ ctx, input }) => {
      if (!revokeInvite(ctx.access.workspaceId, input.id, ctx.access.user)) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'There is no pending invite with this id in this workspace (it may be used, revoked or expired already).' });
      }
      return { revoked: true };
    }),

  /** What an invite link offers (workspace, role, for which email), to anyone holding the link: the invite page, before an account exists. */
  describe: publicProcedure.input(z.object({ token })).query(({ input }) => describeInvite(input.token)),

  /** Accepts an invite as the signed-in account (which must have the invited email), and works in the workspace joined. */
  accept: signedInProcedure.input(z.object({ token })).mutation(({ ctx, input }) => {
    const joined = acceptInvite(input.token, ctx.user);
    ctx.resHeaders.append('Set-Cookie', workspaceCookieHeader(joined.workspaceId));
    return joined;
  }),
});
