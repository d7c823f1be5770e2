import type { Access } from '../auth/access';
import type { AuditAction } from '../../lib/audit-actions';
import { accountActor, recordAudit } from '../audit/log';
import { getDb } from '../db';

/** Records in the audit log of the workspace a procedure acted in that its user did `action` to `subject`. */
export function audited(access: Access, action: AuditAction, subject: string, detail?: string): void {
  recordAudit(getDb(), { workspaceId: access.workspaceId, actor: accountActor(access.user), action, subject, detail });
}
