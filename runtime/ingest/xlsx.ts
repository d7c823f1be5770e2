/**
 * Excel (.xlsx) ingest: one worksheet becomes a table through the same parser and type inference as
 * CSV (runtime/ingest/infer.ts: missing markers, numbers, dates, booleans, category or text).
 *
 * How it works
 * - The .xlsx (a ZIP) is opened with yauzl from its central directory. The workbook's parts that
 *   every sheet needs (its sheet list and relationships, shared strings, styles for telling dates
 *   from numbers) are parsed first with exceljs's parsers, then only the chosen sheet's XML is
 *   streamed through exceljs's streaming worksheet reader, row by row (rows are never all held as
 *   cell objects; the other sheets are not read). exceljs's own WorkbookReader is not used for the
 *   ZIP: its single streaming pass drops entries at random on Node 18+ (exceljs issue #3064).
 * - Each row is written, cell by cell, to a temporary CSV file that the CSV ingest
 *   (runtime/ingest/delimited.ts) then reads and types. Cells are typed by exceljs: numbers stay numbers,
 *   dates (date-formatted cells) become ISO dates, booleans true/false, rich text its plain text, a
 *   hyperlink its text, a formula its cached result (a date when the cell has a date format; a
 *   boolean result reads as 1/0), and error values (#N/A, #DIV/0!, …) are missing.
 * - The sheet: `sheet` names it (exact name, else the one that differs only in upper/lower case);
 *   without it, the first visible sheet in tab order.
 * - The table starts at the first row with any value: with `header` (default) its cells name the
 *   columns, and the table spans from its first to its last filled cell. Rows with no value at all
 *   are ignored. A row with a value outside that span is a problem, reported with its row number as
 *   Excel shows it, then skipped ('skip') or the whole file is refused ('refuse').
 * - Not an .xlsx (a renamed CSV, an old .xls, a password-protected workbook, another ZIP), an
 *   unknown sheet name, a chart sheet, an empty sheet: each is an IngestError with a plain message.
 * - A workbook is small for what it holds (text compresses well), so what it becomes is bounded as
 *   it is read (tableLimits): the parts read whole (shared text, styles) by their unpacked size,
 *   the sheet by its cells and by the size of the CSV it turns into, and every cell by
 *   MAX_CELL_BYTES (the error names its row and column).
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { formatDate, type ColumnSchema, type Table } from '../../lib/table';
import { ingestCsvFile, uploadedFileSize } from './delimited';
import { cellTooLarge, clipName, defaultMaxBytes, formatBytes, IngestError, MAX_LISTED_PROBLEMS, limitSource, tableLimits, type IngestProblem } from './limits';
import { csvCell, overCellLimit } from './json';

export interface XlsxOptions {
  /** The worksheet to read (default: the first visible one). */
  sheet?: string;
  /** First row with a value holds the column names (default true). */
  header?: boolean;
  /** 'skip' (default): drop and report rows with values outside the table; 'refuse': throw. */
  badRows?: 'skip' | 'refuse';
  /** Largest file accepted, in bytes (default PIPELOOM_MAX_UPLOAD_MB, else 200 MB). */
  maxBytes?: number;
}

/** A row that cannot be read: `line` is the row number as Excel shows it; kind 'outside-table'. */
export type XlsxProblem = IngestProblem;

export interface XlsxIngestResult {
  table: Table;
  rowCount: number;
  columns: ColumnSchema[];
  /** The sheet read, and every sheet of the workbook in tab order. */
  sheet: string;
  sheets: string[];
  header: boolean;
  problems: XlsxProblem[];
  problemCount: number;
  skippedRows: number;
  bytes: number;
}

