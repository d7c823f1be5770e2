/**
 * One entry point for every upload format, used by the ingest node (on a worker) and the CLI:
 * picks the reader by format (or by the file name's extension), and describes what it read in one
 * report shape that the dataset list stores and the Datasets page shows.
 */
import type { Decimal } from '../../lib/infer';
import type { Table } from '../../lib/table';
import { uploadFormat, type UploadFormat } from '../../nodes/dataset/ingest-upload';
import { defaultMaxBytes, IngestError, type Delimiter, type Encoding } from './ingest';
import type { ColourMode, ImageFit } from './ingest-images';

/** What reading an upload found; stored with the dataset. */
export interface IngestReport {
  /** Absent on uploads stored before formats were recorded (CSV or JSON). */
  format?: UploadFormat;
  /** Size of the uploaded file. */
  bytes: number;
  /** Rows (images: files) skipped because of a problem. */
  skippedRows: number;
  /** The first problems: `line` for a table's row (Excel: its row number), `file` for a file in a ZIP. */
  problems: { line?: number; file?: string; kind: string; message: string }[];
  /** How many problems there were in all (the list stops at 100). */
  problemCount?: number;
  /** CSV and JSON. */
  delimiter?: string;
  decimal?: string;
  encoding?: string;
  /** Excel: the sheet read, and all of the workbook's sheets. */
  sheet?: string;
  sheets?: string[];
  /** Image ZIPs: how the images were turned into pixels, and the classes found. */
  images?: { size: number; colour: ColourMode; fit: ImageFit; classes: { name: string; count: number }[] };
}

export interface UploadIngestOptions {
  /** 'auto' (default): by the file name's extension (see uploadFormat). */
  format?: 'auto' | UploadFormat;
  delimiter?: 'auto' | Delimiter;
  decimal?: 'auto' | Decimal;
  header?: boolean;
  encoding?: 'auto' | Encoding;
  badRows?: 'skip' | 'refuse';
  /** Excel: the sheet to read. */
  sheet?: string;
  /** Image ZIPs. */
  imageSize?: number;
  colour?: ColourMode;
  fit?: ImageFit;
  maxImages?: number;
  maxBytes?: number;
  onProgress?: (fraction: number, message: string) => void;
}

/** Reads an uploaded file into a table in the format chosen (or detected), with its report. */
export async function ingestUploadFile(path: string, fileName: string, options: UploadIngestOptions): Promise<{ table: Table; report: IngestReport }> {
  const format = uploadFormat(options.format, fileName);
  if (format === 'xlsx') {
    const { ingestXlsxFile } = await import('./ingest-xlsx');
    const r = await ingestXlsxFile(path, options);
    return {
      table: r.table,
      report: { format, bytes: r.bytes, skippedRows: r.skippedRows, problems: r.problems, problemCount: r.problemCount, sheet: r.sheet, sheets: r.sheets },
    };
  }
  if (format === 'images') {
    const { ingestImageZip } = await import('./ingest-images');
    const r = await ingestImageZip(path, { ...options, size: options.imageSize });
    return {
      table: r.table,
      report: {
        format,
        bytes: r.bytes,
        skippedRows: r.skippedFiles,
        problems: r.problems,
        problemCount: r.problemCount,
        images: { size: r.size, colour: r.colour, fit: r.fit, classes: r.classes },
      },
    };
  }
  if (format !== 'csv' && format !== 'json') throw new IngestError('unreadable', `Unknown format "${String(format)}".`);
  const r =
    format === 'json'
      ? await (await import('./ingest-json')).ingestJsonFile(path, { maxBytes: options.maxBytes ?? defaultMaxBytes() })
      : await (await import('./ingest')).ingestCsvFile(path, options);
  return {
    table: r.table,
    report: {
      format,
      bytes: r.bytes,
      skippedRows: r.skippedRows,
      problems: r.problems,
      problemCount: r.problemCount,
      delimiter: r.delimiter,
      decimal: r.decimal,
      encoding: r.encoding,
    },
  };
}
