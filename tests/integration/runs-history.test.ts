import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { runViewFromSnapshot } from '../../app/editor/run-state';
import { RunPanel } from '../../app/editor/RunPanel';
import type { GraphFile } from '../../lib/graph';
import { irisGraph, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';

const server = useTestServer('runs-history', 2);

const iris = withParams(irisGraph(), 'train', { epochs: 20 });

async function runToEnd(graphId: string): Promise<string> {
  const started = await server.caller.runs.start({ graphId });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  await server.instance.getEngine().waitFor(started.runId);
  return started.runId;
}

describe('the runs of a graph', () => {
  it('listForGraph: every run newest first, with backend, duration, the key test metric and reused steps', async () => {
    const { id: graphId } = await server.caller.graphs.create({ graph: iris });
    const first = await runToEnd(graphId);
    const changed: GraphFile = withParams(iris, 'train', { learningRate: 0.1 });
    await server.caller.graphs.save({ id: graphId, graph: changed });
    const second = await runToEnd(graphId);

    const list = await server.caller.runs.listForGraph({ graphId });
    expect(list.map((r) => r.id)).toEqual([second, first]);
    for (const r of list) {
      expect(r).toMatchObject({ status: 'succeeded', error: null, backend: expect.any(String), task: 'classification', r2: null, stepCount: 6 });
      expect(r.backend!.length).toBeGreaterThan(0);
      expect(r.accuracy).toBeGreaterThan(0.5);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.durationMs).toBe(r.finishedAt! - r.startedAt!);
      expect(r.durationMs).toBeGreaterThan(0);
    }
    // A fresh data folder: the first run computed everything; the second reused data, split and model.
    expect(list[1].cachedSteps).toBe(0);
    expect(list[0].cachedSteps).toBe(3);
    const evaluate = (await server.caller.runs.get({ runId: second })).steps.find((s) => s.nodeId === 'evaluate')!;
    expect(list[0].accuracy).toBe(evaluate.metrics!.accuracy);

    expect((await server.caller.runs.listForGraph({ graphId, limit: 1 })).map((r) => r.id)).toEqual([second]);

    // Each run keeps the graph it ran, parsed; not the graph as saved since.
    expect((await server.caller.runs.get({ runId: first })).graph).toEqual(iris);
    expect((await server.caller.runs.get({ runId: second })).graph).toEqual(changed);
  });

  it("a step that fails at run time: its plain-words error reaches the client's run view and panel; the stack stays on the server", async () => {
    // Compiles, but at run time 0.1% of 50 rows per class leaves no test rows.
    const broken = withParams(iris, 'split', { testFraction: 0.001 });
    const { id: graphId } = await server.caller.graphs.create({ graph: broken });
    const runId = await runToEnd(graphId);

    const snapshot = await server.caller.runs.get({ runId });
    expect(snapshot.run.status).toBe('failed');
    const split = snapshot.steps.find((s) => s.nodeId === 'split')!;
    expect(split.status).toBe('failed');
    expect(split.error).toContain('leaves no test rows');
    // No stack (with the server's paths) reaches a client, from the snapshot or the events.
    expect(split).not.toHaveProperty('errorDetails');
    expect(JSON.stringify(snapshot)).not.toMatch(/\n\s+at |\/work\/|node_modules/);
    // The stack is kept in the database, for whoever reads the server's records.
    const stored = server.db.getDb().select().from(server.db.schema.runSteps).all().find((s) => s.runId === runId && s.nodeId === 'split')!;
    expect(stored.errorDetails).toContain('leaves no test rows');
    expect(stored.errorDetails).toMatch(/\n\s+at /);

    // The same fold the editor and the Runs page use.
    const view = runViewFromSnapshot(snapshot);
    expect(view.status).toBe('failed');
    expect(view.steps.split).toMatchObject({ status: 'failed', error: split.error });
    for (const id of ['train', 'evaluate', 'deploy']) expect(view.steps[id].status, id).toBe('skipped');

    // The panel shows the error in plain words, and nothing technical.
    const html = renderToStaticMarkup(createElement(RunPanel, { run: view, labelOf: (id: string) => (id === 'split' ? 'Train/test split' : id) }));
    expect(html).toContain('Train/test split failed:');
    expect(html).toContain('leaves no test rows');
    expect(html).not.toContain('Technical details');
    expect(html).not.toMatch(/\bat .*:\d+/);

    const [row] = await server.caller.runs.listForGraph({ graphId });
    expect(row).toMatchObject({ id: runId, status: 'failed', task: null, accuracy: null, r2: null, stepCount: 6 });
  });
});
