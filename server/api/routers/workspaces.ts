import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { userIdSchema, workspaceIdSchema } from '../../../lib/ids';
import { AccessDenied, authorize, authorizeActive, ROLES } from '../../auth/access';
import { workspaceCookieHeader } from '../../auth/request';
import { addMember, createWorkspace, emailOf, MembershipError, membersOf, membershipsOf, removeMember, renameWorkspace, setRole } from '../../auth/workspaces';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';
import { audited } from '../audit';

/** A short name people give (a workspace, an API key): 1–80 characters, no control characters. */
export const shortName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'at most 80 characters')
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters');
const workspaceName = shortName;
const role = z.enum(ROLES);

/** A member change the rules refuse (the last owner), told plainly. */
function membershipChange<T>(change: () => T): T {
  try {
    return change();
  } catch (error) {
    if (error instanceof MembershipError) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: error.message });
    throw error;
  }
}

export const workspacesRouter = router({
  /**
   * Who is signed in, their workspaces, and the one requests work in now; `refused` says why there
   * is none (removed from the workspace the page was in, or a member of none).
   */
  current: signedInProcedure.query(({ ctx }) => {
    const memberships = membershipsOf(ctx.user.id);
    try {
      const access = authorizeActive(ctx.user, ctx.requestedWorkspaceId, 'view');
      return { user: ctx.user, memberships, active: memberships.find((m) => m.workspaceId === access.workspaceId)!, refused: null };
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      return { user: ctx.user, memberships, active: null, refused: error.message };
    }
  }),

  /** Work in another of the user's workspaces (null: the first of them). */
  switch: signedInProcedure.input(z.object({ workspaceId: workspaceIdSchema.nullable() })).mutation(({ ctx, input }) => {
    if (input.workspaceId) authorize(ctx.user, input.workspaceId, 'view', 'There is no such workspace.');
    ctx.resHeaders.append('Set-Cookie', workspaceCookieHeader(input.workspaceId));
    return { workspaceId: input.workspaceId };
  }),

  /** A new workspace, owned by the user, who then works in it. */
  create: signedInProcedure.input(z.object({ name: workspaceName })).mutation(({ ctx, input }) => {
    const workspaceId = createWorkspace(ctx.user.id, input.name);
    ctx.resHeaders.append('Set-Cookie', workspaceCookieHeader(workspaceId));
    return { workspaceId };
  }),

  rename: workspaceProcedure('manage')
    .input(z.object({ name: workspaceName }))
    .mutation(({ ctx, input }) => {
      renameWorkspace(ctx.access.workspaceId, input.name);
      audited(ctx.access, 'workspace.rename', `"${input.name}"`);
      return { ok: true };
    }),

  /** The members of the active workspace and their roles (every member may see who else is in it). */
  members: workspaceProcedure('view').query(({ ctx }) => ({ role: ctx.access.role, members: membersOf(ctx.access.workspaceId) })),

  /** Adds someone with an account (by email) to the active workspace, or changes their role if they are in it. */
  addMember: workspaceProcedure('manage')
    .input(z.object({ email: z.string().trim().email('not an email address').max(254), role }))
    .mutation(({ ctx, input }) => {
      const result = membershipChange(() => addMember(ctx.access.workspaceId, input.email, input.role));
      audited(ctx.access, result.added ? 'member.add' : 'member.role', input.email.toLowerCase(), `as ${input.role}`);
      return result;
    }),

  setRole: workspaceProcedure('manage')
    .input(z.object({ userId: userIdSchema, role }))
    .mutation(({ ctx, input }) => {
      if (!membershipChange(() => setRole(ctx.access.workspaceId, input.userId, input.role))) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'That person is not a member of this workspace.' });
      }
      audited(ctx.access, 'member.role', emailOf(input.userId), `to ${input.role}`);
      return { ok: true };
    }),

  /** Removes a member: their next request in this workspace is refused (sessions are read from the database on every request). */
  removeMember: workspaceProcedure('manage')
    .input(z.object({ userId: userIdSchema }))
    .mutation(({ ctx, input }) => {
      if (!membershipChange(() => removeMember(ctx.access.workspaceId, input.userId))) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'That person is not a member of this workspace.' });
      }
      audited(ctx.access, 'member.remove', emailOf(input.userId));
      return { ok: true };
    }),
});
