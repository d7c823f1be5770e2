import { datasetIdSchema } from '../../../../../../lib/ids';
import { datasetCsvStream } from '../../../../../../server/data/export';
import { attachment, errorResponse, guarded } from '../../../../../../server/http/guard';
import { authorizeRequest } from '../../../../../../server/auth/request';

export const dynamic = 'force-dynamic';

/** The stored table as a CSV download. */
export const GET = guarded(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { workspaceId } = await authorizeRequest(request, 'download');
  const { id } = await context.params;
  const exported = datasetIdSchema.safeParse(id).success ? await datasetCsvStream(workspaceId, id) : undefined;
  if (!exported) return errorResponse(404, 'There is no such dataset.', 'id');
  return new Response(exported.stream, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': attachment(exported.fileName) },
  });
});
