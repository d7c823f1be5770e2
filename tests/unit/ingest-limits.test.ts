/** What an upload may become: 1 MB per cell (named by row and column), and cells and parsed size within the limit derived from the upload limit. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnStats, TOP_VALUE_CHARS } from '../../lib/stats';
import { ingestCsvBytes } from '../../runtime/ingest/delimited';
import { MAX_CELL_BYTES } from '../../runtime/ingest/limits';
import { ingestUploadFile } from '../../runtime/ingest/file';
import { columnLetter } from '../../runtime/ingest/xlsx';
import { ingestRefusal } from '../support/ingest';
import { makeZip } from '../support/zip';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-limits-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, `${n++}-${name}`);
  writeFileSync(p, content);
  return p;
}

async function workbook(rows: unknown[][]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Data');
  for (const row of rows) ws.addRow(row);
  const p = path.join(dir, `${n++}-book.xlsx`);
  await wb.xlsx.writeFile(p);
  return p;
}

const MB = 2 ** 20;
const big = 'x'.repeat(MAX_CELL_BYTES + 1);

describe('one cell holds at most 1 MB', () => {
  it('CSV: an unquoted and a quoted cell over 1 MB are refused, naming the line and the column', () => {
    const unquoted = Buffer.from(`id,notes\n1,short\n2,${big}\n`);
    expect(() => ingestCsvBytes(unquoted, { maxBytes: Infinity })).toThrow(/^Line 3, column "notes": the cell holds more than 1 MB of text; a cell may hold at most 1 MB/);
    const quoted = Buffer.from(`id,notes\n1,"${big}"\n`);
    expect(() => ingestCsvBytes(quoted, { maxBytes: Infinity })).toThrow(/^Line 2, column "notes": the cell/);
    const noHeader = Buffer.from(`1,2,${big}\n`);
    expect(() => ingestCsvBytes(noHeader, { header: false, maxBytes: Infinity })).toThrow(/^Line 1, column 3: the cell/);
  });

  it('CSV: a cell of exactly 1 MB is read', () => {
    const exact = 'y'.repeat(MAX_CELL_BYTES);
    const result = ingestCsvBytes(Buffer.from(`a,b\n1,${exact}\n2,z\n`), { maxBytes: Infinity });
    expect(result.rowCount).toBe(2);
  });

  it('Excel: a cell over 1 MB is refused with its row number and column letter and name', async () => {
    const book = await workbook([
      ['id', 'notes'],
      [1, 'fine'],
      [2, big],
    ]);
    const error = await ingestRefusal(ingestUploadFile(book, 'book.xlsx', { maxBytes: 200 * MB }));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/^Row 3, column B \("notes"\): the cell holds more than 1 MB/);
  });

  it('JSON: a value over 1 MB is refused, naming the record and the key', async () => {
    const json = file('records.json', JSON.stringify([{ id: 1, notes: 'ok' }, { id: 2, notes: big }]));
    const error = await ingestRefusal(ingestUploadFile(json, 'records.json', { maxBytes: 200 * MB }));
    expect(error.message).toMatch(/^Record 2, "notes": the cell holds more than 1 MB/);
  });
});

describe('a small file cannot become a huge table', () => {
  it('Excel: a workbook whose shared text unpacks past what its size and the upload limit allow is refused before it is parsed', async () => {
    // 20 MB of one repeated letter compresses to a few KB.
    const book = await workbook([['notes'], ['z'.repeat(20 * MB)]]);
    const error = await ingestRefusal(ingestUploadFile(book, 'book.xlsx', { maxBytes: 1 * MB }));
    expect(error.message).toMatch(/^The workbook's shared text unpacks to 20 MB; a \d+ KB file \(at most 16 cells per byte of it, or a million, and one per byte of the 1 MB PIPELOOM_MAX_UPLOAD_MB\) may unpack to at most 7.6 MB/);
  });

  it('Excel: a sheet that unpacks to more cells than the upload limit allows is refused while it is read', async () => {
    // The same row of 200 cells, 2,000 times: 400,000 cells in a workbook of about 100 KB.
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const row = (r: number) => `<row r="${r}">${Array.from({ length: 200 }, (_, i) => `<c r="${columnLetter(i + 1)}${r}"><v>1</v></c>`).join('')}</row>`;
    const book = file(
      'bomb.xlsx',
      makeZip([
        { name: 'xl/worksheets/sheet1.xml', deflate: true, data: `<worksheet ${ns}><sheetData>${row(1)}${row(2).repeat(2000)}</sheetData></worksheet>` },
        { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' },
        { name: 'xl/workbook.xml', data: `<workbook ${ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>` },
      ]),
    );
    expect(statSync(book).size).toBeLessThan(150_000);
    const error = await ingestRefusal(ingestUploadFile(book, 'bomb.xlsx', { maxBytes: 150_000 }));
    expect(error.message).toMatch(/^The sheet "Data" holds more than 150,000 cells \(by row 2\)/);
  });

  it('JSON: records with many different keys are refused before they become rows × columns', async () => {
    const records = Array.from({ length: 400 }, (_, i) => ({ [`key${i}`]: 1 }));
    const json = file('sparse.json', JSON.stringify(records));
    const error = await ingestRefusal(ingestUploadFile(json, 'sparse.json', { maxBytes: 100_000 }));
    expect(error.message).toMatch(/^The records would make 160,000 cells \(400 records × 400 different keys\)/);
  });

  it('JSON: a small file cannot become a huge table within a large upload limit (6,000 one-key records: 36 million cells from 71 KB)', async () => {
    const records = Array.from({ length: 6000 }, (_, i) => ({ [`c${i}`]: 1 }));
    const json = file('sparse6k.json', JSON.stringify(records));
    const error = await ingestRefusal(ingestUploadFile(json, 'sparse6k.json', { maxBytes: 200 * MB }));
    expect(error.message).toMatch(/^The records would make 36,000,000 cells \(6,000 records × 6,000 different keys\); a \d+ KB file .* may become at most 1,134,256\. Nothing was imported\.$/);
  });

  it('any format: the parsed table is checked against the limits at the end', async () => {
    // 5,000 rows × 2 number columns, 40,002 bytes of CSV: fine for a 40 KB limit...
    const csv = `a,b\n${'1,2\n'.repeat(5000)}`;
    const ok = await ingestUploadFile(file('n.csv', csv), 'n.csv', { maxBytes: 40_000 });
    expect(ok.table.rowCount).toBe(5000);
    // ...and a CSV always passes when it fits the upload limit; a smaller limit refuses the file itself.
    const refused = await ingestRefusal(ingestUploadFile(file('n.csv', csv), 'n.csv', { maxBytes: 20_000 }));
    expect(refused.code).toBe('too-large');
  });
});

describe('statistics stay small', () => {
  it('top values are cut to 200 characters', () => {
    const long = 'a'.repeat(5000);
    const stats = columnStats({ name: 'k', type: 'text', codes: new Int32Array([0, 0, 1]), categories: [long, 'b'] });
    expect(stats.top).toHaveLength(2);
    expect(stats.top![0].value).toHaveLength(TOP_VALUE_CHARS);
    expect(stats.top![0].value.endsWith('…')).toBe(true);
    expect(stats.top![1].value).toBe('b');
    expect(JSON.stringify(stats).length).toBeLessThan(500);
  });
});
