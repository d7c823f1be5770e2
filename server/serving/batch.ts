import { utf8Decoder } from '../../runtime/ingest/decode';
import { FLAG_ESCAPES, FLAG_QUOTED, PROBLEM_NONE, Scanner, unescapeQuotes, type Layout, type RecordSink } from '../../runtime/ingest/scanner';
import { predictTable, type TablePredictions } from '../../runtime/training/predict';
import type { TrainedModelArtifact } from '../../runtime/artifacts';
import { csvField } from '../data/export';
import { NOT_SENT, nonFinite, PredictError, readCells, servedModel, type RowNote } from './predict';

/**
 * Batch scoring: a CSV file in (a header naming the columns, then any number of rows), CSV out, a
 * chunk of rows at a time in both directions. The request is read only as fast as the answer is
 * taken (the response stream pulls), so memory stays bounded by one chunk whatever the file's size,
 * and the event loop is given back between chunks. Cells are read by the upload's scanner and by the
 * predict contract (missing markers, categories, every problem); each row comes back as it was sent,
 * followed by its answer, or by its problems in the `error` column: one bad row does not void a batch.
 */

const ROWS_PER_CHUNK = 2_000;
const COMMA = 0x2c;
const encoder = new TextEncoder();

/**
 * One chunk of the file, as bytes: each row's record as written (to send back as it came) and, for
 * each column the model reads, where its cell lies. Nothing per row is kept as an object or a string:
 * a long batch makes short-lived garbage only, so the server's heap does not grow with it.
 */
interface Chunk {
  bytes: Uint8Array;
  count: number;
  lineStart: Int32Array;
  lineEnd: Int32Array;
  /** Per column read: its cells' starts and ends in `bytes`, and whether each holds doubled quotes. */
  cells: Map<string, { start: Int32Array; end: Int32Array; escaped: Uint8Array }>;
  /** File lines the scanner could not read (an unterminated quote). */
  broken: number[];
}

/** A byte buffer that grows as it is written (doubling). */
class ByteWriter {
  buffer: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(Math.max(1024, capacity));
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  bytes(source: Uint8Array): void {
    this.ensure(source.length);
    this.buffer.set(source, this.length);
    this.length += source.length;
  }

  text(text: string): void {
    this.ensure(text.length * 3);
    this.length += encoder.encodeInto(text, this.buffer.subarray(this.length)).written;
  }

  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** Grows an Int32Array or Uint8Array to hold index `i`. */
function room<T extends Int32Array | Uint8Array>(array: T, i: number): T {
  if (i < array.length) return array;
  const grown = new (array.constructor as new (n: number) => T)(array.length * 2);
  grown.set(array);
  return grown;
}

/** Collects the records the scanner finds: the header first, then rows, copied into the chunk's bytes. */
class Records implements RecordSink {
  stopped = false;
  readonly layout: Layout = { header: true, names: null, width: 0 };
  header: string[] | null = null;
  headerLine = new Uint8Array(0);
  /** Header position of each column the model reads. */
  private wanted: [string, number][] = [];
  chunk: Chunk;
  /** Bytes of `chunk.bytes` written so far. */
  private used = 0;

  constructor(
    private readonly scanner: () => Scanner,
    private readonly needed: readonly string[],
  ) {
    this.chunk = this.fresh(1 << 16);
  }

  private fresh(bytes: number): Chunk {
    const n = 256;
    return {
      bytes: new Uint8Array(bytes),
      count: 0,
      lineStart: new Int32Array(n),
      lineEnd: new Int32Array(n),
      cells: new Map(this.wanted.map(([name]) => [name, { start: new Int32Array(n), end: new Int32Array(n), escaped: new Uint8Array(n) }])),
      broken: [],
    };
  }

