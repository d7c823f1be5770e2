/** Accounts end to end on the server side: better-auth's routes in-process, sessions, roles, refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerAs, sessionCookie, TEST_PASSWORD, type TestAccount } from '../support/accounts';
import { useTempDataDir } from '../support/pipeloom';

const temp = useTempDataDir('accounts', 1);
let authRoute: typeof import('../../app/api/auth/[...all]/route');
let trpcRoute: typeof import('../../app/api/trpc/[trpc]/route');

/** A POST to better-auth's routes as a browser on this server sends it, from the client address `ip`. */
function auth(path: string, body: unknown, ip = '10.0.0.1', cookie = '') {
  return authRoute.POST(
    new Request(`http://localhost/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost', 'x-forwarded-for': ip, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    }),
  );
}

async function signUpOverHttp(name: string, email: string, ip: string): Promise<TestAccount> {
  const response = await auth('/sign-up/email', { name, email, password: TEST_PASSWORD }, ip);
  expect(response.status, await response.clone().text()).toBe(200);
  const { user } = (await response.json()) as { user: TestAccount['user'] };
  return { user: { id: user.id, name: user.name, email: user.email }, cookie: sessionCookie(response.headers) };
}

beforeAll(async () => {
  authRoute = await import('../../app/api/auth/[...all]/route');
  trpcRoute = await import('../../app/api/trpc/[trpc]/route');
});

afterAll(async () => {
  (await import('../../server/db')).getDb().$client.close();
  temp.cleanup();
});

describe('accounts', () => {
  let owner: TestAccount;

  it('before any account exists, every procedure asks for the owner account', async () => {
    const response = await trpcRoute.GET(new Request('http://localhost/api/trpc/graphs.list'));
    expect(response.status).toBe(401);
    expect((await response.json()).error.message).toBe('Create the owner account first: open Pipeloom in a browser.');
  });

  it('the first account owns the first workspace; its session cookie is httpOnly and SameSite', async () => {
    const response = await auth('/sign-up/email', { name: 'Olga Owner', email: 'olga@example.com', password: TEST_PASSWORD }, '10.0.0.2');
    expect(response.status).toBe(200);
    const session = response.headers.getSetCookie().find((c) => c.startsWith('pipeloom.session_token='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    // A new person in this browser: the workspace the last one switched to is forgotten.
    expect(response.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^pipeloom-workspace=; .*Max-Age=0/));
    const body = (await response.json()) as { user: TestAccount['user']; token?: string };
    // The session is the httpOnly cookie's alone: the page's scripts never see its token.
    expect(body).not.toHaveProperty('token');
    expect(JSON.stringify(body)).not.toContain(session!.split(';')[0].split('=')[1].split('.')[0]);
    owner = { user: body.user, cookie: sessionCookie(response.headers) };
    const got = await authRoute.GET(new Request('http://localhost/api/auth/get-session', { headers: { cookie: owner.cookie } }));
    const sessionAnswer = (await got.json()) as { session: Record<string, unknown>; user: { email: string } };
    expect(sessionAnswer.user.email).toBe('olga@example.com');
    expect(sessionAnswer.session).not.toHaveProperty('token');
    const { FIRST_WORKSPACE_ID } = await import('../../server/auth/workspaces');
    const current = await (await callerAs(owner)).workspaces.current();
    expect(current.active).toMatchObject({ workspaceId: FIRST_WORKSPACE_ID, role: 'owner' });
    // Anonymous now: asked to sign in.
    const anonymous = await trpcRoute.GET(new Request('http://localhost/api/trpc/graphs.list'));
    expect((await anonymous.json()).error.message).toBe('Sign in to use Pipeloom.');
  });

  it('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await auth('/sign-in/email', { email: 'olga@example.com', password: 'not the password' }, '10.0.0.3');
    const unknown = await auth('/sign-in/email', { email: 'nobody@example.com', password: 'not the password' }, '10.0.0.4');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('a name must be a name: control characters dropped, empty and overlong refused', async () => {
    const empty = await auth('/sign-up/email', { name: ' \u0007 ', email: 'blank@example.com', password: TEST_PASSWORD }, '10.7.0.1');
    expect(empty.status).toBe(400);
    expect((await empty.json()).message).toBe('Name: enter your name.');
    const long = await auth('/sign-up/email', { name: 'x'.repeat(101), email: 'long@example.com', password: TEST_PASSWORD }, '10.7.0.2');
    expect((await long.json()).message).toBe('Name: at most 100 characters.');
    const bell = await signUpOverHttp('Bell\u0007 Ringer', 'bell@example.com', '10.7.0.3');
    expect(bell.user.name).toBe('Bell Ringer');
    const { getDb, schema } = await import('../../server/db');
    expect(getDb().select().from(schema.user).all().map((u) => u.email)).not.toContain('blank@example.com');
  });

  it('a short password is refused with a plain message', async () => {
    const response = await auth('/sign-up/email', { name: 'Shorty', email: 'short@example.com', password: 'abc' }, '10.0.0.5');
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/password/i);
  });

  it('a sign-in flood from one address is rate limited with a plain message', async () => {
    const statuses: number[] = [];
    let refusal: { message?: string } = {};
    for (let i = 0; i < 5; i++) {
      const response = await auth('/sign-in/email', { email: 'olga@example.com', password: `guess ${i}` }, '10.0.0.6');
      statuses.push(response.status);
      if (response.status === 429) refusal = (await response.json()) as { message?: string };
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(refusal.message).toMatch(/too many/i);
  });

  it('wrong passwords for one account from many addresses lock that account for a while, not others', async () => {
    const { signInBlockedFor } = await import('../../server/auth/auth-limits');
    for (let i = 0; signInBlockedFor('olga@example.com') === 0 && i < 20; i++) {
      await auth('/sign-in/email', { email: 'olga@example.com', password: `spread guess ${i}` }, `10.1.${i}.1`);
    }
    const locked = await auth('/sign-in/email', { email: 'olga@example.com', password: TEST_PASSWORD }, '10.2.0.1');
    expect(locked.status).toBe(429);
    expect((await locked.json()).error.message).toMatch(/^Too many wrong passwords for this account: try again in \d+ minutes?\.$/);
    const other = await signUpOverHttp('Eve Editor', 'eve@example.com', '10.3.0.1');
    const signIn = await auth('/sign-in/email', { email: 'eve@example.com', password: TEST_PASSWORD }, '10.3.0.2');
    expect(signIn.status).toBe(200);
    expect(other.user.email).toBe('eve@example.com');
  });

  it('a later account gets a workspace of its own; an owner adds it as viewer; removed, its very next request is refused and says why', async () => {
    const vic = await signUpOverHttp('Vic Viewer', 'vic@example.com', '10.4.0.1');
    const vicCaller = await callerAs(vic);
    const own = await vicCaller.workspaces.current();
    expect(own.active?.role).toBe('owner');
    expect(own.active?.workspaceId).not.toBe((await (await callerAs(owner)).workspaces.current()).active?.workspaceId);

    const ownerCaller = await callerAs(owner);
    const { id: graphId } = await ownerCaller.graphs.create({ name: 'Team pipeline' });
    await ownerCaller.workspaces.addMember({ email: 'VIC@example.com ', role: 'viewer' });
    const { FIRST_WORKSPACE_ID } = await import('../../server/auth/workspaces');
    const asViewer = await callerAs(vic, FIRST_WORKSPACE_ID);
    expect((await asViewer.graphs.list()).map((g) => g.id)).toEqual([graphId]);
    expect((await asViewer.graphs.get({ id: graphId })).role).toBe('viewer');
    await expect(asViewer.runs.start({ graphId })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/^As a viewer of this workspace you cannot create, change, run or deploy/) });
    await expect(asViewer.graphs.delete({ id: graphId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asViewer.workspaces.addMember({ email: 'eve@example.com', role: 'owner' })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await ownerCaller.workspaces.removeMember({ userId: vic.user.id });
    // The same open tab (same cookies), next request:
    const after = await callerAs(vic, FIRST_WORKSPACE_ID);
    await expect(after.graphs.list()).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('not a member of this workspace (any more)') });
    await expect(after.graphs.get({ id: graphId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await after.workspaces.current()).refused).toContain('not a member of this workspace (any more)');
  });

  it('the last owner cannot leave a workspace ownerless', async () => {
    const ownerCaller = await callerAs(owner);
    await expect(ownerCaller.workspaces.setRole({ userId: owner.user.id, role: 'editor' })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'A workspace needs at least one owner: make someone else an owner first.',
    });
    await expect(ownerCaller.workspaces.removeMember({ userId: owner.user.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('a script (curl: no Origin header) signs in and calls with the cookie it got', async () => {
    const response = await authRoute.POST(
      new Request('http://localhost/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.6.0.1' },
        body: JSON.stringify({ email: 'eve@example.com', password: TEST_PASSWORD }),
      }),
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const list = await trpcRoute.GET(new Request('http://localhost/api/trpc/graphs.list', { headers: { cookie: sessionCookie(response.headers) } }));
    expect(list.status).toBe(200);
  });

  it('signing out ends the session: the cookie no longer opens anything', async () => {
    const response = await auth('/sign-out', {}, '10.5.0.1', owner.cookie);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^pipeloom-workspace=; .*Max-Age=0/));
    await expect((await callerAs(owner)).graphs.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
