import { auditCsvStream } from '../../../../../server/audit/csv';
import { auditFilterSchema } from '../../../../../server/audit/log';
import { authorizeRequest } from '../../../../../server/auth/request';
import { getDb } from '../../../../../server/db';
import { attachment, errorResponse, guarded } from '../../../../../server/http/guard';

export const dynamic = 'force-dynamic';

/** The active workspace's audit log as a CSV download (owners), filtered as the page is: ?action=&text=&from=&to= (milliseconds). */
export const GET = guarded(async (request: Request) => {
  const { workspaceId } = await authorizeRequest(request, 'manage');
  const params = new URL(request.url).searchParams;
  const filter = auditFilterSchema.safeParse(Object.fromEntries(['action', 'text', 'from', 'to'].flatMap((key) => (params.get(key) ? [[key, params.get(key)]] : []))));
  if (!filter.success) {
    const issue = filter.error.issues[0];
    return errorResponse(400, `${String(issue.path[0] ?? 'filter')}: ${issue.message}`, String(issue.path[0] ?? 'filter'));
  }
  return new Response(auditCsvStream(getDb(), workspaceId, filter.data), {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': attachment('audit-log.csv') },
  });
});
