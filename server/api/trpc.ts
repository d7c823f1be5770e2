import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { DISK_FULL_MESSAGE, isDiskFull, publicErrorMessage } from '../errors';

const MAX_MESSAGE = 500;

/**
 * The one tRPC init: every router and procedure is built from here. Errors reach the client as a
 * plain message and the field it is about, never a stack, a server path or a database's own words.
 */
const t = initTRPC.create({
  sse: { ping: { enabled: true, intervalMs: 5000 }, client: { reconnectAfterInactivityMs: 15000 } },
  errorFormatter({ shape, error }) {
    const issue = error.cause instanceof ZodError ? error.cause.issues[0] : undefined;
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
    const message = issue
      ? `${field ?? 'input'}: ${issue.message}`
      : error.code === 'INTERNAL_SERVER_ERROR'
        ? publicErrorMessage(error.cause ?? error)
        : error.message;
    return {
      // A message may quote what the client sent (an unknown procedure's path): never more than a screenful.
      message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
      code: shape.code,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...(field ? { field } : {}) },
    };
  },
});

/** A full disk is the server's state, not a bug: 503 with the plain message (the same request works once there is room). */
const diskFull = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (result.ok || !isDiskFull(result.error.cause)) return result;
  console.error(`tRPC ${path} failed: the disk is full`, result.error.cause);
  throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DISK_FULL_MESSAGE, cause: result.error.cause });
});

export const router = t.router;
export const publicProcedure = t.procedure.use(diskFull);
export const createCallerFactory = t.createCallerFactory;
