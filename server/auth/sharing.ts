import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { datasets, graphs, graphShares, models, shareLinks, user, workspaces } from '../../drizzle/schema';
import { parseGraphText } from '../../lib/graph';
import { referencedIds } from '../../nodes';
import { accountActor, recordAudit } from '../audit/log';
import { getDb, type Tx } from '../db';
import { insertGraph } from '../data/versions';
import { RequestError } from '../http/guard';
import { AccessDenied, authorize, authorizeActive, requireSignedIn, type Access, type Action, type Actor } from './access';
import { mayDoShared, normalEmail, type ShareRole, type SignedInUser } from './roles';
import { newSecret, secretHash } from './secrets';
import { roleIn } from './workspaces';

/**
 * Sharing one pipeline with people outside its workspace: with a person (viewer or editor of that
 * pipeline only), or by a link, which either shows the pipeline read-only to whoever opens it
 * (signed in) or gives them a copy in their own workspace. Shares and links are revocable and may
 * expire; link tokens are stored as SHA-256 only.
 */

const LINK_PREFIX = 'pls_';
/** What a share link token looks like: checked before any lookup. */
export const SHARE_TOKEN = /^pls_[A-Za-z0-9_-]{32}$/;
export type LinkMode = 'view' | 'copy';
export const LINK_MODES = ['view', 'copy'] as const;

/** The pipeline a share is about, as its workspace's members see it. */
export interface SharedPipeline {
  id: string;
  name: string;
  workspaceId: string;
}

const now = () => Date.now();
const stillValid = (expiresAt: typeof graphShares.expiresAt) => or(isNull(expiresAt), gt(expiresAt, now()));
const pipelineSubject = (name: string) => `pipeline "${name}"`;

/** The role a pipeline is shared with the user in, if a share of it (still valid) names them. */
export function sharedRoleOf(userId: string, graphId: string): ShareRole | undefined {
  return getDb()
    .select({ role: graphShares.role })
    .from(graphShares)
    .innerJoin(graphs, and(eq(graphs.id, graphShares.graphId), isNull(graphs.deletedAt)))
    .where(and(eq(graphShares.graphId, graphId), eq(graphShares.userId, userId), stillValid(graphShares.expiresAt)))
    .get()?.role;
}

const REFUSED_SHARED: Record<ShareRole, string> = {
  viewer: 'This pipeline is shared with you to look at: you cannot change or run it. Ask whoever shared it for the editor role.',
  editor: 'This pipeline is shared with you to edit and run: only members of its workspace may do more with it.',
};

/**
 * Authorizes `action` on something of one pipeline (the pipeline, its runs and their results) that
 * belongs to `workspaceId`: a member of the workspace by their role there; anyone else by a share of
 * that pipeline; everyone else gets `notFound` (404), as if it did not exist.
 */
export function authorizePipeline(actor: Actor, workspaceId: string, graphId: string | null, action: Action, notFound: string): Access {
  const account = requireSignedIn(actor);
  if (graphId && workspaceId && !roleIn(account.id, workspaceId)) {
    const role = sharedRoleOf(account.id, graphId);
    if (role) {
      if (!mayDoShared(role, action)) throw new AccessDenied(403, REFUSED_SHARED[role]);
      return { user: account, workspaceId, role, shared: true };
    }
  }
  return authorize(account, workspaceId, action, notFound);
}

/**
 * As authorizePipeline, for what only members of the pipeline's workspace may do (delete it, change
 * who it is shared with): someone it is shared with sees it, so is told why (403), not that it does
 * not exist; everyone else who is no member gets `notFound` (404).
 */
export function authorizePipelineAsMember(actor: Actor, workspaceId: string, graphId: string, action: Action, notFound: string): Access {
  const account = requireSignedIn(actor);
  if (workspaceId && !roleIn(account.id, workspaceId) && sharedRoleOf(account.id, graphId)) {
    throw new AccessDenied(403, 'This pipeline is shared with you: only members of its workspace may delete it or change whom it is shared with.');
  }
  return authorize(account, workspaceId, action, notFound);
}

