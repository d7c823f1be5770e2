import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { NODE_KINDS } from '../../nodes';
import { expectPlain, useHttpServer } from '../support/http-server';
import { irisGraph, useTempDataDir } from '../support/pipeloom';

/**
 * Two seeded fuzzers, 500 cases each, as the signed-in owner (so that each case reaches validation):
 * graph files (the CLI's check, graphs.check, import) and predict bodies against a deployed model. Never a 5xx, never a stack or a path, the server still
 * answers. On failure fast-check prints the seed and the shrunk case; FUZZ_SEED=<n> replays it.
 */
const server = useHttpServer('security-fuzz');
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const RUNS = 500;

const HOSTILE_TEXT = ['../../etc/passwd', '/etc/passwd', 'a'.repeat(300), 'x\u0000y', 'x\r\nX: 1', '😀', '', ' ', '__proto__', 'constructor'];
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE_TEXT));
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1e308, -1e308, 5e-324, 2 ** 53));
/** Any JSON, nested deeper than any node kind allows at times. */
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 10, max: 40 }).map((depth) => nestedList(depth)));

function nestedList(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const KIND_NAMES = [...NODE_KINDS.map((k) => k.type), 'system.ingest-upload', 'dataset.nope', 'deploy'];

/** A graph file as a user, a bug or an attacker might write it: mostly well-formed, each part sometimes wrong. */
const graphArbitrary = fc
  .record({
    ids: fc.array(fc.oneof(fc.constantFrom('data', 'split', 'model', 'train', 'evaluate', 'deploy'), text), { minLength: 0, maxLength: 6 }),
    types: fc.array(fc.oneof(fc.constantFrom(...KIND_NAMES), text), { minLength: 6, maxLength: 6 }),
    versions: fc.array(fc.oneof(fc.constant(1), fc.integer({ min: -1, max: 4 }), number), { minLength: 6, maxLength: 6 }),
    params: fc.array(fc.dictionary(fc.oneof(fc.constantFrom('target', 'dataset', 'epochs', 'learningRate', 'modelName', 'testFraction', 'model'), text), fc.oneof(anyJson, number, text), { maxKeys: 4 }), {
      minLength: 6,
      maxLength: 6,
    }),
    edges: fc.array(fc.record({ id: text, source: text, sourceHandle: text, target: text, targetHandle: text }), { maxLength: 4 }),
    keepIrisEdges: fc.boolean(),
    name: fc.oneof(fc.constant('fuzzed'), text),
    breakShape: fc.option(fc.constantFrom('version', 'nodes', 'name', 'position'), { freq: 4 }),
  })
  .map(({ ids, types, versions, params, edges, keepIrisEdges, name, breakShape }) => {
    const iris = irisGraph();
    const graph = {
      version: breakShape === 'version' ? 2 : 1,
      name,
      nodes: ids.map((id, i) => ({
        id,
        type: types[i],
        typeVersion: versions[i],
        params: { ...(iris.nodes.find((n) => n.id === id)?.params ?? {}), ...params[i] },
        position: breakShape === 'position' ? { x: 'left' } : { x: i * 100, y: 0 },
      })),
      edges: [...(keepIrisEdges ? iris.edges : []), ...edges],
    } as unknown as Record<string, unknown>;
    if (breakShape === 'nodes') graph.nodes = { not: 'a list' };
    if (breakShape === 'name') delete graph.name;
    return graph;
  });

describe('fuzzing graph files', () => {
  it(`the CLI's check, graphs.check and graphs.create answer ${RUNS} generated graphs plainly (seed ${SEED})`, async () => {
    const temp = useTempDataDir('fuzz-cli', 1);
    const { checkGraphText } = await import('../../cli/graph-file');
    let accepted = 0;
    try {
      await fc.assert(
        fc.asyncProperty(graphArbitrary, async (graph) => {
          const internal = Array.isArray(graph.nodes) && (graph.nodes as { type: string }[]).some((n) => n.type.startsWith('system.'));
          // The CLI's own check, in-process: never throws, plain messages.
          const checked = checkGraphText(JSON.stringify(graph), 'fuzzed.json');
          if (!checked.ok) expectPlain(JSON.stringify(checked.errors), 'cli');
          if (internal) expect(checked.ok).toBe(false);

          const check = await server.query('graphs.check', { graph });
          expect(check.status).toBeLessThan(500);
          expectPlain(check.text, 'graphs.check');
          const created = await server.mutate('graphs.create', { graph });
          expect(created.status).toBeLessThan(500);
          expectPlain(created.text, 'graphs.create');
          if (internal) expect(created.status).toBe(400);
          if (created.status === 200) accepted++;
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      temp.cleanup();
    }
    // The generator reaches both sides: some graphs are taken as files, many refused.
    expect(accepted).toBeGreaterThan(10);
    expect(accepted).toBeLessThan(RUNS);
    expect((await server.query('graphs.list')).status).toBe(200);
  });
});

describe('fuzzing predict bodies', () => {
  const FEATURES = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'];

  beforeAll(async () => {
    const created = await server.mutate('graphs.create', { graph: irisGraph() satisfies GraphFile });
    const { runId } = (await server.mutate('runs.start', { graphId: (created.body.result!.data as { id: string }).id })).body.result!.data as { runId: string };
    for (;;) {
      const status = ((await server.query('runs.get', { runId })).body.result!.data as { run: { status: string } }).run.status;
      if (status === 'succeeded') break;
      expect(['running', 'queued']).toContain(status);
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  const value = fc.oneof(number, text, fc.constant(null), fc.boolean(), anyJson, number.map(String));
  const row = fc.dictionary(fc.oneof(fc.constantFrom(...FEATURES), text), value, { maxKeys: 6 });
  const body = fc.oneof(
    fc.record({ rows: fc.array(row, { maxLength: 5 }) }).map((b) => JSON.stringify(b)),
    fc.record({ rows: fc.array(fc.record(Object.fromEntries(FEATURES.map((f) => [f, number]))), { minLength: 1, maxLength: 3 }) }).map((b) => JSON.stringify(b)),
    anyJson.map((b) => JSON.stringify(b)),
    fc.string({ maxLength: 40 }),
  );

  it(`${RUNS} generated bodies: 200 with finite answers, or a plain 4xx (seed ${SEED})`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await server.fetch('/api/v1/models/iris/predict', { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
        const answer = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect([200, 400, 413]).toContain(response.status);
        expectPlain(answer, 'predict');
        if (response.status === 200) {
          const { predictions } = JSON.parse(answer) as { predictions: { probabilities: Record<string, unknown> }[] };
          for (const p of predictions) for (const v of Object.values(p.probabilities)) expect(Number.isFinite(v)).toBe(true);
        } else {
          // The first problem in `error`; every problem of every row (at most 100, each short) in `errors`.
          const { error, errors = [] } = JSON.parse(answer) as { error: { message: string }; errors?: { message: string }[] };
          expect(error.message.length).toBeLessThan(2000);
          expect(errors.length).toBeLessThanOrEqual(100);
          for (const e of errors) expect(e.message.length).toBeLessThan(500);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(statuses.get(200)).toBeGreaterThan(10);
    expect(statuses.get(400)).toBeGreaterThan(10);
    expect((await server.fetch('/api/v1/models/iris')).status).toBe(200);
  });

  it('the same bodies without a session: 401 before the body is read, plain, whatever it holds', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await server.anonymous.fetch('/api/v1/models/iris/predict', { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
        const answer = await response.text();
        expect(response.status).toBe(401);
        expect(answer).not.toMatch(/predictions|probabilities/);
        expectPlain(answer, 'anonymous predict');
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});
