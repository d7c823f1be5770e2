import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyGraph } from '../../lib/graph';
import { expectPlain, useHttpServer } from '../support/http-server';
import { procedures, routes, sampleFor, type Procedure } from './surface';

/**
 * Every procedure and route that takes an id or a name, called with paths and oversize values:
 * nothing outside the data folder is touched, nothing inside it is lost, no answer is a 5xx or
 * carries a stack or a server path. Called as the signed-in owner, so that each value reaches the
 * id checks and lookups behind authorization (tests/security/authorization-matrix.test.ts covers
 * who may call what).
 */
const server = useHttpServer('security-ids');

/** A folder beside the data folder that traversal from the artifact store would reach. */
const canary = () => path.join(path.dirname(server.dataDir), 'canary');

function hostileValues(): string[] {
  const up = (n: number) => '../'.repeat(n);
  return [
    ...[1, 2, 3, 4, 6, 8].flatMap((n) => [`${up(n)}canary`, `x/${up(n)}canary`]),
    '/etc/passwd',
    '..',
    '%2e%2e%2fcanary',
    'a'.repeat(300),
    'x\u0000y',
    'x\r\nX-Injected: 1',
    '😀'.repeat(60),
  ];
}

async function uploadCanaryDataset(): Promise<string> {
  const response = await server.fetch('/api/v1/datasets?filename=canary.csv', { method: 'POST', body: 'a,b\n1,2\n3,4\n' });
  expect(response.status).toBe(201);
  return ((await response.json()) as { dataset: { id: string } }).dataset.id;
}

async function intact(datasetId: string): Promise<void> {
  expect(readFileSync(path.join(canary(), 'keep.txt'), 'utf8')).toBe('keep');
  expect(existsSync(path.join(server.dataDir, 'artifacts', `dataset-${datasetId}`))).toBe(true);
  const list = await server.query('datasets.list');
  expect(JSON.stringify(list.body)).toContain(datasetId);
}

function inputWith(procedure: Procedure, field?: string, value?: unknown): Record<string, unknown> | undefined {
  if (procedure.fields.length === 0) return undefined;
  return Object.fromEntries(
    procedure.fields
      .filter((f) => f.name === field || !f.optional)
      .map((f) => [f.name, f.name === field ? value : f.kind === 'graph' ? emptyGraph('probe') : sampleFor(procedure, f.name)]),
  );
}

async function call(procedure: Procedure, input: unknown): Promise<{ status: number; text: string }> {
  if (procedure.type === 'mutation') return server.mutate(procedure.path, input);
  if (procedure.type === 'query') return server.query(procedure.path, input);
  // A subscription answers a bad input at once; a good one would stream (read briefly).
  const response = await server.fetch(`/api/trpc/${procedure.path}?input=${encodeURIComponent(JSON.stringify(input))}`, { signal: AbortSignal.timeout(3000) });
  const text = await response.text().catch(() => '');
  return { status: response.status, text };
}

describe('hostile ids and paths on every procedure and route', () => {
  it('the router and the routes are read from the code, and every field a procedure takes has a sample', () => {
    const all = procedures();
    expect(all.length).toBeGreaterThan(15);
    expect(all.map((p) => p.path)).toEqual(expect.arrayContaining(['datasets.delete', 'graphs.save', 'runs.get', 'runs.events', 'models.deploy']));
    for (const procedure of all) {
      for (const field of procedure.fields) {
        const sample = field.kind === 'graph' ? 'graph' : sampleFor(procedure, field.name);
        expect(sample, `${procedure.path}.${field.name}: add a sample to FIELD_SAMPLES`).not.toBeUndefined();
      }
    }
    expect(routes().map((r) => r.pattern)).toEqual(
      expect.arrayContaining(['/api/v1/datasets/[id]/csv', '/api/v1/models/[name]/predict', '/api/v1/runs/[runId]/steps/[nodeId]/csv', '/api/trpc/[trpc]']),
    );
  });

  it('every string field of every procedure: refused or not found, never a 5xx, a stack or a path; nothing deleted', async () => {
    mkdirSync(canary(), { recursive: true });
    writeFileSync(path.join(canary(), 'keep.txt'), 'keep');
    const datasetId = await uploadCanaryDataset();
    let calls = 0;
    for (const procedure of procedures()) {
      const stringFields = procedure.fields.filter((f) => f.kind === 'string');
      if (stringFields.length === 0) {
        const { status, text } = await call(procedure, inputWith(procedure));
        expect(status, procedure.path).toBeLessThan(500);
        expectPlain(text, procedure.path);
        calls++;
      }
      for (const field of stringFields) {
        for (const value of hostileValues()) {
          const { status, text } = await call(procedure, inputWith(procedure, field.name, value));
          const where = `${procedure.path}.${field.name} = ${JSON.stringify(value).slice(0, 40)}`;
          expect(status, where).toBeLessThan(500);
          // An id is refused by its shape (or not found); a node id or a pipeline's name is free text.
          // (A subscription's stream has begun, status 200, when it sends the refusal as its error event.)
          if (/^(id|graphId|runId|workspaceId|userId)$/.test(field.name)) {
            if (procedure.type === 'subscription') expect(text, where).toMatch(/event: serialized-error[\s\S]*not a (run|pipeline) id/);
            else expect(status, where).toBeGreaterThanOrEqual(400);
          }
          expectPlain(text, where);
          calls++;
        }
      }
      await intact(datasetId);
    }
    expect(calls).toBeGreaterThan(150);
  });

  it('every REST route with each hostile value in each of its path parameters: 4xx, plain, nothing touched', async () => {
    const datasetId = JSON.stringify((await server.query('datasets.list')).body).match(/"id":"([0-9a-f]{32})"/)?.[1] ?? (await uploadCanaryDataset());
    for (const route of routes().filter((r) => r.params.length > 0 && r.pattern !== '/api/trpc/[trpc]')) {
      for (const method of route.methods) {
        for (const param of route.params) {
          for (const value of hostileValues()) {
            const url = route.pattern.replace(/\[(\w+)\]/g, (_m, name: string) => encodeURIComponent(name === param ? value : 'sample'));
            const response = await server.fetch(url, {
              method,
              ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{"rows":[{"a":1}]}' }),
            });
            const text = await response.text();
            const where = `${method} ${route.pattern} ${param} = ${JSON.stringify(value).slice(0, 40)}`;
            expect(response.status, where).toBeGreaterThanOrEqual(400);
            expect(response.status, where).toBeLessThan(500);
            expectPlain(text, where);
          }
        }
      }
    }
    await intact(datasetId);
  });

  it('datasets.delete with a traversal id (the reported hole): refused as malformed, the folder it named survives', async () => {
    const datasetId = JSON.stringify((await server.query('datasets.list')).body).match(/"id":"([0-9a-f]{32})"/)![1];
    for (const id of ['../../canary', 'x/../../../canary', `${datasetId}/../../../canary`, 'a'.repeat(300)]) {
      const answer = await server.mutate('datasets.delete', { id });
      expect(answer.status, id).toBe(400);
      expect(answer.body.error).toMatchObject({ message: 'id: not a dataset id', data: { field: 'id' } });
    }
    await intact(datasetId);
    // A well-formed id of nothing: 404, and still nothing touched.
    expect((await server.mutate('datasets.delete', { id: 'f'.repeat(32) })).status).toBe(404);
    await intact(datasetId);
  });
});
