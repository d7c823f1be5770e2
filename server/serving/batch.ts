import { utf8Decoder } from '../../runtime/ingest/decode';
import { FLAG_ESCAPES, PROBLEM_NONE, Scanner, unescapeQuotes, type Layout, type RecordSink } from '../../runtime/ingest/scanner';
import { csvField } from '../data/export';
import { PredictError, predictRows, readRows, servedModel, type PredictAnswer, type RowNote } from './predict';

/**
 * Batch scoring: a CSV file in (a header naming the columns, then any number of rows), CSV out, a
 * chunk of rows at a time in both directions. The request is read only as fast as the answer is
 * taken (the response stream pulls), so memory stays bounded by one chunk whatever the file's size,
 * and the event loop is given back between chunks. Cells are read by the upload's scanner and by the
 * predict contract (missing markers, categories, every problem), and a row the model cannot read
 * gets its problems in the `error` column instead of answers: one bad row does not void a batch.
 */

const ROWS_PER_CHUNK = 2_000;
const COMMA = 0x2c;

/** Collects the records the scanner finds: the header's names first, then rows of text cells. */
class Records implements RecordSink {
  stopped = false;
  readonly layout: Layout = { header: true, names: null, width: 0 };
  header: string[] | null = null;
  rows: string[][] = [];
  /** Lines the scanner could not read (an unterminated quote). */
  broken: number[] = [];
  /** Where each row of `rows` starts in the file (1-based line). */
  lines: number[] = [];

  record(bytes: Uint8Array, count: number, line: number, problem: number): void {
    const { starts, ends, flags } = this.scanner!;
    const cells: string[] = [];
    for (let i = 0; i < count; i++) {
      const field = flags[i] & FLAG_ESCAPES ? unescapeQuotes(bytes, starts[i], ends[i]) : bytes.subarray(starts[i], ends[i]);
      cells.push(utf8Decoder.decode(field));
    }
    if (!this.header) {
      this.header = cells.map((c) => c.trim());
      this.layout.names = this.header.map((c) => new TextEncoder().encode(c));
      this.layout.width = count;
    } else if (problem !== PROBLEM_NONE || count === 0) this.broken.push(line);
    else {
      this.rows.push(cells);
      this.lines.push(line);
    }
  }

  scanner: Scanner | null = null;
}

/** The request body read a block at a time into records, the scanner resuming at record boundaries. */
class CsvReader {
  private readonly records = new Records();
  private readonly scanner = new Scanner(COMMA, this.records);
  private pending = new Uint8Array(0);
  private done = false;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.records.scanner = this.scanner;
  }

  /** Reads on until at least `rows` rows (or the end): the header, and the rows read so far (taken). */
  async read(rows: number): Promise<{ header: string[] | null; rows: string[][]; lines: number[]; broken: number[]; done: boolean }> {
    while (!this.done && (this.records.header === null || this.records.rows.length < rows)) {
      const { value, done } = await this.reader.read();
      const bytes = value ? concat(this.pending, value) : this.pending;
      const used = this.scanner.scan(bytes, 0, bytes.length, done);
      this.pending = bytes.slice(used);
      this.done = done;
    }
    const { header, rows: taken, lines, broken } = this.records;
    this.records.rows = [];
    this.records.lines = [];
    this.records.broken = [];
    return { header, rows: taken, lines, broken, done: this.done };
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

/** An answer as CSV cells, in the order of `answerColumns`. */
function answerCells(answer: PredictAnswer | undefined, columns: readonly string[]): string[] {
  if (!answer) return columns.map(() => '');
  const flat: Record<string, unknown> = {
    predicted: answer.predicted,
    cluster: answer.cluster,
    ...Object.fromEntries(Object.entries(answer.probabilities ?? {}).map(([label, p]) => [`probability_${label}`, p])),
    ...answer.components,
  };
  return columns.map((c) => csvField(flat[c]));
}

/**
 * Scores a CSV request body with the deployment `name` (its live version): a 200 text/csv response
 * whose rows stream as they are scored; 400 before anything streams when the header lacks a column the model needs.
 */
export async function batchPredict(name: string, body: ReadableStream<Uint8Array> | null): Promise<Response> {
  const { model, network, contract } = await servedModel(name);
  if (!body) throw new PredictError(400, 'Send the rows as a CSV file: a header naming the columns, then one row per line.', 'body');
  const reader = new CsvReader(body.getReader());
  let chunk = await reader.read(ROWS_PER_CHUNK);
  const header = chunk.header;
  if (!header) throw new PredictError(400, 'The CSV file is empty: send a header naming the columns, then one row per line.', 'body');
  const needed = contract.inputColumns.filter((c) => !contract.ignorable.has(c.name)).map((c) => c.name);
  const lacking = needed.filter((n) => !header.includes(n));
  if (lacking.length > 0) {
    reader.cancel();
    throw new PredictError(400, `The CSV header lacks ${lacking.map((n) => `"${n}"`).join(', ')}: the model needs ${needed.map((n) => `"${n}"`).join(', ')}.`, lacking[0]);
  }
  // A projection's columns (pc_1, pc_2…) are known from its first answer.
  let answerNames: string[] | null =
    model.task === 'classification' ? ['predicted', ...model.labels.map((l) => `probability_${l}`)] : model.task === 'regression' ? ['predicted'] : model.task === 'clustering' ? ['cluster'] : null;
  const encoder = new TextEncoder();
  const read = header.map((h, i) => [h, i] as const).filter(([h]) => needed.includes(h));
  let firstRow = 0;
  let headerSent = false;

  const scoreChunk = async (rows: string[][], lines: number[], broken: number[]): Promise<string> => {
    const records = rows.map((cells) => Object.fromEntries(read.map(([h, i]) => [h, cells[i] ?? ''])));
    const result = readRows(records, contract, firstRow);
    const { predictions, problems } = rows.length > 0 ? await predictRows(model, result.table, network, firstRow) : { predictions: [], problems: [] };
    const byRow = new Map<number, string[]>();
    const note = (p: RowNote) => byRow.set(p.row, [...(byRow.get(p.row) ?? []), p.message]);
    // The problems listed (readRows lists a chunk's first 100; every row with one is marked all the same).
    result.problems.forEach(note);
    problems.forEach(note);
    answerNames ??= Object.keys(predictions[0]?.components ?? {});
    const answered = answerNames;
    let text = '';
    if (!headerSent) {
      text += [...header, ...answered, 'error'].map(csvField).join(',') + '\r\n';
      headerSent = true;
    }
    const blank = (message: string) => [...header.map(() => ''), ...answered.map(() => ''), csvField(message)].join(',') + '\r\n';
    for (const line of broken) text += blank(`Line ${line} could not be read (an unterminated quote).`);
    rows.forEach((cells, r) => {
      const row = firstRow + r;
      const bad = result.problemRows.has(row) || byRow.has(row);
      const message = bad ? (byRow.get(row)?.join(' ') ?? 'This row has problems too (too many in this part of the file to list each).') : '';
      text += [...header.map((_, i) => csvField(cells[i] ?? '')), ...answerCells(bad ? undefined : predictions[r], answered), csvField(message)].join(',') + '\r\n';
    });
    firstRow += rows.length;
    return text;
  };

  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          controller.enqueue(encoder.encode(await scoreChunk(chunk.rows, chunk.lines, chunk.broken)));
          if (chunk.done) return controller.close();
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