  record(bytes: Uint8Array, count: number, line: number, problem: number): void {
    const { starts, ends, flags } = this.scanner();
    // The record as written: from its first field's opening quote to its last field's closing one.
    const from = count === 0 ? 0 : starts[0] - (flags[0] & FLAG_QUOTED);
    const to = count === 0 ? 0 : ends[count - 1] + (flags[count - 1] & FLAG_QUOTED);
    if (!this.header) {
      this.header = Array.from({ length: count }, (_, i) =>
        utf8Decoder.decode(flags[i] & FLAG_ESCAPES ? unescapeQuotes(bytes, starts[i], ends[i]) : bytes.subarray(starts[i], ends[i])).trim(),
      );
      this.headerLine = bytes.slice(from, to);
      this.layout.names = this.header.map((c) => encoder.encode(c));
      this.layout.width = count;
      this.wanted = this.needed.flatMap((name) => (this.header!.includes(name) ? [[name, this.header!.indexOf(name)] as [string, number]] : []));
      this.chunk = this.fresh(this.chunk.bytes.length);
      return;
    }
    const chunk = this.chunk;
    if (problem !== PROBLEM_NONE || count === 0) {
      chunk.broken.push(line);
      return;
    }
    const base = this.used;
    if (base + (to - from) > chunk.bytes.length) {
      const grown = new Uint8Array(Math.max(chunk.bytes.length * 2, base + (to - from)));
      grown.set(chunk.bytes.subarray(0, base));
      chunk.bytes = grown;
    }
    chunk.bytes.set(bytes.subarray(from, to), base);
    this.used = base + (to - from);
    const r = chunk.count++;
    chunk.lineStart = room(chunk.lineStart, r);
    chunk.lineEnd = room(chunk.lineEnd, r);
    chunk.lineStart[r] = base;
    chunk.lineEnd[r] = this.used;
    for (const [name, i] of this.wanted) {
      const cell = chunk.cells.get(name)!;
      cell.start = room(cell.start, r);
      cell.end = room(cell.end, r);
      cell.escaped = room(cell.escaped, r);
      // A row shorter than the header has an empty cell there.
      cell.start[r] = i < count ? base + starts[i] - from : base;
      cell.end[r] = i < count ? base + ends[i] - from : base;
      cell.escaped[r] = i < count ? flags[i] & FLAG_ESCAPES : 0;
    }
  }

  /** The rows read so far, handed over (a fresh chunk starts, sized like this one). */
  take(): Chunk {
    const taken = this.chunk;
    this.chunk = this.fresh(taken.bytes.length);
    this.used = 0;
    return taken;
  }
}

/** The request body read a block at a time into records, the scanner resuming at record boundaries. */
class CsvReader {
  readonly records: Records;
  private readonly scanner: Scanner;
  private pending = new Uint8Array(0);
  done = false;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    needed: readonly string[],
  ) {
    this.records = new Records(() => this.scanner, needed);
    this.scanner = new Scanner(COMMA, this.records);
  }

  /** Reads on until at least `rows` rows (or the end) and hands them over. */
  async read(rows: number): Promise<Chunk> {
    while (!this.done && (this.records.header === null || this.records.chunk.count < rows)) {
      const { value, done } = await this.reader.read();
      const bytes = value ? concat(this.pending, value) : this.pending;
      const used = this.scanner.scan(bytes, 0, bytes.length, done);
      this.pending = bytes.slice(used);
      this.done = done;
    }
    return this.records.take();
  }

