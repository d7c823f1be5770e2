import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { irisGraph } from '../support/pipeloom';
import { callerAs, signUp, type TestAccount } from '../support/accounts';
import { runToEnd, useTestServer } from '../support/server';

/**
 * API keys and public deployments (issue #14): the predict and describe routes, called in-process
 * with `Authorization: Bearer <key>`, without anything, and as a signed-in member; keys made, listed
 * and revoked through tRPC as the owner.
 */
const server = useTestServer('api-keys');
const dbFile = process.env.PIPELOOM_DB!;

type Handler = (request: Request, context: { params: Promise<{ name: string }> }) => Promise<Response>;
let POST: Handler;
let GET: Handler;
let other: TestAccount;

const ROW = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

interface Answer {
  status: number;
  body: { predictions?: unknown[]; inputColumns?: unknown[]; error?: { message: string } };
}

async function predict(name: string, headers: Record<string, string> = {}): Promise<Answer> {
  const request = new Request(`http://localhost/api/v1/models/${name}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ rows: [ROW] }),
    duplex: 'half',
  } as RequestInit);
  const response = await POST(request, { params: Promise.resolve({ name }) });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function describeModel(name: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await GET(new Request(`http://localhost/api/v1/models/${name}`, { headers }), { params: Promise.resolve({ name }) });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function newKey(name: string, deployments: string[] | null, account?: TestAccount): Promise<string> {
  const caller = account ? await callerAs(account) : server.caller;
  const { key, apiKey } = await caller.apiKeys.create({ name, deployments });
  expect(key.startsWith(apiKey.prefix)).toBe(true);
  return key;
}

const made: string[] = [];

beforeAll(async () => {
  ({ POST } = await import('../../app/api/v1/models/[name]/predict/route'));
  ({ GET } = await import('../../app/api/v1/models/[name]/route'));
  // "iris" (the graph's Deploy step) and a second deployment of the same saved model, "iris-two".
  await runToEnd(server, irisGraph());
  const [model] = await server.caller.models.list();
  await server.caller.models.deploy({ id: model!.id, name: 'iris-two' });
  other = await signUp('Other Owner', 'other@example.com');
}, 180_000);

describe('calling a deployment with an API key', () => {
  it('a workspace-wide key predicts and describes (200), and its last use is shown', async () => {
    const key = await newKey('everything', null);
    made.push(key);
    const listed = (await server.caller.apiKeys.list()).find((k) => key.startsWith(k.prefix))!;
    expect(listed).toMatchObject({ name: 'everything', deployments: null, lastUsedAt: null });
    expect(JSON.stringify(await server.caller.apiKeys.list())).not.toContain(key);

    const answer = await predict('iris', bearer(key));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.predictions).toHaveLength(1);
    expect((await predict('iris-two', bearer(key))).status).toBe(200);
    expect((await describeModel('iris', bearer(key))).status).toBe(200);
    expect((await server.caller.apiKeys.list()).find((k) => k.id === listed.id)!.lastUsedAt).toBeGreaterThan(0);
  });

  it('without a session or a key: 401, saying how to send one and where to make it', async () => {
    for (const answer of [await predict('iris'), await describeModel('iris')]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error!.message).toContain('Authorization: Bearer <key>');
      expect(answer.body.error!.message).toContain('Models page');
      expect(answer.body.predictions).toBeUndefined();
    }
  });

  it('an unknown key, a malformed header and a revoked key: 401', async () => {
    expect((await predict('iris', bearer('plk_not-a-key'))).status).toBe(401);
    expect((await predict('iris', bearer('anything'))).status).toBe(401);
    expect((await predict('iris', { authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);

    const key = await newKey('to revoke', null);
    made.push(key);
    expect((await predict('iris', bearer(key))).status).toBe(200);
    const { id } = (await server.caller.apiKeys.list()).find((k) => key.startsWith(k.prefix))!;
    expect(await server.caller.apiKeys.revoke({ id })).toEqual({ revoked: true });
    const answer = await predict('iris', bearer(key));
    expect(answer.status).toBe(401);
    expect(answer.body.error!.message).toMatch(/revoked/);
    expect((await server.caller.apiKeys.list()).map((k) => k.id)).not.toContain(id);
    await expect(server.caller.apiKeys.revoke({ id })).rejects.toThrow(/no such API key/);
  });

  it('a key made for another deployment: 403; for this one: 200', async () => {
    const key = await newKey('iris-two only', ['iris-two']);
    made.push(key);
    const answer = await predict('iris', bearer(key));
    expect(answer.status).toBe(403);
    expect(answer.body.error!.message).toContain('"iris-two"');
    expect((await describeModel('iris', bearer(key))).status).toBe(403);
    expect((await predict('iris-two', bearer(key))).status).toBe(200);
  });

  it("a key of another workspace: 403 (and a key can only be made for its own workspace's deployments)", async () => {
    const key = await newKey("other's key", null, other);
    made.push(key);
    const answer = await predict('iris', bearer(key));
    expect(answer.status).toBe(403);
    expect(answer.body.error!.message).toMatch(/another workspace/);
    expect((await predict('no-such-model', bearer(key))).status).toBe(404);
    await expect((await callerAs(other)).apiKeys.create({ name: 'stolen scope', deployments: ['iris'] })).rejects.toThrow(/not a deployment of this workspace/);
  });

  it('a session member keeps working without a key; a non-member gets 404', async () => {
    const asOwner = { cookie: server.owner.cookie };
    expect((await predict('iris', asOwner)).status).toBe(200);
    expect((await predict('iris', { cookie: other.cookie })).status).toBe(404);
  });

  it('a deployment its owner made public answers anyone (200), and stops when made private again', async () => {
    expect((await server.caller.deployments.list()).find((d) => d.name === 'iris')!.public).toBe(false);
    await server.caller.deployments.setPublic({ name: 'iris', public: true });
    expect((await server.caller.deployments.list()).find((d) => d.name === 'iris')!.public).toBe(true);
    expect((await predict('iris')).status).toBe(200);
    expect((await describeModel('iris')).status).toBe(200);
    expect((await predict('iris', { cookie: other.cookie })).status).toBe(200);
    // Only that name: the other deployment stays private.
    expect((await predict('iris-two')).status).toBe(401);
    // Another workspace's owner cannot make it public or private.
    await expect((await callerAs(other)).deployments.setPublic({ name: 'iris', public: false })).rejects.toThrow(/no deployment/);
    await server.caller.deployments.setPublic({ name: 'iris', public: false });
    expect((await predict('iris')).status).toBe(401);
  });

  it('no key is stored in clear: neither the database file nor its write-ahead log holds one', () => {
    expect(made.length).toBeGreaterThanOrEqual(4);
    const files = [dbFile, `${dbFile}-wal`].filter((f) => existsSync(f));
    expect(files).toContain(dbFile);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    // The store holds something of the keys (their prefixes), so the search reads the right file.
    expect(bytes.includes(Buffer.from(made[0]!.slice(0, 12)))).toBe(true);
    for (const key of made) {
      expect(bytes.includes(Buffer.from(key)), 'a whole key').toBe(false);
      // Nor the secret part on its own (past the shown prefix).
      expect(bytes.includes(Buffer.from(key.slice(12))), 'the secret part of a key').toBe(false);
    }
  });
});
