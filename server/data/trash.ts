import { and, desc, eq, isNotNull, lt } from 'drizzle-orm';
import { graphs, user } from '../../drizzle/schema';
import { DAY_MS } from '../../lib/time';
import { accountActor, recordAudit, type AuditActor } from '../audit/log';
import type { SignedInUser } from '../auth/roles';
import type { Db } from '../db';

/**
 * Deleting a pipeline moves it to its workspace's trash: gone from every list and page, restorable
 * for TRASH_DAYS, then deleted for good with its history and shares (its runs stay, as runs of a
 * pipeline that no longer exists). "Delete forever" does that at once.
 */
export const TRASH_DAYS = 30;

const pipeline = (name: string) => `pipeline "${name}"`;
const inWorkspace = (graphId: string, workspaceId: string) => and(eq(graphs.id, graphId), eq(graphs.workspaceId, workspaceId));

/** Moves a pipeline of the workspace to the trash; its name, or null when there was no such pipeline outside the trash. */
export function moveToTrash(db: Db, graphId: string, workspaceId: string, by: SignedInUser): string | null {
  return db.transaction((tx) => {
    const row = tx.select({ name: graphs.name, deletedAt: graphs.deletedAt }).from(graphs).where(inWorkspace(graphId, workspaceId)).get();
    if (!row || row.deletedAt !== null) return null;
    tx.update(graphs).set({ deletedAt: Date.now(), deletedBy: by.id }).where(eq(graphs.id, graphId)).run();
    recordAudit(tx, { workspaceId, actor: accountActor(by), action: 'pipeline.delete', subject: pipeline(row.name), detail: `moved to the trash for ${TRASH_DAYS} days` });
    return row.name;
  });
}

/** The workspace's trash, most recently deleted first, with who deleted each and when it goes for good. */
export function trashOf(db: Db, workspaceId: string) {
  return db
    .select({ id: graphs.id, name: graphs.name, deletedAt: graphs.deletedAt, deletedBy: user.name })
    .from(graphs)
    .leftJoin(user, eq(user.id, graphs.deletedBy))
    .where(and(eq(graphs.workspaceId, workspaceId), isNotNull(graphs.deletedAt)))
    .orderBy(desc(graphs.deletedAt))
    .all()
    .map((row) => ({ ...row, deletedAt: row.deletedAt!, purgeAt: row.deletedAt! + TRASH_DAYS * DAY_MS }));
}

/** The workspace a pipeline in the trash belongs to ('' when no such pipeline is in the trash). */
export function trashedPipelineWorkspace(db: Db, graphId: string): string {
  return db.select({ workspaceId: graphs.workspaceId }).from(graphs).where(and(eq(graphs.id, graphId), isNotNull(graphs.deletedAt))).get()?.workspaceId ?? '';
}

/** Takes a pipeline out of the trash, as it was; its name, or null when it is not in the workspace's trash. */
export function restoreFromTrash(db: Db, graphId: string, workspaceId: string, by: SignedInUser): string | null {
  return db.transaction((tx) => {
    const restored = tx
      .update(graphs)
      .set({ deletedAt: null, deletedBy: null, updatedAt: Date.now() })
      .where(and(inWorkspace(graphId, workspaceId), isNotNull(graphs.deletedAt)))
      .returning({ name: graphs.name })
      .all();
    if (restored.length === 0) return null;
    recordAudit(tx, { workspaceId, actor: accountActor(by), action: 'pipeline.restore', subject: pipeline(restored[0].name) });
    return restored[0].name;
  });
}

/** Deletes a pipeline in the trash for good; its name, or null when it is not in the workspace's trash. */
export function deleteForever(db: Db, graphId: string, workspaceId: string, by: SignedInUser | null): string | null {
  return db.transaction((tx) => purge(tx, graphId, workspaceId, by ? accountActor(by) : null));
}

function purge(tx: Pick<Db, 'delete' | 'insert'>, graphId: string, workspaceId: string, by: AuditActor | null): string | null {
  const gone = tx
    .delete(graphs)
    .where(and(inWorkspace(graphId, workspaceId), isNotNull(graphs.deletedAt)))
    .returning({ name: graphs.name })
    .all();
  if (gone.length === 0) return null;
  recordAudit(tx, {
    workspaceId,
    actor: by ?? { id: null, label: 'the trash' },
    action: 'pipeline.purge',
    subject: pipeline(gone[0].name),
    detail: by ? 'deleted forever from the trash' : `${TRASH_DAYS} days in the trash`,
  });
  return gone[0].name;
}

/** Deletes for good what has been in the trash longer than TRASH_DAYS (called as lists are read: cheap when there is nothing). */
export function purgeExpiredTrash(db: Db): number {
  const expired = db
    .select({ id: graphs.id, workspaceId: graphs.workspaceId })
    .from(graphs)
    .where(and(isNotNull(graphs.deletedAt), lt(graphs.deletedAt, Date.now() - TRASH_DAYS * DAY_MS)))
    .all();
  if (expired.length === 0) return 0;
  db.transaction((tx) => {
    for (const { id, workspaceId } of expired) purge(tx, id, workspaceId, null);
  });
  return expired.length;
}
