import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace, useHttpServer, type HttpAccount, type TrpcAnswer } from '../support/http-server';
import { irisGraph, withParams } from '../support/pipeloom';

/**
 * The audit log (issue #14), over HTTP against `next start`: each kind of event, done as people do
 * it, lands in the log of the workspace it happened in, naming who, what and to what; audit.list
 * filters and pages; the CSV route downloads it (filtered, spreadsheet formulas defused); only owners
 * read either.
 */
const server = useHttpServer('audit');

interface AuditEvent {
  id: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string | null;
}

function ok<T>(answer: TrpcAnswer, what: string): T {
  if (answer.status !== 200 || !answer.body.result) throw new Error(`${what}: ${answer.status} ${answer.text}`);
  return answer.body.result.data as T;
}

async function auditOf(account: HttpAccount, filter: Record<string, unknown> = {}): Promise<{ events: AuditEvent[]; more: boolean }> {
  return ok(await server.as(account).query('audit.list', { limit: 500, ...filter }), 'audit.list');
}

/** Waits (as the owner) until the run has ended: its status. */
async function settled(runId: string): Promise<string> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const { run } = ok<{ run: { status: string } }>(await server.query('runs.get', { runId }), 'runs.get');
    if (!['running', 'queued'].includes(run.status)) return run.status;
  }
  throw new Error(`run ${runId} did not end`);
}

/** A name that a spreadsheet would read as a formula: how someone signs up to attack whoever opens the CSV. */
const FORMULA_NAME = '=HYPERLINK("http://evil.example/","Mel")';
let workspaceId: string;
/** The invited editor in the audited workspace (`inaAtHome`: in the workspace of her own). */
let ina: HttpAccount;
let inaAtHome: HttpAccount;
let mel: HttpAccount;
let savedModelId: string;
let events: AuditEvent[];

beforeAll(async () => {
  workspaceId = ok<{ active: { workspaceId: string } }>(await server.query('workspaces.current'), 'workspaces.current').active.workspaceId;

  // Invites: one accepted by a new account (who then runs a pipeline as editor), one revoked.
  const { token } = ok<{ token: string }>(await server.mutate('invites.create', { email: 'ina@example.com', role: 'editor' }), 'invites.create');
  inaAtHome = await server.signUp('Ina Invited', 'ina@example.com');
  ina = inWorkspace(inaAtHome, workspaceId);
  ok(await server.as(ina).mutate('invites.accept', { token }), 'invites.accept');
  const { invite } = ok<{ invite: { id: string } }>(await server.mutate('invites.create', { email: '-2+3@example.com', role: 'viewer', days: 3 }), 'invites.create');
  ok(await server.mutate('invites.revoke', { id: invite.id }), 'invites.revoke');

  // Members: added, promoted, removed.
  mel = await server.signUp(FORMULA_NAME, 'mel@example.com');
  ok(await server.mutate('workspaces.addMember', { email: 'mel@example.com', role: 'viewer' }), 'addMember');
  ok(await server.mutate('workspaces.setRole', { userId: mel.user.id, role: 'editor' }), 'setRole');
  ok(await server.mutate('workspaces.removeMember', { userId: mel.user.id }), 'removeMember');

  // A pipeline that deploys, run by the invited editor; shared with a person and by a link, then not.
  const graph = { ...withParams(withParams(irisGraph(), 'train', { epochs: 8 }), 'deploy', { modelName: 'audit-iris' }), name: 'Audited iris' };
  const graphId = ok<{ id: string }>(await server.mutate('graphs.create', { graph }), 'graphs.create').id;
  const { runId } = ok<{ runId: string }>(await server.as(ina).mutate('runs.start', { graphId }), 'runs.start');
  expect(await settled(runId)).toBe('succeeded');
  ok(await server.mutate('sharing.addPerson', { graphId, email: 'mel@example.com', role: 'viewer' }), 'addPerson');
  ok(await server.mutate('sharing.removePerson', { graphId, userId: mel.user.id }), 'removePerson');
  const link = ok<{ id: string; token: string }>(await server.mutate('sharing.createLink', { graphId, mode: 'view', expiresInDays: 5 }), 'createLink');
  ok(await server.as(mel).mutate('sharing.openLink', { token: link.token }), 'openLink');
  ok(await server.mutate('sharing.revokeLink', { graphId, linkId: link.id }), 'revokeLink');

  // The saved model deployed again by hand; a deployment made public; an API key made and revoked.
  savedModelId = ok<{ id: string; graphId: string }[]>(await server.query('models.list'), 'models.list').find((m) => m.graphId === graphId)!.id;
  ok(await server.mutate('models.deploy', { id: savedModelId, name: 'audit-two' }), 'models.deploy');
  ok(await server.mutate('deployments.setPublic', { name: 'audit-iris', public: true }), 'setPublic');
  const { apiKey } = ok<{ apiKey: { id: string; prefix: string } }>(await server.mutate('apiKeys.create', { name: 'ci key', deployments: ['audit-two'] }), 'apiKeys.create');
  ok(await server.mutate('apiKeys.revoke', { id: apiKey.id }), 'apiKeys.revoke');

  // Deletes: a pipeline, an upload, the saved model.
  const doomed = ok<{ id: string }>(await server.mutate('graphs.create', { name: 'Doomed pipeline' }), 'graphs.create').id;
  ok(await server.mutate('graphs.delete', { id: doomed }), 'graphs.delete');
  const uploaded = await server.fetch('/api/v1/datasets?filename=doomed.csv', { method: 'POST', body: 'x,y\n1,2\n3,4\n' });
  expect(uploaded.status).toBe(201);
  const datasetId = ((await uploaded.json()) as { dataset: { id: string } }).dataset.id;
  ok(await server.mutate('datasets.delete', { id: datasetId }), 'datasets.delete');
  ok(await server.mutate('models.delete', { id: savedModelId }), 'models.delete');

  // A sign-in over HTTP (from an address of its own: sign-ups above used this one's allowance).
  const signIn = await server.anonymous.fetch('/api/auth/sign-in/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.7.7.7' },
    body: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery staple' }),
  });
  expect(signIn.status, await signIn.clone().text()).toBe(200);

  events = (await auditOf(server.owner)).events;
}, 180_000);

