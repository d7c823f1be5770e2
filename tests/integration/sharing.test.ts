import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { callerAs, ownerRequest, signUp, type TestAccount } from '../support/accounts';
import { expectPlain } from '../support/http-server';
import { edge, irisGraph, node, trainAndEvaluate, withParams } from '../support/pipeloom';
import { trpcOverHttp } from '../support/routes';
import { expectOnlyHashesStored } from '../support/secrets-at-rest';
import { useTestServer } from '../support/server';

/**
 * Sharing one pipeline (issue #14): with a person as viewer or editor of that pipeline only, and by
 * links (view-only, or "make a copy in my workspace"); revocation and expiry. Real pipelines and runs
 * on real workers; the refusals through tRPC's HTTP handler as a browser (or a script) sends them.
 */
const server = useTestServer('sharing', 1);
const dbFile = process.env.PIPELOOM_DB!;

type Caller = Awaited<ReturnType<typeof callerAs>>;

/** Iris, trained briefly, without its Deploy step: the pipeline shared with people. */
function irisPipeline(name: string, epochs = 8): GraphFile {
  const graph = withParams(irisGraph(), 'train', { epochs });
  return { ...graph, name, nodes: graph.nodes.filter((n) => n.id !== 'deploy'), edges: graph.edges.filter((e) => e.target !== 'deploy') };
}

/** A small two-class pipeline on an uploaded dataset: what a copy link must carry along. */
function uploadedPipeline(datasetId: string): GraphFile {
  return {
    version: 1,
    name: 'On the upload',
    nodes: [
      node('data', 'dataset.uploaded', { dataset: datasetId }),
      node('split', 'split.train-test', { target: 'label', testFraction: 0.3, validationFraction: 0 }),
      node('model', 'model.logistic-regression'),
      node('train', 'train.train', { epochs: 5 }),
      node('evaluate', 'evaluate.evaluate'),
    ],
    edges: [edge('data', 'table', 'split', 'table'), ...trainAndEvaluate({ split: 'split', model: 'model', train: 'train', evaluate: 'evaluate' })],
  };
}

/** Starts a run of a saved pipeline as `caller` and waits for it: its id (the run must succeed). */
async function runAs(caller: Caller, graphId: string): Promise<string> {
  const started = await caller.runs.start({ graphId });
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  expect(await server.instance.getEngine().waitFor(started.runId)).toBe('succeeded');
  return started.runId;
}

/** The pipeline as stored, and how many runs it has: what a refused call must leave as it was. */
function storedPipeline(graphId: string) {
  const db = server.db.getDb();
  const { graphs, runs } = server.db.schema;
  return { row: db.select().from(graphs).where(eq(graphs.id, graphId)).get(), runs: db.select({ id: runs.id }).from(runs).where(eq(runs.graphId, graphId)).all().length };
}

let shared: { id: string; graph: GraphFile; runId: string };
let otherPipeline: string;
let datasetId: string;
let owner: Caller;

