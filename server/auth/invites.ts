import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { invites, user, workspaceMembers, workspaces } from '../../drizzle/schema';
import { accountActor, recordAudit } from '../audit/log';
import { getDb } from '../db';
import { RequestError } from '../http/guard';
import { DAY_MS } from '../../lib/time';
import { normalEmail, type Role, type SignedInUser } from './roles';
import { forgetSharesIn } from './workspaces';
import { newSecret, secretHash } from './secrets';

/**
 * Invitations to a workspace. An owner invites an email address with a role; the answer holds the
 * link's token, the only time it exists in clear (no mail server is needed: the owner passes the
 * link on). The account with that email accepts it, once, after signing up or signing in.
 */

const TOKEN_PREFIX = 'pli_';
/** What an invite token looks like: checked before any lookup. */
export const INVITE_TOKEN = /^pli_[A-Za-z0-9_-]{32}$/;
export const DEFAULT_INVITE_DAYS = 7;

export type InviteStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InviteInfo {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: number;
  expiresAt: number;
  status: InviteStatus;
}

function statusOf(row: typeof invites.$inferSelect, now = Date.now()): InviteStatus {
  if (row.acceptedAt !== null) return 'accepted';
  if (row.revokedAt !== null) return 'revoked';
  return row.expiresAt <= now ? 'expired' : 'pending';
}

/** A new invite: its row, and the token for its link (never stored in clear). */
export function createInvite(workspaceId: string, inviter: SignedInUser, email: string, role: Role, days: number): { token: string; invite: InviteInfo } {
  const db = getDb();
  const address = normalEmail(email);
  const member = db
    .select({ id: user.id })
    .from(workspaceMembers)
    .innerJoin(user, eq(user.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(user.email, address)))
    .get();
  if (member) throw new RequestError(409, `${address} is already a member of this workspace: change their role in the list instead.`, 'email');
  const token = newSecret(TOKEN_PREFIX, 24);
  const row = db.transaction((tx) => {
    const inserted = tx
      .insert(invites)
      .values({ id: randomUUID(), workspaceId, email: address, role, hash: secretHash(token), invitedBy: inviter.id, expiresAt: Date.now() + days * DAY_MS })
      .returning()
      .get();
    recordAudit(tx, { workspaceId, actor: accountActor(inviter), action: 'invite.create', subject: address, detail: `as ${role}, valid ${days} day${days === 1 ? '' : 's'}` });
    return inserted;
  });
  return { token, invite: { ...infoOf(row), invitedBy: inviter.name } };
}

function infoOf(row: typeof invites.$inferSelect): InviteInfo {
  return { id: row.id, email: row.email, role: row.role, invitedBy: null, createdAt: row.createdAt, expiresAt: row.expiresAt, status: statusOf(row) };
}

/** The workspace's invites, newest first, with who made them (accepted ones too: the list is the history). */
export function invitesOf(workspaceId: string): InviteInfo[] {
  return getDb()
    .select({ invite: invites, inviter: user.name })
    .from(invites)
    .leftJoin(user, eq(user.id, invites.invitedBy))
    .where(eq(invites.workspaceId, workspaceId))
    .orderBy(desc(invites.createdAt))
    .limit(200)
    .all()
    .map(({ invite, inviter }) => ({ ...infoOf(invite), invitedBy: inviter }));
}

/** Revokes a pending invite of the workspace; false when it has no such invite still pending. */
export function revokeInvite(workspaceId: string, id: string, by: SignedInUser): boolean {
  return getDb().transaction((tx) => {
    const row = tx.select().from(invites).where(and(eq(invites.id, id), eq(invites.workspaceId, workspaceId))).get();
    if (!row || statusOf(row) !== 'pending') return false;
    tx.update(invites).set({ revokedAt: Date.now() }).where(eq(invites.id, id)).run();
    recordAudit(tx, { workspaceId, actor: accountActor(by), action: 'invite.revoke', subject: row.email, detail: `as ${row.role}` });
    return true;
  });
}

