import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { callerAs, signUp, type TestAccount } from '../support/accounts';
import { irisGraph, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';

/**
 * Pipeline versions (issue #15): every save lands in the history (coalesced per person within two
 * minutes), restore makes a new version equal to an old one, a save on an outdated revision is
 * refused with who and what changed, and a run records the version it ran.
 */
const server = useTestServer('versions');

/** A pipeline without a Deploy step (this test publishes nothing). */
function baseGraph(name: string): GraphFile {
  const graph = irisGraph();
  return { ...graph, name, nodes: graph.nodes.filter((n) => n.id !== 'deploy'), edges: graph.edges.filter((e) => e.target !== 'deploy') };
}

async function newPipeline(name: string) {
  const { id } = await server.caller.graphs.create({ graph: baseGraph(name) });
  const { revision } = await server.caller.graphs.get({ id });
  return { id, revision };
}

/** Makes the newest version older than the coalescing window, as if two minutes had passed. */
async function endEditingWindow(graphId: string) {
  const { graphVersions } = server.db.schema;
  server.db.getDb().update(graphVersions).set({ createdAt: Date.now() - 3 * 60 * 1000 }).where(eq(graphVersions.graphId, graphId)).run();
}

describe('versions', () => {
  it('a burst of saves by one person is one version; restoring version 1 after 5 edits gives the version-1 graph as a new version', async () => {
    const { id } = await newPipeline('Iris history');
    const first = (await server.caller.graphs.get({ id })).graph;
    let graph = first;
    for (const [i, epochs] of [61, 62, 63].entries()) {
      graph = withParams(graph, 'train', { epochs });
      await server.caller.graphs.save({ id, graph });
      expect((await server.caller.versions.list({ id })).length, `after save ${i + 1}`).toBe(2);
    }
    let versions = await server.caller.versions.list({ id });
    expect(versions[0]).toMatchObject({ number: 2, author: server.owner.user.name, summary: 'epochs 60 → 63', name: null });
    expect(versions[1]).toMatchObject({ number: 1, summary: 'created' });

    await endEditingWindow(id);
    graph = withParams(graph, 'train', { learningRate: 0.005 });
    graph = { ...graph, nodes: graph.nodes.filter((n) => n.id !== 'evaluate'), edges: graph.edges.filter((e) => e.target !== 'evaluate') };
    await server.caller.graphs.save({ id, graph });
    await endEditingWindow(id);
    await server.caller.graphs.save({ id, graph: withParams(graph, 'split', { testFraction: 0.25 }) });
    versions = await server.caller.versions.list({ id });
    expect(versions.map((v) => v.number)).toEqual([4, 3, 2, 1]);
    expect(versions[1].summary).toBe('learning rate 0.05 → 0.005; removed Evaluate');

    const diff = await server.caller.versions.compare({ id, from: versions.at(-1)!.id, to: null });
    expect(diff.diff.removed).toEqual([{ id: 'evaluate', type: 'evaluate.evaluate' }]);
    expect(diff.diff.changed.map((c) => [c.id, c.param, c.from, c.to])).toEqual([
      ['split', 'testFraction', 0.3, 0.25],
      ['train', 'epochs', 60, 63],
      ['train', 'learningRate', 0.05, 0.005],
    ]);

    await server.caller.versions.restore({ id, versionId: versions.at(-1)!.id });
    const restored = await server.caller.graphs.get({ id });
    expect(restored.graph).toEqual(first);
    versions = await server.caller.versions.list({ id });
    expect(versions.map((v) => v.number)).toEqual([5, 4, 3, 2, 1]);
    expect(versions[0].summary).toMatch(/^restored version 1: /);
    // Nothing was destroyed: the newest edit is still there to go back to.
    expect((await server.caller.versions.get({ id, versionId: versions[1].id })).graph.nodes.find((n) => n.id === 'split')?.params.testFraction).toBe(0.25);
  });

  it('a save based on an outdated revision is refused with who changed what, and overwrites nothing', async () => {
    const { id, revision } = await newPipeline('Iris together');
    const ana: TestAccount = await signUp('Ana Lima', 'ana.versions@example.com');
    await server.caller.workspaces.addMember({ email: ana.user.email, role: 'editor' });
    const asAna = await callerAs(ana, server.workspaceId);
    const mine = (await server.caller.graphs.get({ id })).graph;

    const anas = await asAna.graphs.save({ id, graph: withParams(mine, 'train', { learningRate: 0.01 }), baseRevision: revision });
    expect(anas.revision).toBe(revision + 1);
    await expect(server.caller.graphs.save({ id, graph: withParams(mine, 'train', { epochs: 99 }), baseRevision: revision })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('Ana Lima changed this pipeline since you opened it (learning rate 0.05 → 0.01)'),
    });
    const saved = await server.caller.graphs.get({ id });
    expect(saved.graph.nodes.find((n) => n.id === 'train')?.params).toMatchObject({ learningRate: 0.01, epochs: 60 });

    // "Keep mine as a new version": saved on the revision now, as a version of its own.
    const kept = await server.caller.graphs.save({ id, graph: withParams(mine, 'train', { epochs: 99 }), baseRevision: saved.revision, fresh: true });
    expect(kept.revision).toBe(saved.revision + 1);
    const versions = await server.caller.versions.list({ id });
    expect(versions[0]).toMatchObject({ author: server.owner.user.name, summary: 'epochs 60 → 99; learning rate 0.01 → 0.05' });
    expect(versions[1]).toMatchObject({ author: 'Ana Lima' });
  });

  it('a conflict tells exactly what changed since the revision the editor had, even within one coalesced version', async () => {
    const { id } = await newPipeline('Iris two windows');
    const graph = (await server.caller.graphs.get({ id })).graph;
    const first = await server.caller.graphs.save({ id, graph: withParams(graph, 'train', { learningRate: 0.01 }) });
    // A second window opens here (revision `first.revision`); the first one saves again, into the same version.
    await server.caller.graphs.save({ id, graph: withParams(withParams(graph, 'train', { learningRate: 0.01 }), 'split', { testFraction: 0.2 }), baseRevision: first.revision });
    await expect(server.caller.graphs.save({ id, graph: withParams(graph, 'train', { epochs: 9 }), baseRevision: first.revision })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('You (in another window) changed this pipeline since you opened it (test fraction 0.3 → 0.2)'),
    });
  });

  it('"Save version…" names the newest version, which later saves no longer change', async () => {
    const { id } = await newPipeline('Iris named');
    const graph = (await server.caller.graphs.get({ id })).graph;
    await server.caller.graphs.save({ id, graph: withParams(graph, 'train', { epochs: 70 }) });
    const named = await server.caller.versions.name({ id, name: 'Before tuning' });
    await server.caller.graphs.save({ id, graph: withParams(graph, 'train', { epochs: 80 }) });
    const versions = await server.caller.versions.list({ id });
    expect(versions.find((v) => v.id === named.versionId)).toMatchObject({ name: 'Before tuning', summary: 'epochs 60 → 70' });
    expect(versions[0]).toMatchObject({ name: null, summary: 'epochs 70 → 80' });
  });

  it('a run records the version it ran, and that version is never coalesced into afterwards', async () => {
    const { id } = await newPipeline('Iris run version');
    const graph = (await server.caller.graphs.get({ id })).graph;
    await server.caller.graphs.save({ id, graph: withParams(graph, 'train', { epochs: 5 }) });
    const started = await server.caller.runs.start({ graphId: id });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    await server.instance.getEngine().waitFor(started.runId);
    const [run] = await server.caller.runs.listForGraph({ graphId: id });
    const ran = (await server.caller.versions.list({ id }))[0];
    expect(run).toMatchObject({ versionId: ran.id, versionNumber: ran.number });
    expect(ran.runs).toBe(1);
    await server.caller.graphs.save({ id, graph: withParams(graph, 'train', { epochs: 6 }) });
    const versions = await server.caller.versions.list({ id });
    expect(versions[0].number).toBe(ran.number + 1);
    expect((await server.caller.versions.get({ id, versionId: ran.id })).graph.nodes.find((n) => n.id === 'train')?.params.epochs).toBe(5);
  });
});

