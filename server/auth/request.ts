import { workspaceIdSchema } from '../../lib/ids';
import { sessionUser } from './auth';
import { authorize, authorizeActive, type Access, type Action, type Actor } from './access';

/** The cookie naming the workspace a user switched to (httpOnly; set by workspaces.switch). */
export const WORKSPACE_COOKIE = 'pipeloom-workspace';

/** Who sent the request and the workspace it works in, as every procedure and route sees them. */
export interface RequestIdentity {
  actor: Actor;
  /** The workspace the user switched to, when the cookie names one (checked against membership on use). */
  requestedWorkspaceId: string | undefined;
}

/** Who sent the request (its session, renewed on `resHeaders` when due) and the workspace it names. */
export async function identify(headers: Headers, resHeaders?: Headers): Promise<RequestIdentity> {
  return { actor: await sessionUser(headers, resHeaders), requestedWorkspaceId: workspaceCookie(headers) };
}

function workspaceCookie(headers: Headers): string | undefined {
  for (const part of (headers.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === WORKSPACE_COOKIE) {
      const id = value.join('=');
      // A malformed value is as good as none: the user's first workspace.
      return workspaceIdSchema.safeParse(id).success ? id : undefined;
    }
  }
  return undefined;
}

/** For a REST route: authorizes `action` in the request's active workspace. */
export async function authorizeRequest(request: Request, action: Action): Promise<Access> {
  const { actor, requestedWorkspaceId } = await identify(request.headers);
  return authorizeActive(actor, requestedWorkspaceId, action);
}

/** For a REST route about one thing whose workspace is known: authorizes `action` there (404 with `notFound`, about `field`, for non-members). */
export async function authorizeRequestIn(request: Request, workspaceId: string, action: Action, notFound: string, field?: string): Promise<Access> {
  return authorize(await sessionUser(request.headers), workspaceId, action, notFound, field);
}

export function workspaceCookieHeader(workspaceId: string | null): string {
  const base = `${WORKSPACE_COOKIE}=${workspaceId ?? ''}; Path=/; HttpOnly; SameSite=Lax`;
  return workspaceId ? `${base}; Max-Age=31536000` : `${base}; Max-Age=0`;
}
