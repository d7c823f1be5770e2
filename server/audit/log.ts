import { and, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { auditEvents, user } from '../../drizzle/schema';
import { AUDIT_ACTION_NAMES, type AuditAction } from '../../lib/audit-actions';
import type { Db } from '../db';

/** Who did it: an account (its id, and how it was called then), or something else named in words (the command line). */
export interface AuditActor {
  id: string | null;
  label: string;
}

export function accountActor(account: { id: string; name: string; email: string }): AuditActor {
  return { id: account.id, label: `${account.name} <${account.email}>` };
}

/** The account with this id as an actor; the command line (the local administrator) when there is none. */
export function actorById(db: Pick<Db, 'select'>, userId: string | null): AuditActor {
  const account = userId ? db.select({ id: user.id, name: user.name, email: user.email }).from(user).where(eq(user.id, userId)).get() : undefined;
  return account ? accountActor(account) : { id: null, label: 'the command line' };
}

export interface AuditEntry {
  workspaceId: string;
  actor: AuditActor;
  action: AuditAction;
  /** What it was done to, in words: `pipeline "Churn"`, `ana@example.com`. */
  subject: string;
  detail?: string;
}

export function recordAudit(db: Pick<Db, 'insert'>, entry: AuditEntry): void {
  db.insert(auditEvents)
    .values({
      workspaceId: entry.workspaceId,
      at: Date.now(),
      actorId: entry.actor.id,
      actor: entry.actor.label,
      action: entry.action,
      subject: entry.subject,
      detail: entry.detail ?? null,
    })
    .run();
}

/** The filter of the audit page and of its CSV (`to` exclusive; times in milliseconds since the epoch; `text`: words the actor or the subject contains). */
export const auditFilterSchema = z.object({
  action: z.enum(AUDIT_ACTION_NAMES).optional(),
  text: z.string().trim().max(200, 'at most 200 characters').optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export interface AuditEventView {
  id: number;
  at: number;
  actor: string;
  action: AuditAction;
  subject: string;
  detail: string | null;
}

/** The workspace's events matching the filter, newest first; `beforeId` pages on. */
export function auditEventsOf(db: Pick<Db, 'select'>, workspaceId: string, filter: AuditFilter, limit: number, beforeId?: number): AuditEventView[] {
  const conditions: SQL[] = [eq(auditEvents.workspaceId, workspaceId)];
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.text) {
    const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(sql`${auditEvents.actor} like ${pattern} escape '\\'`, sql`${auditEvents.subject} like ${pattern} escape '\\'`)!);
  }
  if (filter.from !== undefined) conditions.push(gte(auditEvents.at, filter.from));
  if (filter.to !== undefined) conditions.push(lt(auditEvents.at, filter.to));
  if (beforeId !== undefined) conditions.push(lt(auditEvents.id, beforeId));
  return db
    .select({ id: auditEvents.id, at: auditEvents.at, actor: auditEvents.actor, action: auditEvents.action, subject: auditEvents.subject, detail: auditEvents.detail })
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(limit)
    .all() as AuditEventView[];
}
