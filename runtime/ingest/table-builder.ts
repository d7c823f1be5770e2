/** Table builder: records → typed columns, and the finished Table. */
import type { Column, Table } from '../../lib/table';
import { ByteDictionary } from './byte-dictionary';
import { decoderFor, type Encoding } from './decode';
import { isMissingBytes, parseBooleanBytes, parseDateBytes, parseNumberBytes, stringColumnType, type Decimal } from './infer';
import { IngestError, MAX_LISTED_PROBLEMS, MIB, type IngestProblem, type ProblemKind } from './limits';
import {
  FLAG_ESCAPES,
  MAX_QUOTE_RECOVERIES,
  PROBLEM_AFTER_QUOTE,
  PROBLEM_GAVE_UP,
  PROBLEM_NONE,
  PROBLEM_UNTERMINATED,
  QUOTE,
  SPACE,
  trim,
  unescapeQuotes,
  type Layout,
  type RecordSink,
  type Scanner,
} from './scanner';

/** With badRows 'refuse', reading stops after this many problems. */
const REFUSE_AFTER = 20;

const MODE_UNDECIDED = 0;
const MODE_NUMBER = 1;
const MODE_DATE = 2;
const MODE_STRING = 3;

export interface ColumnBuilder {
  mode: number;
  values: Float64Array | null;
  codes: Int32Array | null;
  dict: ByteDictionary | null;
  /** Rows before this one were read as numbers or dates and need a second pass as strings. */
  rereadBefore: number;
}

export class TableBuilder implements RecordSink {
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

/** Second pass: fills the rows that a column read as numbers/dates before it turned out to hold strings. */
export class RereadSink implements RecordSink {
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

/** Renumbers a dictionary so codes follow first appearance (the re-read pass adds early values last). */
export function firstAppearanceOrder(col: ColumnBuilder, rows: number): void {
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

export function finish(b: TableBuilder, layout: Layout, encoding: Encoding): Table {
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
      // The words of the data (its first of each), so a Yes/No column's labels stay Yes and No.
      const words: [string, string] = ['false', 'true'];
      for (let c = dict.size - 1; c >= 0; c--) words[truth[c]] = decode(dict.bytesOf(c)).trim();
      return { name, type: 'boolean', values, words };
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
