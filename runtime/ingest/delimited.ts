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
 */
import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import {
  isMissingBytes,
  parseBooleanBytes,
  parseDateBytes,
  parseNumberBytes,
  stringColumnType,
  type Decimal,
} from './infer';
import { tableSchema, type Column, type ColumnSchema, type Table } from '../../lib/table';

export type Delimiter = ',' | ';' | '\t' | '|';
export type Encoding = 'utf-8' | 'latin1';

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

/** 'outside-table': an Excel row with a value beyond the table's columns (runtime/ingest/xlsx.ts). */
export type ProblemKind = 'field-count' | 'quote' | 'outside-table';

export interface IngestProblem {
  /** 1-based physical line of the file where the record starts (an Excel file: the row number). */
  line: number;
  kind: ProblemKind;
  message: string;
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

export type IngestErrorCode = 'too-large' | 'unreadable' | 'empty' | 'no-rows' | 'bad-rows' | 'bad-header' | 'unsupported-encoding';

/** Why a file cannot be used; `problems` lists the rows behind a 'bad-rows' or 'no-rows' refusal. */
export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly problems: IngestProblem[] = [],
    readonly problemCount = problems.length,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** Problems kept in the result (the count goes on). */
export const MAX_LISTED_PROBLEMS = 100;
/** With badRows 'refuse', reading stops after this many problems. */
const REFUSE_AFTER = 20;
const MIB = 1024 * 1024;
const BLOCK = MIB;

export function defaultMaxBytes(): number {
  const mb = Number(process.env.PIPELOOM_MAX_UPLOAD_MB);
  return Math.floor((Number.isFinite(mb) && mb > 0 ? mb : 200) * MIB);
}

/** The most bytes one cell may hold: a bigger one is refused, naming its row and column. */
export const MAX_CELL_BYTES = MIB;

/**
 * What an upload of at most `maxBytes` may become: at most one cell per byte (a CSV file spends at
 * least one byte on every cell, so a CSV within the upload limit always passes), and at most 8 bytes
 * per such cell once parsed (a column of numbers). Formats that unpack (Excel, JSON) are held to
 * the same, so a small file cannot become a huge table.
 */
export function tableLimits(maxBytes: number): { cells: number; bytes: number } {
  return { cells: maxBytes, bytes: 8 * maxBytes };
}

/** The refusal of a cell over MAX_CELL_BYTES; `where` names its row and column. */
export function cellTooLarge(where: string): IngestError {
  return new IngestError('too-large', `${where}: the cell holds more than ${formatBytes(MAX_CELL_BYTES)} of text; a cell may hold at most ${formatBytes(MAX_CELL_BYTES)}. Nothing was imported.`);
}

/** 512 bytes, 12.5 KB, 3.2 MB, 250 MB (binary units, as the limit is set in MB). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  const [value, unit] = n < MIB ? [n / 1024, 'KB'] : n < 1024 * MIB ? [n / MIB, 'MB'] : [n / 1024 / MIB, 'GB'];
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} ${unit}`;
}

function tooLarge(bytes: number, max: number): IngestError {
  return new IngestError('too-large', `The file is ${formatBytes(bytes)}; the limit is ${formatBytes(max)} (PIPELOOM_MAX_UPLOAD_MB).`);
}

// ---------------------------------------------------------------------------------------------
// Sniffing

const CANDIDATES: Delimiter[] = [',', ';', '\t', '|'];

/** Field counts of the first records of `sample` split on `delimiter`, honouring quotes. */
function fieldCounts(sample: string, delimiter: string, complete: boolean, maxRecords = 50): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let atFieldStart = true;
  let recordHasContent = false;
  let recordStartedAt = 0;
  for (let i = 0; i < sample.length && counts.length < maxRecords; i++) {
    const ch = sample[i];
    if (inQuotes) {
      if (ch === '"') {
        if (sample[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (ch === '"' && atFieldStart) {
      inQuotes = true;
      atFieldStart = false;
      recordHasContent = true;
    } else if (ch === delimiter) {
      fields++;
      atFieldStart = true;
      recordHasContent = true;
    } else if (ch === '\n' || ch === '\r') {
      if (recordHasContent) counts.push(fields);
      fields = 1;
      atFieldStart = true;
      recordHasContent = false;
      recordStartedAt = i + 1;
    } else if (ch !== ' ') {
      atFieldStart = false;
      if (ch.trim() !== '') recordHasContent = true;
    }
  }
  if (complete && recordHasContent && counts.length < maxRecords && recordStartedAt < sample.length) counts.push(fields);
  return counts;
}

/**
 * The delimiter that splits the first records most consistently: the share of records with as many
 * fields as the first one (which must be more than one), then more fields, then the order , ; tab |.
 * ',' when nothing splits (a one-column file).
 */
export function sniffDelimiter(sample: string, complete = true): Delimiter {
  let best: Delimiter = ',';
  let bestScore = -1;
  let bestFields = 0;
  for (const candidate of CANDIDATES) {
    const counts = fieldCounts(sample, candidate, complete);
    if (counts.length === 0 || counts[0] < 2) continue;
    const score = counts.filter((c) => c === counts[0]).length / counts.length;
    if (score > bestScore || (score === bestScore && counts[0] > bestFields)) {
      best = candidate;
      bestScore = score;
      bestFields = counts[0];
    }
  }
  return best;
}

/** ',' when the sample's unquoted fields hold numbers like 1,5 (and at least as many as like 1.5). */
export function sniffDecimal(sample: string, delimiter: Delimiter): Decimal {
  if (delimiter === ',') return '.';
  let comma = 0;
  let dot = 0;
  for (const line of sample.split(/\r\n|\n|\r/).slice(0, 2000)) {
    for (const raw of line.split(delimiter)) {
      const field = raw.trim().replace(/^"(.*)"$/, '$1');
      if (/^[-+]?\d+,\d+(?:[eE][-+]?\d+)?$/.test(field)) comma++;
      else if (/^[-+]?\d*\.\d+(?:[eE][-+]?\d+)?$/.test(field)) dot++;
    }
  }
  return comma > 0 && comma >= dot ? ',' : '.';
}

// ---------------------------------------------------------------------------------------------
// Scanner: bytes → records (field offsets), resumable at record boundaries

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const FLAG_QUOTED = 1;
const FLAG_ESCAPES = 2;

const PROBLEM_NONE = 0;
const PROBLEM_AFTER_QUOTE = 1;
const PROBLEM_UNTERMINATED = 2;
const PROBLEM_GAVE_UP = 3;

interface RecordSink {
  /** One record; its fields are scanner.starts/ends/flags[0, count). */
  record(bytes: Uint8Array, count: number, line: number, problem: number): void;
  /** Set to stop scanning early. */
  stopped: boolean;
  /** The column names, for naming a cell that is too large. */
  readonly layout: Layout;
}

/** After this many unterminated-quote recoveries the rest of the file is given up on. */
const MAX_QUOTE_RECOVERIES = 20;

class Scanner {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);
  /** 1-based line where the next record starts. */
  line = 1;
  recoveries = 0;

  /** 1 for the bytes that end an unquoted field: the delimiter, LF, CR. */
  private readonly stops = new Uint8Array(256);

  constructor(
    private readonly delimiter: number,
    private readonly sink: RecordSink,
  ) {
    this.stops[delimiter] = 1;
    this.stops[LF] = 1;
    this.stops[CR] = 1;
  }

  get stopped(): boolean {
    return this.sink.stopped;
  }

  private tooLarge(line: number, column: number): IngestError {
    const { header, names } = this.sink.layout;
    const name = header && names?.[column] ? `"${clipName(utf8Decoder.decode(names[column]))}"` : String(column + 1);
    return cellTooLarge(`Line ${line}, column ${name}`);
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    const flags = new Uint8Array(n);
    starts.set(this.starts);
    ends.set(this.ends);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }

  /**
   * Parses the complete records in bytes[pos, end) and returns where the first incomplete one starts
   * (end when none). With `final`, the end of the data ends the last record.
   */
  scan(bytes: Uint8Array, pos: number, end: number, final: boolean): number {
    const delim = this.delimiter;
    const sink = this.sink;
    const skipTab = delim !== TAB;
    const stops = this.stops;
    let line = this.line;
    let starts = this.starts;
    let ends = this.ends;
    let flags = this.flags;
    records: while (pos < end) {
      if (sink.stopped) break;
      const recordStart = pos;
      const recordLine = line;
      let n = 0;
      let problem = PROBLEM_NONE;
      for (;;) {
        if (n === starts.length) {
          this.grow();
          starts = this.starts;
          ends = this.ends;
          flags = this.flags;
        }
        let i = pos;
        while (i < end && (bytes[i] === SPACE || (bytes[i] === TAB && skipTab))) i++;
        if (i < end && bytes[i] === QUOTE) {
          i++;
          const s = i;
          let flag = FLAG_QUOTED;
          let closed = false;
          while (i < end) {
            const b = bytes[i];
            if (b === QUOTE) {
              if (i + 1 < end) {
                if (bytes[i + 1] === QUOTE) {
                  flag |= FLAG_ESCAPES;
                  i += 2;
                  continue;
                }
              } else if (!final) break; // "" may straddle the block end
              closed = true;
              break;
            }
            if (b === LF) line++;
            else if (b === CR && (i + 1 >= end || bytes[i + 1] !== LF)) line++;
            i++;
          }
          if (!closed) {
            if (!final) {
              this.line = recordLine;
              return recordStart;
            }
            // Unterminated: report at the record's first line, resume on the line after it.
            if (++this.recoveries > MAX_QUOTE_RECOVERIES) {
              sink.record(bytes, 0, recordLine, PROBLEM_GAVE_UP);
              pos = end;
              line = recordLine + 1;
              break records;
            }
            sink.record(bytes, 0, recordLine, PROBLEM_UNTERMINATED);
            let j = recordStart;
            while (j < end && bytes[j] !== LF && bytes[j] !== CR) j++;
            if (j < end && bytes[j] === CR && j + 1 < end && bytes[j + 1] === LF) j++;
            pos = j + 1;
            line = recordLine + 1;
            continue records;
          }
          if (i - s > MAX_CELL_BYTES) throw this.tooLarge(recordLine, n);
          starts[n] = s;
          ends[n] = i;
          flags[n] = flag;
          n++;
          i++;
          while (i < end && (bytes[i] === SPACE || (bytes[i] === TAB && skipTab))) i++;
          if (i < end) {
            const b = bytes[i];
            if (b !== delim && b !== LF && b !== CR) {
              // Text after the closing quote: the record is broken; read on to the field's end.
              problem = PROBLEM_AFTER_QUOTE;
              while (i < end && bytes[i] !== delim && bytes[i] !== LF && bytes[i] !== CR) i++;
            }
          }
        } else {
          while (i < end && stops[bytes[i]] === 0) i++;
          // Checked before the field is complete too: an unquoted field cannot span lines, so it only grows.
          if (i - pos > MAX_CELL_BYTES) throw this.tooLarge(recordLine, n);
          starts[n] = pos;
          ends[n] = i;
          flags[n] = 0;
          n++;
        }
        if (i >= end) {
          if (!final) {
            this.line = recordLine;
            return recordStart;
          }
          pos = end;
          break;
        }
        const b = bytes[i];
        if (b === delim) {
          pos = i + 1;
          continue;
        }
        if (b === CR) {
          if (i + 1 >= end) {
            if (!final) {
              this.line = recordLine;
              return recordStart;
            }
            i++;
          } else i += bytes[i + 1] === LF ? 2 : 1;
        } else i++;
        line++;
        pos = i;
        break;
      }
      // A blank line: one unquoted field of whitespace only.
      if (n === 1 && flags[0] === 0) {
        let s = starts[0];
        const e = ends[0];
        while (s < e && bytes[s] <= SPACE) s++;
        if (s === e) continue;
      }
      sink.record(bytes, n, recordLine, problem);
    }
    this.line = line;
    return pos;
  }
}

// ---------------------------------------------------------------------------------------------
// Dictionary of byte strings (no JS string per cell)

class ByteDictionary {
  private table: Int32Array = new Int32Array(64).fill(-1);
  private mask = 63;
  private arena = new Uint8Array(1024);
  private arenaUsed = 0;
  offsets = new Int32Array(16);
  lengths = new Int32Array(16);
  counts = new Int32Array(16);
  private hashes = new Int32Array(16);
  size = 0;

  /** The code of bytes[start, end), added when new; counts each call. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const length = end - start;
    const table = this.table;
    let slot = h & this.mask;
    for (;;) {
      const code = table[slot];
      if (code < 0) break;
      if (this.hashes[code] === h && this.lengths[code] === length) {
        const arena = this.arena;
        let k = this.offsets[code];
        let i = start;
        while (i < end && arena[k] === bytes[i]) {
          i++;
          k++;
        }
        if (i === end) {
          this.counts[code]++;
          return code;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    const code = this.size++;
    if (code === this.offsets.length) this.growEntries();
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.offsets[code] = this.arenaUsed;
    this.lengths[code] = length;
    this.hashes[code] = h;
    this.counts[code] = 1;
    this.arenaUsed += length;
    table[slot] = code;
    if (this.size * 2 > this.mask) this.rehash();
    return code;
  }

  private growEntries(): void {
    const n = this.offsets.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.counts = grow(this.counts);
    this.hashes = grow(this.hashes);
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let code = 0; code < this.size; code++) {
      let slot = this.hashes[code] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = code;
    }
    this.table = table;
    this.mask = mask;
  }

  bytesOf(code: number): Uint8Array {
    return this.arena.subarray(this.offsets[code], this.offsets[code] + this.lengths[code]);
  }
}

// ---------------------------------------------------------------------------------------------
// Table builder: records → typed columns

const MODE_UNDECIDED = 0;
const MODE_NUMBER = 1;
const MODE_DATE = 2;
const MODE_STRING = 3;

interface ColumnBuilder {
  mode: number;
  values: Float64Array | null;
  codes: Int32Array | null;
  dict: ByteDictionary | null;
  /** Rows before this one were read as numbers or dates and need a second pass as strings. */
  rereadBefore: number;
}

const utf8Decoder = new TextDecoder('utf-8');

/** Windows-1252 for 0x80..0x9F (the five unassigned bytes stay as they are, as in WHATWG). */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * latin1 as Excel writes it: Windows-1252. (Node 20's TextDecoder('windows-1252') decodes plain
 * ISO-8859-1, leaving 0x80..0x9F as control characters, so the difference is mapped here.)
 */
function decodeLatin1(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]) : text;
}

/** How the records of one file map to rows: shared by the main pass and the re-read pass. */
interface Layout {
  header: boolean;
  /** Raw header fields (copied), or null until the first record. */
  names: Uint8Array[] | null;
  width: number;
}

class TableBuilder implements RecordSink {
  stopped = false;
  rows = 0;
  capacity = 0;
  columns: ColumnBuilder[] = [];
  problems: IngestProblem[] = [];
  problemCount = 0;
  private scratch = new Uint8Array(256);

