import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableRows } from '../../lib/table';
import { columnLetter, ingestXlsxFile, type XlsxOptions } from '../../runtime/ingest/xlsx';
import { ingestRefusal } from '../support/ingest';
import { makeZip } from '../support/zip';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-xlsx-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a workbook built by `build` and returns its path. */
async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const p = path.join(dir, `w${n++}.xlsx`);
  await wb.xlsx.writeFile(p);
  return p;
}

const refusal = (file: string, options?: XlsxOptions) => ingestRefusal(ingestXlsxFile(file, options));

const day = (y: number, m: number, d: number, h = 0, min = 0) => new Date(Date.UTC(y, m - 1, d, h, min));

/** A sheet of every kind of cell: the first sheet is hidden, so "Sales" is the default. */
async function salesWorkbook(): Promise<string> {
  return workbook((wb) => {
    const secret = wb.addWorksheet('Secret');
    secret.state = 'hidden';
    secret.addRow(['x']);
    secret.addRow([1]);
    const ws = wb.addWorksheet('Sales');
    ws.addRow(['region', 'when', 'amount', 'paid', 'double', 'ratio', 'note', 'due', 'code']);
    ws.addRow(['North', day(2024, 1, 2), 10.5, true, { formula: 'C2*2', result: 21 }, { error: '#DIV/0!' }, { richText: [{ text: 'big ' }, { font: { bold: true }, text: 'deal' }] }, { formula: 'B2+30', result: 45323 }, 'NA']);
    ws.addRow(['South', day(2024, 1, 3, 12, 30), -2, false, { formula: 'C3*2', result: -4 }, 0.5, 'has, comma and "quotes"\nand a newline', { formula: 'B3+30', result: 45324 }, 7]);
    ws.addRow([]);
    ws.addRow(['North', day(2024, 2, 1), 3, true, { formula: 'C5*2', result: 6 }, { formula: '1/0', result: { error: '#DIV/0!' } }, null, null, 8]);
    ws.getColumn(8).numFmt = 'yyyy-mm-dd';
    wb.addWorksheet('Empty');
    const other = wb.addWorksheet('Other');
    other.addRow(['id', 'name']);
    other.addRow([1, 'one']);
  });
}

