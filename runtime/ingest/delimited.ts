/**
 * CSV/TSV ingest: a streaming, byte-level parser that builds a typed Table (lib/table.ts) in one pass
 * over the file, with the type rules of runtime/ingest/infer.ts.
 *
 * How it works
 * - The file is read in 1 MiB blocks into one reusable buffer (the SHA-256 is updated as it goes).
 *   A record cut by the end of a block is parsed again once the next block is in; when one record
 *   outgrows a block, the next read is as large as the record so far (so even a 200 MB quoted field
 *   costs linear time).
 * - Records are split on the delimiter, CRLF / LF / CR and RFC 4180 quotes ("" inside quotes is a
 *   quote; quoted fields may hold delimiters and newlines). Every field is trimmed of whitespace
 *   (quoted or not). Lines that are empty or only whitespace are ignored.
 * - Each column starts undecided and takes the kind of its first present value: number, date (both
 *   stored straight into a Float64Array) or string (codes into a byte-keyed dictionary; strings are
 *   decoded once per distinct value at the end, in the detected encoding). A number or date column
 *   that meets a value of another kind becomes a string column from that row on, and the rows before
 *   it are read again in a second pass that stops as soon as they are done. String columns whose
 *   distinct values are all true/false/yes/no become booleans; the rest are text or category
 *   (runtime/ingest/infer.ts stringColumnType).
 * - Rows with the wrong number of fields, or with broken quotes, are problems: reported with the
 *   physical line (1-based) where the record starts, then skipped ('skip') or the whole file is
 *   refused ('refuse'). An unterminated quote is reported at the line where its record began and
 *   parsing resumes on the next line. Nothing is returned until the whole file is read, so a failed
 *   ingest never leaves a partial dataset behind.
 * - Encoding 'auto': UTF-8 unless some bytes are not valid UTF-8, then latin1 (decoded as
 *   Windows-1252, which is what Excel writes and what browsers mean by latin1). A UTF-8 BOM is
 *   dropped; UTF-16 files are refused with a message.
 *
 * This file reads the bytes and drives the passes; sniff.ts guesses the delimiter and decimal mark,
 * scanner.ts splits bytes into records, table-builder.ts (with byte-dictionary.ts and decode.ts)
 * turns records into typed columns, and limits.ts holds the refusals every reader shares.
 */
import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import { tableSchema, type ColumnSchema, type Table } from '../../lib/table';
import type { Encoding } from './decode';
import type { Decimal } from './infer';
import { defaultMaxBytes, formatBytes, IngestError, MIB, type IngestProblem } from './limits';
import { Scanner, type Layout } from './scanner';
import { sniffDecimal, sniffDelimiter, type Delimiter } from './sniff';
import { finish, firstAppearanceOrder, RereadSink, TableBuilder } from './table-builder';

export interface IngestOptions {
  /** 'auto' (default) sniffs ',', ';', tab or '|' from the first lines, respecting quotes. */
  delimiter?: 'auto' | Delimiter;
  /** 'auto' (default): ',' when the delimiter is ';' and numbers in the first MiB look like "1,5". */
  decimal?: 'auto' | Decimal;
  /** First record holds the column names (default true); false names them column_1..column_N. */
  header?: boolean;
  /** 'auto' (default): UTF-8 unless the bytes are not valid UTF-8, then latin1. */
  encoding?: 'auto' | Encoding;
  /** 'skip' (default): drop and report bad rows; 'refuse': throw an IngestError listing them. */
  badRows?: 'skip' | 'refuse';
  /** Largest file accepted, in bytes (default PIPELOOM_MAX_UPLOAD_MB, else 200 MB). */
  maxBytes?: number;
}

export interface IngestResult {
  table: Table;
  rowCount: number;
  columns: ColumnSchema[];
  /** The first MAX_LISTED_PROBLEMS problems; problemCount says how many there were. */
  problems: IngestProblem[];
  problemCount: number;
  /** Records dropped because of a problem (badRows 'skip'). */
  skippedRows: number;
  delimiter: Delimiter;
  decimal: Decimal;
  encoding: Encoding;
  header: boolean;
  /** SHA-256 (hex) of the file's bytes, exactly as read. */
  contentHash: string;
  bytes: number;
}

const BLOCK = MIB;

