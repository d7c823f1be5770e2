import type { Db } from '../db';
import { csvField } from '../data/export';
import { AUDIT_ACTIONS } from '../../lib/audit-actions';
import { auditEventsOf, type AuditFilter } from './log';

const PAGE = 1000;

/**
 * A cell of text people typed (pipeline and key names): one that a spreadsheet would read as a
 * formula (=, +, -, @) is kept as text by a leading apostrophe.
 */
function textCell(value: string | null): string {
  return csvField(value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** The workspace's audit log matching the filter, newest first, as CSV, a page of events at a time. */
export function auditCsvStream(db: Pick<Db, 'select'>, workspaceId: string, filter: AuditFilter): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let beforeId: number | undefined;
  let started = false;
  return new ReadableStream({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode('time,actor,action,what,subject,detail\r\n'));
        return;
      }
      const events = auditEventsOf(db, workspaceId, filter, PAGE, beforeId);
      if (events.length === 0) return controller.close();
      beforeId = events.at(-1)!.id;
      const lines = events.map((e) => [new Date(e.at).toISOString(), textCell(e.actor), e.action, csvField(AUDIT_ACTIONS[e.action]), textCell(e.subject), textCell(e.detail)].join(',') + '\r\n');
      controller.enqueue(encoder.encode(lines.join('')));
    },
  });
}