  cancel(): void {
    void this.reader.cancel().catch(() => undefined);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The answer columns of a model (a projection's are known from its first answer). */
function answerColumns(model: TrainedModelArtifact, result: TablePredictions): string[] {
  switch (model.task) {
    case 'classification':
      return ['predicted', ...model.labels.map((l) => `probability_${l}`)];
    case 'regression':
      return ['predicted'];
    case 'clustering':
      return ['cluster'];
    case 'projection':
      return (result.projection?.[0] ?? []).map((_, c) => `pc_${c + 1}`);
  }
}

/** A row's answer as CSV cells (joined), or null when it holds a number that is not finite. */
function answerText(model: TrainedModelArtifact, result: TablePredictions, r: number): string | null {
  const numbers = model.task === 'classification' ? result.probabilities![r] : model.task === 'projection' ? result.projection![r] : [result.predicted[r]];
  if (numbers.some((v) => typeof v === 'number' && !Number.isFinite(v))) return null;
  return model.task === 'classification' ? `${csvField(result.predicted[r])},${numbers.join(',')}` : numbers.map(csvField).join(',');
}

/**
 * Scores a CSV request body with the deployment `name` (its live version): a 200 text/csv response
 * whose rows stream as they are scored; 400 before anything streams when the header lacks a column the model needs.
 */
export async function batchPredict(name: string, body: ReadableStream<Uint8Array> | null): Promise<Response> {
  const { model, network, contract } = await servedModel(name);
  if (!body) throw new PredictError(400, 'Send the rows as a CSV file: a header naming the columns, then one row per line.', 'body');
  const needed = contract.inputColumns.filter((c) => !contract.ignorable.has(c.name)).map((c) => c.name);
  const reader = new CsvReader(body.getReader(), needed);
  let chunk = await reader.read(ROWS_PER_CHUNK);
  const header = reader.records.header;
  if (!header) throw new PredictError(400, 'The CSV file is empty: send a header naming the columns, then one row per line.', 'body');
  const lacking = needed.filter((n) => !header.includes(n));
  if (lacking.length > 0) {
    reader.cancel();
    throw new PredictError(400, `The CSV header lacks ${lacking.map((n) => `"${n}"`).join(', ')}: the model needs ${needed.map((n) => `"${n}"`).join(', ')}.`, lacking[0]);
  }
  let firstRow = 0;
  let answered: string[] | null = null;

  const scoreChunk = async ({ bytes, count, lineStart, lineEnd, cells, broken }: Chunk): Promise<Uint8Array> => {
    // Each cell becomes text only as the contract reads it.
    const cellReader = (column: string) => {
      const cell = cells.get(column);
      if (!cell) return () => NOT_SENT;
      return (row: number) => utf8Decoder.decode(cell.escaped[row] ? unescapeQuotes(bytes, cell.start[row], cell.end[row]) : bytes.subarray(cell.start[row], cell.end[row]));
    };
    const read = readCells({ rowCount: count, cells: cellReader }, contract, firstRow);
    const result = count > 0 ? await predictTable(model, read.table, network) : { predicted: [] };
    const byRow = new Map<number, string[]>();
    const note = (p: RowNote) => byRow.set(p.row, [...(byRow.get(p.row) ?? []), p.message]);
    // The problems listed (a chunk's first 100; every row with one is marked all the same).
    read.problems.forEach(note);
    const out = new ByteWriter(bytes.length + count * 80);
    if (!answered) {
      answered = answerColumns(model, result);
      out.bytes(reader.records.headerLine);
      out.text(`,${[...answered, 'error'].map(csvField).join(',')}\r\n`);
    }
    const blanks = ','.repeat(answered.length);
    for (const line of broken) out.text(`${','.repeat(header.length - 1)}${blanks},${csvField(`Line ${line} could not be read (an unterminated quote).`)}\r\n`);
    for (let r = 0; r < count; r++) {
      const row = firstRow + r;
      let answer = read.problemRows.has(row) ? null : answerText(model, result, r);
      if (answer === null && !read.problemRows.has(row)) note(nonFinite(row));
      out.bytes(bytes.subarray(lineStart[r], lineEnd[r]));
      if (answer === null) answer = `${blanks.slice(1)},${csvField(byRow.get(row)?.join(' ') ?? 'This row has problems too (too many in this part of the file to list each).')}`;
      else answer += ',';
      out.text(`,${answer}\r\n`);
    }
    firstRow += count;
    return out.result();
  };

  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          controller.enqueue(await scoreChunk(chunk));
          if (reader.done) return controller.close();
          // The next chunk is read only when this one is taken: the request streams at the pace of the answer.
          await new Promise((resolve) => setImmediate(resolve));
          chunk = await reader.read(ROWS_PER_CHUNK);
        } catch (error) {
          reader.cancel();
          controller.error(error);
        }
      },
      cancel() {
        reader.cancel();
      },
    }),
    { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}-predictions.csv"` } },
  );
}
