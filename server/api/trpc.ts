import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { ZodError } from 'zod';
import { authorizeActive, requireSignedIn, type Action } from '../auth/access';
import type { RequestIdentity } from '../auth/request';
import { DISK_FULL_MESSAGE, isDiskFull, publicErrorMessage } from '../errors';
import { RequestError } from '../http/guard';

const MAX_MESSAGE = 500;

/** What every procedure knows of its request: who sent it, the workspace it works in, and where to set response headers (cookies). */
export interface Context extends RequestIdentity {
  resHeaders: Headers;
}

/**
 * The one tRPC init: every router and procedure is built from here. Errors reach the client as a
 * plain message and the field it is about, never a stack, a server path or a database's own words.
 */
const t = initTRPC.context<Context>().create({
  sse: { ping: { enabled: true, intervalMs: 5000 }, client: { reconnectAfterInactivityMs: 15000 } },
  errorFormatter({ shape, error }) {
    const issue = error.cause instanceof ZodError ? error.cause.issues[0] : undefined;
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : error.cause instanceof RequestError ? error.cause.field : undefined;
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

const CODE_FOR_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
};

/**
 * A full disk is the server's state, not a bug: 503 with the plain message (the same request works
 * once there is room). A refusal or request problem (RequestError: not signed in, not allowed, a
 * member change that would leave no owner) keeps its status and message.
 */
const plainFailures = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (isDiskFull(cause)) {
    console.error(`tRPC ${path} failed: the disk is full`, cause);
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DISK_FULL_MESSAGE, cause });
  }
  if (cause instanceof RequestError) throw new TRPCError({ code: CODE_FOR_STATUS[cause.status] ?? 'BAD_REQUEST', message: cause.message, cause });
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every procedure is built on this. */
const baseProcedure = t.procedure.use(plainFailures);

/** Answers anyone, signed in or not: only for what a secret in the input itself authorizes (an invite's token). */
export const publicProcedure = baseProcedure;

/** Any signed-in user (401 otherwise); the procedure authorizes what it touches with `authorize`. */
export const signedInProcedure = baseProcedure.use(({ ctx, next }) => next({ ctx: { user: requireSignedIn(ctx.actor) } }));

/** A procedure acting in the request's active workspace, allowed for the roles that may do `action` there. */
export function workspaceProcedure(action: Action) {
  return baseProcedure.use(({ ctx, next }) => next({ ctx: { access: authorizeActive(ctx.actor, ctx.requestedWorkspaceId, action) } }));
}
