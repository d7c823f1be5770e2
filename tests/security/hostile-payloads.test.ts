import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { expectPlain, useHttpServer, type HttpServer } from '../support/http-server';
import { irisGraph, node, projectRoot } from '../support/pipeloom';
import { makeZip } from '../support/zip';
import { MAX_TRPC_BATCH } from '../../lib/api-limits';

/**
 * The reported attacks, each at every door it could come through: an internal node kind reading a
 * server file, params and values nested without end, oversize and non-finite predict bodies, and
 * download names that would break a header. Sent as the signed-in owner, so that each reaches the
 * validation it tests (without a session every one would stop at 401; see the last describe).
 */
const server = useHttpServer('security-payloads');
const run = promisify(execFile);

/** The graph of the reported attack: the engine's internal ingest kind, pointed at a server file. */
function passwdGraph(): GraphFile {
  return {
    version: 1,
    name: 'read a server file',
    nodes: [node('steal', 'system.ingest-upload', { path: '/etc/passwd', upload: '../../../../etc/passwd', fileName: 'x.csv', header: false, maxBytes: 1e6 })],
    edges: [],
  };
}

/** JSON text of an object nested `depth` deep, written out directly (JSON.stringify itself recurses). */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Runs a graph through the HTTP API to its end; the run's id and final snapshot. */
async function runGraph(s: HttpServer, graph: GraphFile): Promise<{ runId: string; status: string }> {
  const created = await s.mutate('graphs.create', { graph });
  const graphId = (created.body.result!.data as { id: string }).id;
  const started = await s.mutate('runs.start', { graphId });
  const { runId } = started.body.result!.data as { runId: string };
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    const snapshot = await s.query('runs.get', { runId });
    const status = (snapshot.body.result!.data as { run: { status: string } }).run.status;
    if (!['running', 'queued'].includes(status)) return { runId, status };
  }
  throw new Error('the run did not finish');
}

describe('internal node kinds, from every door', () => {
  it('graphs.check, graphs.create (import) and graphs.save refuse them with a plain message naming the field', async () => {
    const graph = passwdGraph();
    const checked = await server.query('graphs.check', { graph });
    const imported = await server.mutate('graphs.create', { graph });
    const own = (await server.mutate('graphs.create', { name: 'mine' })).body.result!.data as { id: string };
    const saved = await server.mutate('graphs.save', { id: own.id, graph });
    for (const answer of [checked, imported, saved]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error!.message).toMatch(/graph\.nodes\.0\.type: this node kind is internal/);
      expect(answer.body.error!.data!.field).toBe('graph.nodes.0.type');
      expectPlain(answer.text, 'internal kind');
    }
  });

  it('a graph stored with one before this rule (written straight into the database): it neither opens nor runs, and no file is read', async () => {
    const workspaceId = ((await server.query('workspaces.current')).body.result!.data as { active: { workspaceId: string } }).active.workspaceId;
    const db = new Database(path.join(server.dataDir, 'pipeloom.db'));
    const id = '11111111-1111-4111-8111-111111111111';
    db.prepare('insert into graphs (id, workspace_id, name, document, updated_at) values (?, ?, ?, ?, ?)').run(id, workspaceId, 'old', JSON.stringify(passwdGraph()), Date.now());
    const runsBefore = (db.prepare('select count(*) as n from runs').get() as { n: number }).n;
    db.close();
    for (const answer of [await server.query('graphs.get', { id }), await server.mutate('runs.start', { graphId: id })]) {
      expect(answer.status).toBe(412);
      expect(answer.body.error!.message).toMatch(/cannot be opened: .*internal/);
      expectPlain(answer.text, 'stored internal kind');
    }
    const after = new Database(path.join(server.dataDir, 'pipeloom.db'), { readonly: true });
    expect((after.prepare('select count(*) as n from runs').get() as { n: number }).n).toBe(runsBefore);
    after.close();
  });

  it('the CLI: validate and run refuse the file (exit 1, plain words), and so does a file naming an unknown kind', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-cli-hostile-'));
    const file = path.join(dir, 'passwd.json');
    writeFileSync(file, JSON.stringify(passwdGraph()));
    for (const command of ['validate', 'run']) {
      const result = await run(process.execPath, [path.join(projectRoot, 'bin', 'pipeloom.mjs'), command, file, '--json'], {
        env: { ...process.env, PIPELOOM_DATA_DIR: path.join(dir, 'data'), PIPELOOM_DB: path.join(dir, 'p.db') },
      }).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => error,
      );
      expect(result.code, command).toBe(1);
      const report = JSON.parse(result.stdout) as { ok: boolean; errors: { message: string }[] };
      expect(report.ok).toBe(false);
      expect(report.errors[0].message).toMatch(/internal to the engine/);
      expect(result.stdout).not.toContain('root:');
    }
  });
});