/** Who shared the pipeline with the user, and as what (what the editor's banner says); null when no share of it names them. */
export function shareOf(userId: string, graphId: string): { role: ShareRole; sharedBy: string | null; expiresAt: number | null } | null {
  const row = getDb()
    .select({ role: graphShares.role, sharedBy: user.name, expiresAt: graphShares.expiresAt })
    .from(graphShares)
    .leftJoin(user, eq(user.id, graphShares.sharedBy))
    .where(and(eq(graphShares.graphId, graphId), eq(graphShares.userId, userId), stillValid(graphShares.expiresAt)))
    .get();
  return row ?? null;
}

/** The people and the links a pipeline is shared with (never a token), for its members' Share dialog. */
export function sharesOf(graphId: string) {
  const db = getDb();
  const people = db
    .select({ userId: graphShares.userId, name: user.name, email: user.email, role: graphShares.role, viaLink: graphShares.viaLink, createdAt: graphShares.createdAt, expiresAt: graphShares.expiresAt })
    .from(graphShares)
    .innerJoin(user, eq(user.id, graphShares.userId))
    .where(and(eq(graphShares.graphId, graphId), stillValid(graphShares.expiresAt)))
    .orderBy(desc(graphShares.createdAt))
    .all()
    .map(({ viaLink, ...person }) => ({ ...person, byLink: viaLink !== null }));
  const links = db
    .select({ id: shareLinks.id, mode: shareLinks.mode, createdAt: shareLinks.createdAt, expiresAt: shareLinks.expiresAt, opens: shareLinks.opens, createdBy: user.name })
    .from(shareLinks)
    .leftJoin(user, eq(user.id, shareLinks.createdBy))
    .where(and(eq(shareLinks.graphId, graphId), isNull(shareLinks.revokedAt)))
    .orderBy(desc(shareLinks.createdAt))
    .all()
    .map((link) => ({ ...link, expired: link.expiresAt !== null && link.expiresAt <= now() }));
  return { people, links };
}

/** Shares the pipeline with the account that has this email, as viewer or editor of it (a new share replaces an older one). */
export function shareWithPerson(pipeline: SharedPipeline, by: SignedInUser, email: string, role: ShareRole, expiresAt: number | null): { userId: string } {
  const db = getDb();
  const address = normalEmail(email);
  const person = db.select({ id: user.id }).from(user).where(eq(user.email, address)).get();
  if (!person) {
    throw new RequestError(404, `No one has an account with the email ${address}: send them a share link instead, or invite them to the workspace on the Members page.`, 'email');
  }
  const memberRole = roleIn(person.id, pipeline.workspaceId);
  if (memberRole) throw new RequestError(409, `${address} is a member of this workspace (${memberRole}) and sees the pipeline already: change their role on the Members page.`, 'email');
  db.transaction((tx) => {
    tx.insert(graphShares)
      .values({ graphId: pipeline.id, userId: person.id, role, sharedBy: by.id, expiresAt })
      .onConflictDoUpdate({ target: [graphShares.graphId, graphShares.userId], set: { role, sharedBy: by.id, viaLink: null, expiresAt, createdAt: now() } })
      .run();
    recordAudit(tx, { workspaceId: pipeline.workspaceId, actor: accountActor(by), action: 'share.add', subject: pipelineSubject(pipeline.name), detail: `with ${address} as ${role}${expiresAt ? `, until ${new Date(expiresAt).toISOString()}` : ''}` });
  });
  return { userId: person.id };
}

/** Stops sharing the pipeline with a person: their next request about it is refused. False when no share named them. */
export function unshare(pipeline: SharedPipeline, by: SignedInUser, userId: string): boolean {
  return getDb().transaction((tx) => {
    const removed = tx
      .delete(graphShares)
      .where(and(eq(graphShares.graphId, pipeline.id), eq(graphShares.userId, userId)))
      .returning({ userId: graphShares.userId })
      .all();
    if (removed.length === 0) return false;
    const email = tx.select({ email: user.email }).from(user).where(eq(user.id, userId)).get()?.email ?? 'a deleted account';
    recordAudit(tx, { workspaceId: pipeline.workspaceId, actor: accountActor(by), action: 'share.remove', subject: pipelineSubject(pipeline.name), detail: `with ${email}` });
    return true;
  });
}