beforeAll(async () => {
  owner = server.caller;
  const { POST } = await import('../../app/api/v1/datasets/route');
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 11},${i % 2 === 0 ? 'even' : 'odd'}`);
  const uploaded = await POST(await ownerRequest('http://localhost/api/v1/datasets?filename=shared-upload.csv', { method: 'POST', body: `x,y,label\n${rows.join('\n')}\n` }));
  expect(uploaded.status, await uploaded.clone().text()).toBe(201);
  datasetId = ((await uploaded.json()) as { dataset: { id: string } }).dataset.id;

  const graph = irisPipeline('Shared iris');
  const { id } = await owner.graphs.create({ graph });
  shared = { id, graph, runId: await runAs(owner, id) };
  otherPipeline = (await owner.graphs.create({ graph: irisPipeline('Not shared') })).id;
}, 120_000);

/** A new account, and its tRPC caller (in its own workspace). */
async function person(name: string, email: string): Promise<{ account: TestAccount; caller: Caller }> {
  const account = await signUp(name, email);
  return { account, caller: await callerAs(account) };
}

const VIEWER_REFUSAL = 'This pipeline is shared with you to look at: you cannot change or run it. Ask whoever shared it for the editor role.';
const MEMBERS_ONLY = 'This pipeline is shared with you: only members of its workspace may delete it or change whom it is shared with.';

describe('a pipeline shared with a person as viewer', () => {
  let vera: { account: TestAccount; caller: Caller };

  beforeAll(async () => {
    vera = await person('Vera Viewer', 'vera@example.com');
    expect(await owner.sharing.addPerson({ graphId: shared.id, email: 'Vera@Example.com', role: 'viewer' })).toEqual({ userId: vera.account.user.id });
  });

  it('lets them see it, its runs and their results, saying who shared it and as what', async () => {
    const got = await vera.caller.graphs.get({ id: shared.id });
    expect(got).toMatchObject({ role: 'viewer', workspaceId: server.workspaceId, sharedWithYou: { role: 'viewer', sharedBy: 'Test Owner', expiresAt: null } });
    expect(got.graph?.name).toBe('Shared iris');
    expect((await vera.caller.runs.listForGraph({ graphId: shared.id })).map((r) => r.id)).toContain(shared.runId);
    expect((await vera.caller.runs.get({ runId: shared.runId })).run.status).toBe('succeeded');
    expect(await vera.caller.runs.output({ runId: shared.runId, nodeId: 'data' })).not.toBeNull();
    expect(await vera.caller.graphs.sharedWithMe()).toEqual([expect.objectContaining({ id: shared.id, name: 'Shared iris', role: 'viewer', sharedBy: 'Test Owner' })]);
    expect((await owner.sharing.list({ graphId: shared.id })).people).toEqual([expect.objectContaining({ email: 'vera@example.com', role: 'viewer', byLink: false })]);
  });

  it('refuses saving, running, clearing the cache and deleting over HTTP with a plain 403, and nothing changes', async () => {
    const before = storedPipeline(shared.id);
    const http = trpcOverHttp(vera.account);
    const changed = withParams(shared.graph, 'train', { epochs: 99 });
    const calls = [
      [await http.mutate('graphs.save', { id: shared.id, graph: changed }), VIEWER_REFUSAL],
      [await http.mutate('runs.start', { graphId: shared.id }), VIEWER_REFUSAL],
      [await http.mutate('graphs.clearCache', { id: shared.id, nodeId: 'train' }), VIEWER_REFUSAL],
      [await http.mutate('graphs.delete', { id: shared.id }), MEMBERS_ONLY],
      [await http.mutate('runs.cancel', { runId: shared.runId }), VIEWER_REFUSAL],
    ] as const;
    for (const [answer, message] of calls) {
      expect(answer.status, answer.text).toBe(403);
      expect(answer.body.error!.message).toBe(message);
      expect(answer.body.result).toBeUndefined();
      expectPlain(answer.text, 'a refusal');
    }
    expect(storedPipeline(shared.id)).toEqual(before);
    expect((await owner.graphs.get({ id: shared.id })).graph).toEqual(shared.graph);
  });

  it('shows them nothing else of the workspace', async () => {
    // Its pipelines list: they are no member (403 naming it; without the cookie, their own workspace's list).
    const listed = await trpcOverHttp(vera.account, server.workspaceId).query('graphs.list');
    expect(listed.status).toBe(403);
    expect((await vera.caller.graphs.list()).map((g) => g.id)).not.toContain(shared.id);
    await expect(vera.caller.graphs.get({ id: otherPipeline })).rejects.toThrow(`There is no pipeline "${otherPipeline}".`);
    await expect(vera.caller.datasets.get({ id: datasetId })).rejects.toThrow(/no dataset/);
    await expect(vera.caller.sharing.list({ graphId: shared.id })).rejects.toThrow(MEMBERS_ONLY);
    // The inspector's pickers for the pipeline: only what it names (a sample, no upload).
    expect((await vera.caller.datasets.list({ forPipeline: shared.id })).datasets).toEqual([]);
  });

  it('ends on their next request once the owner stops sharing it', async () => {
    expect(await owner.sharing.removePerson({ graphId: shared.id, userId: vera.account.user.id })).toEqual({ removed: true });
    await expect(vera.caller.graphs.get({ id: shared.id })).rejects.toThrow(`There is no pipeline "${shared.id}".`);
    await expect(vera.caller.runs.get({ runId: shared.runId })).rejects.toThrow(/no run/);
    expect(await vera.caller.graphs.sharedWithMe()).toEqual([]);
    await expect(vera.caller.datasets.list({ forPipeline: shared.id })).rejects.toThrow(/no pipeline/);
    await expect(owner.sharing.removePerson({ graphId: shared.id, userId: vera.account.user.id })).rejects.toThrow(/not shared with that person/);
  });
});

describe('a pipeline shared with a person as editor', () => {
  it('lets them change and run it (the owner sees the change and the run), but not delete or share it', async () => {
    const eddie = await person('Eddie Sharedit', 'eddie@example.com');
    await owner.sharing.addPerson({ graphId: shared.id, email: 'eddie@example.com', role: 'editor' });
    expect((await eddie.caller.graphs.get({ id: shared.id })).role).toBe('editor');
    const changed = withParams(shared.graph, 'train', { epochs: 6 });
    await eddie.caller.graphs.save({ id: shared.id, graph: changed });
    expect((await owner.graphs.get({ id: shared.id })).graph).toEqual(changed);

    const runId = await runAs(eddie.caller, shared.id);
    expect((await owner.runs.listForGraph({ graphId: shared.id })).map((r) => r.id)).toContain(runId);
    // Deploying publishes in the workspace: a share of one pipeline does not allow it (the Deploy node says why, nothing runs).
    const withDeploy = irisGraph();
    await eddie.caller.graphs.save({ id: shared.id, graph: { ...withDeploy, name: shared.graph.name } });
    const refused = await eddie.caller.runs.start({ graphId: shared.id });
    expect(refused).toEqual({ ok: false, errors: [{ code: 'not-allowed', nodeId: 'deploy', message: expect.stringContaining('Only members of the workspace may deploy') }] });
    expect(storedPipeline(shared.id).runs).toBe(2);
    await eddie.caller.graphs.save({ id: shared.id, graph: changed });
    const stored = server.db.getDb().select().from(server.db.schema.runs).where(eq(server.db.schema.runs.id, runId)).get()!;
    expect(stored).toMatchObject({ workspaceId: server.workspaceId, startedBy: eddie.account.user.id });

    const before = storedPipeline(shared.id);
    const http = trpcOverHttp(eddie.account);
    for (const answer of [
      await http.mutate('graphs.delete', { id: shared.id }),
      await http.query('sharing.list', { graphId: shared.id }),
      await http.mutate('sharing.addPerson', { graphId: shared.id, email: 'owner@example.com', role: 'editor' }),
      await http.mutate('sharing.createLink', { graphId: shared.id, mode: 'copy' }),
    ]) {
      expect(answer.status, answer.text).toBe(403);
      expect(answer.body.error!.message).toBe(MEMBERS_ONLY);
    }
    expect(storedPipeline(shared.id)).toEqual(before);
    // Pointing the pipeline at other data of the workspace is refused, to check and to save: nothing changes.
    const atTheUpload = { ...changed, nodes: changed.nodes.map((n) => (n.id === 'data' ? { ...n, type: 'dataset.uploaded', params: { dataset: datasetId } } : n)) };
    await expect(eddie.caller.graphs.check({ graph: atTheUpload, graphId: shared.id })).rejects.toThrow('it can read only the datasets and saved models it names already');
    await expect(eddie.caller.graphs.save({ id: shared.id, graph: atTheUpload })).rejects.toThrow('it can read only the datasets and saved models it names already');
    expect((await owner.graphs.get({ id: shared.id })).graph).toEqual(changed);
    // Still nothing else of the workspace: another pipeline, the upload.
    await expect(eddie.caller.graphs.get({ id: otherPipeline })).rejects.toThrow(/no pipeline/);
    await expect(eddie.caller.datasets.get({ id: datasetId })).rejects.toThrow(/no dataset/);
    // The inspector's pickers for the pipeline list only what it names (a sample, no upload, no saved model), not the workspace's data.
    expect((await owner.datasets.list({ forPipeline: shared.id })).datasets.map((d) => d.id)).toContain(datasetId);
    expect((await eddie.caller.datasets.list({ forPipeline: shared.id })).datasets).toEqual([]);
    expect((await owner.models.list({ forPipeline: shared.id })).length).toBeGreaterThan(0);
    expect(await eddie.caller.models.list({ forPipeline: shared.id })).toEqual([]);
    await owner.graphs.save({ id: shared.id, graph: shared.graph });
  });
});

describe('a person the pipeline was shared with who then joins the workspace', () => {
  it('loses the share on joining, so that being removed later leaves nothing behind', async () => {
    const jo = await person('Jo Joiner', 'jo@example.com');
    await owner.sharing.addPerson({ graphId: shared.id, email: 'jo@example.com', role: 'editor' });
    await owner.workspaces.addMember({ email: 'jo@example.com', role: 'viewer' });
    const asMember = await callerAs(jo.account, server.workspaceId);
    expect((await asMember.graphs.get({ id: shared.id })).role).toBe('viewer');
    await owner.workspaces.removeMember({ userId: jo.account.user.id });
    await expect(jo.caller.graphs.get({ id: shared.id })).rejects.toThrow(/no pipeline/);
    await expect(jo.caller.graphs.save({ id: shared.id, graph: shared.graph })).rejects.toThrow(/no pipeline/);
  });
});

describe('a share that expires', () => {
  it('is honoured until then, and refused after', async () => {
    const tim = await person('Tim Timed', 'tim@example.com');
    await owner.sharing.addPerson({ graphId: shared.id, email: 'tim@example.com', role: 'viewer', expiresInDays: 2 });
    const got = await tim.caller.graphs.get({ id: shared.id });
    expect(got.sharedWithYou!.expiresAt! - Date.now()).toBeGreaterThan(1.9 * 24 * 3600_000);
    const { graphShares } = server.db.schema;
    server.db.getDb().update(graphShares).set({ expiresAt: Date.now() - 1000 }).where(eq(graphShares.userId, tim.account.user.id)).run();
    await expect(tim.caller.graphs.get({ id: shared.id })).rejects.toThrow(/no pipeline/);
    await expect(tim.caller.runs.listForGraph({ graphId: shared.id })).rejects.toThrow(/no pipeline/);
    expect(await tim.caller.graphs.sharedWithMe()).toEqual([]);
    expect((await owner.sharing.list({ graphId: shared.id })).people.map((p) => p.email)).not.toContain('tim@example.com');
  });
});

/** Every link token handed out here: none may be stored in clear. */
const linkTokens: string[] = [];

const REVOKED_LINK = 'This share link was revoked by whoever shared it: ask them for a new one.';

describe('a view link', () => {
  it('lets a third account that opens it see the pipeline; revoking it ends that, and the link then says it was revoked', async () => {
    const { token, id: linkId } = await owner.sharing.createLink({ graphId: shared.id, mode: 'view' });
    expect(token).toMatch(/^pls_[A-Za-z0-9_-]{32}$/);
    linkTokens.push(token);
    const tess = await person('Tess Third', 'tess@example.com');
    expect(await tess.caller.sharing.describeLink({ token })).toEqual({ pipelineName: 'Shared iris', mode: 'view', sharedBy: 'Test Owner', expiresAt: null });
    await expect(tess.caller.graphs.get({ id: shared.id })).rejects.toThrow(/no pipeline/);
    expect(await tess.caller.sharing.openLink({ token })).toEqual({ graphId: shared.id, mode: 'view' });
    expect(await tess.caller.graphs.get({ id: shared.id })).toMatchObject({ role: 'viewer', sharedWithYou: { role: 'viewer', sharedBy: 'Test Owner' } });
    await expect(tess.caller.graphs.save({ id: shared.id, graph: shared.graph })).rejects.toThrow(VIEWER_REFUSAL);
    const listed = await owner.sharing.list({ graphId: shared.id });
    expect(listed.people).toContainEqual(expect.objectContaining({ email: 'tess@example.com', byLink: true }));
    expect(listed.links).toEqual([expect.objectContaining({ id: linkId, mode: 'view', opens: 1, expired: false })]);
    expect(JSON.stringify(listed)).not.toContain(token);

    expect(await owner.sharing.revokeLink({ graphId: shared.id, linkId })).toEqual({ revoked: true });
    await expect(tess.caller.graphs.get({ id: shared.id })).rejects.toThrow(/no pipeline/);
    for (const answer of [await trpcOverHttp(tess.account).query('sharing.describeLink', { token }), await trpcOverHttp(tess.account).mutate('sharing.openLink', { token })]) {
      expect(answer.status).toBe(412);
      expect(answer.body.error!.message).toBe(REVOKED_LINK);
    }
    await expect(tess.caller.graphs.get({ id: shared.id })).rejects.toThrow(/no pipeline/);
    expect((await owner.sharing.list({ graphId: shared.id })).links).toEqual([]);
  });

  it('that has expired says so and opens nothing', async () => {
    const { token, id: linkId } = await owner.sharing.createLink({ graphId: shared.id, mode: 'view', expiresInDays: 1 });
    linkTokens.push(token);
    const { shareLinks } = server.db.schema;
    server.db.getDb().update(shareLinks).set({ expiresAt: Date.now() - 1000 }).where(eq(shareLinks.id, linkId)).run();
    const late = await person('Lou Late', 'lou@example.com');
    await expect(late.caller.sharing.openLink({ token })).rejects.toThrow('This share link has expired: ask whoever shared it for a new one.');
    await expect(late.caller.graphs.get({ id: shared.id })).rejects.toThrow(/no pipeline/);
  });
});

describe('a copy link', () => {
  let pipelineId: string;
  let token: string;
  let cora: { account: TestAccount; caller: Caller };

  beforeAll(async () => {
    pipelineId = (await owner.graphs.create({ graph: uploadedPipeline(datasetId) })).id;
    ({ token } = await owner.sharing.createLink({ graphId: pipelineId, mode: 'copy' }));
    linkTokens.push(token);
    cora = await person('Cora Copier', 'cora@example.com');
  });

  it("makes a copy in the opener's workspace, with the uploaded dataset it reads, that compiles and runs there", async () => {
    expect((await cora.caller.sharing.describeLink({ token })).mode).toBe('copy');
    const { active } = await cora.caller.workspaces.current();
    const opened = await cora.caller.sharing.openLink({ token });
    expect(opened.mode).toBe('copy');
    expect(opened.graphId).not.toBe(pipelineId);
    const copy = await cora.caller.graphs.get({ id: opened.graphId });
    expect(copy).toMatchObject({ workspaceId: active!.workspaceId, role: 'owner', sharedWithYou: null });
    expect(copy.graph!.name).toBe('Copy of On the upload');
    expect((await cora.caller.datasets.list()).datasets.map((d) => d.id)).toContain(datasetId);
    expect((await cora.caller.datasets.get({ id: datasetId })).name).toBe('shared-upload');
    const checked = await cora.caller.graphs.check({ graph: copy.graph!, graphId: opened.graphId });
    expect(checked.errors).toEqual([]);
    expect(checked.ok).toBe(true);
    const runId = await runAs(cora.caller, opened.graphId);
    expect(server.db.getDb().select().from(server.db.schema.runs).where(eq(server.db.schema.runs.id, runId)).get()!.workspaceId).toBe(active!.workspaceId);
    // The original is not theirs to see.
    await expect(cora.caller.graphs.get({ id: pipelineId })).rejects.toThrow(/no pipeline/);
  });

  it('brings along only the data the pipeline named when the link was made, whatever it names later', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i % 2 === 0 ? 'a' : 'b'}`);
    const { POST } = await import('../../app/api/v1/datasets/route');
    const later = await POST(await ownerRequest('http://localhost/api/v1/datasets?filename=confidential.csv', { method: 'POST', body: `x,label\n${rows.join('\n')}\n` }));
    const laterId = ((await later.json()) as { dataset: { id: string } }).dataset.id;
    const pointed = uploadedPipeline(laterId);
    await owner.graphs.save({ id: pipelineId, graph: pointed });
    const dana = await person('Dana Later', 'dana@example.com');
    const opened = await dana.caller.sharing.openLink({ token });
    expect((await dana.caller.graphs.get({ id: opened.graphId })).graph.nodes.find((n) => n.id === 'data')?.params.dataset).toBe(laterId);
    expect((await dana.caller.datasets.list()).datasets.map((d) => d.id)).not.toContain(laterId);
    await owner.graphs.save({ id: pipelineId, graph: uploadedPipeline(datasetId) });
  });

  it('is refused to a viewer of the workspace the copy would land in (it needs edit there), and nothing is made', async () => {
    const vic = await signUp('Vic Readonly', 'vic@example.com');
    const { active } = await cora.caller.workspaces.current();
    await cora.caller.workspaces.addMember({ email: 'vic@example.com', role: 'viewer' });
    const { graphs } = server.db.schema;
    const before = server.db.getDb().select({ id: graphs.id }).from(graphs).all();
    const answer = await trpcOverHttp(vic, active!.workspaceId).mutate('sharing.openLink', { token });
    expect(answer.status, answer.text).toBe(403);
    expect(answer.body.error!.message).toBe('As a viewer of this workspace you cannot create, change, run or deploy: ask one of its owners for another role.');
    expect(server.db.getDb().select({ id: graphs.id }).from(graphs).all()).toEqual(before);
  });
});

describe('share link tokens at rest', () => {
  it('are never stored in clear: neither the database file nor its write-ahead log holds one (their SHA-256 is there)', () => {
    expect(linkTokens).toHaveLength(3);
    expectOnlyHashesStored(dbFile, linkTokens, 'pls_'.length);
  });
});
