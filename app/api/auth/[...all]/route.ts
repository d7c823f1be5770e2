import { getAuth } from '../../../../server/auth/auth';
import { recordSignIn, recordSignUp, signInBlockedFor, signUpAllowed } from '../../../../server/auth/auth-limits';
import { errorResponse, guarded, readBody } from '../../../../server/http/guard';
import { workspaceCookieHeader } from '../../../../server/auth/request';
import { auditSignIn } from '../../../../server/auth/workspaces';

export const dynamic = 'force-dynamic';

/** Sign-in, sign-up and sign-out bodies are a few fields. */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

/** Where the person using this browser changes: the workspace the last one switched to is not theirs. */
const SESSION_CHANGES = ['/sign-in/email', '/sign-up/email', '/sign-out'];

/**
 * better-auth's endpoints (sign-up, sign-in, sign-out, session), behind the same edge as every route
 * (unknown hosts and other sites refused). A sign-in is also limited per account email.
 */
const handler = guarded(async (request: Request) => {
  const auth = getAuth();
  if (request.method !== 'POST') return withoutSessionTokens(await auth.handler(request));
  const body = await readBody(request, MAX_AUTH_BODY_BYTES, 'the sign-in request limit');
  const forward = new Request(request, { body });
  const path = new URL(request.url).pathname;
  if (path.endsWith('/sign-up/email') && !signUpAllowed()) return errorResponse(429, 'Too many new accounts at once: try again in a minute.');
  const response = path.endsWith('/sign-in/email') ? await signIn(forward, body) : await auth.handler(forward);
  if (response.ok && path.endsWith('/sign-up/email')) {
    recordSignUp();
    const email = signInEmail(body);
    if (email) auditSignIn(email, 'new account');
  }
  if (response.ok && SESSION_CHANGES.some((change) => path.endsWith(change))) response.headers.append('Set-Cookie', workspaceCookieHeader(null));
  return withoutSessionTokens(response);
});

/**
 * better-auth also puts session tokens in its JSON answers (sign-in and sign-up for clients that
 * send them as bearer tokens; get-session and list-sessions as fields of each session). A session
 * lives in the httpOnly cookie: a script on the page must never hold one.
 */
async function withoutSessionTokens(response: Response): Promise<Response> {
  if (!response.headers.get('content-type')?.includes('application/json')) return response;
  let body = await response.text();
  try {
    body = JSON.stringify(JSON.parse(body), (key, value: unknown) => (key === 'token' ? undefined : value));
  } catch {
    // not JSON after all (an empty body): passed on as it came
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
}

async function signIn(request: Request, body: Uint8Array): Promise<Response> {
  const email = signInEmail(body);
  const wait = email ? signInBlockedFor(email) : 0;
  if (wait > 0) return errorResponse(429, `Too many wrong passwords for this account: try again in ${wait} minute${wait === 1 ? '' : 's'}.`);
  const response = await getAuth().handler(request);
  if (email && (response.ok || response.status === 401)) recordSignIn(email, response.ok);
  if (email && response.ok) auditSignIn(email, 'with a password');
  return response;
}

function signInEmail(body: Uint8Array): string | null {
  try {
    const { email } = JSON.parse(new TextDecoder().decode(body)) as { email?: unknown };
    return typeof email === 'string' ? email.trim().toLowerCase() : null;
  } catch {
    return null;
  }
}

export { handler as GET, handler as POST };
