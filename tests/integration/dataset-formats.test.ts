/** Excel and image-ZIP uploads end to end: the streaming route, ingest on a worker, storage, rows, use in a pipeline. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageShape } from '../../lib/image';
import type { ColumnSchema } from '../../lib/table';
import { greyImage, solidImage } from '../support/images';
import { edge, node } from '../support/pipeloom';
import { useTestServer } from '../support/server';
import { makeZip } from '../support/zip';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';
import { ownerRequest } from '../support/accounts';

const server = useTestServer('dataset-formats', 1);
let uploadRoute: typeof import('../../app/api/v1/datasets/route');

beforeAll(async () => {
  uploadRoute = await import('../../app/api/v1/datasets/route');
});

async function upload(body: Uint8Array | string, query: Record<string, string>) {
  const params = new URLSearchParams(query);
  const response = await uploadRoute.POST(await ownerRequest(`http://localhost/api/v1/datasets?${params}`, { method: 'POST', body, duplex: 'half' } as RequestInit));
  return { status: response.status, body: await response.json() };
}

const typesOf = (columns: ColumnSchema[]) => columns.map((c) => `${c.name}:${c.type}`);
const stored = async () => (await server.caller.datasets.list()).datasets.length;
const uploadsLeft = () => readdirSync(path.join(server.dataDir, 'artifacts', 'uploads'));

async function workbook(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Orders');
  ws.addRow(['customer', 'ordered', 'total', 'express', 'net', 'comment']);
  ws.addRow(['Ann', new Date(Date.UTC(2024, 2, 1)), 12.5, true, { formula: 'C2/1.25', result: 10 }, 'NA']);
  ws.addRow(['Bob', new Date(Date.UTC(2024, 2, 2)), 8, false, { formula: 'C3/1.25', result: 6.4 }, { error: '#N/A' }]);
  ws.addRow(['Cy', new Date(Date.UTC(2024, 2, 3)), 20, true, { formula: 'C4/1.25', result: 16 }, 'late']);
  ws.getCell('H3').value = 'stray';
  const other = wb.addWorksheet('Prices');
  other.addRow(['item', 'price']);
  other.addRow(['tea', 2]);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('Excel uploads', () => {
  it('reads the first sheet on a worker: types from exceljs cells and the CSV inference, a stray row reported by its number', async () => {
    const { status, body } = await upload(await workbook(), { filename: 'orders.xlsx' });
    expect(status).toBe(201);
    const { dataset } = body;
    expect(dataset.name).toBe('orders');
    expect(dataset.rowCount).toBe(2);
    expect(typesOf(dataset.columns)).toEqual(['customer:category', 'ordered:date', 'total:number', 'express:boolean', 'net:number', 'comment:category']);
    expect(dataset.report).toMatchObject({ format: 'xlsx', sheet: 'Orders', sheets: ['Orders', 'Prices'], skippedRows: 1 });
    expect(dataset.report.problems).toEqual([expect.objectContaining({ line: 3, kind: 'outside-table', message: expect.stringContaining('Row 3: a value in column H') })]);
    const { rows } = await server.caller.datasets.rows({ id: dataset.id, offset: 0, limit: 5 });
    expect(rows).toEqual([
      { customer: 'Ann', ordered: '2024-03-01', total: 12.5, express: true, net: 10, comment: null },
      { customer: 'Cy', ordered: '2024-03-03', total: 20, express: true, net: 16, comment: 'late' },
    ]);
    expect(uploadsLeft()).toEqual([]);
  });

  it('?sheet= picks another sheet; an unknown sheet, a renamed CSV and an .xls are plain 422s that store nothing', async () => {
    const bytes = await workbook();
    const prices = await upload(bytes, { filename: 'orders.xlsx', sheet: 'Prices' });
    expect(prices.status).toBe(201);
    expect(prices.body.dataset.report.sheet).toBe('Prices');
    expect((await server.caller.datasets.rows({ id: prices.body.dataset.id, offset: 0, limit: 5 })).rows).toEqual([{ item: 'tea', price: 2 }]);
    const before = await stored();
    const missing = await upload(bytes, { filename: 'orders.xlsx', sheet: 'Costs' });
    expect(missing).toEqual({ status: 422, body: { error: { message: 'The workbook has no sheet named "Costs". Its sheets are: "Orders", "Prices".' } } });
    const renamed = await upload('name,age\nann,31\n', { filename: 'people.xlsx' });
    expect(renamed.status).toBe(422);
    expect(renamed.body.error.message).toContain('like a CSV file renamed to .xlsx');
    const xls = await upload(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(100).fill(0)]), { filename: 'old.xls' });
    expect(xls.status).toBe(422);
    expect(xls.body.error.message).toContain('old-style Excel file (.xls');
    expect(await stored()).toBe(before);
    expect(uploadsLeft()).toEqual([]);
  });
});

describe('image ZIP uploads', () => {
  let zip: Buffer;
  beforeAll(async () => {
    const dark = await greyImage(4, 4, 40);
    const light = await greyImage(4, 4, 220, 'jpeg');
    zip = makeZip([
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => ({ name: `shapes/dark/${n}.png`, data: dark, deflate: i % 2 === 0 })),
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((n) => ({ name: `shapes/light/${n}.jpg`, data: light })),
      { name: 'shapes/light/broken.jpg', data: light.subarray(0, light.length - 40) },
      { name: 'shapes/dark/notes.txt', data: 'drawn by hand' },
      { name: 'shapes/orange/tile.png', data: await solidImage(4, 4, { r: 255, g: 128, b: 0 }) },
    ]);
  });

  it('grey 8x8: file (text) first, px_<row>_<col> with the resized pixel values, label last; broken files reported by name', async () => {
    const { status, body } = await upload(zip, { filename: 'shapes.zip', imageSize: '8' });
    expect(status).toBe(201);
    const { dataset } = body;
    expect(dataset.name).toBe('shapes');
    expect(dataset.rowCount).toBe(13);
    expect(dataset.columns[0]).toMatchObject({ name: 'file', type: 'text' });
    expect(dataset.columns.at(-1)).toMatchObject({ name: 'label', type: 'category', distinct: 3 });
    expect(imageShape(dataset.columns)).toMatchObject({ height: 8, width: 8, channels: 1 });
    expect(dataset.columns).toHaveLength(66);
    expect(dataset.report).toMatchObject({ format: 'images', skippedRows: 2, images: { size: 8, colour: 'grey', fit: 'cover' } });
    expect(dataset.report.images.classes).toEqual([
      { name: 'dark', count: 6 },
      { name: 'light', count: 6 },
      { name: 'orange', count: 1 },
    ]);
    expect(dataset.report.problems.map((p: { file: string; kind: string }) => [p.file, p.kind])).toEqual([
      ['shapes/dark/notes.txt', 'not-image'],
      ['shapes/light/broken.jpg', 'decode'],
    ]);
    const { rows } = await server.caller.datasets.rows({ id: dataset.id, offset: 0, limit: 20 });
    expect(rows[0]).toMatchObject({ file: 'shapes/dark/a.png', label: 'dark', px_0_0: 40, px_7_7: 40, px_3_5: 40 });
    const light = rows.find((r) => r.file === 'shapes/light/a.jpg')!;
    expect(Math.abs((light.px_4_4 as number) - 220)).toBeLessThanOrEqual(2);
    expect(uploadsLeft()).toEqual([]);
  });

  it('rgb: px_<row>_<col>_<channel>, red green blue', async () => {
    const { status, body } = await upload(zip, { filename: 'shapes.zip', imageSize: '4', colour: 'rgb', fit: 'contain' });
    expect(status).toBe(201);
    expect(imageShape(body.dataset.columns)).toMatchObject({ height: 4, width: 4, channels: 3 });
    const { rows } = await server.caller.datasets.rows({ id: body.dataset.id, offset: 0, limit: 20 });
    expect(rows.find((r) => r.label === 'orange')).toMatchObject({ px_0_0_0: 255, px_0_0_1: 128, px_0_0_2: 0, px_3_3_0: 255 });
  });

  it('one class, a CSV named .zip, a bad image size: plain messages, nothing stored', async () => {
    const before = await stored();
    const one = await upload(makeZip([{ name: 'cats/a.png', data: await greyImage(2, 2, 9) }]), { filename: 'cats.zip' });
    expect(one).toEqual({ status: 422, body: { error: { message: 'The ZIP has only one class folder ("cats"). A classifier needs at least two classes: add one folder per class.' } } });
    const csv = await upload('a,b\n1,2\n', { filename: 'data.zip' });
    expect(csv.status).toBe(422);
    expect(csv.body.error.message).toContain('not a ZIP archive');
    const size = await upload(zip, { filename: 'shapes.zip', imageSize: '500' });
    expect(size).toEqual({ status: 400, body: { error: { message: 'Upload options: imageSize: at most 64 pixels' } } });
    expect(await stored()).toBe(before);
    expect(uploadsLeft()).toEqual([]);
  });

  it('a pipeline trains on the images once the file column is dropped (compile names it before)', async () => {
    const { body } = await upload(zip, { filename: 'shapes.zip', imageSize: '8' });
    expect(body.existing).toBe(true);
    const graph = {
      version: 1 as const,
      name: 'shapes',
      nodes: [
        node('data', 'dataset.uploaded', { dataset: body.dataset.id }),
        node('select', 'cleaning.select-columns', { mode: 'drop', columns: ['file'] }),
        node('split', 'split.train-test', { target: 'label', testFraction: 0.25, validationFraction: 0 }),
        node('model', 'model.logistic-regression'),
        node('train', 'train.train', { epochs: 5 }),
      ],
      edges: [
        edge('data', 'table', 'select', 'table'),
        edge('select', 'table', 'split', 'table'),
        edge('split', 'split', 'train', 'split'),
        edge('model', 'model', 'train', 'model'),
      ],
    };
    const engine = server.instance.getEngine();
    const unselected = engine.compile({ ...graph, nodes: graph.nodes.map((n) => (n.id === 'select' ? { ...n, params: { mode: 'drop', columns: [] } } : n)) }, FIRST_WORKSPACE_ID);
    expect(unselected.errors.map((e) => e.message).join(' ')).toContain('"file"');
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('succeeded');
  });
});