/** A new share link; the answer holds its token, the only time it exists in clear. */
export function createShareLink(pipeline: SharedPipeline, by: SignedInUser, mode: LinkMode, expiresAt: number | null): { token: string; id: string } {
  const token = newSecret(LINK_PREFIX, 24);
  const id = randomUUID();
  getDb().transaction((tx) => {
    // What a copy may bring along is fixed now: a later edit that names other data does not widen the link.
    const carries = mode === 'copy' ? JSON.stringify(namedData(tx, pipeline.id)) : null;
    tx.insert(shareLinks).values({ id, graphId: pipeline.id, mode, hash: secretHash(token), createdBy: by.id, expiresAt, carries }).run();
    recordAudit(tx, { workspaceId: pipeline.workspaceId, actor: accountActor(by), action: 'link.create', subject: pipelineSubject(pipeline.name), detail: `${mode === 'view' ? 'view-only' : 'make a copy'}${expiresAt ? `, until ${new Date(expiresAt).toISOString()}` : ''}` });
  });
  return { token, id };
}

/** Revokes a link: it opens nothing any more, and those who saw the pipeline through it no longer do. False when there is no such live link. */
export function revokeShareLink(pipeline: SharedPipeline, by: SignedInUser, linkId: string): boolean {
  return getDb().transaction((tx) => {
    const revoked = tx
      .update(shareLinks)
      .set({ revokedAt: now() })
      .where(and(eq(shareLinks.id, linkId), eq(shareLinks.graphId, pipeline.id), isNull(shareLinks.revokedAt)))
      .returning({ mode: shareLinks.mode })
      .all();
    if (revoked.length === 0) return false;
    tx.delete(graphShares).where(eq(graphShares.viaLink, linkId)).run();
    recordAudit(tx, { workspaceId: pipeline.workspaceId, actor: accountActor(by), action: 'link.revoke', subject: pipelineSubject(pipeline.name), detail: revoked[0].mode === 'view' ? 'view-only' : 'make a copy' });
    return true;
  });
}

/** The link a token opens, if it still works; refusals say why, plainly. */
function liveLink(token: string) {
  const row = SHARE_TOKEN.test(token)
    ? getDb()
        .select({ link: shareLinks, pipeline: { id: graphs.id, name: graphs.name, workspaceId: graphs.workspaceId }, sharedBy: user.name })
        .from(shareLinks)
        .innerJoin(graphs, and(eq(graphs.id, shareLinks.graphId), isNull(graphs.deletedAt)))
        .leftJoin(user, eq(user.id, shareLinks.createdBy))
        .where(eq(shareLinks.hash, secretHash(token)))
        .get()
    : undefined;
  if (!row) throw new RequestError(404, 'This share link is not valid: check that it was copied whole. The pipeline may also have been deleted.', 'token');
  if (row.link.revokedAt !== null) throw new RequestError(412, 'This share link was revoked by whoever shared it: ask them for a new one.', 'token');
  if (row.link.expiresAt !== null && row.link.expiresAt <= now()) throw new RequestError(412, 'This share link has expired: ask whoever shared it for a new one.', 'token');
  return row;
}

/** What a link shares, before it is used: the share page shows it. */
export function describeShareLink(token: string) {
  const { link, pipeline, sharedBy } = liveLink(token);
  return { pipelineName: pipeline.name, mode: link.mode, sharedBy, expiresAt: link.expiresAt };
}

/**
 * Uses a link as the signed-in account: a view link lets them see the pipeline (a share through the
 * link, which its revocation removes); a copy link makes a copy of the pipeline, with the datasets
 * and saved models it names, in their active workspace (where they must be able to edit). Returns
 * the pipeline to open.
 */
