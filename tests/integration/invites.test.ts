import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { callerAs, signUp, type TestAccount } from '../support/accounts';
import { authOverHttp, trpcOverHttp } from '../support/routes';
import { expectOnlyHashesStored } from '../support/secrets-at-rest';
import { useTestServer } from '../support/server';

/**
 * Invites to a workspace (issue #14): an owner invites an email with a role; the link's token is
 * accepted once, by sign-up or sign-in of the account with that email, through the same HTTP handlers
 * the pages call. Refused invites (wrong email, expired, revoked, used) say why and change nothing.
 */
const server = useTestServer('invites', 1);
const dbFile = process.env.PIPELOOM_DB!;

/** Every token handed out here: none may be stored in clear. */
const tokens: string[] = [];

async function invite(email: string, role: 'viewer' | 'editor' | 'owner' = 'viewer') {
  const made = await server.caller.invites.create({ email, role });
  expect(made.token).toMatch(/^pli_[A-Za-z0-9_-]{32}$/);
  tokens.push(made.token);
  return made;
}

function schema() {
  return server.db.schema;
}

/** The workspace's members and its invites, as stored: what a refused invite must leave as it was. */
function stored() {
  const db = server.db.getDb();
  return {
    members: db.select().from(schema().workspaceMembers).where(eq(schema().workspaceMembers.workspaceId, server.workspaceId)).all(),
    invites: db.select().from(schema().invites).all(),
  };
}

async function roleOf(account: TestAccount): Promise<string | undefined> {
  const { members } = await server.caller.workspaces.members();
  return members.find((m) => m.userId === account.user.id)?.role;
}

