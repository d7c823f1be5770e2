import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'pipeloom.mjs');
const example = 'examples/iris-classifier.json';
let tmp: string;
let dataDir: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-cli-'));
  dataDir = path.join(tmp, 'data');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function pipeloom(args: string[], cwd = root): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, PIPELOOM_DATA_DIR: dataDir, PIPELOOM_WORKERS: '1' }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function writeGraph(name: string, content: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

interface RunOutput {
  runId: string;
  status: string;
  nodes: { id: string; type: string; status: string; cached: boolean; durationMs: number | null; metrics: Record<string, unknown> | null }[];
}

describe('pipeloom CLI', () => {
  it('catalog --json lists every node kind with ports and a params schema', async () => {
    const r = await pipeloom(['catalog', '--json']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as { type: string; inputs: unknown[]; outputs: { name: string; type: string }[]; paramsSchema: { type: string; properties: Record<string, unknown> } }[];
    const dataset = entries.find((e) => e.type === 'dataset.sample');
    expect(dataset).toBeDefined();
    expect(dataset!.inputs).toEqual([]);
    expect(dataset!.outputs).toEqual([expect.objectContaining({ name: 'table', type: 'Table' })]);
    expect(dataset!.paramsSchema.type).toBe('object');
    expect(dataset!.paramsSchema.properties.dataset).toMatchObject({ default: 'iris' });
    expect(entries.map((e) => e.type)).toEqual(expect.arrayContaining(['split.train-test', 'train.train', 'evaluate.evaluate', 'deploy.deploy']));
  });

  it('catalog without --json prints a table', async () => {
    const r = await pipeloom(['catalog']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TYPE\s+VER\s+LABEL/);
    expect(r.stdout).toContain('train.train');
  });

  it('validate on the iris example succeeds with the plan', async () => {
    const r = await pipeloom(['validate', example, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; steps: { nodeId: string; type: string; cacheKey: string }[] };
    expect(out.ok).toBe(true);
    expect(out.steps.map((s) => s.nodeId).sort()).toEqual(['data', 'deploy', 'evaluate', 'model', 'split', 'train']);
    expect(out.steps[0]).toEqual({ nodeId: expect.any(String), type: expect.any(String), cacheKey: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('validate works from another directory', async () => {
    const r = await pipeloom(['validate', path.join(root, example)], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
  });

  it('validate on malformed JSON exits 1 naming the problem, without a stack trace', async () => {
    const file = writeGraph('malformed.json', '{ "version": 1, "nodes": [');
    const json = await pipeloom(['validate', file, '--json']);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as { ok: boolean; errors: { code: string; message: string }[] };
    expect(out.ok).toBe(false);
    expect(out.errors).toEqual([expect.objectContaining({ code: 'malformed-json', message: expect.stringContaining('not valid JSON') })]);

    const text = await pipeloom(['validate', file]);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('not valid JSON');
    expect(text.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate on JSON that is not a graph lists the schema problems', async () => {
    const file = writeGraph('not-a-graph.json', JSON.stringify({ version: 1, name: 'x', nodes: [{ id: 'a', type: 'dataset.sample' }], edges: [] }));
    const r = await pipeloom(['validate', file, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; errors: { code: string; message: string }[] };
    expect(out.ok).toBe(false);
    expect(out.errors.map((e) => e.code)).toEqual(['invalid-graph', 'invalid-graph']);
    expect(out.errors.map((e) => e.message).join('\n')).toMatch(/nodes\.0\.typeVersion/);
  });

  it('validate on a graph with a cycle exits 1 with structured errors', async () => {
    const graph = JSON.parse(readFileSync(path.join(root, example), 'utf8')) as { nodes: unknown[]; edges: unknown[] };
    const position = { x: 0, y: 0 };
    graph.nodes.push(
      { id: 'std-a', type: 'features.standardize', typeVersion: 1, params: {}, position },
      { id: 'std-b', type: 'features.standardize', typeVersion: 1, params: {}, position },
    );
    graph.edges.push(
      { id: 'loop1', source: 'std-a', sourceHandle: 'table', target: 'std-b', targetHandle: 'table' },
      { id: 'loop2', source: 'std-b', sourceHandle: 'table', target: 'std-a', targetHandle: 'table' },
    );
    const file = writeGraph('cycle.json', JSON.stringify(graph));
    const r = await pipeloom(['validate', file, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; errors: { code: string; nodeId?: string }[] };
    expect(out.ok).toBe(false);
    expect(out.errors.filter((e) => e.code === 'cycle').map((e) => e.nodeId).sort()).toEqual(['std-a', 'std-b']);

    const text = await pipeloom(['validate', file]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/node "std-a": This node is part of a loop/);
  });

  it('run refuses an invalid graph before starting anything', async () => {
    const graph = JSON.parse(readFileSync(path.join(root, example), 'utf8')) as { nodes: { id: string; params: Record<string, unknown> }[] };
    graph.nodes.find((n) => n.id === 'split')!.params.target = 'colour';
    const file = writeGraph('bad-target.json', JSON.stringify(graph));
    const r = await pipeloom(['run', file, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; errors: { code: string; nodeId: string; field: string }[] };
    expect(out.errors).toEqual([expect.objectContaining({ code: 'unknown-column', nodeId: 'split', field: 'target' })]);
  });

  it('usage errors exit 2', async () => {
    for (const args of [['frobnicate'], ['run'], ['catalog', '--bogus']]) {
      const r = await pipeloom(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: pipeloom');
    }
    const help = await pipeloom(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pipeloom');
  });

  it('run trains the iris example; a second run reuses every step, and publishes nothing new', async () => {
    const first = await pipeloom(['run', example, '--json']);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(first.code).toBe(0);
    const one = JSON.parse(first.stdout) as RunOutput;
    expect(one.status).toBe('succeeded');
    expect(one.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(one.nodes.map((n) => n.id).sort()).toEqual(['data', 'deploy', 'evaluate', 'model', 'split', 'train']);
    for (const n of one.nodes) {
      expect(n, n.id).toMatchObject({ status: 'done', cached: false });
      expect(n.durationMs, n.id).toBeGreaterThanOrEqual(0);
    }
    const evaluation = one.nodes.find((n) => n.id === 'evaluate')!;
    expect(evaluation.metrics?.task).toBe('classification');
    expect(evaluation.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(one.nodes.find((n) => n.id === 'deploy')!.metrics).toMatchObject({ modelName: 'iris', version: 1 });

    const second = await pipeloom(['run', example, '--json']);
    expect(second.code).toBe(0);
    const two = JSON.parse(second.stdout) as RunOutput;
    expect(two.status).toBe('succeeded');
    expect(two.runId).not.toBe(one.runId);
    for (const n of two.nodes) {
      expect(n, n.id).toMatchObject({ status: 'cached', cached: true, durationMs: null });
    }
    // Cached steps keep their metrics.
    expect(two.nodes.find((n) => n.id === 'evaluate')!.metrics?.accuracy).toBe(evaluation.metrics?.accuracy);
    // The same model is live as version 1 already: nothing new is published.
    expect(two.nodes.find((n) => n.id === 'deploy')!.metrics).toEqual({ modelName: 'iris', version: 1, live: true, unchanged: true });
  });

  it('a run whose step fails exits 1, reporting the failure and the skipped steps', async () => {
    const graph = JSON.parse(readFileSync(path.join(root, example), 'utf8')) as { nodes: { id: string; params: Record<string, unknown> }[] };
    // Valid for compile, but leaves no test rows once split per class.
    graph.nodes.find((n) => n.id === 'split')!.params.testFraction = 0.001;
    const r = await pipeloom(['run', writeGraph('fails.json', JSON.stringify(graph)), '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as RunOutput & { nodes: { error: string | null }[] };
    expect(out.status).toBe('failed');
    const byId = Object.fromEntries(out.nodes.map((n) => [n.id, n]));
    expect(byId.split).toMatchObject({ status: 'failed', cached: false, error: expect.stringContaining('leaves no test rows') });
    for (const id of ['train', 'evaluate', 'deploy']) expect(byId[id], id).toMatchObject({ status: 'skipped', durationMs: null, metrics: null });
  });

  it('run without --json prints progress and a summary', async () => {
    const r = await pipeloom(['run', example]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Running "Iris classifier"');
    expect(r.stdout).toMatch(/train: (cached|done)/);
    // Its model is the one an earlier test published: the summary says so.
    expect(r.stdout).toMatch(/deploy: cached - Already live as v1: nothing published\./);
    expect(r.stdout).toMatch(/deploy +deploy\.deploy +cached +- +already published as "iris" version 1/);
    expect(r.stdout).toMatch(/Run [0-9a-f-]{36} succeeded/);
  });
});
