import { stepTableCsv } from '../../../../../../../../server/data/export';

export const dynamic = 'force-dynamic';

/** A finished step's table output (cleaned data, predictions) as a CSV download. */
export async function GET(_request: Request, context: { params: Promise<{ runId: string; nodeId: string }> }) {
  const { runId, nodeId } = await context.params;
  const exported = await stepTableCsv(runId, decodeURIComponent(nodeId));
  if (!exported) return Response.json({ error: { message: 'That step has no table output to download (not run, or not a table).' } }, { status: 404 });
  return new Response(exported.stream, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${exported.fileName}"` },
  });
}
