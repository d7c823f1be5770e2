import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelOf, tableRows, type DictionaryColumn, type Table } from '../../lib/table';
import { parseCsv } from '../../runtime/ingest/csv';
import { ingestCsvBytes, ingestCsvFile, type IngestOptions } from '../../runtime/ingest/delimited';
import { formatBytes, IngestError } from '../../runtime/ingest/limits';
import { sniffDelimiter } from '../../runtime/ingest/sniff';
import { ingestRefusal } from '../support/ingest';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-ingest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: string | Uint8Array): string {
  const p = path.join(dir, `f${n++}.csv`);
  writeFileSync(p, content);
  return p;
}

const ingest = (content: string | Uint8Array, options?: IngestOptions) => ingestCsvFile(file(content), options);

const refusal = (content: string | Uint8Array, options?: IngestOptions): Promise<IngestError> => ingestRefusal(ingest(content, options));

const types = (table: Table) => Object.fromEntries(table.columns.map((c) => [c.name, c.type]));
const categories = (table: Table, name: string) => (table.columns.find((c) => c.name === name) as DictionaryColumn).categories;

describe('ingestCsvFile: formats', () => {
  it('reads a plain comma file with types, hash and size', async () => {
    const text = 'id,name,score\n1,ann,2.5\n2,bob,3\n';
    const r = await ingest(text);
    expect(r).toMatchObject({ rowCount: 2, delimiter: ',', decimal: '.', encoding: 'utf-8', header: true, problems: [], problemCount: 0, skippedRows: 0, bytes: text.length });
    expect(r.contentHash).toBe(createHash('sha256').update(text).digest('hex'));
    expect(r.columns).toEqual([
      { name: 'id', type: 'number', integer: true, distinct: 2 },
      { name: 'name', type: 'category', distinct: 2 },
      { name: 'score', type: 'number', integer: false, distinct: 2 },
    ]);
    expect(tableRows(r.table)).toEqual([
      { id: 1, name: 'ann', score: 2.5 },
      { id: 2, name: 'bob', score: 3 },
    ]);
  });

  it("';' with decimal commas (European Excel), detected", async () => {
    const r = await ingest('Produkt;Preis;Menge\nÄpfel;1,5;3\nBirnen;-0,25;4\nKiwi;2;NA\n');
    expect(r.delimiter).toBe(';');
    expect(r.decimal).toBe(',');
    expect(types(r.table)).toEqual({ Produkt: 'category', Preis: 'number', Menge: 'number' });
    expect(tableRows(r.table)).toEqual([
      { Produkt: 'Äpfel', Preis: 1.5, Menge: 3 },
      { Produkt: 'Birnen', Preis: -0.25, Menge: 4 },
      { Produkt: 'Kiwi', Preis: 2, Menge: null },
    ]);
  });

  it("';' with '.' decimals keeps '.'", async () => {
    const r = await ingest('a;b\n1.5;2\n3.25;4\n');
    expect(r).toMatchObject({ delimiter: ';', decimal: '.' });
    expect(tableRows(r.table)[0]).toEqual({ a: 1.5, b: 2 });
  });

  it('explicit delimiter and decimal options win over sniffing', async () => {
    const r = await ingest('a,b|c\n1,5|2\n', { delimiter: '|', decimal: ',' });
    expect(r.table.columns.map((c) => c.name)).toEqual(['a,b', 'c']);
    expect(tableRows(r.table)).toEqual([{ 'a,b': 1.5, c: 2 }]);
  });

  it('TSV, with commas inside values', async () => {
    const r = await ingest('city\tpopulation\tnote\nParis\t2102650\tbig, old\nLyon\t522250\t\n');
    expect(r.delimiter).toBe('\t');
    expect(tableRows(r.table)).toEqual([
      { city: 'Paris', population: 2102650, note: 'big, old' },
      { city: 'Lyon', population: 522250, note: null },
    ]);
  });

  it("'|' delimited", async () => {
    const r = await ingest('a|b\nx|1\ny|2\n');
    expect(r.delimiter).toBe('|');
    expect(r.rowCount).toBe(2);
  });

  it('strips a UTF-8 BOM (the hash still covers it)', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name,x\néclair,1\n')]);
    const r = await ingest(bytes);
    expect(r.table.columns[0].name).toBe('name');
    expect(r.encoding).toBe('utf-8');
    expect(tableRows(r.table)).toEqual([{ name: 'éclair', x: 1 }]);
    expect(r.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('CRLF, LF and CR line ends', async () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const r = await ingest(['a,b', '1,x', '2,y', ''].join(eol));
      expect(tableRows(r.table), JSON.stringify(eol)).toEqual([
        { a: 1, b: 'x' },
        { a: 2, b: 'y' },
      ]);
    }
  });

  it('a last line without a newline', async () => {
    const r = await ingest('a,b\n1,2\n3,4');
    expect(tableRows(r.table)).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
  });

  it('quoted fields with delimiters, newlines (LF and CRLF) and escaped quotes', async () => {
    const text = 'id,comment,n\r\n1,"hello, world",1\r\n2,"two\r\nlines",2\r\n3,"she said ""hi""",3\r\n4,"",4\r\n5,"multi\nline, ""quoted""\nvalue",5\r\n';
    const r = await ingest(text);
    expect(r.problems).toEqual([]);
    expect(tableRows(r.table).map((row) => row.comment)).toEqual(['hello, world', 'two\r\nlines', 'she said "hi"', null, 'multi\nline, "quoted"\nvalue']);
    expect(tableRows(r.table).map((row) => row.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('quoted numbers and a quoted header are typed like unquoted ones', async () => {
    const r = await ingest('"a","b"\n"1","x"\n"2.5","y"\n');
    expect(types(r.table)).toEqual({ a: 'number', b: 'category' });
    expect(tableRows(r.table)[1]).toEqual({ a: 2.5, b: 'y' });
  });

  it('latin1 (Windows-1252) bytes are detected and decoded', async () => {
    const bytes = Buffer.from([...Buffer.from('nom,prix\n'), ...Buffer.from('caf'), 0xe9, ...Buffer.from(',3\nna'), 0xef, ...Buffer.from('ve,4\n'), 0x80, ...Buffer.from(',5\n')]);
    const r = await ingest(bytes);
    expect(r.encoding).toBe('latin1');
    expect(categories(r.table, 'nom')).toEqual(['café', 'naïve', '€']);
  });

  it('latin1 found only past the first MiB still decodes everything as latin1', async () => {
    const lines = ['name,x'];
    for (let i = 0; i < 150_000; i++) lines.push(`row${i % 7},${i}`);
    const head = Buffer.from(lines.join('\n') + '\n');
    expect(head.length).toBeGreaterThan(1024 * 1024);
    const r = await ingest(Buffer.concat([head, Buffer.from([0x67, 0x72, 0xfc, 0x6e, 0x2c, 0x31, 0x0a])])); // grün,1
    expect(r.encoding).toBe('latin1');
    expect(categories(r.table, 'name')).toContain('grün');
    expect(r.rowCount).toBe(150_001);
  });

  it('encoding can be forced', async () => {
    const r = await ingest(Buffer.from([...Buffer.from('a\n'), 0xc3, 0xa9, 0x0a]), { encoding: 'latin1' });
    expect(r.encoding).toBe('latin1');
    expect(categories(r.table, 'a')).toEqual(['Ã©']);
  });

  it('refuses UTF-16 with a message', async () => {
    const e = await refusal(Buffer.from([0xff, 0xfe, 0x61, 0x00]));
    expect(e.code).toBe('unsupported-encoding');
    expect(e.message).toMatch(/UTF-16/);
  });

  it('blank and whitespace-only lines are ignored (line numbers still count them)', async () => {
    const r = await ingest('a,b\n\n1,2\n   \n\r\n3,4\n\n5\n');
    expect(r.rowCount).toBe(2);
    expect(r.problems).toEqual([{ line: 8, kind: 'field-count', message: 'Line 8 has 1 field; the header has 2.' }]);
  });

  it('header false names the columns column_1..N and keeps the first row', async () => {
    const r = await ingest('1,a\n2,b\n', { header: false });
    expect(r.header).toBe(false);
    expect(tableRows(r.table)).toEqual([
      { column_1: 1, column_2: 'a' },
      { column_1: 2, column_2: 'b' },
    ]);
  });

  it('blank and duplicate header names are made unique', async () => {
    const r = await ingest('x,,x, x \n1,2,3,4\n');
    expect(r.table.columns.map((c) => c.name)).toEqual(['x', 'column_2', 'x_2', 'x_3']);
  });

  it('records across the 1 MiB read blocks (long quoted values, CRLF at the boundary)', async () => {
    const long = 'word '.repeat(60_000); // 300 KB per value
    const rows = Array.from({ length: 12 }, (_, i) => `${i},"${long}${i}"`);
    const r = await ingest(`n,text\r\n${rows.join('\r\n')}\r\n`);
    expect(r.rowCount).toBe(12);
    expect(tableRows(r.table)[11].text).toBe(`${long}11`.trim());
    // Every offset of a small file split into many records lands somewhere; check a few sizes around the block size.
    for (const pad of [0, 1, 2, 3]) {
      const filler = 'x'.repeat(1024 * 1024 - 8 + pad);
      const r2 = await ingest(`a,b\r\n"${filler}",1\r\nz,2\r\n`);
      expect(r2.rowCount).toBe(2);
      expect(tableRows(r2.table)[1]).toEqual({ a: 'z', b: 2 });
    }
  });
});

describe('ingestCsvFile: types', () => {
  it('missing markers of every kind', async () => {
    const r = await ingest('a,b\n1,x\n,NA\nNA,n/a\nN/A,null\nnull,?\n?,NaN\nNaN,  \n  ,nan\n2,y\n');
    expect(types(r.table)).toEqual({ a: 'number', b: 'category' });
    expect(tableRows(r.table).map((row) => row.a)).toEqual([1, null, null, null, null, null, null, null, 2]);
    expect(categories(r.table, 'b')).toEqual(['x', 'y']);
  });

  it('booleans (any case), with missing values; 0/1 stay numbers', async () => {
    const r = await ingest('flag,yn,bits\nTrue,yes,0\nfalse,No,1\n,YES,1\nFALSE,NA,0\n');
    expect(types(r.table)).toEqual({ flag: 'boolean', yn: 'boolean', bits: 'number' });
    expect(tableRows(r.table).map((row) => row.flag)).toEqual([true, false, null, false]);
    expect(tableRows(r.table).map((row) => row.yn)).toEqual([true, false, true, null]);
    // As class labels they keep the words of the data (the first written of each).
    const yn = r.table.columns.find((c) => c.name === 'yn')!;
    expect([0, 1, 2, 3].map((row) => labelOf(yn, row))).toEqual(['yes', 'No', 'yes', null]);
    expect([0, 1, 2, 3].map((row) => labelOf(r.table.columns[0], row))).toEqual(['True', 'false', null, 'false']);
  });

  it('dates and date-times (ISO, YYYY/MM/DD); day-first stays a string', async () => {
    const r = await ingest('d,t,slash,eu\n2024-01-31,2024-01-31T10:00:00Z,2024/01/31,31/01/2024\n2024-02-29,2024-02-29 23:59:59,2024/02/29,29/02/2024\n,,NA,\n');
    expect(types(r.table)).toEqual({ d: 'date', t: 'date', slash: 'date', eu: 'category' });
    expect(tableRows(r.table)).toEqual([
      { d: '2024-01-31', t: '2024-01-31T10:00:00.000Z', slash: '2024-01-31', eu: '31/01/2024' },
      { d: '2024-02-29', t: '2024-02-29T23:59:59.000Z', slash: '2024-02-29', eu: '29/02/2024' },
      { d: null, t: null, slash: null, eu: null },
    ]);
  });

  it('text vs category', async () => {
    const lines = ['id,colour,review'];
    for (let i = 0; i < 30; i++) lines.push(`A${i},${['red', 'green', 'blue'][i % 3]},"This product is ${i % 2 ? 'great' : 'not great'}, I would buy it again"`);
    const r = await ingest(lines.join('\n'));
    expect(types(r.table)).toEqual({ id: 'text', colour: 'category', review: 'text' });
  });

  it('a numeric column that turns out to hold strings is re-read: every value kept, codes in first-appearance order', async () => {
    const lines = ['code,n'];
    for (let i = 0; i < 50; i++) lines.push(`${i % 5},${i}`);
    lines.push('x9,50');
    const r = await ingest(lines.join('\n') + '\n');
    expect(types(r.table)).toMatchObject({ code: 'category', n: 'number' });
    expect(categories(r.table, 'code')).toEqual(['0', '1', '2', '3', '4', 'x9']);
    expect(tableRows(r.table).map((row) => row.code)).toEqual([...Array.from({ length: 50 }, (_, i) => String(i % 5)), 'x9']);
  });

  it('re-reading keeps the raw text of numbers ("007", "1.50") and the same rows after skipped ones', async () => {
    const r = await ingest('v,w\n007,1\n1.50,2\nbad\n"1,5",3\nabc,4\n');
    expect(r.problems.map((p) => p.line)).toEqual([4]);
    expect(tableRows(r.table).map((row) => row.v)).toEqual(['007', '1.50', '1,5', 'abc']);
  });

  it('a date column that meets a non-date becomes a category, a number then a boolean word too', async () => {
    const r = await ingest('d,b\n2024-01-01,1\n2024-01-02,yes\nsoon,no\n');
    expect(types(r.table)).toEqual({ d: 'category', b: 'category' });
    expect(categories(r.table, 'd')).toEqual(['2024-01-01', '2024-01-02', 'soon']);
    expect(categories(r.table, 'b')).toEqual(['1', 'yes', 'no']);
  });

  it('an all-missing column is a number column of NaN', async () => {
    const r = await ingest('a,b\n1,\n2,NA\n');
    expect(types(r.table)).toEqual({ a: 'number', b: 'number' });
    expect(tableRows(r.table).map((row) => row.b)).toEqual([null, null]);
  });

  it('values are trimmed', async () => {
    const r = await ingest('a , b\n  1 ,  x  \n2,"  y "\n');
    expect(tableRows(r.table)).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });
});

describe('ingestCsvFile: problems', () => {
  const bad = 'a,b,c,d\n1,2,3,4\n5,6,7\n8,9,10,11\n12,"multi\nline",13,14\n15,16,17,18,19\n20,21,22,23\n';

  it('skip: wrong field counts are dropped and listed with their physical lines (after a quoted newline too)', async () => {
    const r = await ingest(bad);
    expect(r.rowCount).toBe(4);
    expect(r.skippedRows).toBe(2);
    expect(r.problemCount).toBe(2);
    expect(r.problems).toEqual([
      { line: 3, kind: 'field-count', message: 'Line 3 has 3 fields; the header has 4.' },
      { line: 7, kind: 'field-count', message: 'Line 7 has 5 fields; the header has 4.' },
    ]);
    expect(tableRows(r.table).map((row) => row.a)).toEqual([1, 8, 12, 20]);
  });

  it('refuse: throws listing the lines, and nothing is returned', async () => {
    const e = await refusal(bad, { badRows: 'refuse' });
    expect(e.code).toBe('bad-rows');
    expect(e.problems.map((p) => p.line)).toEqual([3, 7]);
    expect(e.message).toContain('Line 3 has 3 fields; the header has 4.');
    expect(e.message).toContain('Line 7 has 5 fields');
  });

  it('header false: counts are compared with the first row', async () => {
    const r = await ingest('1,2\n3\n', { header: false });
    expect(r.problems[0].message).toBe('Line 2 has 1 field; the first row has 2.');
  });

  it('an unterminated quote is reported where its record began; reading resumes on the next line', async () => {
    const r = await ingest('id,name\n1,ok\n2,"broken\n3,fine\n4,good\n');
    expect(r.problems).toEqual([{ line: 3, kind: 'quote', message: expect.stringContaining('Line 3 has a quoted field that is never closed') }]);
    expect(tableRows(r.table)).toEqual([
      { id: 1, name: 'ok' },
      { id: 3, name: 'fine' },
      { id: 4, name: 'good' },
    ]);
  });

  it('an unterminated quote in a file larger than a read block', async () => {
    const lines = ['id,name', '1,"never closed'];
    for (let i = 2; i < 60_000; i++) lines.push(`${i},name${i % 10}`);
    const r = await ingest(lines.join('\n') + '\n');
    expect(r.problems.map((p) => [p.line, p.kind])).toEqual([[2, 'quote']]);
    expect(r.rowCount).toBe(59_998);
  });

  it('text after a closing quote is a quote problem', async () => {
    const r = await ingest('a,b\n"x"y,1\n"ok",2\n');
    expect(r.problems).toEqual([{ line: 2, kind: 'quote', message: expect.stringContaining('Line 2 has text right after a closing quote') }]);
    expect(r.rowCount).toBe(1);
  });

  it('a lone quote inside an unquoted value is kept as text', async () => {
    const r = await ingest('size,n\n5" screen,1\n');
    expect(tableRows(r.table)).toEqual([{ size: '5" screen', n: 1 }]);
  });

  it('the problem list is capped at 100 with the total count', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 250; i++) lines.push(i % 2 ? '1,2' : '1');
    const r = await ingest(lines.join('\n'));
    expect(r.problemCount).toBe(125);
    expect(r.problems).toHaveLength(100);
    expect(r.rowCount).toBe(125);
  });

  it('every row bad: the file cannot be used', async () => {
    const e = await refusal('a,b\n1\n2\n');
    expect(e.code).toBe('no-rows');
    expect(e.problems.map((p) => p.line)).toEqual([2, 3]);
  });

  it('a broken header is refused', async () => {
    const e = await refusal('"a,b\n1,2\n');
    expect(e.code).toBe('bad-header');
    expect(e.message).toMatch(/line 1/);
  });

  it('empty file, blank-only file, header only', async () => {
    expect((await refusal('')).code).toBe('empty');
    expect((await refusal(Buffer.from([0xef, 0xbb, 0xbf]))).code).toBe('empty');
    expect((await refusal('\n\n  \n')).code).toBe('empty');
    const headerOnly = await refusal('a,b,c\n');
    expect(headerOnly.code).toBe('no-rows');
    expect(headerOnly.message).toBe('The file has a header row but no data rows.');
  });

  it('size limit, with a clear message', async () => {
    const e = await refusal('a,b\n' + '1,2\n'.repeat(100), { maxBytes: 100 });
    expect(e.code).toBe('too-large');
    expect(e.message).toBe('The file is 404 bytes; the limit is 100 bytes (PIPELOOM_MAX_UPLOAD_MB).');
    expect(formatBytes(250 * 1024 * 1024)).toBe('250 MB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });

  it('the default limit comes from PIPELOOM_MAX_UPLOAD_MB', async () => {
    const before = process.env.PIPELOOM_MAX_UPLOAD_MB;
    process.env.PIPELOOM_MAX_UPLOAD_MB = '0.0001'; // 104 bytes
    try {
      const e = await refusal('a\n' + '1\n'.repeat(100));
      expect(e.message).toMatch(/^The file is 202 bytes; the limit is 104 bytes/);
    } finally {
      if (before === undefined) delete process.env.PIPELOOM_MAX_UPLOAD_MB;
      else process.env.PIPELOOM_MAX_UPLOAD_MB = before;
    }
  });

  it('an unreadable path is an IngestError, not a crash', async () => {
    expect((await ingestCsvFile(path.join(dir, 'nope.csv')).catch((e: unknown) => e)) as IngestError).toMatchObject({ code: 'unreadable', message: expect.stringContaining('no such file') });
    const sub = path.join(dir, 'a-directory');
    mkdirSync(sub);
    expect((await ingestCsvFile(sub).catch((e: unknown) => e)) as IngestError).toMatchObject({ code: 'unreadable' });
  });
});

describe('sniffing', () => {
  it('picks the delimiter that splits the records consistently, respecting quotes', () => {
    expect(sniffDelimiter('a,b,c\n1,2,3\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\n1,5;2,5;3\n')).toBe(';');
    expect(sniffDelimiter('a\tb\n"x;y;z"\t1\n')).toBe('\t');
    expect(sniffDelimiter('a|b\n"1,2,3"|4\n')).toBe('|');
    expect(sniffDelimiter('"a;b",c\n"1;2",3\n')).toBe(',');
    expect(sniffDelimiter('single\nvalues\n')).toBe(',');
  });
});

describe('parseCsv (bundled samples)', () => {
  it('types the samples with the same inference', async () => {
    const { readFileSync } = await import('node:fs');
    const sample = (name: string) => parseCsv(readFileSync(path.join(import.meta.dirname, '../../samples/datasets', name), 'utf8'));
    expect(types(sample('seattle_weather.csv'))).toEqual({ date: 'date', precipitation: 'number', temp_max: 'number', temp_min: 'number', wind: 'number', weather: 'category' });
    expect(types(sample('support_tickets.csv'))).toEqual({ ticket_id: 'text', channel: 'category', text: 'text', priority: 'category', category: 'category' });
    expect(sample('iris.csv').rowCount).toBe(150);
  });

  it('throws naming the line of a broken row', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/Line 3 has 1 field; the header has 2/);
  });

  it('a buffer in memory gives the same result as the file', async () => {
    const text = 'a;b\n1,5;x\n';
    const fromFile = await ingest(text);
    const fromBytes = ingestCsvBytes(Buffer.from(text));
    expect(tableRows(fromBytes.table)).toEqual(tableRows(fromFile.table));
    expect(fromBytes.contentHash).toBe(fromFile.contentHash);
  });
});
