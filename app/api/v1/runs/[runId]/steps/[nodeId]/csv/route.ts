import { nodeIdSchema, runIdSchema } from '../../../../../../../../lib/ids';
import { stepTableCsv } from '../../../../../../../../server/data/export';
import { attachment, errorResponse, guarded } from '../../../../../../../../server/http/guard';

export const dynamic = 'force-dynamic';

/** A finished step's table output (cleaned data, predictions) as a CSV download. */
export const GET = guarded(async (_request: Request, context: { params: Promise<{ runId: string; nodeId: string }> }) => {
  const { runId, nodeId } = await context.params;
  const step = { runId: runIdSchema.safeParse(runId), nodeId: nodeIdSchema.safeParse(nodeId) };
  const exported = step.runId.success && step.nodeId.success ? await stepTableCsv(step.runId.data, step.nodeId.data) : undefined;
  if (!exported) return errorResponse(404, 'That step has no table output to download (not run, or not a table).');
  return new Response(exported.stream, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': attachment(exported.fileName) },
  });
});
