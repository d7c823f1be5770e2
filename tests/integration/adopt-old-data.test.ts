import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerAs, signUp, sessionCookie, TEST_PASSWORD } from '../support/accounts';
import { irisGraph, projectRoot, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';

/**
 * A data folder made by the code from before accounts (tests/fixtures/pre-accounts, made with
 * b300f3e by its make.ts) opened by today's code: the migration gives everything in it to the
 * first workspace, and the first account made on the server owns it.
 */
const fixture = path.join(projectRoot, 'tests', 'fixtures', 'pre-accounts');
const made = JSON.parse(readFileSync(path.join(fixture, 'made.json'), 'utf8')) as { graphId: string; runId: string; dataset: string; deployment: string };

const server = useTestServer('adopt', 1, {
  // The old folder, copied in before the server opens it (and migrates it).
  before: ({ dataDir, dbFile }) => {
    cpSync(path.join(fixture, 'data'), dataDir, { recursive: true });
    cpSync(path.join(dataDir, 'pipeloom.db'), dbFile);
  },
});

/** Signs in as a browser would (better-auth's route) and returns the session cookie. */
async function signInCookie(email: string): Promise<string> {
  const { getAuth } = await import('../../server/auth/auth');
  const response = await getAuth().api.signInEmail({ body: { email, password: TEST_PASSWORD }, asResponse: true });
  return sessionCookie(response.headers);
}

describe('a data folder from before accounts', () => {
  it("belongs to the first account's workspace: pipelines, runs, datasets, saved models, deployments", async () => {
    const { caller } = server;
    const current = await caller.workspaces.current();
    expect(current.active).toMatchObject({ workspaceId: server.workspaceId, role: 'owner' });

    expect((await caller.graphs.list()).map((g) => g.id)).toEqual([made.graphId]);
    const opened = await caller.graphs.get({ id: made.graphId });
    expect(opened.graph.name).toBe('Old iris pipeline');
    expect((await caller.runs.listForGraph({ graphId: made.graphId })).map((r) => [r.id, r.status])).toEqual([[made.runId, 'succeeded']]);
    expect((await caller.runs.get({ runId: made.runId })).steps).toHaveLength(6);

    const datasets = await caller.datasets.list();
    expect(datasets.datasets.map((d) => d.id)).toEqual([made.dataset]);
    expect((await caller.datasets.rows({ id: made.dataset, offset: 0, limit: 5 })).rowCount).toBe(30);

    const models = await caller.models.list();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ runId: made.runId, graphId: made.graphId, family: 'logistic-regression' });
    expect(models[0].headline).not.toBeNull();

    const deployments = await caller.deployments.list();
    expect(deployments.map((d) => [d.name, d.liveVersion])).toEqual([[made.deployment, 1]]);
    const { predict } = await import('../../server/serving/predict');
    const answer = await predict(made.deployment, { rows: [{ sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 }] });
    expect(['setosa', 'versicolor', 'virginica']).toContain(answer.predictions[0].predicted);
  });

  it('runs again in the adopted workspace, reusing every cached step', async () => {
    const started = await server.caller.runs.start({ graphId: made.graphId });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await server.instance.getEngine().waitFor(started.runId)).toBe('succeeded');
    const run = await server.caller.runs.get({ runId: started.runId });
    const cached = run.steps.filter((s) => s.status === 'cached').map((s) => s.nodeId);
    expect(cached).toEqual(expect.arrayContaining(['data', 'split', 'train', 'evaluate']));
  });

  it('is none of a later account’s business: that account gets its own empty workspace', async () => {
    const other = await signUp('Other Person', 'other@example.com');
    const caller = await callerAs(other);
    const current = await caller.workspaces.current();
    expect(current.active?.workspaceId).not.toBe(server.workspaceId);
    expect(current.memberships).toHaveLength(1);
    expect(await caller.graphs.list()).toEqual([]);
    expect((await caller.datasets.list()).datasets).toEqual([]);
    expect(await caller.models.list()).toEqual([]);
    expect(await caller.deployments.list()).toEqual([]);
    await expect(caller.graphs.get({ id: made.graphId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.runs.get({ runId: made.runId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.datasets.get({ id: made.dataset })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Its pipelines may not name the first workspace's dataset either: compile does not know it.
    const borrowed = { ...(await server.caller.graphs.get({ id: made.graphId })).graph, name: 'Borrowed' };
    const { id: borrowedId } = await caller.graphs.create({ graph: borrowed });
    const refused = await caller.runs.start({ graphId: borrowedId });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors.find((e) => e.nodeId === 'data')?.message).toMatch(/is not in this workspace/);
  });

  it('the same file uploaded in two workspaces is stored once, and stays until the last of them deletes it', async () => {
    const other = await callerAs(await signUp('Fourth Person', 'fourth@example.com'));
    // The bytes make.ts uploaded: every fifth iris row.
    const lines = readFileSync(path.join(projectRoot, 'samples', 'datasets', 'iris.csv'), 'utf8').trim().split('\n');
    const csv = [lines[0], ...lines.slice(1).filter((_, i) => i % 5 === 0)].join('\n') + '\n';
    const { POST } = await import('../../app/api/v1/datasets/route');
    const cookie = await signInCookie('fourth@example.com');
    const response = await POST(new Request('http://localhost/api/v1/datasets?filename=mine.csv', { method: 'POST', body: csv, headers: { cookie }, duplex: 'half' } as RequestInit));
    expect(response.status).toBe(201);
    const { dataset } = (await response.json()) as { dataset: { id: string; name: string; rowCount: number } };
    expect(dataset).toMatchObject({ id: made.dataset, name: 'mine', rowCount: 30 });

    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const { artifactsDir } = await import('../../server/engine/instance');
    const store = new ArtifactStore(artifactsDir());
    await server.caller.datasets.delete({ id: made.dataset });
    expect((await server.caller.datasets.list()).datasets).toEqual([]);
    expect(store.has(`dataset-${made.dataset}`)).toBe(true);
    expect((await other.datasets.rows({ id: made.dataset, offset: 0, limit: 3 })).rows).toHaveLength(3);
    await other.datasets.delete({ id: made.dataset });
    expect(store.has(`dataset-${made.dataset}`)).toBe(false);
  });

  it("refuses another workspace's deployment name, before training and when deploying a saved model", async () => {
    const other = await callerAs(await signUp('Third Person', 'third@example.com'));
    const graph = withParams(irisGraph(), 'deploy', { modelName: made.deployment });
    const { id: graphId } = await other.graphs.create({ graph: withParams(graph, 'train', { epochs: 3 }) });
    const refused = await other.runs.start({ graphId });
    expect(!refused.ok && refused.errors).toEqual([
      expect.objectContaining({ nodeId: 'deploy', field: 'modelName', message: `The name "${made.deployment}" is already used by a deployment of another workspace: choose another name.` }),
    ]);
    await other.graphs.save({ id: graphId, graph: withParams(withParams(graph, 'train', { epochs: 3 }), 'deploy', { modelName: 'third-iris' }) });
    const started = await other.runs.start({ graphId });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await server.instance.getEngine().waitFor(started.runId)).toBe('succeeded');
    const [model] = await other.models.list();
    await expect(other.models.deploy({ id: model.id, name: made.deployment })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(new Set((await server.caller.deployments.list()).map((d) => d.name))).toEqual(new Set([made.deployment]));
    expect((await other.deployments.list()).map((d) => d.name)).toEqual(['third-iris']);
  });
});
