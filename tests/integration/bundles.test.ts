/**
 * Bundles (.pipeloom.zip) end to end: exported from one data folder with its data and imported into
 * a second one by the CLI, where the pipeline re-runs with identical metrics; no secret, email or
 * server path inside; a placeholder for an unknown kind or a newer version round-trips; an older
 * version is migrated; each bad bundle is refused with a plain message and nothing written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_MANIFEST, type BundleManifest } from '../../lib/bundle';
import { graphSchema, type GraphFile } from '../../lib/graph';
import { readZip } from '../../runtime/zip';
import { callerAs, ownerRequest, signUp } from '../support/accounts';
import { edge, node, projectRoot, trainAndEvaluate } from '../support/pipeloom';
import { runToEnd, useTestServer } from '../support/server';
import { makeZip } from '../support/zip';

const server = useTestServer('bundles', 2, { warmWorkers: true });
let exportRoute: typeof import('../../app/api/v1/graphs/[id]/bundle/route');
let importRoute: typeof import('../../app/api/v1/bundles/route');
let uploadRoute: typeof import('../../app/api/v1/datasets/route');
let second: string;

beforeAll(async () => {
  exportRoute = await import('../../app/api/v1/graphs/[id]/bundle/route');
  importRoute = await import('../../app/api/v1/bundles/route');
  uploadRoute = await import('../../app/api/v1/datasets/route');
  second = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bundles-second-'));
});
afterAll(() => rmSync(second, { recursive: true, force: true }));

const LIMITS = { maxEntries: 1000, maxUnpackedBytes: 2 ** 30 };

async function exportOf(graphId: string, data: boolean): Promise<Buffer> {
  const response = await exportRoute.GET(await ownerRequest(`http://localhost/api/v1/graphs/${graphId}/bundle${data ? '?data=1' : ''}`), {
    params: Promise.resolve({ id: graphId }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-disposition')).toContain('.pipeloom.zip');
  return Buffer.from(await response.arrayBuffer());
}

async function importOf(bytes: Uint8Array) {
  const response = await importRoute.POST(await ownerRequest('http://localhost/api/v1/bundles', { method: 'POST', body: new Uint8Array(bytes) }));
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function manifestOf(bundle: Buffer): Promise<BundleManifest> {
  return JSON.parse((await readZip(bundle, LIMITS)).get(BUNDLE_MANIFEST)!.toString('utf8')) as BundleManifest;
}

/** The CLI on the second data folder. */
function pipeloom(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot, 'bin', 'pipeloom.mjs'), ...args],
      { cwd: second, env: { ...process.env, PIPELOOM_DATA_DIR: path.join(second, 'data'), PIPELOOM_DB: path.join(second, 'pipeloom.db'), PIPELOOM_WORKERS: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Every row count of the tables an import writes, and the files of the uploads folder: what a refused import must leave as it was. */
function footprint() {
  const { getDb, schema } = server.db;
  const uploads = path.join(server.dataDir, 'artifacts', 'uploads');
  let files: string[] = [];
  try {
    files = readdirSync(uploads);
  } catch {
    // no upload yet
  }
  return {
    graphs: getDb().select().from(schema.graphs).all().length,
    datasets: getDb().select().from(schema.datasets).all().length,
    artifacts: readdirSync(path.join(server.dataDir, 'artifacts')).length,
    uploads: files,
  };
}

describe('bundles', () => {
  let graphId: string;
  let metricsHere: unknown;
  let withData: Buffer;
  let apiKey: string;

  it('a pipeline on an uploaded table exports with its data; the bundle holds no email, key, session or server path', async () => {
    // The wine table, uploaded under a name of its own (a copy of the sample, as a user's file).
    const csv = readFileSync(path.join(projectRoot, 'samples', 'datasets', 'wine.csv'));
    const upload = await uploadRoute.POST(await ownerRequest('http://localhost/api/v1/datasets?filename=cellar.csv', { method: 'POST', body: csv }));
    expect(upload.status).toBe(201);
    const { dataset } = (await upload.json()) as { dataset: { id: string } };
    const graph: GraphFile = {
      version: 1,
      name: 'Cellar cultivars',
      nodes: [
        node('data', 'dataset.uploaded', { dataset: dataset.id }),
        node('split', 'split.train-test', { target: 'cultivar', testFraction: 0.3, validationFraction: 0, seed: 12 }),
        node('model', 'model.mlp', { units: 8 }),
        node('train', 'train.train', { epochs: 25, learningRate: 0.01, seed: 12 }),
        node('evaluate', 'evaluate.evaluate'),
      ],
      edges: [edge('data', 'table', 'split', 'table'), ...trainAndEvaluate({ split: 'split', model: 'model', train: 'train', evaluate: 'evaluate' })],
    };
    graphId = (await server.caller.graphs.create({ graph })).id;
    const { steps } = await runToEnd(server, graph);
    metricsHere = JSON.parse(steps.evaluate.metrics!);
    apiKey = (await server.caller.apiKeys.create({ name: 'secret-holder', deployments: null })).key;

    const preview = await server.caller.bundles.preview({ graphId });
    expect(preview).toMatchObject({ fileName: 'cellar-cultivars.pipeloom.zip', mayIncludeData: true, dataBytes: csv.length });
    expect(preview.datasets).toEqual([expect.objectContaining({ source: 'uploaded', id: dataset.id, name: 'cellar', rowCount: 178, bytes: csv.length })]);

    withData = await exportOf(graphId, true);
    const files = await readZip(withData, LIMITS);
    expect([...files.keys()].sort()).toEqual([`data/${dataset.id}.csv`, BUNDLE_MANIFEST]);
    const manifest = await manifestOf(withData);
    expect(manifest).toMatchObject({ format: 'pipeloom-bundle', formatVersion: 1, appVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(manifest.graph.nodes.map((n) => [n.id, n.type, n.typeVersion])).toEqual(graph.nodes.map((n) => [n.id, n.type, n.typeVersion]));
    expect(manifest.datasets).toEqual([expect.objectContaining({ source: 'uploaded', id: dataset.id, contentHash: dataset.id, embedded: true })]);

    // Packed and unpacked, no byte of anything secret or about this server.
    const texts = [withData.toString('latin1'), ...[...files.values()].map((b) => b.toString('utf8'))];
    const cookieValues = server.owner.cookie.split('; ').map((pair) => pair.split('=').slice(1).join('='));
    const secrets = [server.owner.user.email, server.owner.user.id, server.workspaceId, apiKey, ...cookieValues, server.dataDir, os.tmpdir(), projectRoot, 'cellar.csv'];
    for (const text of texts) for (const secret of secrets) expect(text.includes(secret), `bundle holds ${secret}`).toBe(false);
    expect(texts.join('\n')).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/);
  });

  it('a viewer may export the pipeline but not take its data away', async () => {
    const viewer = await signUp('Vera Viewer', 'viewer@example.com');
    await server.caller.workspaces.addMember({ email: 'viewer@example.com', role: 'viewer' });
    const preview = await (await callerAs(viewer, server.workspaceId)).bundles.preview({ graphId });
    expect(preview.mayIncludeData).toBe(false);
    const asViewer = (query: string) =>
      exportRoute.GET(new Request(`http://localhost/api/v1/graphs/${graphId}/bundle${query}`, { headers: { cookie: viewer.cookie } }), { params: Promise.resolve({ id: graphId }) });
    expect((await asViewer('')).status).toBe(200);
    const refused = await asViewer('?data=1');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('cellar');
  });

  it('imported into a second data folder (the CLI), the dataset is read in and the pipeline re-runs with identical metrics', async () => {
    const file = path.join(second, 'cellar.pipeloom.zip');
    writeFileSync(file, withData);
    const imported = await pipeloom(['import', file, '--out', 'imported.json', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout) as { ok: boolean; datasets: { status: string; rowCount: number }[]; placeholders: unknown[] };
    expect(result).toMatchObject({ ok: true, datasets: [{ name: 'cellar', status: 'imported', rowCount: 178 }], placeholders: [] });
    const run = await pipeloom(['run', 'imported.json', '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const nodes = (JSON.parse(run.stdout) as { nodes: { id: string; metrics: unknown }[] }).nodes;
    expect(nodes.find((n) => n.id === 'evaluate')!.metrics).toEqual(metricsHere);

    // Imported again: the dataset is there by content now.
    const again = await pipeloom(['import', file, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ datasets: [{ status: 'matched' }] });
  });

  it('`pipeloom export` writes the bundle of a graph file; an unknown kind in it is kept', async () => {
    const graph = JSON.parse(readFileSync(path.join(projectRoot, 'templates', 'classify-a-table.json'), 'utf8')) as GraphFile;
    graph.nodes.push(node('later', 'evaluate.fairness-report', { groups: ['region'] }));
    graph.edges.push(edge('train', 'model', 'later', 'model'));
    writeFileSync(path.join(second, 'with-later.json'), JSON.stringify(graph));
    const exported = await pipeloom(['export', 'with-later.json', '--out', 'cli.pipeloom.zip', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ ok: true, file: 'cli.pipeloom.zip' });
    const manifest = await manifestOf(readFileSync(path.join(second, 'cli.pipeloom.zip')));
    expect(manifest.graph.nodes).toEqual(graphSchema.parse(graph).nodes);
    expect(manifest.datasets).toEqual([{ source: 'sample', id: 'wine', name: 'wine', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const refused = await pipeloom(['import', 'with-later.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('with-later.json cannot be imported: Not a Pipeloom bundle: This is not a ZIP archive');
  });

  it('without data, the dataset it lacks is named missing and the step asks for an upload', async () => {
    const bare = await exportOf(graphId, false);
    expect([...(await readZip(bare, LIMITS)).keys()]).toEqual([BUNDLE_MANIFEST]);
    const file = path.join(second, 'bare.pipeloom.zip');
    writeFileSync(file, bare);
    // A third place: a fresh folder, where nothing matches.
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bundles-third-'));
    try {
      const imported = await new Promise<{ stdout: string }>((resolve) =>
        execFile(
          process.execPath,
          [path.join(projectRoot, 'bin', 'pipeloom.mjs'), 'import', file, '--out', path.join(fresh, 'g.json'), '--json'],
          { env: { ...process.env, PIPELOOM_DATA_DIR: fresh, PIPELOOM_DB: path.join(fresh, 'pipeloom.db'), PIPELOOM_WORKERS: '1' } },
          (_error, stdout) => resolve({ stdout }),
        ),
      );
      expect(JSON.parse(imported.stdout)).toMatchObject({ ok: true, datasets: [{ name: 'cellar', status: 'missing', rowCount: 178 }] });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    // Here, where it was exported, the same bundle finds its dataset by content.
    const here = await importOf(bare);
    expect(here).toMatchObject({ status: 201, body: { datasets: [{ status: 'matched' }] } });
  });

  it('an unknown kind and a newer version load as placeholders with their params and edges, name the missing kind, and round-trip; an older version is migrated', async () => {
    const graph: GraphFile = {
      version: 1,
      name: 'From the future',
      nodes: [
        node('data', 'dataset.sample', { dataset: 'iris' }),
        { ...node('filter', 'cleaning.filter-rows', { column: 'petal_length_cm', operator: 'greater', value: '1' }), typeVersion: 1 },
        node('magic', 'features.quantum-embedding', { qubits: 7, basis: ['x', 'z'] }),
        { ...node('split', 'split.train-test', { target: 'species', shuffleTwice: true }), typeVersion: 99 },
      ],
      edges: [edge('data', 'table', 'filter', 'table'), edge('filter', 'table', 'magic', 'table'), edge('magic', 'table', 'split', 'table')],
    };
    const exporter = (await server.caller.graphs.create({ graph })).id;
    const first = await exportOf(exporter, false);
    const imported = await importOf(first);
    expect(imported.status).toBe(201);
    expect(imported.body.placeholders).toEqual([
      { nodeId: 'magic', type: 'features.quantum-embedding', typeVersion: 1 },
      { nodeId: 'split', type: 'split.train-test', typeVersion: 99 },
    ]);
    const { graph: opened } = await server.caller.graphs.get({ id: imported.body.graphId });
    expect(opened.edges).toEqual(graph.edges);
    expect(opened.nodes.find((n) => n.id === 'magic')).toEqual(graph.nodes[2]);
    expect(opened.nodes.find((n) => n.id === 'split')).toEqual(graph.nodes[3]);
    expect(opened.nodes.find((n) => n.id === 'filter')).toMatchObject({ typeVersion: 2, params: { match: 'all', conditions: [{ column: 'petal_length_cm', operator: 'greater', value: '1' }] } });
    const check = await server.caller.graphs.check({ graph: opened, graphId: imported.body.graphId });
    expect(check.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 'magic', code: 'unknown-type', message: expect.stringContaining('"features.quantum-embedding"') }),
        expect.objectContaining({ nodeId: 'split', code: 'unsupported-version', message: expect.stringContaining('version 99') }),
      ]),
    );
    // Exported again: the same graph (the migrated node now current), placeholders untouched.
    const again = await manifestOf(await exportOf(imported.body.graphId, false));
    expect(again.graph).toEqual(opened);
  });

  describe('bad bundles are refused with a plain message, and nothing is written', () => {
    const manifest = (graph: unknown) => JSON.stringify({ format: 'pipeloom-bundle', formatVersion: 1, appVersion: '0.1.0', graph, datasets: [] });
    const okGraph = { version: 1, name: 'ok', nodes: [node('data', 'dataset.sample', { dataset: 'iris' })], edges: [] };
    const cases: [string, () => Uint8Array, number, RegExp][] = [
      ['not a zip', () => Buffer.from('this is plain text, not an archive'), 400, /not a ZIP archive/],
      ['a zip without a manifest', () => makeZip([{ name: 'graph.json', data: '{}' }]), 400, /has no pipeloom\.json/],
      ['bad JSON', () => makeZip([{ name: BUNDLE_MANIFEST, data: '{"format": "pipeloom-bundle", ' }]), 400, /not valid JSON/],
      ['a zip-slip path', () => makeZip([{ name: BUNDLE_MANIFEST, data: manifest(okGraph) }, { name: '../../escaped.txt', data: 'x' }]), 400, /unsafe file name/],
      ['an absolute path', () => makeZip([{ name: BUNDLE_MANIFEST, data: manifest(okGraph) }, { name: '/etc/cron.d/x', data: 'x' }]), 400, /unsafe file name/],
      ['a file it does not list', () => makeZip([{ name: BUNDLE_MANIFEST, data: manifest(okGraph) }, { name: 'data/extra.csv', data: 'x' }]), 400, /does not list/],
      [
        'an internal node kind',
        () => makeZip([{ name: BUNDLE_MANIFEST, data: manifest({ ...okGraph, nodes: [node('x', 'system.ingest-upload', { upload: '../../etc/passwd' })] }) }]),
        400,
        /internal to the engine/,
      ],
      [
        'embedded data it does not hold',
        () =>
          makeZip([
            {
              name: BUNDLE_MANIFEST,
              data: JSON.stringify({
                ...JSON.parse(manifest(okGraph)),
                datasets: [{ source: 'uploaded', id: 'a'.repeat(32), name: 'x', contentHash: 'a'.repeat(32), rowCount: 1, columnCount: 1, bytes: 1, embedded: true }],
              }),
            },
          ]),
        400,
        /has no data\/a{32}\.csv/,
      ],
      ['too large, packed', () => Buffer.alloc(2 * 2 ** 20, 1), 413, /larger than the limit of 1 MB/],
      ['too large, unpacked (a zip bomb)', () => makeZip([{ name: BUNDLE_MANIFEST, data: manifest(okGraph) }, { name: 'data/x.csv', data: Buffer.alloc(8 * 2 ** 20), deflate: true }]), 413, /unpacks to more than 1 MB/],
    ];
    it.each(cases)('%s', async (_what, bytes, status, message) => {
      const before = footprint();
      process.env.PIPELOOM_MAX_UPLOAD_MB = '1';
      try {
        const answer = await importOf(bytes());
        expect(answer.status).toBe(status);
        expect(answer.body.error.message).toMatch(message);
        // The route's body limit answers before the bundle is read: no field then.
        if (status !== 413 || answer.body.error.field) expect(answer.body.error.field).toBe('bundle');
        expect(JSON.stringify(answer.body)).not.toContain(server.dataDir);
      } finally {
        delete process.env.PIPELOOM_MAX_UPLOAD_MB;
      }
      expect(footprint()).toEqual(before);
    });

    it('a CSV that does not read leaves no dataset behind', async () => {
      const before = footprint();
      const id = 'b'.repeat(32);
      const bundle = makeZip([
        {
          name: BUNDLE_MANIFEST,
          data: JSON.stringify({
            ...JSON.parse(manifest({ ...okGraph, nodes: [node('data', 'dataset.uploaded', { dataset: id })] })),
            datasets: [{ source: 'uploaded', id, name: 'broken', contentHash: id, rowCount: 2, columnCount: 2, bytes: 9, embedded: true }],
          }),
        },
        { name: `data/${id}.csv`, data: 'a,b\n1,2,3,4\n"unclosed\n' },
      ]);
      const answer = await importOf(bundle);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.body.error.message).toMatch(/data could not be read/);
      expect(footprint()).toEqual(before);
    });
  });
});