function tooLarge(bytes: number, max: number): IngestError {
  return new IngestError('too-large', `The file is ${formatBytes(bytes)}; the limit is ${formatBytes(max)} (PIPELOOM_MAX_UPLOAD_MB).`);
}

// ---------------------------------------------------------------------------------------------
// Sources and the driver

/** Something that can hand over the file's bytes from the start, block by block, more than once. */
interface ByteSource {
  /** Total size when known (files), for the row estimate. */
  size: number;
  /** Fills target[offset, offset+length) and returns the bytes read (0 at the end). */
  open(): { read(target: Uint8Array, offset: number, length: number): number | Promise<number>; close(): void | Promise<void> };
}

interface Settings {
  delimiter: Delimiter;
  decimal: Decimal;
  header: boolean;
  encodingOption: 'auto' | Encoding;
  badRows: 'skip' | 'refuse';
  maxBytes: number;
}

interface PassResult {
  bytes: number;
  utf8: boolean;
  hasBom: boolean;
}

/**
 * Reads the whole source once through `sink` (via a Scanner). `onFirstBlock` sees the first block
 * before any parsing (to sniff settings), `onProgress` each block's bytes (hash, size limit).
 * Generic over sync and async reads: `step` returns a value or a promise.
 */
function* readPass(
  source: ReturnType<ByteSource['open']>,
  makeScanner: (first: Uint8Array) => Scanner,
  options: { validateUtf8: boolean; onBytes?: (chunk: Uint8Array) => void; onParsed?: (parsedBytes: number, firstBlock: boolean) => void },
): Generator<number | Promise<number>, PassResult, number> {
  let buffer = new Uint8Array(BLOCK);
  let start = 0; // first byte of the pending (incomplete) record
  let end = 0; // bytes held
  let total = 0;
  let utf8 = options.validateUtf8;
  let validated = 0; // bytes before this are known to be valid UTF-8
  let scanner: Scanner | null = null;
  let hasBom = false;
  let eof = false;
  while (!eof) {
    // Make room: move the pending record to the front; read at least as much again as it holds.
    if (start > 0) {
      buffer.copyWithin(0, start, end);
      end -= start;
      validated = Math.max(0, validated - start);
      start = 0;
    }
    const want = Math.max(BLOCK, end);
    if (buffer.length - end < want) {
      const grown = new Uint8Array(end + want);
      grown.set(buffer.subarray(0, end));
      buffer = grown;
    }
    let got = 0;
    do {
      const n: number = yield source.read(buffer, end + got, want - got);
      if (n === 0) {
        eof = true;
        break;
      }
      options.onBytes?.(buffer.subarray(end + got, end + got + n));
      got += n;
    } while (got < want);
    end += got;
    total += got;
    let pos = 0;
    const firstBlock = scanner === null;
    if (scanner === null) {
      if (end >= 2 && ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff))) {
        throw new IngestError('unsupported-encoding', 'The file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV and upload it again.');
      }
      if (end >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
        hasBom = true;
        pos = 3;
        validated = 3;
      }
      scanner = makeScanner(buffer.subarray(pos, end));
    }
    start = scanner.scan(buffer, pos, end, eof);
    options.onParsed?.(total - (end - start), firstBlock);
    if (utf8 && start > validated) {
      if (!isUtf8(buffer.subarray(validated, start))) utf8 = false;
      validated = start;
    }
    if (scanner.stopped) break;
  }
  if (utf8 && end > validated && !isUtf8(buffer.subarray(validated, end))) utf8 = false;
  return { bytes: total, utf8, hasBom };
}

/** Runs a pass generator to completion synchronously (all reads must be synchronous). */
function runSync<T>(gen: Generator<number | Promise<number>, T, number>): T {
  let step = gen.next();
  while (!step.done) {
    const value = step.value;
    if (typeof value !== 'number') throw new Error('A synchronous source returned a promise.');
    step = gen.next(value);
  }
  return step.value;
}

async function runAsync<T>(gen: Generator<number | Promise<number>, T, number>): Promise<T> {
  let step = gen.next();
  while (!step.done) step = gen.next(await step.value);
  return step.value;
}

