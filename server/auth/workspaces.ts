import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { graphs, graphShares, user, workspaceMembers, workspaces } from '../../drizzle/schema';
import { accountActor, recordAudit } from '../audit/log';
import { getDb, type Tx } from '../db';
import { normalEmail, type Role } from './roles';

/**
 * The workspace the accounts migration made: everything stored before accounts existed belongs to
 * it, the first account made on this server owns it, and the CLI (the local administrator) works in it.
 */
export const FIRST_WORKSPACE_ID = '6eb00794-c6fe-4e84-9f11-37b9fb431f61';

export interface Membership {
  workspaceId: string;
  name: string;
  role: Role;
}

/** Whether anyone has an account yet: until then the only page is the one that makes the owner's. */
export function hasAnyAccount(): boolean {
  return getDb().select({ id: user.id }).from(user).limit(1).get() !== undefined;
}

/**
 * A new account gets a workspace: the first account of the server becomes the owner of the first
 * workspace (with everything stored before accounts existed); any later one owns a new, empty one.
 * One synchronous transaction, taken for writing at once, so two accounts made at the same moment
 * (in this process or another) cannot both take the first.
 */
export function settleNewAccount(account: { id: string; name: string }): void {
  getDb().transaction(
    (tx) => {
      const firstHasMembers = tx.select({ n: count() }).from(workspaceMembers).where(eq(workspaceMembers.workspaceId, FIRST_WORKSPACE_ID)).get()!.n > 0;
      const firstExists = tx.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, FIRST_WORKSPACE_ID)).get() !== undefined;
      let workspaceId = FIRST_WORKSPACE_ID;
      if (!firstExists || firstHasMembers) {
        workspaceId = randomUUID();
        tx.insert(workspaces).values({ id: workspaceId, name: workspaceNameFor(account.name) }).run();
      }
      tx.insert(workspaceMembers).values({ workspaceId, userId: account.id, role: 'owner' }).run();
    },
    { behavior: 'immediate' },
  );
}

function workspaceNameFor(personName: string): string {
  const first = personName.trim().split(/\s+/)[0];
  return first ? `${first.slice(0, 60)}'s workspace` : 'My workspace';
}

/** The workspaces a user belongs to, oldest membership first (the first is where they land). */
export function membershipsOf(userId: string): Membership[] {
  return getDb()
    .select({ workspaceId: workspaces.id, name: workspaces.name, role: workspaceMembers.role })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(eq(workspaceMembers.userId, userId))
    .orderBy(asc(workspaceMembers.createdAt), asc(workspaces.name))
    .all();
}

/** The user's role in the workspace, or undefined when they are not a member. */
export function roleIn(userId: string, workspaceId: string): Role | undefined {
  return getDb()
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .get()?.role;
}

/** A new workspace owned by `userId`. */
export function createWorkspace(userId: string, name: string): string {
  const id = randomUUID();
  getDb().transaction((tx) => {
    tx.insert(workspaces).values({ id, name }).run();
    tx.insert(workspaceMembers).values({ workspaceId: id, userId, role: 'owner' }).run();
  });
  return id;
}

export function renameWorkspace(workspaceId: string, name: string): void {
  getDb().update(workspaces).set({ name }).where(eq(workspaces.id, workspaceId)).run();
}

/** The members of a workspace, owners first. */
export function membersOf(workspaceId: string) {
  return getDb()
    .select({ userId: user.id, name: user.name, email: user.email, role: workspaceMembers.role, since: workspaceMembers.createdAt })
    .from(workspaceMembers)
    .innerJoin(user, eq(user.id, workspaceMembers.userId))
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .orderBy(asc(workspaceMembers.createdAt))
    .all()
    .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
}

const ROLE_ORDER: Role[] = ['owner', 'editor', 'viewer'];

/** A sign-in (or the sign-up that made the account) goes in the audit log of every workspace the account belongs to. */
export function auditSignIn(email: string, detail: string): void {
  const db = getDb();
  const account = db.select({ id: user.id, name: user.name, email: user.email }).from(user).where(eq(user.email, normalEmail(email))).get();
  if (!account) return;
  for (const { workspaceId } of membershipsOf(account.id)) {
    recordAudit(db, { workspaceId, actor: accountActor(account), action: 'sign-in', subject: account.email, detail });
  }
}

/** An account's email, as the audit log names people (they may since have deleted their account). */
export function emailOf(userId: string): string {
  return getDb().select({ email: user.email }).from(user).where(eq(user.id, userId)).get()?.email ?? `account ${userId}`;
}

/** A change to the members that would leave things broken, told to the owner plainly. */
export class MembershipError extends Error {}

/** Adds the person with this account email to the workspace (or changes their role if they are in it). */
export function addMember(workspaceId: string, email: string, role: Role): { userId: string; added: boolean } {
  const db = getDb();
  const found = db.select({ id: user.id }).from(user).where(eq(user.email, normalEmail(email))).get();
  if (!found) throw new MembershipError(`No one has an account with the email ${email.trim()}: ask them to create one first (Sign up).`);
  return db.transaction((tx) => {
    const current = tx
      .select({ role: workspaceMembers.role })
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, found.id)))
      .get();
    if (current) {
      keepAnOwner(tx, workspaceId, found.id, role);
      tx.update(workspaceMembers).set({ role }).where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, found.id))).run();
      return { userId: found.id, added: false };
    }
    tx.insert(workspaceMembers).values({ workspaceId, userId: found.id, role }).run();
    forgetSharesIn(tx, workspaceId, found.id);
    return { userId: found.id, added: true };
  });
}

/** Changes a member's role; false when they are not a member. */
export function setRole(workspaceId: string, userId: string, role: Role): boolean {
  return getDb().transaction((tx) => {
    keepAnOwner(tx, workspaceId, userId, role);
    return tx.update(workspaceMembers).set({ role }).where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId))).run().changes > 0;
  });
}

/** Removes a member: their very next request in this workspace is refused. False when they were not one. */
export function removeMember(workspaceId: string, userId: string): boolean {
  return getDb().transaction((tx) => {
    keepAnOwner(tx, workspaceId, userId, null);
    forgetSharesIn(tx, workspaceId, userId);
    return tx.delete(workspaceMembers).where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId))).run().changes > 0;
  });
}


/**
 * A member needs no share of the workspace's pipelines, and one who leaves must not keep any: a share
 * made while they were outside would otherwise let them back in after they are removed.
 */
export function forgetSharesIn(tx: Tx, workspaceId: string, userId: string): void {
  tx.delete(graphShares)
    .where(and(eq(graphShares.userId, userId), inArray(graphShares.graphId, tx.select({ id: graphs.id }).from(graphs).where(eq(graphs.workspaceId, workspaceId)))))
    .run();
}

/** Refuses a change that would leave the workspace without an owner (no one could manage it again). */
function keepAnOwner(tx: Tx, workspaceId: string, userId: string, newRole: Role | null): void {
  if (newRole === 'owner') return;
  const owners = tx
    .select({ userId: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, 'owner')))
    .all();
  if (owners.length === 1 && owners[0].userId === userId) {
    throw new MembershipError('A workspace needs at least one owner: make someone else an owner first.');
  }
}
