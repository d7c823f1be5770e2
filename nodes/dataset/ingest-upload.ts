import { z } from 'zod';
import { columnStats } from '../../lib/stats';
import { tableSchema } from '../../lib/table';
import type { TableArtifact } from '../artifacts';
import { defineNode } from '../define';

/** Parser choices a user makes on upload; the same fields are the upload route's query parameters. */
export const ingestOptionsSchema = z.object({
  /** 'auto': JSON when the file name ends in .json, else CSV/TSV. */
  format: z.enum(['auto', 'csv', 'json']).default('auto'),
  delimiter: z.enum(['auto', ',', ';', '\t', '|']).default('auto'),
  decimal: z.enum(['auto', '.', ',']).default('auto'),
  header: z.boolean().default(true),
  encoding: z.enum(['auto', 'utf-8', 'latin1']).default('auto'),
  badRows: z.enum(['skip', 'refuse']).default('skip'),
});

/**
 * Engine-internal: parses an uploaded file (CSV/TSV, or JSON records) on a worker (never in the web server) into a stored
 * table, with its schema, per-column statistics and the problems found.
 */
export const ingestUpload = defineNode({
  type: 'system.ingest-upload',
  version: 1,
  category: 'dataset',
  label: 'Ingest an upload',
  description: 'Parses an uploaded CSV, TSV or JSON file into a table.',
  hidden: true,
  inputs: [],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: ingestOptionsSchema.extend({ path: z.string().min(1), fileName: z.string(), maxBytes: z.number().int().positive() }),
  configure: () => ({ outputs: {} }),
  async run({ params, ctx }) {
    ctx.progress(0, 'parsing');
    const json = params.format === 'json' || (params.format === 'auto' && /\.json$/i.test(params.fileName));
    const result = json
      ? await (await import('../../server/data/ingest-json')).ingestJsonFile(params.path, params)
      : await (await import('../../server/data/ingest')).ingestCsvFile(params.path, params);
    const table: TableArtifact = { table: result.table, recipe: [] };
    return {
      table,
      summary: {
        rowCount: result.table.rowCount,
        columns: tableSchema(result.table),
        stats: result.table.columns.map(columnStats),
        report: {
          delimiter: result.delimiter,
          decimal: result.decimal,
          encoding: result.encoding,
          bytes: result.bytes,
          skippedRows: result.skippedRows,
          problems: result.problems,
        },
      },
    };
  },
  summarize: (outputs) => outputs.summary as Record<string, unknown>,
});