describe('an invite link', () => {
  it('accepted by signing up with the invited email: the new account joins with the role, once; the list shows it accepted', async () => {
    const { token, invite: made } = await invite('New.Person@Example.com', 'editor');
    expect(made).toMatchObject({ email: 'new.person@example.com', role: 'editor', status: 'pending', invitedBy: 'Test Owner' });
    expect(made.expiresAt - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);

    // The invite page, before any account exists: anyone holding the link reads what it offers.
    const described = await trpcOverHttp(null).query('invites.describe', { token });
    expect(described.status, described.text).toBe(200);
    expect(described.body.result!.data).toMatchObject({ email: 'new.person@example.com', role: 'editor', invitedBy: 'Test Owner' });

    const person = await authOverHttp('sign-up/email', { name: 'New Person', email: 'new.person@example.com' });
    const accepted = await trpcOverHttp(person).mutate('invites.accept', { token });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.result!.data).toEqual({ workspaceId: server.workspaceId, role: 'editor' });
    // They work in the workspace joined from now on.
    expect(accepted.headers.getSetCookie().join()).toContain(`pipeloom-workspace=${server.workspaceId}`);
    expect(await roleOf(person)).toBe('editor');
    const current = await (await callerAs(person, server.workspaceId)).workspaces.current();
    expect(current.active).toMatchObject({ workspaceId: server.workspaceId, role: 'editor' });

    // The same link again: used.
    const before = stored();
    const again = await trpcOverHttp(person).mutate('invites.accept', { token });
    expect(again.status).toBe(412);
    expect(again.body.error!.message).toBe('This invite has been used already: sign in to reach the workspace.');
    expect(stored()).toEqual(before);
    expect((await server.caller.invites.list()).find((i) => i.id === made.id)).toMatchObject({ status: 'accepted', invitedBy: 'Test Owner' });
  });

  it('accepted by signing in to an existing account with that email', async () => {
    const existing = await signUp('Ivy Existing', 'ivy@example.com');
    const { token } = await invite('ivy@example.com', 'viewer');
    expect(await roleOf(existing)).toBeUndefined();
    const session = await authOverHttp('sign-in/email', { email: 'ivy@example.com' });
    const accepted = await trpcOverHttp(session).mutate('invites.accept', { token });
    expect(accepted.status, accepted.text).toBe(200);
    expect(await roleOf(existing)).toBe('viewer');
  });

  it('made by an owner who is an owner no more: refused (an invite cannot bring an ex-owner back), and nothing changes', async () => {
    const olive = await signUp('Olive Once-Owner', 'olive@example.com');
    await server.caller.workspaces.addMember({ email: 'olive@example.com', role: 'owner' });
    const asOlive = await callerAs(olive, server.workspaceId);
    const { token } = await asOlive.invites.create({ email: 'olive.alt@example.com', role: 'owner' });
    tokens.push(token);
    await server.caller.workspaces.removeMember({ userId: olive.user.id });
    const alt = await signUp('Olive Alt', 'olive.alt@example.com');
    const before = stored();
    const answer = await trpcOverHttp(alt).mutate('invites.accept', { token });
    expect(answer.status, answer.text).toBe(412);
    expect(answer.body.error!.message).toBe('Whoever made this invite is no longer an owner of the workspace: ask a current owner for a new one.');
    expect(stored()).toEqual(before);
    expect(await roleOf(alt)).toBeUndefined();
  });

  it('accepted by another account: refused, saying whom it is for, and nothing changes', async () => {
    const { token, invite: made } = await invite('meant-for@example.com', 'editor');
    const someoneElse = await signUp('Sid Else', 'sid@example.com');
    const before = stored();
    const answer = await trpcOverHttp(someoneElse).mutate('invites.accept', { token });
    expect(answer.status).toBe(403);
    expect(answer.body.error!.message).toBe(
      'This invite is for meant-for@example.com, and you are signed in as sid@example.com: sign out, then sign in or sign up with meant-for@example.com.',
    );
    expect(stored()).toEqual(before);
    expect(await roleOf(someoneElse)).toBeUndefined();
    expect((await server.caller.invites.list()).find((i) => i.id === made.id)!.status).toBe('pending');
  });

  it('expired, revoked and used invites: each refused with its own plain message, to describe and accept, and nothing changes', async () => {
    const cases = [
      { email: 'expired@example.com', status: 'expired', message: 'This invite has expired: ask an owner of the workspace for a new one.' },
      { email: 'revoked@example.com', status: 'revoked', message: 'This invite was revoked by an owner of the workspace: ask them for a new one.' },
      { email: 'used@example.com', status: 'accepted', message: 'This invite has been used already: sign in to reach the workspace.' },
    ] as const;
    for (const { email, status, message } of cases) {
      const account = await signUp(email.split('@')[0], email);
      const { token, invite: made } = await invite(email, 'editor');
      if (status === 'expired') {
        server.db.getDb().update(schema().invites).set({ expiresAt: Date.now() - 1000 }).where(eq(schema().invites.id, made.id)).run();
      } else if (status === 'revoked') {
        expect(await server.caller.invites.revoke({ id: made.id })).toEqual({ revoked: true });
      } else {
        expect((await trpcOverHttp(account).mutate('invites.accept', { token })).status).toBe(200);
        // Made a viewer since: using the link again must not give the invite's role back.
        await server.caller.workspaces.setRole({ userId: account.user.id, role: 'viewer' });
      }
      const before = stored();
      const described = await trpcOverHttp(null).query('invites.describe', { token });
      const accepted = await trpcOverHttp(account).mutate('invites.accept', { token });
      for (const answer of [described, accepted]) {
        expect(answer.status, `${status}: ${answer.text}`).toBe(412);
        expect(answer.body.error!.message).toBe(message);
        expect(answer.body.result).toBeUndefined();
      }
      expect(stored(), status).toEqual(before);
      expect(await roleOf(account), status).toBe(status === 'accepted' ? 'viewer' : undefined);
      expect((await server.caller.invites.list()).find((i) => i.id === made.id)!.status).toBe(status);
      // Only a pending invite can be revoked.
      await expect(server.caller.invites.revoke({ id: made.id })).rejects.toThrow(/no pending invite/);
    }
  });

  it('a link that was never made, or is cut short: 404 or a plain input error, nothing revealed', async () => {
    const unknown = await trpcOverHttp(null).query('invites.describe', { token: `pli_${'A'.repeat(32)}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.message).toBe('This invite link is not valid: check that it was copied whole, or ask for a new one.');
    const cut = await trpcOverHttp(null).query('invites.describe', { token: tokens[0]!.slice(0, 20) });
    expect(cut.status).toBe(400);
    expect(cut.body.error!.message).toBe('token: not an invite link');
  });

  it('someone already a member cannot be invited; the list shows every status and never a token', async () => {
    await expect(server.caller.invites.create({ email: 'owner@example.com', role: 'viewer' })).rejects.toThrow('owner@example.com is already a member of this workspace');
    const listed = await server.caller.invites.list();
    expect(new Set(listed.map((i) => i.status))).toEqual(new Set(['pending', 'accepted', 'revoked', 'expired']));
    const text = JSON.stringify(listed);
    for (const token of tokens) expect(text).not.toContain(token);
  });
});

describe('who may invite', () => {
  it('an editor and a viewer of the workspace may not create, list or revoke invites (403), and nothing changes', async () => {
    const { invite: pending } = await invite('pending-still@example.com');
    for (const role of ['editor', 'viewer'] as const) {
      const member = await signUp(`A ${role}`, `member-${role}@example.com`);
      await server.caller.workspaces.addMember({ email: member.user.email, role });
      const asMember = trpcOverHttp(member, server.workspaceId);
      const before = stored();
      const answers = [
        await asMember.mutate('invites.create', { email: `by-${role}@example.com`, role: 'viewer' }),
        await asMember.query('invites.list'),
        await asMember.mutate('invites.revoke', { id: pending.id }),
      ];
      for (const answer of answers) {
        expect(answer.status, answer.text).toBe(403);
        expect(answer.body.error!.message).toBe(`As ${role === 'editor' ? 'an' : 'a'} ${role} of this workspace you cannot manage the members of this workspace: ask one of its owners for another role.`);
      }
      expect(stored()).toEqual(before);
    }
    expect((await server.caller.invites.list()).find((i) => i.id === pending.id)!.status).toBe('pending');
  });

  it('the owner of another workspace cannot revoke this one\'s invite: 404, and it stays pending', async () => {
    const { invite: pending } = await invite('stays@example.com');
    const stranger = await signUp('Stan Stranger', 'stan@example.com');
    await expect((await callerAs(stranger)).invites.revoke({ id: pending.id })).rejects.toThrow(/no pending invite/);
    expect((await server.caller.invites.list()).find((i) => i.id === pending.id)!.status).toBe('pending');
  });
});

describe('invite tokens at rest', () => {
  it('are never stored in clear: neither the database file nor its write-ahead log holds one (their SHA-256 is there)', () => {
    expect(tokens.length).toBeGreaterThanOrEqual(8);
    expectOnlyHashesStored(dbFile, tokens, 'pli_'.length);
  });
});
