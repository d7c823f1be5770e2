import { readFile, stat } from 'node:fs/promises';
import { ingestCsvBytes, type IngestResult } from './delimited';
import { cellTooLarge, clipName, formatBytes, IngestError, MAX_CELL_BYTES, limitSource, tableLimits } from './limits';

/** Whether a cell's text takes more than MAX_CELL_BYTES as UTF-8 (measured only when it might). */
export function overCellLimit(text: string): boolean {
  return text.length > MAX_CELL_BYTES || (text.length * 3 > MAX_CELL_BYTES && Buffer.byteLength(text) > MAX_CELL_BYTES);
}

/** A value as one CSV field (quoted when needed), for feeding other formats through the CSV ingest; `where` names it in errors. */
export function csvCell(value: unknown, where: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new IngestError('bad-rows', `${where} is not a finite number.`);
    return String(value);
  }
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (overCellLimit(text)) throw cellTooLarge(where);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A JSON file holding an array of records ({"column": value, ...}) becomes a table through the same
 * parser and type inference as CSV: each record a row, the union of keys the columns (in order of
 * first appearance), a missing key an empty cell, nested values kept as JSON text.
 */
export async function ingestJsonFile(path: string, options: { maxBytes: number }): Promise<IngestResult> {
  const { size } = await stat(path);
  if (size > options.maxBytes) {
    throw new IngestError('too-large', `The file is ${formatBytes(size)}; the limit is ${formatBytes(options.maxBytes)} (PIPELOOM_MAX_UPLOAD_MB).`);
  }
  let records: unknown;
  try {
    records = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new IngestError('unreadable', `The file is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(records)) throw new IngestError('unreadable', 'The JSON file must hold an array of records, like [{"age": 31, "city": "Oslo"}, ...].');
  if (records.length === 0) throw new IngestError('no-rows', 'The JSON array is empty.');
  const columns = new Map<string, number>();
  records.forEach((record, i) => {
    if (!record || typeof record !== 'object' || Array.isArray(record)) throw new IngestError('bad-rows', `Record ${i + 1} is not an object of column values.`);
    for (const key of Object.keys(record)) if (!columns.has(key)) columns.set(key, columns.size);
  });
  const names = [...columns.keys()];
  // Records with different keys multiply into rows × columns: bound that before building the text.
  const cells = records.length * names.length;
  const limit = tableLimits(options.maxBytes, size).cells;
  if (cells > limit) {
    throw new IngestError(
      'too-large',
      `The records would make ${cells.toLocaleString('en')} cells (${records.length.toLocaleString('en')} records × ${names.length.toLocaleString('en')} different keys); ${limitSource(options.maxBytes, size)} may become at most ${limit.toLocaleString('en')}. Nothing was imported.`,
    );
  }
  const lines = [names.map((n) => csvCell(n, 'a column name')).join(',')];
  // Errors name a record's key, cut to 100 characters (a key may be long).
  const quoted = names.map((n) => `"${clipName(n)}"`);
  records.forEach((record: Record<string, unknown>, i) => lines.push(names.map((n, c) => csvCell(record[n], `Record ${i + 1}, ${quoted[c]}`)).join(',')));
  return ingestCsvBytes(Buffer.from(lines.join('\n'), 'utf8'), { delimiter: ',', decimal: '.', header: true, encoding: 'utf-8', badRows: 'refuse', maxBytes: Infinity });
}
