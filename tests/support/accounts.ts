import type { SignedInUser } from '../../server/auth/roles';

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

/** The Cookie header a browser would send back after this response (name=value of each Set-Cookie; a cleared one is dropped). */
export function sessionCookie(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

/** A tRPC caller acting as the account (its session read from the database, as for every request), optionally in one workspace. */
export async function callerAs(account: TestAccount, workspaceId?: string) {
  const { createCaller } = await import('../../server/api/root');
  const { identify, WORKSPACE_COOKIE } = await import('../../server/auth/request');
  const cookie = workspaceId ? `${account.cookie}; ${WORKSPACE_COOKIE}=${workspaceId}` : account.cookie;
  return createCaller({ ...(await identify(new Headers({ cookie }))), resHeaders: new Headers() });
}

let owner: Promise<TestAccount> | undefined;

/**
 * The first account of this test file's server, signed up on first use: the owner of the first
 * workspace (where engine calls with FIRST_WORKSPACE_ID run). Each test file has its own modules, so its own owner.
 */
export function theOwner(): Promise<TestAccount> {
  owner ??= signUp('Test Owner', 'owner@example.com');
  return owner;
}

/** A request as the owner's browser sends it (with the session cookie), for calling a route handler in-process. */
export async function ownerRequest(url: string, init: RequestInit = {}): Promise<Request> {
  const headers = new Headers(init.headers);
  headers.set('cookie', (await theOwner()).cookie);
  return new Request(url, { ...init, headers, ...(init.body ? { duplex: 'half' } : {}) } as RequestInit);
}
