/**
 * Amplifying uploads through the real route and a real worker, with PIPELOOM_MAX_UPLOAD_MB=3: a
 * small workbook holding one huge cell, a CSV with a cell over 1 MB. Each is refused with a plain
 * message naming where, nothing is stored, and listing datasets never reads schemas or statistics.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../support/server';
import { ownerRequest } from '../support/accounts';

process.env.PIPELOOM_MAX_UPLOAD_MB = '3';
const server = useTestServer('upload-limits', 1);
let uploadRoute: typeof import('../../app/api/v1/datasets/route');

beforeAll(async () => {
  uploadRoute = await import('../../app/api/v1/datasets/route');
});

async function upload(body: Uint8Array | string, fileName: string) {
  const params = new URLSearchParams({ filename: fileName });
  const response = await uploadRoute.POST(await ownerRequest(`http://localhost/api/v1/datasets?${params}`, { method: 'POST', body, duplex: 'half' } as RequestInit));
  return { status: response.status, body: (await response.json()) as { error?: { message: string }; dataset?: { id: string } } };
}

async function workbook(rows: unknown[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Notes');
  for (const row of rows) ws.addRow(row);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const MB = 2 ** 20;
const artifacts = () => path.join(server.dataDir, 'artifacts');
/** Everything an upload could have left: stored tables, half-written artifacts, waiting uploads. */
function leftovers(): string[] {
  const top = readdirSync(artifacts()).filter((n) => n.startsWith('dataset-') || n.startsWith('.tmp-'));
  return [...top, ...readdirSync(path.join(artifacts(), 'uploads'))];
}

describe('uploads are bounded by what they become', () => {
  it('a 57 KB workbook whose one cell unpacks to 50 MB is refused before it is parsed; nothing is stored', async () => {
    const book = await workbook([['id', 'notes'], [1, 'n'.repeat(50 * MB)]]);
    expect(book.length).toBeLessThan(100_000);
    const { status, body } = await upload(book, 'huge-cell.xlsx');
    expect(status).toBe(422);
    expect(body.error?.message).toBe(
      "The workbook's shared text unpacks to 50 MB; a 56 KB file (at most 16 cells per byte of it, or a million, and one per byte of the 3 MB PIPELOOM_MAX_UPLOAD_MB) may unpack to at most 7.6 MB. Nothing was imported.",
    );
    expect((await server.caller.datasets.list()).datasets).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a workbook cell over 1 MB is refused naming its row and column', async () => {
    const book = await workbook([['id', 'notes'], [1, 'fine'], [2, 'm'.repeat(2 * MB)]]);
    const { status, body } = await upload(book, 'long-cell.xlsx');
    expect(status).toBe(422);
    expect(body.error?.message).toBe('Row 3, column B ("notes"): the cell holds more than 1 MB of text; a cell may hold at most 1 MB. Nothing was imported.');
    expect((await server.caller.datasets.list()).datasets).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a CSV cell over 1 MB is refused naming its line and column', async () => {
    const csv = `id,notes\n1,short\n2,"${'c'.repeat(2.5 * MB)}"\n3,short\n`;
    const { status, body } = await upload(csv, 'long-cell.csv');
    expect(status).toBe(422);
    expect(body.error?.message).toBe('Line 3, column "notes": the cell holds more than 1 MB of text; a cell may hold at most 1 MB. Nothing was imported.');
    expect((await server.caller.datasets.list()).datasets).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a wide table with long texts is stored with small statistics, and the list carries no schema or statistics', async () => {
    // 1,500 columns of 40 distinct 30-character values, and a column of 900-character stories.
    const cell = (row: number, column: number) => `${column}-${row}-`.padEnd(30, 'x');
    const lines = [[...Array.from({ length: 1500 }, (_, c) => `col${c}`), 'story'].join(',')];
    for (let r = 0; r < 40; r++) lines.push([...Array.from({ length: 1500 }, (_, c) => cell(r, c)), `${r} ${'word '.repeat(180)}`].join(','));
    const csv = lines.join('\n');
    expect(csv.length).toBeLessThan(3 * MB);
    const { status, body } = await upload(csv, 'wide.csv');
    expect(status, body.error?.message).toBe(201);
    const id = body.dataset!.id;

    const detail = await server.caller.datasets.get({ id });
    expect(detail.columns).toHaveLength(1501);
    const story = detail.stats.find((s) => s.name === 'story')!;
    expect(story.top!.length).toBeLessThanOrEqual(50);
    for (const top of story.top!) expect(top.value.length).toBeLessThanOrEqual(200);

    const { getDb } = server.db;
    const sizes = getDb().$client.prepare('select length(stats) as stats, length(columns) as columns from dataset_details where dataset_id = ?').get(id) as { stats: number; columns: number };
    expect(sizes.stats).toBeGreaterThan(100_000);

    // The list reads the datasets table only: a few small fields per dataset, whatever the details weigh.
    const started = performance.now();
    const list = await server.caller.datasets.list();
    const listMs = performance.now() - started;
    expect(list.datasets).toEqual([expect.objectContaining({ id, columnCount: 1501, rowCount: 40 })]);
    expect(Object.keys(list.datasets[0]).sort()).toEqual(['columnCount', 'createdAt', 'fileName', 'id', 'name', 'rowCount', 'sourceBytes', 'storedBytes']);
    expect(JSON.stringify(list).length).toBeLessThan(500);
    expect(listMs).toBeLessThan(50);
  });
});
