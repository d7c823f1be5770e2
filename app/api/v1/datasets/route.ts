import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { listDatasets, receiveUpload } from '../../../../server/data/datasets';
import { guarded, RequestError } from '../../../../server/http/guard';
import { authorizeRequest } from '../../../../server/auth/request';

export const dynamic = 'force-dynamic';

/**
 * Upload: POST the raw file as the body (streamed to disk, never buffered whole), with
 * ?filename=…&format=auto|csv|json|xlsx|images&delimiter=auto|,|;|tab|pipe&decimal=auto|.|,&header=true|false&encoding=…&badRows=skip|refuse.
 * A JSON file holds an array of records. Excel (.xlsx): &sheet=NAME (default: the first visible
 * sheet). Images (a .zip of one folder per class): &imageSize=28&colour=grey|rgb&fit=cover|contain&maxImages=50000.
 */
export const POST = guarded(async (request: Request) => {
  const { workspaceId } = await authorizeRequest(request, 'edit');
  const query = new URL(request.url).searchParams;
  // The name is shown and offered back as a download name: no control characters, a sane length.
  const fileName = (query.get('filename') ?? '').replace(/\p{Cc}/gu, '').trim().slice(0, 200) || 'upload.csv';
  // The first of a parameter's names given a value (`size` and `color` are accepted too); the server reads and checks them.
  const param = (...names: string[]) => names.map((n) => query.get(n)).find(Boolean) ?? undefined;
  const options = {
    format: param('format'),
    delimiter: param('delimiter'),
    decimal: param('decimal'),
    header: param('header'),
    encoding: param('encoding'),
    badRows: param('badRows'),
    sheet: param('sheet'),
    imageSize: param('imageSize', 'size'),
    colour: param('colour', 'color'),
    fit: param('fit'),
    maxImages: param('maxImages'),
  };
  if (!request.body) throw new RequestError(400, 'Send the file as the request body.');
  const { dataset, existing } = await receiveUpload(workspaceId, request.body as unknown as WebReadableStream<Uint8Array>, fileName, options);
  return Response.json({ dataset, existing }, { status: existing ? 200 : 201 });
});

/** The datasets of the active workspace. */
export const GET = guarded(async (request: Request) => Response.json({ datasets: listDatasets((await authorizeRequest(request, 'view')).workspaceId) }));