describe('nesting without end', () => {
  it('graph params nested 5,000 deep: 400 naming the node, at every door; the server keeps answering', async () => {
    const graphWith = (extra: string) =>
      `{"version":1,"name":"deep","nodes":[{"id":"data","type":"dataset.sample","typeVersion":1,"position":{"x":0,"y":0},"params":{"extra":${extra}}}],"edges":[]}`;
    const created = await server.fetch('/api/trpc/graphs.create', { method: 'POST', body: `{"graph":${graphWith(nestedJson(5000))}}`, headers: { 'content-type': 'application/json' } });
    const createdText = await created.text();
    expect(created.status).toBe(400);
    expect(JSON.parse(createdText).error.message).toMatch(/graph\.nodes\.0\.params: params nest deeper than 16 levels/);
    // A query travels in the URL: 1,500 levels of lists fit under Node's header limit.
    const checked = await server.fetch(`/api/trpc/graphs.check?input=${encodeURIComponent(`{"graph":${graphWith(`${'['.repeat(1500)}${']'.repeat(1500)}`)}}`)}`);
    expect(checked.status).toBe(400);
    expectPlain(createdText + (await checked.text()), 'deep params');
    expect((await server.query('graphs.list')).status).toBe(200);
  });
});

describe('the predict route', () => {
  const predictUrl = () => '/api/v1/models/iris/predict';
  const ROW = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };
  const predict = async (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const response = await server.fetch(predictUrl(), { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    expect((await runGraph(server, irisGraph())).status).toBe('succeeded');
    expect((await predict(JSON.stringify({ rows: [ROW] }))).status).toBe(200);
  });

  it('a 50 MB body is refused with 413 naming the limit, declared or streamed, and the server stays responsive', async () => {
    const declared = predict(Buffer.alloc(50 * 2 ** 20, 0x20));
    const meanwhile = server.fetch('/api/v1/models/iris').then((r) => r.status);
    const answer = await declared;
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.message).toBe('The request body is larger than the limit of 10 MB (PIPELOOM_MAX_PREDICT_MB).');
    expect(await meanwhile).toBe(200);

    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 50 * 2 ** 20) return controller.close();
        sent += 2 ** 20;
        controller.enqueue(new Uint8Array(2 ** 20).fill(0x20));
      },
    });
    expect((await predict(stream)).status).toBe(413);
    expect((await predict(JSON.stringify({ rows: [ROW] }))).status).toBe(200);
  });

  it('a bad value is echoed at most ~100 characters, whatever its size', async () => {
    const answer = await predict(JSON.stringify({ rows: [{ ...ROW, sepal_length_cm: 'x'.repeat(5 * 2 ** 20) }] }));
    expect(answer.status).toBe(400);
    expect(answer.text.length).toBeLessThan(600);
    expect(JSON.parse(answer.text).error).toMatchObject({ field: 'sepal_length_cm', message: expect.stringContaining('(5242880 characters)') });
  });

  it('non-finite inputs and answers: 400 naming the row, never null probabilities', async () => {
    const huge = await predict(JSON.stringify({ rows: [ROW, { sepal_length_cm: 1e308, sepal_width_cm: 1e308, petal_length_cm: -1e308, petal_width_cm: 1e308 }] }));
    expect(huge.status).toBe(400);
    expect(JSON.parse(huge.text).error).toMatchObject({ field: 'rows[1]', message: expect.stringContaining('finite') });
    const infinite = await predict(`{"rows":[{"sepal_length_cm":1e999,"sepal_width_cm":3.5,"petal_length_cm":1.4,"petal_width_cm":0.2}]}`);
    expect(infinite.status).toBe(400);
    expect(infinite.text).not.toContain('null');
  });

  it('a value nested 100,000 deep, and JSON that is not JSON: 400, plain', async () => {
    const deep = `{"rows":[{"sepal_length_cm":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
    for (const body of [deep, '{"rows":[', 'null', '[]', '{"rows":"x"}']) {
      const answer = await predict(body);
      expect(answer.status, body.slice(0, 30)).toBe(400);
      expectPlain(answer.text, body.slice(0, 30));
    }
    expect((await predict(JSON.stringify({ rows: [ROW] }))).status).toBe(200);
  });
});

describe('download names', () => {
  it('a dataset named with non-Latin-1 characters, CR/LF or NUL downloads with a valid Content-Disposition (no 500, no injected header)', async () => {
    for (const name of ['Übersicht — 数据.csv', 'evil\r\nSet-Cookie: session=1.csv', 'nul\u0000name.csv']) {
      const upload = await server.fetch(`/api/v1/datasets?filename=${encodeURIComponent(name)}`, { method: 'POST', body: `a,b\n1,${name.length}\n` });
      expect(upload.status, name).toBe(201);
      const { dataset } = (await upload.json()) as { dataset: { id: string } };
      const download = await server.fetch(`/api/v1/datasets/${dataset.id}/csv`);
      expect(download.status, name).toBe(200);
      expect(download.headers.get('set-cookie')).toBeNull();
      const disposition = download.headers.get('content-disposition')!;
      expect(decodeURIComponent(disposition.match(/filename\*=UTF-8''(.+)$/)![1])).toBe(`${name.replace(/\p{Cc}/gu, '').replace(/\.csv$/, '')}.csv`);
      expect(await download.text()).toContain('a,b');
    }
  });
});

/** A workbook whose cells carry no references (valid OOXML; exceljs's reader fails inside on it). */
function workbookWithoutCellReferences(): Buffer {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>';
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const pkg = 'http://schemas.openxmlformats.org/package/2006';
  const cells = (values: string[]) => values.map((v) => `<c><v>${v}</v></c>`).join('');
  return makeZip([
    {
      name: '[Content_Types].xml',
      data: `${xml}<Types xmlns="${pkg}/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    },
    { name: '_rels/.rels', data: `${xml}<Relationships xmlns="${pkg}/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>` },
    { name: 'xl/workbook.xml', data: `${xml}<workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>` },
    { name: 'xl/_rels/workbook.xml.rels', data: `${xml}<Relationships xmlns="${pkg}/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>` },
    { name: 'xl/worksheets/sheet1.xml', data: `${xml}<worksheet xmlns="${main}"><sheetData><row>${cells(['1', '2'])}</row><row>${cells(['3', '4'])}</row></sheetData></worksheet>` },
  ]);
}