describe('ingestXlsxFile', () => {
  it('reads the first visible sheet with cells typed by exceljs, then the CSV type inference and missing markers', async () => {
    const file = await salesWorkbook();
    // Temporary files (ours and exceljs's) go to a folder of this test's own, to see that none stay.
    const temp = path.join(dir, `tmp${n++}`);
    mkdirSync(temp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temp;
    const r = await ingestXlsxFile(file).finally(() => (saved === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = saved)));
    expect(readdirSync(temp)).toEqual([]);
    expect(r).toMatchObject({ sheet: 'Sales', sheets: ['Secret', 'Sales', 'Empty', 'Other'], rowCount: 3, header: true, problems: [], skippedRows: 0 });
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'region:category',
      'when:date',
      'amount:number',
      'paid:boolean',
      'double:number',
      'ratio:number',
      'note:category',
      'due:date',
      'code:number',
    ]);
    expect(tableRows(r.table)).toEqual([
      { region: 'North', when: '2024-01-02', amount: 10.5, paid: true, double: 21, ratio: null, note: 'big deal', due: '2024-02-01', code: null },
      { region: 'South', when: '2024-01-03T12:30:00.000Z', amount: -2, paid: false, double: -4, ratio: 0.5, note: 'has, comma and "quotes"\nand a newline', due: '2024-02-02', code: 7 },
      { region: 'North', when: '2024-02-01', amount: 3, paid: true, double: 6, ratio: null, note: null, due: null, code: 8 },
    ]);
  });

  it('another sheet by name (upper/lower case forgiven); an unknown name lists the sheets', async () => {
    const file = await salesWorkbook();
    const r = await ingestXlsxFile(file, { sheet: 'other' });
    expect(r.sheet).toBe('Other');
    expect(tableRows(r.table)).toEqual([{ id: 1, name: 'one' }]);
    expect((await refusal(file, { sheet: 'Sheet1' })).message).toBe('The workbook has no sheet named "Sheet1". Its sheets are: "Secret", "Sales", "Empty", "Other".');
    expect((await refusal(file, { sheet: 'Empty' })).message).toBe('The sheet "Empty" is empty.');
  });

  it('a table away from A1: leading empty rows and columns are not part of it; a stray value is reported with its row number', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('Data');
      ws.getCell('C3').value = 'x';
      ws.getCell('D3').value = 'y';
      ws.getCell('C4').value = 1;
      ws.getCell('D4').value = 2;
      ws.getCell('C5').value = 3;
      ws.getCell('F5').value = 'stray note';
      ws.getCell('C7').value = 5;
      ws.getCell('D7').value = 6;
    });
    const r = await ingestXlsxFile(file);
    expect(tableRows(r.table)).toEqual([
      { x: 1, y: 2 },
      { x: 5, y: 6 },
    ]);
    expect(r.problems).toEqual([
      { line: 5, kind: 'outside-table', message: 'Row 5: a value in column F lies outside the table (columns C to D, set by the header row); the row is skipped.' },
    ]);
    expect(r.skippedRows).toBe(1);
    const refused = await refusal(file, { badRows: 'refuse' });
    expect(refused.code).toBe('bad-rows');
    expect(refused.message).toContain('Row 5');
  });

  it('without a header row the columns are column_1..N; an empty header cell gets a name too', async () => {
    const build = (wb: ExcelJS.Workbook) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['a', null, 'c']);
      ws.addRow([1, 2, 3]);
    };
    const headed = await ingestXlsxFile(await workbook(build));
    expect(headed.columns.map((c) => c.name)).toEqual(['a', 'column_2', 'c']);
    const bare = await ingestXlsxFile(await workbook(build), { header: false });
    expect(bare.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['column_1:category', 'column_2:number', 'column_3:category']);
    expect(bare.rowCount).toBe(2);
  });

  it('refuses, in plain words: header only, a renamed CSV, an old .xls, a ZIP that is no workbook, an empty file, too large', async () => {
    const headerOnly = await workbook((wb) => wb.addWorksheet('Only').addRow(['a', 'b']));
    expect((await refusal(headerOnly)).message).toBe('The sheet "Only" has a header row but no data rows.');
    const csv = path.join(dir, 'renamed.xlsx');
    writeFileSync(csv, 'name,age\nann,31\n');
    expect((await refusal(csv)).message).toMatch(/^This file is not an Excel workbook: it holds plain text, like a CSV file renamed to \.xlsx/);
    const xls = path.join(dir, 'old.xls');
    writeFileSync(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
    expect((await refusal(xls)).message).toMatch(/old-style Excel file \(\.xls, Excel 97-2003\).*save it as "Excel Workbook \(\.xlsx\)"/);
    const zip = path.join(dir, 'photos.xlsx');
    writeFileSync(zip, makeZip([{ name: 'cat/a.txt', data: 'hello' }]));
    expect((await refusal(zip)).message).toMatch(/^This is a ZIP file but not an Excel workbook/);
    const empty = path.join(dir, 'empty.xlsx');
    writeFileSync(empty, '');
    expect((await refusal(empty)).message).toBe('The file is empty.');
    expect((await refusal(headerOnly, { maxBytes: 10 })).code).toBe('too-large');
    const garbage = path.join(dir, 'garbage.xlsx');
    writeFileSync(garbage, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
    expect((await refusal(garbage)).message).toMatch(/not an Excel workbook|cannot be read/);
  });

  it('a hand-made minimal workbook: no shared strings or styles, inline strings, an absolute part name', async () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const cell = (ref: string, t: string | null, inner: string) => `<c r="${ref}"${t ? ` t="${t}"` : ''}>${inner}</c>`;
    const text = (ref: string, value: string) => cell(ref, 'inlineStr', `<is><t>${value}</t></is>`);
    const file = path.join(dir, 'minimal.xlsx');
    writeFileSync(
      file,
      makeZip([
        { name: 'xl/worksheets/sheet1.xml', deflate: true, data: `<worksheet ${ns}><sheetData>` +
          `<row r="1">${text('A1', 'name')}${text('B1', 'score')}${text('C1', 'ok')}</row>` +
          `<row r="2">${text('A2', 'a &amp; b')}${cell('B2', null, '<v>1.5</v>')}${cell('C2', 'b', '<v>1</v>')}</row>` +
          `<row r="4">${cell('A4', 'str', '<f>A2</f><v>x</v>')}${cell('B4', 'e', '<v>#N/A</v>')}${cell('C4', 'b', '<v>0</v>')}</row>` +
          '</sheetData></worksheet>' },
        { name: 'xl/_rels/workbook.xml.rels', data: '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>' },
        { name: 'xl/workbook.xml', data: `<workbook ${ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Results" sheetId="1" r:id="rId7"/></sheets></workbook>` },
      ]),
    );
    const r = await ingestXlsxFile(file);
    expect(r.sheet).toBe('Results');
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['name:category', 'score:number', 'ok:boolean']);
    expect(tableRows(r.table)).toEqual([
      { name: 'a & b', score: 1.5, ok: true },
      { name: 'x', score: null, ok: false },
    ]);
  });

  it('column letters', () => {
    expect([1, 26, 27, 52, 703].map(columnLetter)).toEqual(['A', 'Z', 'AA', 'AZ', 'AAA']);
  });
});