// The parts of exceljs's streaming reader used here (its type declarations leave them out).
interface StreamRow {
  number: number;
  values: unknown[];
  getCell(col: number): { numFmt?: string };
}
type StreamSheet = AsyncIterable<StreamRow>;
/** exceljs 4.4.0's WorkbookReader: its part parsers, each fed one ZIP entry's stream. */
interface WorkbookParts {
  model?: { sheets?: { name: string; rId: string; state?: string }[] };
  properties?: { model?: { date1904?: boolean } };
  workbookRels?: { Id: string; Target: string }[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(rows: Readable, sheetNo: string): Generator<{ eventType: string; value: StreamSheet }>;
}

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** Refuses, with the reason in plain words, a file that cannot be an .xlsx workbook. */
async function checkSignature(file: string): Promise<void> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(512);
  let n: number;
  try {
    ({ bytesRead: n } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  if (n >= 8 && OLE2.every((b, i) => head[i] === b)) {
    throw new IngestError(
      'unreadable',
      'This is an old-style Excel file (.xls, Excel 97-2003) or a password-protected workbook, which cannot be read here. Open it in Excel or LibreOffice, remove any password, save it as "Excel Workbook (.xlsx)" and upload that.',
    );
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return; // PK: a ZIP container, as every .xlsx is
  const sample = head.subarray(0, n);
  const text = !sample.includes(0) && /[,;\t\r\n]/.test(sample.toString('latin1'));
  throw new IngestError(
    'unreadable',
    text
      ? 'This file is not an Excel workbook: it holds plain text, like a CSV file renamed to .xlsx. Upload it with its real name (.csv), or choose the CSV format.'
      : 'This file is not an Excel workbook (.xlsx). Save it from Excel or LibreOffice as "Excel Workbook (.xlsx)" and upload that.',
  );
}

/** A cell as CSV text: what exceljs typed it as, written so the CSV ingest infers the same type. */
function cellText(value: unknown, numFmt: () => string | undefined, date1904: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : formatDate(value.getTime());
  if (typeof value !== 'object') return '';
  const v = value as Record<string, unknown>;
  if ('error' in v) return ''; // #N/A, #DIV/0!, …: missing
  if (Array.isArray(v.richText)) return v.richText.map((run: { text?: unknown }) => (typeof run.text === 'string' ? run.text : '')).join('');
  if ('formula' in v || 'sharedFormula' in v || 'result' in v) {
    const result = v.result;
    // The streaming reader gives a formula's cached number as is, even when the cell shows a date.
    if (typeof result === 'number' && Number.isFinite(result) && isDateFormat(numFmt())) {
      return formatDate(Math.round((result - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
    }
    return cellText(result, numFmt, date1904);
  }
  if ('text' in v) return cellText(v.text, numFmt, date1904); // a hyperlink
  return '';
}

/** Whether a number format shows a date or time (exceljs's rule: y, m, d, h, s outside quotes and brackets). */
function isDateFormat(format: string | undefined): boolean {
  return !!format && /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** Column letters as Excel shows them: 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/** The sheet to read among those the workbook lists, or an IngestError naming the choices. */
function chooseSheet(sheets: { name: string; state?: string }[], wanted: string | undefined): string {
  const names = sheets.map((s) => s.name);
  if (wanted === undefined || wanted.trim() === '') {
    const first = sheets.find((s) => !s.state || s.state === 'visible') ?? sheets[0];
    if (!first) throw new IngestError('empty', 'The workbook has no sheets.');
    return first.name;
  }
  const name = wanted.trim();
  const found = names.find((n) => n === name) ?? names.find((n) => n.toLowerCase() === name.toLowerCase());
  if (!found) throw new IngestError('unreadable', `The workbook has no sheet named "${name}". Its sheets are: ${quoted(names)}.`);
  return found;
}

/** Reads one worksheet of an .xlsx file into a typed table (see the top of this file). */
export async function ingestXlsxFile(file: string, options: XlsxOptions = {}): Promise<XlsxIngestResult> {
  const header = options.header ?? true;
  const refuse = options.badRows === 'refuse';
  const maxBytes = options.maxBytes ?? defaultMaxBytes();
  const bytes = await uploadedFileSize(file, maxBytes);
  const limits = tableLimits(maxBytes, bytes);
  const upload = limitSource(maxBytes, bytes);
  await checkSignature(file);

  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (error) {
    throw new IngestError('unreadable', `The workbook is damaged and cannot be read (${(error as Error).message}). Open it in Excel or LibreOffice, save it again as .xlsx and upload that.`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pipeloom-xlsx-'));
  const csvPath = path.join(dir, 'sheet.csv');
  const problems: XlsxProblem[] = [];
  let problemCount = 0;
  let rows = 0;
  let sheetName: string | undefined;
  let sheets: string[] = [];
  let failure: unknown;
  try {
    const out = await open(csvPath, 'w');
    try {
      const entries = new Map<string, Entry>();
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
      /** A part of the workbook; `whole` parts are parsed in memory, so their unpacked size is bounded first. */
      const part = async (name: string, whole?: string): Promise<Readable | undefined> => {
        const entry = entries.get(name);
        if (entry && whole && entry.uncompressedSize > limits.bytes) {
          throw new IngestError(
            'too-large',
            `The workbook's ${whole} unpacks to ${formatBytes(entry.uncompressedSize)}; ${upload} may unpack to at most ${formatBytes(limits.bytes)}. Nothing was imported.`,
          );
        }
        return entry ? zip.openReadStreamPromise(entry) : undefined;
      };
      const book = await part('xl/workbook.xml', 'sheet list');
      if (!book) {
        throw new IngestError('unreadable', 'This is a ZIP file but not an Excel workbook (.xlsx): it has no sheets. Image datasets are uploaded as a ZIP with the format "images".');
      }
      const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' }) as unknown as WorkbookParts;
      const rels = await part('xl/_rels/workbook.xml.rels', 'list of parts');
      if (rels) await reader._parseRels(rels);
      await reader._parseWorkbook(book);
      const shared = await part('xl/sharedStrings.xml', 'shared text');
      if (shared) for await (const _ of reader._parseSharedStrings(shared)) void _; // cached in the reader, nothing emitted
      const styles = await part('xl/styles.xml', 'styles');
      if (styles) await reader._parseStyles(styles);

      const listed = reader.model?.sheets ?? [];
      sheets = listed.map((s) => s.name);
      sheetName = chooseSheet(listed, options.sheet);
      const rId = listed.find((s) => s.name === sheetName)!.rId;
      const target = reader.workbookRels?.find((r) => r.Id === rId)?.Target;
      // Targets are relative to xl/ (worksheets/sheet1.xml), or absolute within the package (/xl/…).
      const where = target === undefined ? undefined : target.startsWith('/') ? target.slice(1) : path.posix.normalize(`xl/${target}`);
      const sheetNo = where === undefined ? undefined : /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(where)?.[1];
      const data = where === undefined ? undefined : await part(where);
      if (!data || sheetNo === undefined) {
        throw new IngestError('empty', `The sheet "${sheetName}" holds no table of cells (it may be a chart sheet). Choose another sheet: ${quoted(sheets)}.`);
      }
      const sheet = reader._parseWorksheet(data, sheetNo).next().value!.value;
      const date1904 = reader.properties?.model?.date1904 === true;
      let pending = '';
      let csvBytes = 0;
      let first = 0;
      let last = 0;
      let names: string[] = [];
      for await (const row of sheet) {
        const values = row.values;
        const texts: string[] = [];
        let lo = 0;
        let hi = 0;
        for (let c = 1; c < values.length; c++) {
          const text = cellText(values[c], () => row.getCell(c).numFmt, date1904);
          if (overCellLimit(text)) {
            const name = names[c] ? ` ("${clipName(names[c])}")` : '';
            throw cellTooLarge(`Row ${row.number}, column ${columnLetter(c)}${name}`);
          }
          texts[c] = text;
          if (text.trim() !== '') {
            if (lo === 0) lo = c;
            hi = c;
          }
        }
        if (lo === 0) continue; // an empty row
        if (first === 0) {
          first = lo;
          last = hi;
          if (header) names = texts;
        } else if (lo < first || hi > last) {
          const outside = lo < first ? lo : hi;
          problemCount++;
          if (problems.length < MAX_LISTED_PROBLEMS) {
            problems.push({
              line: row.number,
              kind: 'outside-table',
              message: `Row ${row.number}: a value in column ${columnLetter(outside)} lies outside the table (columns ${columnLetter(first)} to ${columnLetter(last)}, set by ${header ? 'the header row' : 'the first row'}); the row is skipped.`,
            });
          }
          continue;
        }
        const fields: string[] = [];
        for (let c = first; c <= last; c++) fields.push(csvCell(texts[c] ?? '', 'a cell'));
        pending += `${fields.join(',')}\n`;
        rows++;
        const cells = rows * (last - first + 1);
        if (cells > limits.cells) {
          throw new IngestError(
            'too-large',
            `The sheet "${sheetName}" holds more than ${limits.cells.toLocaleString('en')} cells (by row ${row.number}); ${upload} may become at most that many. Nothing was imported.`,
          );
        }
        if (pending.length >= 1 << 20) {
          csvBytes += Buffer.byteLength(pending);
          if (csvBytes > limits.bytes) {
            throw new IngestError('too-large', `The sheet "${sheetName}" unpacks to more than ${formatBytes(limits.bytes)} of cells (by row ${row.number}); ${upload} may become at most that. Nothing was imported.`);
          }
          await out.write(pending);
          pending = '';
        }
      }
      if (pending) await out.write(pending);
    } catch (error) {
      failure = error;
    } finally {
      await out.close();
    }
    if (failure !== undefined) {
      if (failure instanceof IngestError) throw failure;
      // The reader's own words ("Cannot read properties of undefined") mean nothing to a user: they go to the log.
      console.error('Pipeloom: an .xlsx sheet could not be read', failure);
      throw new IngestError(
        'unreadable',
        'The workbook cannot be read: its sheet is not laid out the way Excel writes one (cells without references, say). Open it in Excel or LibreOffice, save it again as .xlsx and upload that.',
      );
    }
    if (sheetName === undefined) throw new IngestError('empty', 'The workbook has no sheets.');
    const dataRows = header && rows > 0 ? rows - 1 : rows;
    if (rows === 0 && problemCount === 0) throw new IngestError('empty', `The sheet "${sheetName}" is empty.`);
    if (refuse && problemCount > 0) {
      throw new IngestError(
        'bad-rows',
        `${problemCount} row${problemCount === 1 ? '' : 's'} cannot be read; nothing was imported (bad rows are refused):\n${problems
          .slice(0, 10)
          .map((p) => `  ${p.message}`)
          .join('\n')}`,
        problems,
        problemCount,
      );
    }
    if (dataRows === 0 && problemCount > 0) {
      throw new IngestError('no-rows', `None of the rows can be read (${problemCount} with problems), e.g. ${problems[0].message}`, problems, problemCount);
    }
    if (dataRows === 0) {
      throw new IngestError('no-rows', header ? `The sheet "${sheetName}" has a header row but no data rows.` : `The sheet "${sheetName}" has no data rows.`);
    }
    const result = await ingestCsvFile(csvPath, { delimiter: ',', decimal: '.', header, encoding: 'utf-8', badRows: 'refuse', maxBytes: Infinity });
    return {
      table: result.table,
      rowCount: result.rowCount,
      columns: result.columns,
      sheet: sheetName,
      sheets,
      header,
      problems,
      problemCount,
      skippedRows: problemCount,
      bytes,
    };
  } finally {
    zip.close();
    await rm(dir, { recursive: true, force: true });
  }
}
