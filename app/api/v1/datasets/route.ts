import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { listDatasets, receiveUpload } from '../../../../server/data/datasets';
import { guarded, RequestError } from '../../../../server/http/guard';

export const dynamic = 'force-dynamic';

/** A number query parameter: absent or blank → undefined; anything else goes to validation as a number (NaN is refused there). */
function numberParam(query: URLSearchParams, ...names: string[]): number | undefined {
  const raw = names.map((n) => query.get(n)).find((v) => v !== null && v.trim() !== '');
  return raw === undefined || raw === null ? undefined : Number(raw);
}

/**
 * Upload: POST the raw file as the body (streamed to disk, never buffered whole), with
 * ?filename=…&format=auto|csv|json|xlsx|images&delimiter=auto|,|;|tab|&decimal=auto|.|,&header=true|false&encoding=…&badRows=skip|refuse.
 * A JSON file holds an array of records. Excel (.xlsx): &sheet=NAME (default: the first visible
 * sheet). Images (a .zip of one folder per class): &imageSize=28&colour=grey|rgb&fit=cover|contain&maxImages=50000.
 */
export const POST = guarded(async (request: Request) => {
  const query = new URL(request.url).searchParams;
  // The name is shown and offered back as a download name: no control characters, a sane length.
  const fileName = (query.get('filename') ?? '').replace(/\p{Cc}/gu, '').trim().slice(0, 200) || 'upload.csv';
  const options = {
    format: query.get('format') ?? undefined,
    delimiter: query.get('delimiter') === 'tab' ? '\t' : (query.get('delimiter') ?? undefined),
    decimal: query.get('decimal') ?? undefined,
    header: query.has('header') ? query.get('header') !== 'false' : undefined,
    encoding: query.get('encoding') ?? undefined,
    badRows: query.get('badRows') ?? undefined,
    sheet: query.get('sheet')?.trim() || undefined,
    imageSize: numberParam(query, 'imageSize', 'size'),
    colour: query.get('colour') ?? query.get('color') ?? undefined,
    fit: query.get('fit') ?? undefined,
    maxImages: numberParam(query, 'maxImages'),
  };
  if (!request.body) throw new RequestError(400, 'Send the file as the request body.');
  const { dataset, existing } = await receiveUpload(request.body as unknown as WebReadableStream<Uint8Array>, fileName, options);
  return Response.json({ dataset, existing }, { status: existing ? 200 : 201 });
});

export const GET = guarded(async () => Response.json({ datasets: listDatasets() }));
