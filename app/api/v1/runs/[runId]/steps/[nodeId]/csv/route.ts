import { nodeIdSchema, runIdSchema } from '../../../../../../../../lib/ids';
import { stepTableCsv } from '../../../../../../../../server/data/export';
import { attachment, errorResponse, guarded } from '../../../../../../../../server/http/guard';
import { authorizeRequestIn } from '../../../../../../../../server/auth/request';
import { runWorkspace } from '../../../../../../../../server/data/export';

export const dynamic = 'force-dynamic';

/** A finished step's table output (cleaned data, predictions) as a CSV download. */
const NO_TABLE = 'That step has no table output to download (not run, or not a table).';

export const GET = guarded(async (request: Request, context: { params: Promise<{ runId: string; nodeId: string }> }) => {
  const { runId, nodeId } = await context.params;
  const step = { runId: runIdSchema.safeParse(runId), nodeId: nodeIdSchema.safeParse(nodeId) };
  await authorizeRequestIn(request, (step.runId.success && runWorkspace(step.runId.data)) || '', 'download', NO_TABLE);
  const exported = step.runId.success && step.nodeId.success ? await stepTableCsv(step.runId.data, step.nodeId.data) : undefined;
  if (!exported) return errorResponse(404, NO_TABLE);
  return new Response(exported.stream, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': attachment(exported.fileName) },
  });
});
