import { isTrackedEnvelope, TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { irisGraph, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';

const server = useTestServer('api', 2);

const iris = irisGraph();
/** Shaped like an id, but of nothing on this server. */
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** The TRPCError a call is rejected with (fails the test if it resolves). */
async function trpcError(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
  throw new Error('expected the call to be rejected');
}

function runCount(): number {
  return server.db.getDb().select().from(server.db.schema.runs).all().length;
}

interface EventView {
  id: number;
  nodeId: string | null;
  kind: string;
  payload: Record<string, unknown>;
}

/** Reads the runs.events subscription through the caller; stops after `limit` events, if given. */
async function subscribe(runId: string, lastEventId: string | null, limit = Infinity): Promise<{ events: EventView[]; ended: boolean }> {
  const iterable = await server.caller.runs.events({ runId, lastEventId });
  const events: EventView[] = [];
  for await (const item of iterable) {
    // tracked() wraps each event as [id, data]; the id is what a client resumes from.
    expect(isTrackedEnvelope(item)).toBe(true);
    const [id, event] = item as unknown as [string, EventView];
    expect(id).toBe(String(event.id));
    events.push(event);
    if (events.length >= limit) return { events, ended: false };
  }
  return { events, ended: true };
}

describe('catalog', () => {
  it('lists every node kind with ports and a params JSON Schema', async () => {
    const { NODE_KINDS } = await import('../../nodes');
    const { nodes, portColors, samples } = await server.caller.catalog.list();
    expect(nodes.map((n) => n.type)).toEqual(NODE_KINDS.map((k) => k.type));
    for (const entry of nodes) {
      expect(entry.paramsSchema, entry.type).toMatchObject({ type: 'object' });
      expect(entry.version, entry.type).toBeGreaterThanOrEqual(1);
      expect(Array.isArray(entry.inputs) && Array.isArray(entry.outputs), entry.type).toBe(true);
      // Data only: nothing that runs is sent to the browser.
      expect(entry, entry.type).not.toHaveProperty('run');
      expect(entry, entry.type).not.toHaveProperty('configure');
    }
    const train = nodes.find((n) => n.type === 'train.train')!;
    expect((train.paramsSchema.properties as Record<string, unknown>).epochs).toMatchObject({ type: 'integer', default: 50, minimum: 1, maximum: 10000 });
    expect(nodes.find((n) => n.type === 'deploy.deploy')!.sideEffect).toBe(true);
    expect(Object.keys(portColors)).toEqual(expect.arrayContaining(['Table', 'Split', 'Model', 'TrainedModel']));
    expect(samples.map((s) => s.id)).toContain('iris');
  });
});

describe('graphs', () => {
  it('create, get, list, save and delete round trip', async () => {
    const empty = await server.caller.graphs.create({ name: 'Scratchpad' });
    expect(await server.caller.graphs.get({ id: empty.id })).toMatchObject({ id: empty.id, graph: { version: 1, name: 'Scratchpad', nodes: [], edges: [] } });

    const imported = await server.caller.graphs.create({ graph: iris });
    const loaded = await server.caller.graphs.get({ id: imported.id });
    expect(loaded.graph).toEqual(iris);

    const listed = await server.caller.graphs.list();
    expect(listed.map((g) => [g.id, g.name])).toEqual(
      expect.arrayContaining([
        [empty.id, 'Scratchpad'],
        [imported.id, 'Iris classifier'],
      ]),
    );

    const edited = withParams({ ...iris, name: 'Iris, renamed' }, 'train', { epochs: 10 });
    edited.nodes[0].position = { x: 42, y: -7 };
    const saved = await server.caller.graphs.save({ id: imported.id, graph: edited });
    expect(saved.updatedAt).toBeGreaterThanOrEqual(loaded.updatedAt);
    const reloaded = await server.caller.graphs.get({ id: imported.id });
    expect(reloaded.graph).toEqual(edited);
    expect(reloaded.updatedAt).toBe(saved.updatedAt);
    expect((await server.caller.graphs.list()).find((g) => g.id === imported.id)?.name).toBe('Iris, renamed');

    expect(await server.caller.graphs.delete({ id: imported.id })).toEqual({ ok: true, trashDays: 30 });
    expect((await trpcError(server.caller.graphs.get({ id: imported.id }))).code).toBe('NOT_FOUND');
    expect((await server.caller.graphs.list()).map((g) => g.id)).not.toContain(imported.id);
    await server.caller.graphs.delete({ id: empty.id });
  });

  it('refuses to save an invalid graph and keeps the stored one', async () => {
    const { id } = await server.caller.graphs.create({ graph: iris });
    const before = await server.caller.graphs.get({ id });

    const missingPosition = structuredClone(iris) as unknown as { nodes: Record<string, unknown>[] };
    delete missingPosition.nodes[1].position;
    const duplicateId = structuredClone(iris);
    duplicateId.nodes[1].id = duplicateId.nodes[0].id;
    const blankName = { ...structuredClone(iris), name: '   ' };
    const wrongVersion = { ...structuredClone(iris), version: 2 };

    for (const [label, graph] of Object.entries({ missingPosition, duplicateId, blankName, wrongVersion })) {
      const error = await trpcError(server.caller.graphs.save({ id, graph: graph as unknown as GraphFile }));
      expect(error.code, label).toBe('BAD_REQUEST');
    }
    const duplicate = await trpcError(server.caller.graphs.save({ id, graph: duplicateId }));
    // The message carries the schema issues, each with its path.
    expect(JSON.parse(duplicate.message)).toEqual([
      expect.objectContaining({ path: ['graph', 'nodes', 1, 'id'], message: `duplicate node id "${iris.nodes[0].id}"` }),
    ]);

    expect(await server.caller.graphs.get({ id })).toEqual(before);
    // Creating from an invalid graph file is refused the same way, and stores nothing.
    const count = (await server.caller.graphs.list()).length;
    expect((await trpcError(server.caller.graphs.create({ graph: duplicateId }))).code).toBe('BAD_REQUEST');
    expect((await server.caller.graphs.list()).length).toBe(count);
    await server.caller.graphs.delete({ id });
  });

  it('get and save of an unknown id answer NOT_FOUND; a malformed id BAD_REQUEST', async () => {
    expect((await trpcError(server.caller.graphs.get({ id: UNKNOWN_ID }))).code).toBe('NOT_FOUND');
    expect((await trpcError(server.caller.graphs.save({ id: UNKNOWN_ID, graph: iris }))).code).toBe('NOT_FOUND');
    expect((await server.caller.graphs.list()).map((g) => g.id)).not.toContain(UNKNOWN_ID);
    expect((await trpcError(server.caller.graphs.get({ id: 'no-such-graph' }))).code).toBe('BAD_REQUEST');
  });

  it('check reports per-node errors with their field, and port columns for a valid graph', async () => {
    const badTarget = await server.caller.graphs.check({ graph: withParams(iris, 'split', { target: 'colour' }) });
    expect(badTarget.ok).toBe(false);
    expect(badTarget.errors).toEqual([
      expect.objectContaining({ code: 'unknown-column', nodeId: 'split', field: 'target', message: expect.stringContaining('"colour"') }),
    ]);
    // Upstream of the problem, ports are still known (the column picker can offer the real columns).
    expect(badTarget.ports.split.inputs.table?.table?.columns.map((c) => c.name)).toContain('species');

    const badParam = await server.caller.graphs.check({ graph: withParams(iris, 'train', { epochs: 0 }) });
    expect(badParam.ok).toBe(false);
    expect(badParam.errors).toEqual([expect.objectContaining({ code: 'invalid-param', nodeId: 'train', field: 'epochs' })]);

    const valid = await server.caller.graphs.check({ graph: iris });
    expect(valid).toMatchObject({ ok: true, errors: [] });
    const columns = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm', 'species'];
    expect(valid.ports.data.outputs.table?.table?.columns.map((c) => c.name)).toEqual(columns);
    expect(valid.ports.split.outputs.split).toMatchObject({ type: 'Split', hasValidation: true, table: { target: 'species', task: 'classification' } });
    expect(valid.ports.train.inputs.split?.table?.columns.map((c) => c.name)).toEqual(columns);
    expect(valid.ports.train.outputs.model).toMatchObject({ type: 'TrainedModel', model: { family: 'logistic-regression', task: 'classification' } });
  });
});

describe('runs', () => {
  let graphId: string;
  let firstRunId: string;

  it('start on a graph with compile errors returns the errors and creates no run', async () => {
    const { id } = await server.caller.graphs.create({ graph: withParams(iris, 'split', { target: 'colour' }) });
    const before = runCount();
    const result = await server.caller.runs.start({ graphId: id });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([expect.objectContaining({ code: 'unknown-column', nodeId: 'split', field: 'target' })]);
    expect(runCount()).toBe(before);
    expect(await server.caller.runs.listForGraph({ graphId: id })).toEqual([]);
    expect((await trpcError(server.caller.runs.start({ graphId: UNKNOWN_ID }))).code).toBe('NOT_FOUND');
  });

  it('start + get: the iris run succeeds with its steps and events (an epoch event per train epoch)', async () => {
    graphId = (await server.caller.graphs.create({ graph: iris })).id;
    const started = await server.caller.runs.start({ graphId });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    firstRunId = started.runId;
    expect(await server.instance.getEngine().waitFor(firstRunId)).toBe('succeeded');

    const snapshot = await server.caller.runs.get({ runId: firstRunId });
    expect(snapshot.run).toMatchObject({ id: firstRunId, graphId, status: 'succeeded' });
    expect(snapshot.run.document).toBeUndefined();
    expect(snapshot.steps.map((s) => s.nodeId).sort()).toEqual(['data', 'deploy', 'evaluate', 'model', 'split', 'train']);
    for (const step of snapshot.steps) expect(step.status, step.nodeId).toBe('done');
    expect(snapshot.steps.find((s) => s.nodeId === 'evaluate')!.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(snapshot.steps.find((s) => s.nodeId === 'deploy')!.metrics).toMatchObject({ modelName: 'iris', version: 1 });

    const ids = snapshot.events.map((e) => e.id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    expect(snapshot.lastEventId).toBe(ids.at(-1));
    expect(snapshot.events[0]).toMatchObject({ kind: 'run', nodeId: null, payload: { status: 'running' } });
    expect(snapshot.events.at(-1)).toMatchObject({ kind: 'run', nodeId: null, payload: { status: 'succeeded' } });
    const epochs = snapshot.events.filter((e) => e.kind === 'epoch');
    expect(epochs.every((e) => e.nodeId === 'train')).toBe(true);
    expect(epochs.map((e) => e.payload.epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const e of epochs) expect(e.payload.values).toMatchObject({ loss: expect.any(Number), accuracy: expect.any(Number), val_loss: expect.any(Number) });

    expect((await server.caller.runs.listForGraph({ graphId })).map((r) => [r.id, r.status])).toEqual([[firstRunId, 'succeeded']]);
    expect(await server.caller.runs.cancel({ runId: firstRunId })).toEqual({ cancelled: false });
    expect((await trpcError(server.caller.runs.get({ runId: UNKNOWN_ID }))).code).toBe('NOT_FOUND');
  });

  it('events subscription resumes after lastEventId with no gaps or duplicates, and ends with the run', async () => {
    // A new learning rate: train, evaluate and deploy run again, so events arrive while we listen.
    await server.caller.graphs.save({ id: graphId, graph: withParams(iris, 'train', { learningRate: 0.08, epochs: 80 }) });
    const started = await server.caller.runs.start({ graphId });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const { runId } = started;

    // A client sees a few events, drops the connection, and reconnects from the last id it saw.
    const head = await subscribe(runId, null, 5);
    expect(head.events).toHaveLength(5);
    const resumeFrom = head.events.at(-1)!.id;
    const resumedAt = Date.now();
    const tail = await subscribe(runId, String(resumeFrom));
    expect(tail.ended).toBe(true);
    // The subscription only ends once the run has finished.
    expect(tail.events.at(-1)).toMatchObject({ kind: 'run', payload: { status: 'succeeded' } });
    expect((await server.caller.runs.get({ runId })).run.status).toBe('succeeded');

    const all = (await server.caller.runs.get({ runId })).events;
    const allIds = all.map((e) => e.id);
    const seen = [...head.events, ...tail.events].map((e) => e.id);
    expect(seen).toEqual(allIds);
    expect(tail.events[0].id).toBe(allIds[allIds.indexOf(resumeFrom) + 1]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(tail.events.filter((e) => e.kind === 'epoch').length).toBeGreaterThan(0);
    // Training 80 epochs outlasts the first subscription: the second one also waited for live events.
    expect(all.at(-1)!.at).toBeGreaterThan(resumedAt);
    // Every event belongs to this run, as stored.
    expect([...head.events, ...tail.events]).toEqual(all.map(({ at: _at, ...e }) => expect.objectContaining(e)));

    // After the run: replay from the middle ends by itself; from the last id there is nothing left.
    const middle = allIds[Math.floor(allIds.length / 2)];
    const replay = await subscribe(runId, String(middle));
    expect(replay).toMatchObject({ ended: true });
    expect(replay.events.map((e) => e.id)).toEqual(allIds.filter((id) => id > middle));
    expect(await subscribe(runId, String(allIds.at(-1)))).toEqual({ events: [], ended: true });
    // An unknown run (or one of another workspace) is refused at once instead of waiting forever.
    await expect(subscribe(UNKNOWN_ID, null)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `There is no run "${UNKNOWN_ID}".` });
  });

  it('deployments.list shows the published model versions with their metrics', async () => {
    const list = await server.caller.deployments.list();
    const iris = list.find((d) => d.name === 'iris')!;
    expect(iris).toMatchObject({ graphId, liveVersion: 2, pinned: false, undeployedAt: null });
    expect(iris.versions.map((d) => d.version)).toEqual([2, 1]);
    const first = iris.versions.find((d) => d.version === 1)!;
    expect(first).toMatchObject({ runId: firstRunId, graphId, modelKey: expect.any(String) });
    expect(first.metrics).toMatchObject({ task: 'classification', accuracy: expect.any(Number) });
    expect(first.metrics!.accuracy as number).toBeGreaterThanOrEqual(0.9);

    const { mode, workers } = await server.caller.workers.list();
    expect(mode).toBe('embedded');
    expect(workers).toHaveLength(2);
    for (const w of workers) expect(w).toMatchObject({ info: { pid: expect.any(Number), backend: expect.any(String), host: expect.any(String) } });
    expect(workers.every((w) => w.busyWith.length === 0)).toBe(true);
  });
});
