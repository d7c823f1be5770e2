import { authorizeRequest } from '../../../../server/auth/request';
import { importBundle, maxBundleBytes } from '../../../../server/bundles';
import { guarded, readBody } from '../../../../server/http/guard';

export const dynamic = 'force-dynamic';

/**
 * Import: POST a bundle (`.pipeloom.zip`) as the body; it becomes a new pipeline of the active
 * workspace (edit). Answers the pipeline's id, each dataset as matched, imported or missing, and the
 * steps kept as placeholders. A bad bundle is refused whole, with nothing written.
 */
export const POST = guarded(async (request: Request) => {
  const { workspaceId, user } = await authorizeRequest(request, 'edit');
  const bytes = await readBody(request, maxBundleBytes(), 'PIPELOOM_MAX_UPLOAD_MB');
  // A view of the body's bytes, not a copy: a bundle may be as large as the upload limit.
  return Response.json(await importBundle(workspaceId, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), user.id), { status: 201 });
});
