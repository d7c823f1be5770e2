/**
 * One entry point for every upload format, used by the ingest node (on a worker) and the CLI:
 * picks the reader by format (or by the file name's extension), and describes what it read in one
 * report shape that the dataset list stores and the Datasets page shows.
 */
import { isValueColumn, type Table } from '../../lib/table';
import { defaultMaxBytes, formatBytes, IngestError, limitSource, tableLimits } from './limits';
import type { ColourMode, ImageFit } from './images';
import { uploadFormat, type IngestOptionValues, type UploadFormat } from './options';

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

/** The upload's options (any left out take their defaults), its size limit, and where progress goes. */
export interface UploadIngestOptions extends Partial<IngestOptionValues> {
  maxBytes?: number;
  onProgress?: (fraction: number, message: string) => void;
}

/** Reads an uploaded file into a table in the format chosen (or detected), with its report; refuses a table bigger than the upload may become. */
export async function ingestUploadFile(path: string, fileName: string, options: UploadIngestOptions): Promise<{ table: Table; report: IngestReport }> {
  const result = await readUploadFile(path, fileName, options);
  checkTableSize(result.table, options.maxBytes ?? defaultMaxBytes(), result.report.bytes);
  return result;
}

/** Bytes the table takes in memory (and, about, on disk): 8 per number, 4 per dictionary code, plus the dictionary's text. */
function tableBytes(table: Table): number {
  let bytes = 0;
  for (const column of table.columns) {
    if (isValueColumn(column)) bytes += table.rowCount * 8;
    else bytes += table.rowCount * 4 + column.categories.reduce((sum, c) => sum + Buffer.byteLength(c), 0);
  }
  return bytes;
}

/** The last guard for every format (Excel and JSON also check as they go): rows × columns and the parsed size within tableLimits. */
function checkTableSize(table: Table, maxBytes: number, fileBytes: number): void {
  const limits = tableLimits(maxBytes, fileBytes);
  const cells = table.rowCount * table.columns.length;
  const upload = limitSource(maxBytes, fileBytes);
  if (cells > limits.cells) {
    throw new IngestError(
      'too-large',
      `The table would have ${cells.toLocaleString('en')} cells (${table.rowCount.toLocaleString('en')} rows × ${table.columns.length.toLocaleString('en')} columns); ${upload} may become at most ${limits.cells.toLocaleString('en')}. Nothing was imported.`,
    );
  }
  const bytes = tableBytes(table);
  if (bytes > limits.bytes) {
    throw new IngestError('too-large', `The table would take ${formatBytes(bytes)}; ${upload} may become at most ${formatBytes(limits.bytes)}. Nothing was imported.`);
  }
}

async function readUploadFile(path: string, fileName: string, options: UploadIngestOptions): Promise<{ table: Table; report: IngestReport }> {
  const format = uploadFormat(options.format, fileName);
  if (format === 'xlsx') {
    const { ingestXlsxFile } = await import('./xlsx');
    const r = await ingestXlsxFile(path, options);
    return {
      table: r.table,
      report: { format, bytes: r.bytes, skippedRows: r.skippedRows, problems: r.problems, problemCount: r.problemCount, sheet: r.sheet, sheets: r.sheets },
    };
  }
  if (format === 'images') {
    const { ingestImageZip } = await import('./images');
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
      ? await (await import('./json')).ingestJsonFile(path, { maxBytes: options.maxBytes ?? defaultMaxBytes() })
      : await (await import('./delimited')).ingestCsvFile(path, options);
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
