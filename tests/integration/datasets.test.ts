/** Uploads end to end on the server side: the streaming route, ingest on a worker, storage by content, use in a pipeline. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge, node, useTempDataDir } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';
import { ownerRequest, callerAs, theOwner } from '../support/accounts';

const temp = useTempDataDir('datasets', 1);
type Instance = typeof import('../../server/engine/instance');
let instance: Instance;
let uploadRoute: typeof import('../../app/api/v1/datasets/route');
let csvRoute: typeof import('../../app/api/v1/datasets/[id]/csv/route');
let caller: Awaited<ReturnType<typeof import('../../server/api/root').createCaller>>;

const EUROPEAN = ['id;size;weight;kind', ...Array.from({ length: 60 }, (_, i) => `R${i};${i % 10},5;${(i % 7) * 2},25;${i % 2 ? 'big' : 'small'}`)];
EUROPEAN.splice(5, 0, 'broken;1,5');

async function upload(body: string, query: Record<string, string> = {}) {
  const params = new URLSearchParams({ filename: 'things.csv', ...query });
  return uploadRoute.POST(await ownerRequest(`http://localhost/api/v1/datasets?${params}`, { method: 'POST', body, duplex: 'half' } as RequestInit));
}

beforeAll(async () => {
  instance = await import('../../server/engine/instance');
  uploadRoute = await import('../../app/api/v1/datasets/route');
  csvRoute = await import('../../app/api/v1/datasets/[id]/csv/route');
  caller = await callerAs(await theOwner());
});

afterAll(async () => {
  await instance?.shutdownEngine();
  temp.cleanup();
});

describe('dataset uploads', () => {
  let id: string;

  it('parses a European-style CSV on a worker, skips and reports the broken row, and stores the table', async () => {
    const response = await upload(EUROPEAN.join('\r\n'));
    expect(response.status).toBe(201);
    const { dataset } = await response.json();
    id = dataset.id;
    expect(dataset.rowCount).toBe(60);
    expect(dataset.report).toMatchObject({ delimiter: ';', decimal: ',', skippedRows: 1 });
    expect(dataset.report.problems[0].line).toBe(6);
    expect(dataset.columns.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([
      ['id', 'text'],
      ['size', 'number'],
      ['weight', 'number'],
      ['kind', 'category'],
    ]);
    const { rows, rowCount } = await caller.datasets.rows({ id, offset: 0, limit: 3 });
    expect(rowCount).toBe(60);
    expect(rows[0]).toEqual({ id: 'R0', size: 0.5, weight: 0.25, kind: 'small' });
    // The temporary upload file is gone.
    expect(readdirSync(path.join(temp.dataDir, 'artifacts', 'uploads'))).toEqual([]);
  });

  it('the same file again is recognised, not stored twice', async () => {
    const response = await upload(EUROPEAN.join('\r\n'));
    expect(response.status).toBe(200);
    expect((await response.json()).existing).toBe(true);
    expect((await caller.datasets.list()).datasets).toHaveLength(1);
  });

  it('"refuse" turns a broken row into a 422 naming its line, and stores nothing', async () => {
    const response = await upload(EUROPEAN.join('\n') + '\n', { badRows: 'refuse' });
    expect(response.status).toBe(422);
    expect((await response.json()).error.message).toMatch(/6/);
    expect((await caller.datasets.list()).datasets).toHaveLength(1);
  });

  it('a file over the size limit gets a clear 413 and leaves nothing behind', async () => {
    process.env.PIPELOOM_MAX_UPLOAD_MB = '0.0001';
    try {
      const response = await upload('a,b\n' + '1,2\n'.repeat(200));
      expect(response.status).toBe(413);
      expect((await response.json()).error.message).toContain('limit');
    } finally {
      delete process.env.PIPELOOM_MAX_UPLOAD_MB;
    }
    expect(readdirSync(path.join(temp.dataDir, 'artifacts', 'uploads'))).toEqual([]);
    expect((await caller.datasets.list()).datasets).toHaveLength(1);
  });

  it('a JSON array of records becomes a table with the same type inference', async () => {
    const records = [
      { city: 'Oslo', temp: 3.5, sunny: false, when: '2024-01-02' },
      { city: 'Rome', temp: 14, sunny: true, when: '2024-01-03', note: 'warm, "nice"' },
      { city: 'Oslo', temp: null, sunny: true, when: '2024-01-04' },
    ];
    const response = await upload(JSON.stringify(records), { filename: 'weather.json' });
    expect(response.status).toBe(201);
    const { dataset } = await response.json();
    expect(dataset.name).toBe('weather');
    expect(dataset.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual([
      'city:category',
      'temp:number',
      'sunny:boolean',
      'when:date',
      'note:category',
    ]);
    const { rows } = await caller.datasets.rows({ id: dataset.id, offset: 0, limit: 3 });
    expect(rows[1]).toEqual({ city: 'Rome', temp: 14, sunny: true, when: '2024-01-03', note: 'warm, "nice"' });
    expect(rows[2]).toMatchObject({ temp: null, note: null });
    await caller.datasets.delete({ id: dataset.id });
  });

  it('JSON that is not an array of records gets a plain 422', async () => {
    const response = await upload('{"rows": 3}', { filename: 'bad.json' });
    expect(response.status).toBe(422);
    expect((await response.json()).error.message).toContain('array of records');
    const broken = await upload('[{"a": 1}, 7]', { filename: 'bad.json' });
    expect((await broken.json()).error.message).toContain('Record 2');
  });

  it('an empty body is refused', async () => {
    expect((await upload('')).status).toBe(400);
  });

  it('a pipeline trains on the upload, after dropping the id column', async () => {
    const graph = {
      version: 1 as const,
      name: 'uploaded',
      nodes: [
        node('data', 'dataset.uploaded', { dataset: id }),
        node('select', 'cleaning.select-columns', { mode: 'drop', columns: ['id'] }),
        node('split', 'split.train-test', { target: 'kind', testFraction: 0.3, validationFraction: 0 }),
        node('model', 'model.logistic-regression'),
        node('train', 'train.train', { epochs: 30 }),
        node('evaluate', 'evaluate.evaluate'),
      ],
      edges: [
        edge('data', 'table', 'select', 'table'),
        edge('select', 'table', 'split', 'table'),
        edge('split', 'split', 'train', 'split'),
        edge('model', 'model', 'train', 'model'),
        edge('train', 'model', 'evaluate', 'model'),
        edge('split', 'split', 'evaluate', 'split'),
      ],
    };
    const engine = instance.getEngine();
    // Without the select step, compile names the free-text column.
    const unselected = engine.compile({ ...graph, nodes: graph.nodes.map((n) => (n.id === 'select' ? { ...n, params: { mode: 'drop', columns: [] } } : n)) }, FIRST_WORKSPACE_ID);
    expect(unselected.errors.map((e) => e.message).join(' ')).toContain('"id"');
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('succeeded');
  });

  it('exports the table as CSV', async () => {
    const response = await csvRoute.GET(await ownerRequest('http://localhost/x'), { params: Promise.resolve({ id }) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.split('\r\n')[0]).toBe('id,size,weight,kind');
    expect(text.split('\r\n')[1]).toBe('R0,0.5,0.25,small');
    expect(text.trim().split('\r\n')).toHaveLength(61);
  });

  it('a deleted dataset is a compile error on the node that names it, not a crash', async () => {
    expect(await caller.datasets.delete({ id })).toEqual({ deleted: true });
    expect(existsSync(path.join(temp.dataDir, 'artifacts', `dataset-${id}`))).toBe(false);
    const result = instance.getEngine().compile({ version: 1, name: 'gone', nodes: [node('data', 'dataset.uploaded', { dataset: id })], edges: [] }, FIRST_WORKSPACE_ID);
    expect(result.errors).toEqual([expect.objectContaining({ nodeId: 'data', field: 'dataset', message: expect.stringContaining('not in this workspace') })]);
  });
});