const OWNER = 'Test Owner <owner@example.com>';

describe('the audit log of a workspace', () => {
  it('holds each kind of event, with who did it, what and to what', () => {
    const expected: [action: string, actor: string, subject: string | RegExp, detail: string | RegExp | null][] = [
      ['sign-in', OWNER, 'owner@example.com', 'new account'],
      ['sign-in', OWNER, 'owner@example.com', 'with a password'],
      ['invite.create', OWNER, 'ina@example.com', 'as editor, valid 7 days'],
      ['invite.accept', 'Ina Invited <ina@example.com>', 'ina@example.com', 'joined as editor'],
      ['invite.create', OWNER, '-2+3@example.com', 'as viewer, valid 3 days'],
      ['invite.revoke', OWNER, '-2+3@example.com', 'as viewer'],
      ['member.add', OWNER, 'mel@example.com', 'as viewer'],
      ['member.role', OWNER, 'mel@example.com', 'to editor'],
      ['member.remove', OWNER, 'mel@example.com', null],
      ['deploy', 'Ina Invited <ina@example.com>', 'deployment "audit-iris" version 1', 'by a run of pipeline "Audited iris"'],
      ['share.add', OWNER, 'pipeline "Audited iris"', 'with mel@example.com as viewer'],
      ['share.remove', OWNER, 'pipeline "Audited iris"', 'with mel@example.com'],
      ['link.create', OWNER, 'pipeline "Audited iris"', /^view-only, until \d{4}-/],
      ['link.open', `${FORMULA_NAME} <mel@example.com>`, 'pipeline "Audited iris"', 'view-only'],
      ['link.revoke', OWNER, 'pipeline "Audited iris"', 'view-only'],
      ['deploy', OWNER, 'deployment "audit-two" version 1', `from saved model ${savedModelId}`],
      ['deployment.visibility', OWNER, 'deployment "audit-iris"', 'made public: anyone may call it'],
      ['key.create', OWNER, /^API key "ci key" \(plk_/, 'for audit-two'],
      ['key.revoke', OWNER, /^API key "ci key" \(plk_/, null],
      ['pipeline.delete', OWNER, 'pipeline "Doomed pipeline"', 'moved to the trash for 30 days'],
      ['dataset.delete', OWNER, /^dataset "doomed/, null],
      ['model.delete', OWNER, `saved model ${savedModelId}`, null],
    ];
    const matches = (pattern: string | RegExp | null, value: string | null) => (pattern === null || typeof pattern === 'string' ? value === pattern : value !== null && pattern.test(value));
    for (const [action, actor, subject, detail] of expected) {
      const found = events.filter((e) => e.action === action && e.actor === actor && matches(subject, e.subject) && matches(detail, e.detail));
      expect(found, `${action} by ${actor} on ${String(subject)} (${String(detail)})`).toHaveLength(1);
    }
    // Newest first.
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a));
  });

  it("is the workspace's own: another workspace's owner sees none of it in theirs", async () => {
    // mel opened the link (logged in the pipeline's workspace) and was a member for a while; its own log holds its sign-up only.
    const own = (await auditOf(mel)).events;
    expect(own.map((e) => e.action)).toEqual(['sign-in']);
    expect(own[0]).toMatchObject({ subject: 'mel@example.com', detail: 'new account' });
    const inas = (await auditOf(inaAtHome)).events;
    expect(inas.map((e) => e.action)).toEqual(['sign-in']);
  });

  it('filters by action, by words of the actor or subject, and by time; pages on with beforeId', async () => {
    const roles = (await auditOf(server.owner, { action: 'member.role' })).events;
    expect(roles.map((e) => e.subject)).toEqual(['mel@example.com']);

    const mels = (await auditOf(server.owner, { text: 'mel@example.com' })).events;
    expect(mels.length).toBeGreaterThan(0);
    for (const e of mels) expect(`${e.actor} ${e.subject}`).toContain('mel@example.com');
    // The share names mel in its detail only: not what the text filter reads.
    expect(new Set(mels.map((e) => e.action))).toEqual(new Set(['member.add', 'member.role', 'member.remove', 'link.open']));
    // Like-patterns are literal: a % matches nothing here.
    expect((await auditOf(server.owner, { text: '%' })).events).toEqual([]);

    const key = events.find((e) => e.action === 'key.create')!;
    const within = (await auditOf(server.owner, { from: key.at, to: key.at + 1 })).events;
    expect(within.map((e) => e.id)).toContain(key.id);
    for (const e of within) expect(e.at).toBe(key.at);
    expect((await auditOf(server.owner, { to: key.at })).events.map((e) => e.id)).not.toContain(key.id);
    expect((await auditOf(server.owner, { from: key.at + 1 })).events.map((e) => e.id)).not.toContain(key.id);

    const first = await auditOf(server.owner, { limit: 4 });
    expect(first).toMatchObject({ more: true });
    expect(first.events).toEqual(events.slice(0, 4));
    const second = await auditOf(server.owner, { limit: 4, beforeId: first.events.at(-1)!.id });
    expect(second.events).toEqual(events.slice(4, 8));
    const last = await auditOf(server.owner, { limit: 4, beforeId: events.at(-2)!.id });
    expect(last).toEqual({ events: [events.at(-1)], more: false });
  });

  it('is refused to an editor and a viewer (403), with a plain message', async () => {
    ok(await server.mutate('workspaces.addMember', { email: 'mel@example.com', role: 'viewer' }), 'addMember');
    try {
      for (const account of [ina, inWorkspace(mel, workspaceId)]) {
        const answer = await server.as(account).query('audit.list', {});
        expect(answer.status).toBe(403);
        expect(answer.body.error!.message).toMatch(/^As an? (editor|viewer) of this workspace you cannot manage the members of this workspace/);
        expect(answer.body.result).toBeUndefined();
      }
    } finally {
      ok(await server.mutate('workspaces.removeMember', { userId: mel.user.id }), 'removeMember');
    }
  });
});

describe('the audit log as CSV (GET /api/v1/audit/csv)', () => {
  it('downloads every event, newest first, under a header line, with formulas kept as text', async () => {
    // No action records a subject that starts with "=": one is written beside the server, as a crafted row would be.
    const db = new Database(path.join(server.dataDir, 'pipeloom.db'));
    try {
      db.prepare('insert into audit_events (workspace_id, at, actor, action, subject, detail) values (?, ?, ?, ?, ?, ?)').run(workspaceId, Date.now(), 'someone', 'pipeline.delete', '=1+2', '@SUM(A1)');
    } finally {
      db.close();
    }
    const all = (await auditOf(server.owner)).events;
    const response = await server.fetch('/api/v1/audit/csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toContain('audit-log.csv');
    const lines = (await response.text()).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('time,actor,action,what,subject,detail');
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(all.length);
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,someone,pipeline\.delete,Deleted a pipeline,'=1\+2,'@SUM\(A1\)$/);
    expect(rows).toContain(`${new Date(all.find((e) => e.action === 'invite.revoke')!.at).toISOString()},${OWNER},invite.revoke,Revoked an invite,'-2+3@example.com,as viewer`);
    const opened = rows.find((r) => r.includes(',link.open,'))!;
    expect(opened).toContain(`,"'=HYPERLINK(""http://evil.example/"",""Mel"") <mel@example.com>",link.open,`);
    // No cell starts a formula.
    for (const row of rows) expect(row, row).not.toMatch(/(^|,)"?[=+\-@]/);
  });

  it('applies the filter of the page', async () => {
    const response = await server.fetch('/api/v1/audit/csv?action=key.create&text=ci%20key');
    expect(response.status).toBe(200);
    const rows = (await response.text()).split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/,key\.create,Created an API key,"?API key ""ci key"" \(plk_/);
    const bad = await server.fetch('/api/v1/audit/csv?action=everything');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^action: /);
  });

  it('is refused to an editor (403) and to anyone not signed in (401)', async () => {
    const editor = await server.as(ina).fetch('/api/v1/audit/csv');
    expect(editor.status).toBe(403);
    expect(((await editor.json()) as { error: { message: string } }).error.message).toBe(
      'As an editor of this workspace you cannot manage the members of this workspace: ask one of its owners for another role.',
    );
    expect((await server.anonymous.fetch('/api/v1/audit/csv')).status).toBe(401);
  });
});
