/** `pipeloom dataset inspect`: the real binary on files written to a temp dir. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greyImage } from '../support/images';
import { makeZip } from '../support/zip';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'pipeloom.mjs');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-dataset-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pipeloom(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

const european = 'Produkt;Preis;Menge;Datum\r\nÄpfel;1,5;3;2024-01-02\r\nBirnen;-0,25;4;2024-01-03\r\n"Kiwi; grün";2;NA;\r\nkaputt;1\r\nMango;3,75;1;2024-02-01\r\n';

interface InspectJson {
  ok: boolean;
  bytes: number;
  contentHash: string;
  encoding: string;
  delimiter: string;
  decimal: string;
  header: boolean;
  rowCount: number;
  skippedRows: number;
  columns: { name: string; type: string; missing: number; missingFraction: number; examples: string[] }[];
  problems: { line: number; kind: string; message: string }[];
  problemCount: number;
  error?: { code: string; message: string; problems: { line: number }[] };
}

describe('pipeloom dataset inspect', () => {
  it('--json: schema, rows, detected format and problems with lines; exit 0 with skipped rows', async () => {
    const file = write('european.csv', european);
    const r = await pipeloom(['dataset', 'inspect', file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as InspectJson;
    expect(out).toMatchObject({ ok: true, encoding: 'utf-8', delimiter: ';', decimal: ',', header: true, rowCount: 4, skippedRows: 1, problemCount: 1, bytes: Buffer.byteLength(european) });
    expect(out.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['Produkt', 'category', 0],
      ['Preis', 'number', 0],
      ['Menge', 'number', 1],
      ['Datum', 'date', 1],
    ]);
    expect(out.columns[0].examples).toEqual(['Äpfel', 'Birnen', 'Kiwi; grün']);
    expect(out.columns[3].examples).toEqual(['2024-01-02', '2024-01-03', '2024-02-01']);
    expect(out.problems).toEqual([{ line: 5, kind: 'field-count', message: 'Line 5 has 2 fields; the header has 4.' }]);
  });

  it('text output: format, a schema table and the problems', async () => {
    const file = write('european-text.csv', european);
    const r = await pipeloom(['dataset', 'inspect', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Read as UTF-8, delimiter ';', decimal ',', header row.");
    expect(r.stdout).toContain('4 rows, 4 columns.');
    expect(r.stdout).toMatch(/^COLUMN\s+TYPE\s+MISSING\s+EXAMPLES$/m);
    expect(r.stdout).toMatch(/^Menge\s+number\s+25%\s+3, 4, 1$/m);
    expect(r.stdout).toContain('1 row skipped');
    expect(r.stdout).toContain('  Line 5 has 2 fields; the header has 4.');
  });

  it('options: --delimiter, --decimal, --no-header, --encoding', async () => {
    const file = write('plain.txt', Buffer.from([...Buffer.from('1|2,5|caf'), 0xe9, ...Buffer.from('\n3|4|x\n')]));
    const r = await pipeloom(['dataset', 'inspect', file, '--json', '--delimiter', 'pipe', '--decimal=,', '--no-header', '--encoding', 'latin1']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as InspectJson;
    expect(out).toMatchObject({ delimiter: '|', decimal: ',', header: false, encoding: 'latin1', rowCount: 2 });
    expect(out.columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'column_3']);
    expect(out.columns[1].examples).toEqual(['2.5', '4']);
    expect(out.columns[2].examples).toEqual(['café', 'x']);
  });

  it('--bad-rows refuse: exit 1 naming the lines', async () => {
    const file = write('refuse.csv', european);
    const json = await pipeloom(['dataset', 'inspect', file, '--json', '--bad-rows', 'refuse']);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as InspectJson;
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: 'bad-rows', problems: [expect.objectContaining({ line: 5 })] });
    const text = await pipeloom(['dataset', 'inspect', file, '--bad-rows=refuse']);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('Line 5 has 2 fields');
    expect(text.stderr).not.toMatch(/\n\s+at /);
  });

  it('unusable files exit 1 with a message: missing, empty, header only, every row bad, over the limit', async () => {
    const cases: [string, RegExp, Record<string, string>?][] = [
      [path.join(tmp, 'missing.csv'), /no such file/],
      [write('empty.csv', ''), /The file is empty/],
      [write('header-only.csv', 'a,b\n'), /header row but no data rows/],
      [write('all-bad.csv', 'a,b\n1\n2\n'), /None of the rows can be read/],
      [write('big.csv', 'a\n' + '1\n'.repeat(1000)), /The file is 2 KB; the limit is 1 KB \(PIPELOOM_MAX_UPLOAD_MB\)/, { PIPELOOM_MAX_UPLOAD_MB: String(1 / 1024) }],
    ];
    for (const [file, message, env] of cases) {
      const r = await pipeloom(['dataset', 'inspect', file], env);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(message);
      expect(r.stderr, file).not.toMatch(/\n\s+at /);
      const json = await pipeloom(['dataset', 'inspect', file, '--json'], env);
      expect(json.code, file).toBe(1);
      expect((JSON.parse(json.stdout) as InspectJson).error!.message, file).toMatch(message);
    }
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['dataset'],
      ['dataset', 'inspect'],
      ['dataset', 'frobnicate', 'x.csv'],
      ['dataset', 'inspect', 'a.csv', 'b.csv'],
      ['dataset', 'inspect', 'a.csv', '--delimiter', 'x'],
      ['validate', 'g.json', '--no-header'],
      ['dataset', 'inspect', 'a.csv', '--sheet', 'Data'],
      ['dataset', 'inspect', 'a.xlsx', '--image-size', '8'],
      ['dataset', 'inspect', 'a.zip', '--colour', 'purple'],
    ]) {
      const r = await pipeloom(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('Usage: pipeloom');
    }
  });
});

describe('pipeloom dataset inspect: Excel and image ZIPs', () => {
  it('.xlsx: the sheet read, the schema, a stray row by its Excel row number; --sheet picks another; an unknown sheet exits 1', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Data');
    ws.addRow(['city', 'founded', 'big']);
    ws.addRow(['Oslo', new Date(Date.UTC(1924, 0, 1)), true]);
    ws.addRow(['Rome', new Date(Date.UTC(2024, 3, 21)), true]);
    ws.getCell('E4').value = 'note';
    wb.addWorksheet('Other').addRow(['x']);
    wb.getWorksheet('Other')!.addRow([1]);
    const file = write('cities.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    const r = await pipeloom(['dataset', 'inspect', file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, format: 'xlsx', sheet: 'Data', sheets: ['Data', 'Other'], rowCount: 2, skippedRows: 1, problemCount: 1 });
    expect(out.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(['city:category', 'founded:date', 'big:boolean']);
    expect(out.problems[0]).toMatchObject({ line: 4, kind: 'outside-table' });
    const text = await pipeloom(['dataset', 'inspect', file]);
    expect(text.stdout).toContain('Read the sheet "Data" (the workbook has "Data", "Other"), header row.');
    expect(text.stdout).toContain('1 row skipped');
    expect(text.stdout).toContain('Row 4: a value in column E');
    const other = JSON.parse((await pipeloom(['dataset', 'inspect', file, '--sheet', 'Other', '--json'])).stdout);
    expect(other).toMatchObject({ sheet: 'Other', rowCount: 1 });
    const missing = await pipeloom(['dataset', 'inspect', file, '--sheet', 'Nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('The workbook has no sheet named "Nope". Its sheets are: "Data", "Other".');
  });

  it('.zip of class folders: images, classes, pixel columns on one line, skipped files by name', async () => {
    const dark = await greyImage(3, 3, 10);
    const light = await greyImage(3, 3, 250);
    const file = write('marks.zip', makeZip([
      { name: 'dark/1.png', data: dark },
      { name: 'dark/2.png', data: dark },
      { name: 'light/1.png', data: light },
      { name: 'light/readme.txt', data: 'hi' },
    ]));
    const r = await pipeloom(['dataset', 'inspect', file, '--image-size', '4', '--colour', 'rgb']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Read 3 images in 2 classes (dark 2, light 1), resized to 4×4 colour pixels (cover: cropped to fill).');
    expect(r.stdout).toContain('3 rows, 50 columns.');
    expect(r.stdout).toMatch(/px_0_0_0 … px_3_3_2 +number +48 pixel columns \(4×4×3\)/);
    expect(r.stdout).toContain('1 file skipped:\n  light/readme.txt: not a PNG or JPEG image; skipped.');
    const json = JSON.parse((await pipeloom(['dataset', 'inspect', file, '--json'])).stdout);
    expect(json).toMatchObject({ ok: true, format: 'images', rowCount: 3, skippedRows: 1, images: { size: 28, colour: 'grey', fit: 'cover' } });
    expect(json.columns).toHaveLength(28 * 28 + 2);
  });
});