function resolveSettings(options: IngestOptions): Settings {
  return {
    delimiter: options.delimiter && options.delimiter !== 'auto' ? options.delimiter : (undefined as unknown as Delimiter),
    decimal: options.decimal && options.decimal !== 'auto' ? options.decimal : (undefined as unknown as Decimal),
    header: options.header ?? true,
    encodingOption: options.encoding ?? 'auto',
    badRows: options.badRows ?? 'skip',
    maxBytes: options.maxBytes ?? defaultMaxBytes(),
  };
}

/**
 * The ingest, independent of where the bytes come from. `run` drives a pass generator (sync for a
 * buffer, async for a file); it is called once for the main pass and once more when columns need
 * their early rows re-read.
 */
function* ingestSteps(
  source: ByteSource,
  options: IngestOptions,
  hash: Hash,
): Generator<{ pass: Generator<number | Promise<number>, PassResult, number>; close: () => void | Promise<void> }, IngestResult, PassResult> {
  const settings = resolveSettings(options);
  if (source.size > settings.maxBytes) throw tooLarge(source.size, settings.maxBytes);
  const layout: Layout = { header: settings.header, names: null, width: 0 };
  let scanner: Scanner | null = null;
  let delimiter: Delimiter = settings.delimiter;
  let decimal: Decimal = settings.decimal;
  let builder: TableBuilder | null = null;
  const makeScanner = (first: Uint8Array, complete: boolean): Scanner => {
    const sample = Buffer.from(first.buffer, first.byteOffset, Math.min(first.length, MIB)).toString('latin1');
    delimiter ??= sniffDelimiter(sample.slice(0, 64 * 1024), complete && first.length <= 64 * 1024);
    decimal ??= sniffDecimal(sample, delimiter);
    builder = new TableBuilder(layout, () => scanner!, decimal, settings.badRows === 'refuse', estimateRows);
    scanner = new Scanner(delimiter.charCodeAt(0), builder);
    return scanner;
  };
  let seen = 0;
  let parsed = 0;
  /** Rows the whole file should hold, from the rows per byte so far, 2% to spare. */
  const estimateRows = () => {
    const rows = (builder as TableBuilder | null)?.rows ?? 0;
    return source.size > parsed && parsed > 0 && rows > 0 ? Math.ceil(((rows * source.size) / parsed) * 1.02) + 16 : 0;
  };
  const main = source.open();
  const result: PassResult = yield {
    pass: readPass(main, (first) => makeScanner(first, source.size > 0 && first.length >= source.size - 3), {
      validateUtf8: settings.encodingOption === 'auto',
      onBytes(chunk) {
        seen += chunk.length;
        if (seen > settings.maxBytes) throw tooLarge(seen, settings.maxBytes);
        hash.update(chunk);
      },
      onParsed(bytes, firstBlock) {
        parsed = bytes;
        // Size the columns once from the first block; they grow (re-estimated) only if it was short.
        if (firstBlock) (builder as TableBuilder | null)?.reserve(estimateRows());
      },
    }),
    close: () => main.close(),
  };
  const b = builder as TableBuilder | null;
  if (result.bytes === 0 || (result.hasBom && result.bytes === 3)) throw new IngestError('empty', 'The file is empty.');
  if (!b || layout.names === null) throw new IngestError('empty', 'The file has no data: only blank lines.');
  const encoding: Encoding = settings.encodingOption === 'auto' ? (result.utf8 ? 'utf-8' : 'latin1') : settings.encodingOption;

  if (settings.badRows === 'refuse' && b.problemCount > 0) {
    const more = b.stopped ? ` (reading stopped after the first ${b.problemCount})` : '';
    const listed = b.problems.slice(0, 10).map((p) => `  ${p.message}`);
    throw new IngestError(
      'bad-rows',
      `${b.problemCount} row${b.problemCount === 1 ? '' : 's'} cannot be read${more}; nothing was imported (bad rows are refused):\n${listed.join('\n')}`,
      b.problems,
      b.problemCount,
    );
  }
  if (b.rows === 0) {
    if (b.problemCount > 0) {
      throw new IngestError('no-rows', `None of the rows can be read (${b.problemCount} with problems), e.g. ${b.problems[0].message}`, b.problems, b.problemCount);
    }
    throw new IngestError('no-rows', layout.header ? 'The file has a header row but no data rows.' : 'The file has no data rows.');
  }

  // Second pass for columns that switched to strings after reading numbers or dates.
  const reread = b.columns.map((builder, index) => ({ index, builder })).filter((c) => c.builder.rereadBefore > 0);
  if (reread.length > 0) {
    const until = Math.max(...reread.map((c) => c.builder.rereadBefore));
    const again = source.open();
    const rereadLayout: Layout = { header: layout.header, names: null, width: layout.width };
    let rescanner: Scanner | null = null;
    const sink = new RereadSink(rereadLayout, reread, () => rescanner!, until);
    yield {
      pass: readPass(again, () => (rescanner = new Scanner(delimiter.charCodeAt(0), sink)), { validateUtf8: false }),
      close: () => again.close(),
    };
    for (const { builder } of reread) firstAppearanceOrder(builder, b.rows);
  }

  const table = finish(b, layout, encoding);
  return {
    table,
    rowCount: table.rowCount,
    columns: tableSchema(table),
    problems: b.problems,
    problemCount: b.problemCount,
    skippedRows: b.problemCount,
    delimiter,
    decimal,
    encoding,
    header: layout.header,
    contentHash: hash.digest('hex'),
    bytes: result.bytes,
  };
}