  constructor(
    readonly layout: Layout,
    private readonly scanner: () => Scanner,
    private readonly decimal: Decimal,
    private readonly refuse: boolean,
    /** Expected total rows (from the bytes read so far), to size the columns; 0 when unknown. */
    private readonly estimateRows: () => number = () => 0,
  ) {}

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const c of this.columns) {
      if (c.values) {
        const values = new Float64Array(rows);
        values.set(c.values.subarray(0, this.rows));
        c.values = values;
      }
      if (c.codes) {
        const codes = new Int32Array(rows);
        codes.set(c.codes.subarray(0, this.rows));
        c.codes = codes;
      }
    }
  }

  private problem(line: number, kind: ProblemKind, message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push({ line, kind, message });
    if (this.refuse && this.problemCount >= REFUSE_AFTER) this.stopped = true;
  }

  record(bytes: Uint8Array, count: number, line: number, problem: number): void {
    const layout = this.layout;
    if (layout.names === null) {
      if (problem !== PROBLEM_NONE) {
        const what = layout.header ? 'header row' : 'first row';
        throw new IngestError('bad-header', `The ${what} (line ${line}) has a broken quote${problem === PROBLEM_UNTERMINATED ? ' that is never closed' : ''}.`);
      }
      const s = this.scanner();
      layout.width = count;
      layout.names = [];
      for (let c = 0; c < count; c++) {
        const [start, end] = trim(bytes, s.starts[c], s.ends[c]);
        layout.names.push(s.flags[c] & FLAG_ESCAPES ? unescapeQuotes(bytes, start, end) : bytes.slice(start, end));
      }
      this.columns = layout.names.map(() => ({ mode: MODE_UNDECIDED, values: new Float64Array(this.capacity), codes: null, dict: null, rereadBefore: 0 }));
      if (layout.header) return;
    }
    if (problem === PROBLEM_UNTERMINATED) {
      return this.problem(line, 'quote', `Line ${line} has a quoted field that is never closed (the rest of the file would be one value); the line is skipped and reading goes on from the next line.`);
    }
    if (problem === PROBLEM_GAVE_UP) {
      return this.problem(line, 'quote', `Line ${line} has a quoted field that is never closed, after ${MAX_QUOTE_RECOVERIES} others; the rest of the file from this line is not read.`);
    }
    if (problem === PROBLEM_AFTER_QUOTE) {
      return this.problem(line, 'quote', `Line ${line} has text right after a closing quote (a quote inside a field must be doubled: "").`);
    }
    if (count !== layout.width) {
      const against = layout.header ? `the header has ${layout.width}` : `the first row has ${layout.width}`;
      return this.problem(line, 'field-count', `Line ${line} has ${count} field${count === 1 ? '' : 's'}; ${against}.`);
    }
    const row = this.rows;
    if (row === this.capacity) {
      // At least 1024 rows at a time, fewer for very wide files (about 8 MiB of cells to start).
      const step = Math.max(16, Math.min(1024, Math.floor(MIB / count)));
      this.reserve(Math.max(this.capacity + step, Math.ceil(this.capacity * 1.25), this.estimateRows()));
    }
    const s = this.scanner();
    const starts = s.starts;
    const ends = s.ends;
    const flags = s.flags;
    const columns = this.columns;
    const decimal = this.decimal;
    for (let c = 0; c < count; c++) {
      let start = starts[c];
      let end = ends[c];
      let src = bytes;
      while (start < end && bytes[start] <= SPACE) start++;
      while (end > start && bytes[end - 1] <= SPACE) end--;
      if (flags[c] & FLAG_ESCAPES) {
        src = this.unescape(bytes, start, end);
        start = 0;
        end = this.unescapedLength;
      }
      const col = columns[c];
      const mode = col.mode;
      if (mode === MODE_STRING) {
        col.codes![row] = isMissingBytes(src, start, end) ? -1 : col.dict!.intern(src, start, end);
        continue;
      }
      // Numbers and dates first (the common case), then the missing markers.
      if (mode === MODE_NUMBER) {
        const v = parseNumberBytes(src, start, end, decimal);
        if (v === v || isMissingBytes(src, start, end)) {
          col.values![row] = v;
          continue;
        }
      } else if (mode === MODE_DATE) {
        const v = parseDateBytes(src, start, end);
        if (v === v || isMissingBytes(src, start, end)) {
          col.values![row] = v;
          continue;
        }
      } else if (isMissingBytes(src, start, end)) {
        col.values![row] = NaN;
        continue;
      } else {
        let v = parseNumberBytes(src, start, end, decimal);
        if (v === v) {
          col.mode = MODE_NUMBER;
          col.values![row] = v;
          continue;
        }
        v = parseDateBytes(src, start, end);
        if (v === v) {
          col.mode = MODE_DATE;
          col.values![row] = v;
          continue;
        }
      }
      // A string: from here on this column is a dictionary column.
      const codes = new Int32Array(this.capacity);
      codes.fill(-1, 0, row);
      col.rereadBefore = mode === MODE_UNDECIDED ? 0 : row;
      col.mode = MODE_STRING;
      col.values = null;
      col.codes = codes;
      col.dict = new ByteDictionary();
      codes[row] = col.dict.intern(src, start, end);
    }
    this.rows = row + 1;
  }

  private unescapedLength = 0;

  /** bytes[start, end) with "" collapsed to ", in a scratch buffer (valid until the next call). */
  private unescape(bytes: Uint8Array, start: number, end: number): Uint8Array {
    if (this.scratch.length < end - start) this.scratch = new Uint8Array((end - start) * 2);
    const out = this.scratch;
    let n = 0;
    for (let i = start; i < end; i++) {
      out[n++] = bytes[i];
      if (bytes[i] === QUOTE && i + 1 < end && bytes[i + 1] === QUOTE) i++;
    }
    this.unescapedLength = n;
    return out;
  }
}

