import { datasetCsvStream } from '../../../../../../server/data/export';

export const dynamic = 'force-dynamic';

/** The stored table as a CSV download. */
export async function GET(_request: Request, context: { params: Promise<{ id: string }> }) {
  const { id } = await context.params;
  const exported = await datasetCsvStream(id);
  if (!exported) return Response.json({ error: { message: `There is no dataset "${id}".` } }, { status: 404 });
  return new Response(exported.stream, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${exported.fileName}"` },
  });
}
