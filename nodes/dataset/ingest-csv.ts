import { z } from 'zod';
import { columnStats } from '../../lib/stats';
import { tableSchema } from '../../lib/table';
import type { TableArtifact } from '../artifacts';
import { defineNode } from '../define';

/** Parser choices a user makes on upload; the same fields are the upload route's query parameters. */
export const ingestOptionsSchema = z.object({
  delimiter: z.enum(['auto', ',', ';', '\t', '|']).default('auto'),
  decimal: z.enum(['auto', '.', ',']).default('auto'),
  header: z.boolean().default(true),
  encoding: z.enum(['auto', 'utf-8', 'latin1']).default('auto'),
  badRows: z.enum(['skip', 'refuse']).default('skip'),
});

/**
 * Engine-internal: parses an uploaded file on a worker (never in the web server) into a stored
 * table, with its schema, per-column statistics and the problems found.
 */
export const ingestCsv = defineNode({
  type: 'system.ingest-csv',
  version: 1,
  category: 'dataset',
  label: 'Ingest an upload',
  description: 'Parses an uploaded CSV/TSV file into a table.',
  hidden: true,
  inputs: [],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: ingestOptionsSchema.extend({ path: z.string().min(1), maxBytes: z.number().int().positive() }),
  configure: () => ({ outputs: {} }),
  async run({ params, ctx }) {
    const { ingestCsvFile } = await import('../../server/data/ingest');
    ctx.progress(0, 'parsing');
    const result = await ingestCsvFile(params.path, params);
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
