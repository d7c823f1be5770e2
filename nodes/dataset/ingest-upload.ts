import { z } from 'zod';
import { columnStats } from '../../lib/stats';
import { tableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { ingestOptionsSchema } from '../../runtime/ingest/options';
import { defineNode } from '../define';

/**
 * Engine-internal: parses an uploaded file (CSV/TSV, JSON records, an Excel sheet, or a ZIP of
 * class folders of images) on a worker (never in the web server) into a stored table, with its
 * schema, per-column statistics and the problems found.
 */
export const ingestUpload = defineNode({
  type: 'system.ingest-upload',
  version: 1,
  category: 'dataset',
  label: 'Ingest an upload',
  description: 'Parses an uploaded CSV, TSV, JSON or Excel file, or a ZIP of images, into a table.',
  inputs: [],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  // The upload by its name in the uploads folder, never a path: a task cannot point a worker at another file.
  params: ingestOptionsSchema.extend({ upload: z.string().min(1), fileName: z.string(), maxBytes: z.number().int().positive() }),
  configure: () => ({ outputs: {} }),
  async run({ params, ctx }) {
    ctx.progress(0, 'parsing');
    const { ingestUploadFile } = await import('../../runtime/ingest/file');
    const { uploadFile } = await import('../../runtime/paths');
    const onProgress = (fraction: number, message: string) => ctx.progress(fraction, message);
    const { table: data, report } = await ingestUploadFile(uploadFile(params.upload), params.fileName, { ...params, onProgress });
    const table: TableArtifact = { table: data, recipe: [] };
    return {
      table,
      summary: {
        rowCount: data.rowCount,
        columns: tableSchema(data),
        stats: data.columns.map(columnStats),
        report,
      },
    };
  },
  summarize: (outputs) => outputs.summary as Record<string, unknown>,
});
