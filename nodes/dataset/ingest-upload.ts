import { z } from 'zod';
import { MAX_IMAGE_SIZE, MIN_IMAGE_SIZE } from '../../lib/image';
import { columnStats } from '../../lib/stats';
import { tableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { defineNode } from '../define';

/**
 * Parser choices a user makes on upload; the same fields are the upload route's query parameters.
 * The Excel and image fields are optional without defaults, so a CSV upload's options (part of the
 * dataset's identity) stay what they were.
 */
export const ingestOptionsSchema = z.object({
  /** 'auto': by the file name: .json JSON, .xlsx Excel, .zip images (one folder per class), else CSV/TSV. */
  format: z.enum(['auto', 'csv', 'json', 'xlsx', 'images']).default('auto'),
  delimiter: z.enum(['auto', ',', ';', '\t', '|']).default('auto'),
  decimal: z.enum(['auto', '.', ',']).default('auto'),
  header: z.boolean().default(true),
  encoding: z.enum(['auto', 'utf-8', 'latin1']).default('auto'),
  badRows: z.enum(['skip', 'refuse']).default('skip'),
  /** Excel: the sheet to read (default: the first visible one). */
  sheet: z.string().trim().min(1, 'name a sheet').max(200).optional(),
  /** Image ZIPs: width and height in pixels after resizing (default 28). */
  imageSize: z
    .number()
    .int('a whole number of pixels')
    .min(MIN_IMAGE_SIZE, `at least ${MIN_IMAGE_SIZE} pixels`)
    .max(MAX_IMAGE_SIZE, `at most ${MAX_IMAGE_SIZE} pixels`)
    .optional(),
  /** Image ZIPs: 'grey' (default, one channel) or 'rgb' (three). */
  colour: z.enum(['grey', 'rgb']).optional(),
  /** Image ZIPs: 'cover' (default: fill the square, crop the overflow) or 'contain' (whole image, black padding). */
  fit: z.enum(['cover', 'contain']).optional(),
  /** Image ZIPs: more images than this are refused (default 50,000). */
  maxImages: z.number().int('a whole number').min(1, 'at least 1').max(1_000_000, 'at most 1,000,000').optional(),
});

export type UploadFormat = 'csv' | 'json' | 'xlsx' | 'images';

/** The format an upload is read as: the one chosen, else by extension: .json, .xlsx (.xlsm; .xls is refused with a hint), .zip (images), else CSV/TSV. */
export function uploadFormat(format: z.output<typeof ingestOptionsSchema>['format'] | undefined, fileName: string): UploadFormat {
  if (format && format !== 'auto') return format;
  if (/\.json$/i.test(fileName)) return 'json';
  if (/\.xls[xm]?$/i.test(fileName)) return 'xlsx';
  if (/\.zip$/i.test(fileName)) return 'images';
  return 'csv';
}

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