// ---------------------------------------------------------------------------------------------
// Entry points

/** The size of a file that another reader (Excel, ZIP) is about to open: refused when missing, empty or over the limit. */
export async function uploadedFileSize(path: string, maxBytes = defaultMaxBytes()): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IngestError('unreadable', `Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
  if (size === 0) throw new IngestError('empty', 'The file is empty.');
  if (size > maxBytes) throw tooLarge(size, maxBytes);
  return size;
}

/** Reads and types a CSV/TSV file from disk (streamed; see the top of this file). */
export async function ingestCsvFile(path: string, options: IngestOptions = {}): Promise<IngestResult> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new IngestError('unreadable', `Cannot read ${path}: it is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof IngestError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new IngestError('unreadable', `Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
  const source: ByteSource = {
    size,
    open() {
      const handle = open(path, 'r');
      return {
        async read(target, offset, length) {
          const { bytesRead } = await (await handle).read(target, offset, length, null);
          return bytesRead;
        },
        async close() {
          await (await handle).close();
        },
      };
    },
  };
  const steps = ingestSteps(source, options, createHash('sha256'));
  let step = steps.next();
  while (!step.done) {
    const { pass, close } = step.value;
    let result: PassResult;
    try {
      result = await runAsync(pass);
    } catch (error) {
      await Promise.resolve(close()).catch(() => {});
      const code = (error as NodeJS.ErrnoException).code;
      if (!(error instanceof IngestError) && typeof code === 'string') {
        throw new IngestError('unreadable', `Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}.`);
      }
      throw error;
    }
    await close();
    step = steps.next(result);
  }
  return step.value;
}

/** The same ingest over bytes already in memory (synchronous). */
export function ingestCsvBytes(bytes: Uint8Array, options: IngestOptions = {}): IngestResult {
  const source: ByteSource = {
    size: bytes.length,
    open() {
      let pos = 0;
      return {
        read(target, offset, length) {
          const n = Math.min(length, bytes.length - pos);
          target.set(bytes.subarray(pos, pos + n), offset);
          pos += n;
          return n;
        },
        close() {},
      };
    },
  };
  const steps = ingestSteps(source, options, createHash('sha256'));
  let step = steps.next();
  while (!step.done) step = steps.next(runSync(step.value.pass));
  return step.value;
}

/** Per-column facts for reports: missing count and a few example values. */
export function columnSummary(table: Table): { name: string; type: string; missing: number; examples: string[] }[] {
  return table.columns.map((column) => {
    let missing = 0;
    const examples: string[] = [];
    if ('values' in column) {
      for (let r = 0; r < column.values.length; r++) {
        const v = column.values[r];
        if (Number.isNaN(v)) missing++;
        else if (examples.length < 3) {
          const text = column.type === 'date' ? new Date(v).toISOString().replace('T00:00:00.000Z', '') : column.type === 'boolean' ? String(v === 1) : String(v);
          if (!examples.includes(text)) examples.push(text);
        }
      }
    } else {
      for (let r = 0; r < column.codes.length; r++) if (column.codes[r] < 0) missing++;
      examples.push(...column.categories.slice(0, 3));
    }
    return { name: column.name, type: column.type, missing, examples };
  });
}