export function openShareLink(token: string, actor: SignedInUser, requestedWorkspaceId: string | undefined): { graphId: string; mode: LinkMode } {
  const { link, pipeline } = liveLink(token);
  const db = getDb();
  if (link.mode === 'copy') {
    const target = authorizeActive(actor, requestedWorkspaceId, 'edit');
    const graphId = db.transaction((tx) => {
      const carries = link.carries ? (JSON.parse(link.carries) as NamedData) : { datasets: [], models: [] };
      const copyId = copyPipeline(tx, pipeline.id, target.workspaceId, actor.id, carries);
      const targetName = tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, target.workspaceId)).get()?.name ?? 'another workspace';
      tx.update(shareLinks).set({ opens: sql`${shareLinks.opens} + 1` }).where(eq(shareLinks.id, link.id)).run();
      recordAudit(tx, { workspaceId: pipeline.workspaceId, actor: accountActor(actor), action: 'link.open', subject: pipelineSubject(pipeline.name), detail: `made a copy in "${targetName}"` });
      return copyId;
    });
    return { graphId, mode: 'copy' };
  }
  db.transaction((tx) => {
    if (!roleIn(actor.id, pipeline.workspaceId)) {
      const current = tx.select({ role: graphShares.role, expiresAt: graphShares.expiresAt }).from(graphShares).where(and(eq(graphShares.graphId, pipeline.id), eq(graphShares.userId, actor.id))).get();
      // A share they already have (an editor's, say) is not narrowed by opening a view link.
      const hasValid = current && (current.expiresAt === null || current.expiresAt > now());
      if (!hasValid) {
        tx.insert(graphShares)
          .values({ graphId: pipeline.id, userId: actor.id, role: 'viewer', sharedBy: link.createdBy, viaLink: link.id, expiresAt: link.expiresAt })
          .onConflictDoUpdate({ target: [graphShares.graphId, graphShares.userId], set: { role: 'viewer', sharedBy: link.createdBy, viaLink: link.id, expiresAt: link.expiresAt, createdAt: now() } })
          .run();
      }
    }
    tx.update(shareLinks).set({ opens: sql`${shareLinks.opens} + 1` }).where(eq(shareLinks.id, link.id)).run();
    recordAudit(tx, { workspaceId: pipeline.workspaceId, actor: accountActor(actor), action: 'link.open', subject: pipelineSubject(pipeline.name), detail: 'view-only' });
  });
  return { graphId: pipeline.id, mode: 'view' };
}

type NamedData = ReturnType<typeof referencedIds>;

/** The uploaded datasets and saved models a saved pipeline's nodes name. */
function namedData(tx: Tx, graphId: string): NamedData {
  const parsed = parseGraphText(tx.select({ document: graphs.document }).from(graphs).where(eq(graphs.id, graphId)).get()!.document);
  return parsed.ok ? referencedIds(parsed.graph) : { datasets: [], models: [] };
}

/**
 * Copies a pipeline into another workspace, with the uploaded datasets and saved models its nodes
 * name that the link `carries` (rows only: the stored tables and model files are shared by content),
 * so the copy runs there as is.
 */
function copyPipeline(tx: Tx, graphId: string, workspaceId: string, authorId: string, carries: NamedData): string {
  const source = tx.select().from(graphs).where(eq(graphs.id, graphId)).get()!;
  const parsed = parseGraphText(source.document);
  if (!parsed.ok) throw new RequestError(412, "The shared pipeline's saved graph no longer reads as a graph, so it cannot be copied: ask whoever shared it to open and fix it.", 'token');
  const graph = { ...parsed.graph, name: `Copy of ${source.name}`.slice(0, 200) };
  const id = insertGraph(tx, workspaceId, graph, authorId);
  if (workspaceId !== source.workspaceId) {
    const named = referencedIds(graph);
    const needs = { datasets: named.datasets.filter((id) => carries.datasets.includes(id)), models: named.models.filter((id) => carries.models.includes(id)) };
    if (needs.datasets.length > 0) {
      for (const row of tx.select().from(datasets).where(and(eq(datasets.workspaceId, source.workspaceId), inArray(datasets.id, needs.datasets))).all()) {
        tx.insert(datasets).values({ ...row, workspaceId }).onConflictDoNothing().run();
      }
    }
    if (needs.models.length > 0) {
      for (const row of tx.select().from(models).where(and(eq(models.workspaceId, source.workspaceId), inArray(models.id, needs.models))).all()) {
        tx.insert(models).values({ ...row, workspaceId }).onConflictDoNothing().run();
      }
    }
  }
  return id;
}

/** The pipelines shared with the user (by a person or a link they opened), newest share first. */
export function pipelinesSharedWith(userId: string) {
  return getDb()
    .select({ id: graphs.id, name: graphs.name, updatedAt: graphs.updatedAt, role: graphShares.role, sharedBy: user.name, workspaceName: workspaces.name, expiresAt: graphShares.expiresAt })
    .from(graphShares)
    .innerJoin(graphs, and(eq(graphs.id, graphShares.graphId), isNull(graphs.deletedAt)))
    .innerJoin(workspaces, eq(workspaces.id, graphs.workspaceId))
    .leftJoin(user, eq(user.id, graphShares.sharedBy))
    .where(and(eq(graphShares.userId, userId), stillValid(graphShares.expiresAt)))
    .orderBy(desc(graphShares.createdAt))
    .all();
}
