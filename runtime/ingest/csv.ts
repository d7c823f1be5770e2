import type { Table } from '../../lib/table';
import { ingestCsvBytes } from './delimited';

/**
 * Parses CSV text with a header row into a typed table, with the same parser and type inference as
 * file uploads (runtime/ingest/delimited.ts, runtime/ingest/infer.ts): comma-delimited, '.' decimals, UTF-8. Throws
 * (an IngestError naming the lines) when any row is broken, so a bundled dataset never loses rows.
 */
export function parseCsv(text: string): Table {
  return ingestCsvBytes(Buffer.from(text, 'utf8'), {
    delimiter: ',',
    decimal: '.',
    header: true,
    encoding: 'utf-8',
    badRows: 'refuse',
    maxBytes: Number.POSITIVE_INFINITY,
  }).table;
}