const REFUSAL: Record<Exclude<InviteStatus, 'pending'>, string> = {
  accepted: 'This invite has been used already: sign in to reach the workspace.',
  revoked: 'This invite was revoked by an owner of the workspace: ask them for a new one.',
  expired: 'This invite has expired: ask an owner of the workspace for a new one.',
};

/** The invite a token opens, if it is still pending: what the invite page shows. Refusals say why, plainly. */
export function describeInvite(token: string): { workspaceName: string; email: string; role: Role; invitedBy: string | null; expiresAt: number } {
  const row = inviteByToken(token);
  const status = statusOf(row);
  if (status !== 'pending') throw new RequestError(412, REFUSAL[status], 'token');
  const workspace = getDb().select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, row.workspaceId)).get();
  const inviter = row.invitedBy ? getDb().select({ name: user.name }).from(user).where(eq(user.id, row.invitedBy)).get() : undefined;
  return { workspaceName: workspace?.name ?? 'a workspace', email: row.email, role: row.role, invitedBy: inviter?.name ?? null, expiresAt: row.expiresAt };
}

function inviteByToken(token: string): typeof invites.$inferSelect {
  const row = INVITE_TOKEN.test(token) ? getDb().select().from(invites).where(eq(invites.hash, secretHash(token))).get() : undefined;
  if (!row) throw new RequestError(404, 'This invite link is not valid: check that it was copied whole, or ask for a new one.', 'token');
  return row;
}

/**
 * Accepts an invite as the signed-in account, which must have the invited email: it joins the
 * workspace with the invited role (a member already keeps their role). Once only; refused when
 * revoked or expired. Returns the workspace joined.
 */
export function acceptInvite(token: string, account: SignedInUser): { workspaceId: string; role: Role } {
  const row = inviteByToken(token);
  return getDb().transaction(
    (tx) => {
      // Read again inside the write transaction: two tabs accepting at once use it once.
      const current = tx.select().from(invites).where(eq(invites.id, row.id)).get()!;
      const status = statusOf(current);
      if (status !== 'pending') throw new RequestError(412, REFUSAL[status], 'token');
      if (normalEmail(account.email) !== current.email) {
        throw new RequestError(403, `This invite is for ${current.email}, and you are signed in as ${account.email}: sign out, then sign in or sign up with ${current.email}.`, 'token');
      }
      // An invite speaks for the owner who made it: once they are no longer an owner, it speaks for no one.
      const inviterRole = current.invitedBy
        ? tx.select({ role: workspaceMembers.role }).from(workspaceMembers).where(and(eq(workspaceMembers.workspaceId, current.workspaceId), eq(workspaceMembers.userId, current.invitedBy))).get()?.role
        : undefined;
      if (inviterRole !== 'owner') throw new RequestError(412, 'Whoever made this invite is no longer an owner of the workspace: ask a current owner for a new one.', 'token');
      const existing = tx
        .select({ role: workspaceMembers.role })
        .from(workspaceMembers)
        .where(and(eq(workspaceMembers.workspaceId, current.workspaceId), eq(workspaceMembers.userId, account.id)))
        .get();
      if (!existing) {
        tx.insert(workspaceMembers).values({ workspaceId: current.workspaceId, userId: account.id, role: current.role }).run();
        forgetSharesIn(tx, current.workspaceId, account.id);
      }
      tx.update(invites)
        .set({ acceptedAt: Date.now(), acceptedBy: account.id })
        .where(and(eq(invites.id, current.id), isNull(invites.acceptedAt)))
        .run();
      recordAudit(tx, { workspaceId: current.workspaceId, actor: accountActor(account), action: 'invite.accept', subject: current.email, detail: existing ? `already a member (${existing.role})` : `joined as ${current.role}` });
      return { workspaceId: current.workspaceId, role: existing?.role ?? current.role };
    },
    { behavior: 'immediate' },
  );
}
