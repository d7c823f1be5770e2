import type { SignedInUser } from '../../server/auth/auth';

/** A password every test account uses (long enough for the rule). */
export const TEST_PASSWORD = 'correct horse battery staple';

/** An account made through better-auth, as the sign-up page makes one, and the cookie of its session. */
export interface TestAccount {
  user: SignedInUser;
  /** The Cookie header that carries its session. */
  cookie: string;
}

/**
 * Signs up in-process (better-auth's own sign-up endpoint, which signs the new account in) and keeps
 * the session cookie: the first account of a data folder becomes the owner of the first workspace.
 */
export async function signUp(name: string, email: string): Promise<TestAccount> {
  const { getAuth } = await import('../../server/auth/auth');
  const response = await getAuth().api.signUpEmail({ body: { name, email, password: TEST_PASSWORD }, asResponse: true });
  if (!response.ok) throw new Error(`sign-up of ${email} failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: SignedInUser };
  return { user: { id: body.user.id, name: body.user.name, email: body.user.email }, cookie: sessionCookie(response.headers) };
}

/** The Cookie header a browser would send back after this response (name=value of each Set-Cookie). */
export function sessionCookie(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** A tRPC caller acting as the account (its session read from the database, as for every request), optionally in one workspace. */
export async function callerAs(account: TestAccount, workspaceId?: string) {
  const { createCaller } = await import('../../server/api/root');
  const { identify, WORKSPACE_COOKIE } = await import('../../server/auth/request');
  const cookie = workspaceId ? `${account.cookie}; ${WORKSPACE_COOKIE}=${workspaceId}` : account.cookie;
  return createCaller({ ...(await identify(new Headers({ cookie }))), resHeaders: new Headers() });
}
