import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '../../../../server/api/root';
import { MAX_TRPC_BATCH } from '../../../../lib/api-limits';
import { guarded, readBody } from '../../../../server/http/guard';
import { identify } from '../../../../server/auth/request';

export const dynamic = 'force-dynamic';

/** Procedure calls carry graphs and small inputs: a body beyond this is refused unread. */
const MAX_TRPC_BODY_BYTES = 16 * 2 ** 20;

const handler = guarded(async (req: Request) => {
  // tRPC reads the whole body: read it here first, within the limit.
  const request = req.method === 'POST' ? new Request(req, { body: await readBody(req, MAX_TRPC_BODY_BYTES, 'the API request limit') }) : req;
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    // One request may not multiply the server's work without bound (the editor batches a handful).
    maxBatchSize: MAX_TRPC_BATCH,
    // Who is asking, from the session cookie, read from the database on every request (a removed member is refused at once).
    createContext: async ({ req, resHeaders }) => ({ ...(await identify(req.headers, resHeaders)), resHeaders }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? ''} failed`, error);
    },
  });
});

export { handler as GET, handler as POST };