/** A column name as a message quotes it: at most 100 characters. */
export function clipName(name: string): string {
  return name.length > 100 ? `${name.slice(0, 99)}…` : name;
}

function trim(bytes: Uint8Array, start: number, end: number): [number, number] {
  while (start < end && bytes[start] <= SPACE) start++;
  while (end > start && bytes[end - 1] <= SPACE) end--;
  return [start, end];
}

function unescapeQuotes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    out.push(bytes[i]);
    if (bytes[i] === QUOTE && i + 1 < end && bytes[i + 1] === QUOTE) i++;
  }
  return Uint8Array.from(out);
}

/** Second pass: fills the rows that a column read as numbers/dates before it turned out to hold strings. */
class RereadSink implements RecordSink {
  stopped = false;
  private row = 0;
  private seenFirst = false;

  constructor(
    readonly layout: Layout,
    private readonly columns: { index: number; builder: ColumnBuilder }[],
    private readonly scanner: () => Scanner,
    private readonly until: number,
  ) {}

  record(bytes: Uint8Array, count: number, _line: number, problem: number): void {
    if (!this.seenFirst) {
      this.seenFirst = true;
      if (this.layout.header) return;
    }
    if (problem !== PROBLEM_NONE || count !== this.layout.width) return;
    const row = this.row++;
    const s = this.scanner();
    for (const { index, builder } of this.columns) {
      if (row >= builder.rereadBefore) continue;
      let [start, end] = trim(bytes, s.starts[index], s.ends[index]);
      let src = bytes;
      if (s.flags[index] & FLAG_ESCAPES) {
        src = unescapeQuotes(bytes, start, end);
        start = 0;
        end = src.length;
      }
      builder.codes![row] = isMissingBytes(src, start, end) ? -1 : builder.dict!.intern(src, start, end);
    }
    if (this.row >= this.until) this.stopped = true;
  }
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

/** Renumbers a dictionary so codes follow first appearance (the re-read pass adds early values last). */
function firstAppearanceOrder(col: ColumnBuilder, rows: number): void {
  const dict = col.dict!;
  const codes = col.codes!;
  const remap = new Int32Array(dict.size).fill(-1);
  let next = 0;
  for (let r = 0; r < rows; r++) {
    const c = codes[r];
    if (c >= 0) {
      let m = remap[c];
      if (m < 0) m = remap[c] = next++;
      codes[r] = m;
    }
  }
  // Reorder the dictionary entries to match.
  const order = new Int32Array(dict.size);
  for (let c = 0; c < dict.size; c++) order[remap[c]] = c;
  const offsets = dict.offsets.slice(0, dict.size);
  const lengths = dict.lengths.slice(0, dict.size);
  const counts = dict.counts.slice(0, dict.size);
  for (let m = 0; m < dict.size; m++) {
    dict.offsets[m] = offsets[order[m]];
    dict.lengths[m] = lengths[order[m]];
    dict.counts[m] = counts[order[m]];
  }
  // (The hash table is not used after this.)
}

function decoderFor(encoding: Encoding): (bytes: Uint8Array) => string {
  return encoding === 'utf-8' ? (bytes) => utf8Decoder.decode(bytes) : decodeLatin1;
}

function uniqueNames(raw: string[], header: boolean): string[] {
  const used = new Set<string>();
  return raw.map((name, i) => {
    let base = header ? name : '';
    if (base === '') base = `column_${i + 1}`;
    let candidate = base;
    for (let k = 2; used.has(candidate); k++) candidate = `${base}_${k}`;
    used.add(candidate);
    return candidate;
  });
}

/**
 * The first `rows` entries. Columns are sized from an estimate with 2% to spare: a view keeps that
 * spare (no copy, so no second copy of every column alive at once); a bigger miss is copied.
 */
function fit<T extends Float64Array | Int32Array>(array: T, rows: number): T {
  if (array.length === rows) return array;
  return (array.length - rows <= array.length * 0.05 ? array.subarray(0, rows) : array.slice(0, rows)) as T;
}

function finish(b: TableBuilder, layout: Layout, encoding: Encoding): Table {
  const decode = decoderFor(encoding);
  const names = uniqueNames(
    layout.names!.map((n) => decode(n)),
    layout.header,
  );
  const rows = b.rows;
  const columns: Column[] = b.columns.map((col, i): Column => {
    const name = names[i];
    if (col.mode !== MODE_STRING) {
      const values = fit(col.values!, rows);
      col.values = null;
      return { name, type: col.mode === MODE_DATE ? 'date' : 'number', values };
    }
    const dict = col.dict!;
    const codes = fit(col.codes!, rows);
    col.codes = null;
    // Boolean when every distinct value is a boolean word.
    const truth = new Float64Array(dict.size);
    let boolean = dict.size > 0;
    for (let c = 0; c < dict.size && boolean; c++) {
      const bytes = dict.bytesOf(c);
      const v = parseBooleanBytes(bytes, 0, bytes.length);
      if (v < 0) boolean = false;
      else truth[c] = v;
    }
    if (boolean) {
      const values = new Float64Array(rows);
      for (let r = 0; r < rows; r++) values[r] = codes[r] < 0 ? NaN : truth[codes[r]];
      return { name, type: 'boolean', values };
    }
    const categories: string[] = new Array(dict.size);
    let present = 0;
    let length = 0;
    let spaced = 0;
    for (let c = 0; c < dict.size; c++) {
      const bytes = dict.bytesOf(c);
      const count = dict.counts[c];
      categories[c] = decode(bytes);
      present += count;
      length += count * bytes.length;
      if (bytes.includes(SPACE)) spaced += count;
    }
    const type = stringColumnType({ present, distinct: dict.size, meanLength: length / present, spacedFraction: spaced / present });
    return { name, type, codes, categories };
  });
  return { rowCount: rows, columns };
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
