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

  it("a step that fails at run time: its plain-words error and technical details reach the client's run view and panel", async () => {
    // Compiles, but at run time 0.1% of 50 rows per class leaves no test rows.
    const broken = withParams(iris, 'split', { testFraction: 0.001 });
    const { id: graphId } = await server.caller.graphs.create({ graph: broken });
    const runId = await runToEnd(graphId);

    const snapshot = await server.caller.runs.get({ runId });
    expect(snapshot.run.status).toBe('failed');
    const split = snapshot.steps.find((s) => s.nodeId === 'split')!;
    expect(split.status).toBe('failed');
    expect(split.error).toContain('leaves no test rows');
    // The details are the stack from the worker: the message, then where it was thrown.
    expect(split.errorDetails).toContain('leaves no test rows');
    expect(split.errorDetails).toMatch(/\n\s+at /);
    // Step events leave the details out, so the client can only have them from the snapshot.
    for (const e of snapshot.events.filter((ev) => ev.nodeId === 'split')) expect(e.payload.errorDetails).toBeUndefined();

    // The same fold the editor and the Runs page use.
    const view = runViewFromSnapshot(snapshot);
    expect(view.status).toBe('failed');
    expect(view.steps.split).toMatchObject({ status: 'failed', error: split.error, errorDetails: split.errorDetails });
    for (const id of ['train', 'evaluate', 'deploy']) expect(view.steps[id].status, id).toBe('skipped');
    expect(view.steps.data.errorDetails).toBeUndefined();

    // The panel shows the error in plain words, and the stack inside a <details> (behind a click).
    const html = renderToStaticMarkup(createElement(RunPanel, { run: view, labelOf: (id: string) => (id === 'split' ? 'Train/test split' : id) }));
    expect(html).toContain('Train/test split failed:');
    const details = html.match(/<details>[\s\S]*?<\/details>/g)?.find((d) => d.includes('Technical details'));
    expect(details).toBeDefined();
    expect(details).toContain('leaves no test rows');
    expect(details).toMatch(/\n\s+at /);

    const [row] = await server.caller.runs.listForGraph({ graphId });
    expect(row).toMatchObject({ id: runId, status: 'failed', task: null, accuracy: null, r2: null, stepCount: 6 });
  });
});