describe('upload errors', () => {
  it('a sheet without cell references: 422 in plain words, no internal TypeError text, nothing stored', async () => {
    const before = JSON.stringify((await server.query('datasets.list')).body);
    const response = await server.fetch('/api/v1/datasets?filename=noref.xlsx', { method: 'POST', body: new Uint8Array(workbookWithoutCellReferences()) });
    const text = await response.text();
    expect(response.status).toBe(422);
    expect(JSON.parse(text).error.message).toMatch(/^The workbook cannot be read: its sheet is not laid out the way Excel writes one/);
    expect(text).not.toMatch(/Cannot read properties|undefined/);
    expectPlain(text, 'xlsx');
    expect(JSON.stringify((await server.query('datasets.list')).body)).toBe(before);
  });
});

describe('amplification and echoes', () => {
  it('a batch of more procedures than the limit is refused with 400 before any runs; a batch within it works', async () => {
    const paths = (n: number) => Array.from({ length: n }, () => 'catalog.list').join(',');
    const over = await server.fetch(`/api/trpc/${paths(MAX_TRPC_BATCH + 1)}?batch=1`);
    expect(over.status).toBe(400);
    expectPlain(await over.text(), 'batch');
    const within = await server.fetch(`/api/trpc/${paths(2)}?batch=1`);
    expect(within.status).toBe(200);
  });

  it("an unknown procedure's long path is quoted at most 500 characters; a long port name or param text is refused by the graph schema", async () => {
    const unknown = await server.query(`nope.${'A'.repeat(2000)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.message.length).toBeLessThanOrEqual(501);
    const graph = irisGraph();
    graph.edges[0].sourceHandle = 'X'.repeat(5000);
    const handle = await server.mutate('graphs.create', { graph });
    expect(handle.status).toBe(400);
    expect(handle.text.length).toBeLessThan(2000);
    const longParam = await server.mutate('graphs.create', { graph: { ...irisGraph(), nodes: [node('sort', 'cleaning.sort', { column: 'c'.repeat(20_000) })] } });
    expect(longParam.status).toBe(400);
    expect(longParam.body.error!.message).toMatch(/longer than 10000 characters/);
  });

  it('a step CSV download for a node id with a "%" answers 404 in plain words, not 500', async () => {
    // A run the owner may download from, so that the node id is read (a run of nothing stops at 404 before it).
    const iris = irisGraph();
    const { runId, status } = await runGraph(server, { ...iris, nodes: iris.nodes.filter((n) => n.id !== 'deploy'), edges: iris.edges.filter((e) => e.target !== 'deploy') });
    expect(status).toBe('succeeded');
    expect((await server.fetch(`/api/v1/runs/${runId}/steps/data/csv`)).status).toBe(200);
    const response = await server.fetch(`/api/v1/runs/${runId}/steps/100%25/csv`);
    expect(response.status).toBe(404);
    expectPlain(await response.text(), 'percent node id');
  });
});

describe('the same payloads without a session', () => {
  it('are refused with 401 before anything reads them, plainly, and nothing is stored', async () => {
    const graphsBefore = JSON.stringify((await server.query('graphs.list')).body);
    const datasetsBefore = JSON.stringify((await server.query('datasets.list')).body);
    const anonymous = server.anonymous;
    const answers = [
      await anonymous.query('graphs.check', { graph: passwdGraph() }),
      await anonymous.mutate('graphs.create', { graph: passwdGraph() }),
      await anonymous.fetch('/api/trpc/graphs.create', { method: 'POST', body: `{"graph":${nestedJson(5000)}}`, headers: { 'content-type': 'application/json' } }).then(async (r) => ({ status: r.status, text: await r.text() })),
      await anonymous.fetch('/api/v1/datasets?filename=noref.xlsx', { method: 'POST', body: new Uint8Array(workbookWithoutCellReferences()) }).then(async (r) => ({ status: r.status, text: await r.text() })),
      await anonymous
        .fetch('/api/v1/models/iris/predict', { method: 'POST', body: Buffer.alloc(20 * 2 ** 20, 0x20), headers: { 'content-type': 'application/json' } })
        .then(async (r) => ({ status: r.status, text: await r.text() })),
    ];
    for (const [i, answer] of answers.entries()) {
      expect(answer.status, `payload ${i}`).toBe(401);
      // A deployment says how to call it without a session: with an API key.
      expect(JSON.parse(answer.text).error.message, `payload ${i}`).toMatch(i === 4 ? /Authorization: Bearer <key>/ : /Sign in/);
      expectPlain(answer.text, `anonymous payload ${i}`);
    }
    expect(JSON.stringify((await server.query('graphs.list')).body)).toBe(graphsBefore);
    expect(JSON.stringify((await server.query('datasets.list')).body)).toBe(datasetsBefore);
  });
});
