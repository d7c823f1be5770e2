import { initTRPC } from '@trpc/server';

/** The one tRPC init: every router and procedure is built from here. */
const t = initTRPC.create({
  sse: { ping: { enabled: true, intervalMs: 5000 }, client: { reconnectAfterInactivityMs: 15000 } },
});

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
