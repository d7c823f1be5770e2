/** Scanner: bytes → records (field offsets), resumable at record boundaries. */
import { utf8Decoder } from './decode';
import { cellTooLarge, clipName, MAX_CELL_BYTES, type IngestError } from './limits';

export const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
export const SPACE = 0x20;
const TAB = 0x09;

export const FLAG_QUOTED = 1;
export const FLAG_ESCAPES = 2;

export const PROBLEM_NONE = 0;
export const PROBLEM_AFTER_QUOTE = 1;
export const PROBLEM_UNTERMINATED = 2;
export const PROBLEM_GAVE_UP = 3;

export interface RecordSink {
  /** One record; its fields are scanner.starts/ends/flags[0, count). */
  record(bytes: Uint8Array, count: number, line: number, problem: number): void;
  /** Set to stop scanning early. */
  stopped: boolean;
  /** The column names, for naming a cell that is too large. */
  readonly layout: Layout;
}

/** How the records of one file map to rows: shared by the main pass and the re-read pass. */
export interface Layout {
  header: boolean;
  /** Raw header fields (copied), or null until the first record. */
  names: Uint8Array[] | null;
  width: number;
}

/** After this many unterminated-quote recoveries the rest of the file is given up on. */
export const MAX_QUOTE_RECOVERIES = 20;

export class Scanner {
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

export function trim(bytes: Uint8Array, start: number, end: number): [number, number] {
  while (start < end && bytes[start] <= SPACE) start++;
  while (end > start && bytes[end - 1] <= SPACE) end--;
  return [start, end];
}

export function unescapeQuotes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    out.push(bytes[i]);
    if (bytes[i] === QUOTE && i + 1 < end && bytes[i + 1] === QUOTE) i++;
  }
  return Uint8Array.from(out);
}
