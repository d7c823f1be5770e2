import { Readable } from 'node:stream';
import { bundleFileName } from '../../../../../../lib/bundle';
import { graphIdSchema } from '../../../../../../lib/ids';
import { authorizeGraph, loadGraph } from '../../../../../../server/api/routers/graphs';
import { sessionUser } from '../../../../../../server/auth/auth';
import { exportBundle } from '../../../../../../server/bundles';
import { attachment, guarded } from '../../../../../../server/http/guard';

export const dynamic = 'force-dynamic';

/**
 * A pipeline's bundle (`NAME.pipeloom.zip`): the graph and the datasets it reads by content hash
 * (view); `?data=1` embeds the uploaded datasets' tables, which takes the download right too.
 */
export const GET = guarded(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await context.params;
  const actor = await sessionUser(request.headers);
  // A malformed id is looked up as no pipeline at all: the same 404 as another workspace's.
  const graphId = graphIdSchema.safeParse(id).success ? id : '';
  const { graph, access } = loadGraph(actor, graphId, 'view');
  const includeData = new URL(request.url).searchParams.get('data') === '1';
  if (includeData) authorizeGraph(actor, graphId, 'download');
  const bundle = await exportBundle(access.workspaceId, graph, { includeData });
  return new Response(Readable.toWeb(bundle) as ReadableStream<Uint8Array>, {
    headers: { 'Content-Type': 'application/zip', 'Content-Disposition': attachment(bundleFileName(graph.name)) },
  });
});