describe('trash and duplicate', () => {
  it('deleting moves a pipeline to the trash: gone from the list and its pages, restorable as it was, or deleted for good', async () => {
    const { id } = await newPipeline('Iris to trash');
    const graph = (await server.caller.graphs.get({ id })).graph;
    expect(await server.caller.graphs.delete({ id })).toEqual({ ok: true, trashDays: 30 });
    expect((await server.caller.graphs.list()).map((g) => g.id)).not.toContain(id);
    await expect(server.caller.graphs.get({ id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(server.caller.runs.start({ graphId: id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [trashed] = (await server.caller.graphs.trash()).filter((t) => t.id === id);
    expect(trashed).toMatchObject({ name: 'Iris to trash', deletedBy: server.owner.user.name });
    expect(trashed.purgeAt - trashed.deletedAt).toBe(30 * 24 * 60 * 60 * 1000);

    await server.caller.graphs.restore({ id });
    expect((await server.caller.graphs.get({ id })).graph).toEqual(graph);
    expect((await server.caller.versions.list({ id })).length).toBe(1);

    await server.caller.graphs.delete({ id });
    await server.caller.graphs.deleteForever({ id });
    expect((await server.caller.graphs.trash()).map((t) => t.id)).not.toContain(id);
    await expect(server.caller.graphs.restore({ id })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('not in the trash') });
  });

  it('what stayed in the trash 30 days is deleted for good when lists are next read', async () => {
    const { id } = await newPipeline('Iris forgotten');
    await server.caller.graphs.delete({ id });
    const { graphs } = server.db.schema;
    server.db.getDb().update(graphs).set({ deletedAt: Date.now() - 31 * 24 * 60 * 60 * 1000 }).where(eq(graphs.id, id)).run();
    expect((await server.caller.graphs.trash()).map((t) => t.id)).not.toContain(id);
    expect(server.db.getDb().select().from(graphs).where(eq(graphs.id, id)).get()).toBeUndefined();
    const audit = await server.caller.audit.list({ action: 'pipeline.purge' });
    expect(audit.events[0]).toMatchObject({ actor: 'the trash', subject: 'pipeline "Iris forgotten"' });
  });

  it('duplicate makes a copy beside it with a history of its own; the original is untouched', async () => {
    const { id } = await newPipeline('Iris original');
    const { id: copyId } = await server.caller.graphs.duplicate({ id });
    const copy = await server.caller.graphs.get({ id: copyId });
    expect(copy.graph.name).toBe('Copy of Iris original');
    expect(copy.graph.nodes).toEqual((await server.caller.graphs.get({ id })).graph.nodes);
    expect((await server.caller.versions.list({ id: copyId })).map((v) => v.summary)).toEqual(['created']);
  });
});
