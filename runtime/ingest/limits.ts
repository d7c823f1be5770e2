/**
 * What every reader (CSV, Excel, JSON, image ZIPs) refuses and reports: IngestError, the problems
 * found in rows, and the size limits an upload is held to.
 */

/** 'outside-table': an Excel row with a value beyond the table's columns (runtime/ingest/xlsx.ts). */
export type ProblemKind = 'field-count' | 'quote' | 'outside-table';

export interface IngestProblem {
  /** 1-based physical line of the file where the record starts (an Excel file: the row number). */
  line: number;
  kind: ProblemKind;
  message: string;
}

export type IngestErrorCode = 'too-large' | 'unreadable' | 'empty' | 'no-rows' | 'bad-rows' | 'bad-header' | 'unsupported-encoding';

/** Why a file cannot be used; `problems` lists the rows behind a 'bad-rows' or 'no-rows' refusal. */
export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly problems: IngestProblem[] = [],
    readonly problemCount = problems.length,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** Problems kept in the result (the count goes on). */
export const MAX_LISTED_PROBLEMS = 100;
export const MIB = 1024 * 1024;

export function defaultMaxBytes(): number {
  const mb = Number(process.env.PIPELOOM_MAX_UPLOAD_MB);
  return Math.floor((Number.isFinite(mb) && mb > 0 ? mb : 200) * MIB);
}

/** The most bytes one cell may hold: a bigger one is refused, naming its row and column. */
export const MAX_CELL_BYTES = MIB;

/** Cells a file may become per byte of its own, and the cells any file may become, whatever its size. */
const CELLS_PER_FILE_BYTE = 16;
const MIN_CELLS = 1_000_000;

/**
 * What a file of `fileBytes`, uploaded under a limit of `maxBytes`, may become: at most one cell per
 * byte of the limit (a CSV file spends at least one byte on every cell, so a CSV within the limit
 * always passes) and at most 16 per byte of the file itself (at least a million), since JSON's missing
 * keys and Excel's compression make many cells from few bytes; at most 8 bytes per such cell once
 * parsed (a column of numbers). So a small file cannot become a huge table.
 */
export function tableLimits(maxBytes: number, fileBytes: number): { cells: number; bytes: number } {
  const cells = Math.min(maxBytes, Math.max(MIN_CELLS, CELLS_PER_FILE_BYTE * fileBytes));
  return { cells, bytes: 8 * cells };
}

/** Who set the bound, for the refusal: the file's size and the upload limit. */
export function limitSource(maxBytes: number, fileBytes: number): string {
  return `a ${formatBytes(fileBytes)} file (at most ${CELLS_PER_FILE_BYTE} cells per byte of it, or a million, and one per byte of the ${formatBytes(maxBytes)} PIPELOOM_MAX_UPLOAD_MB)`;
}

/** The refusal of a cell over MAX_CELL_BYTES; `where` names its row and column. */
export function cellTooLarge(where: string): IngestError {
  return new IngestError('too-large', `${where}: the cell holds more than ${formatBytes(MAX_CELL_BYTES)} of text; a cell may hold at most ${formatBytes(MAX_CELL_BYTES)}. Nothing was imported.`);
}

/** 512 bytes, 12.5 KB, 3.2 MB, 250 MB (binary units, as the limit is set in MB). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  const [value, unit] = n < MIB ? [n / 1024, 'KB'] : n < 1024 * MIB ? [n / MIB, 'MB'] : [n / 1024 / MIB, 'GB'];
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} ${unit}`;
}

/** A column name as a message quotes it: at most 100 characters. */
export function clipName(name: string): string {
  return name.length > 100 ? `${name.slice(0, 99)}…` : name;
}
