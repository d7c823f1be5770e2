/**
 * The choices a user makes when a file is read as a dataset: one schema for the upload route's query
 * parameters, `pipeloom dataset inspect`'s flags and the ingest node's params.
 */
import { z } from 'zod';
import { MAX_IMAGE_SIZE, MIN_IMAGE_SIZE } from '../../lib/image';

/**
 * Parser choices a user makes on upload. The Excel and image fields are optional without defaults,
 * so a CSV upload's options (part of the dataset's identity) stay what they were.
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

export type IngestOptionValues = z.output<typeof ingestOptionsSchema>;

export type UploadFormat = 'csv' | 'json' | 'xlsx' | 'images';

/** The format an upload is read as: the one chosen, else by extension: .json, .xlsx (.xlsm; .xls is refused with a hint), .zip (images), else CSV/TSV. */
export function uploadFormat(format: IngestOptionValues['format'] | undefined, fileName: string): UploadFormat {
  if (format && format !== 'auto') return format;
  if (/\.json$/i.test(fileName)) return 'json';
  if (/\.xls[xm]?$/i.test(fileName)) return 'xlsx';
  if (/\.zip$/i.test(fileName)) return 'images';
  return 'csv';
}

/** The options as text, the way a URL or a command line gives them: each one absent or a string. */
export type IngestOptionsText = Partial<Record<keyof IngestOptionValues, string>>;

/** Other ways people write a choice (any case) → the schema's value. */
const SPELLINGS: Partial<Record<keyof IngestOptionValues, Record<string, string>>> = {
  delimiter: { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' },
  encoding: { utf8: 'utf-8', 'iso-8859-1': 'latin1', 'windows-1252': 'latin1', cp1252: 'latin1' },
  colour: { gray: 'grey', colour: 'rgb', color: 'rgb' },
};

function textValue(name: keyof IngestOptionValues, text: string): unknown {
  switch (name) {
    case 'header':
      return text !== 'false';
    case 'sheet':
      return text.trim() === '' ? undefined : text;
    case 'imageSize':
    case 'maxImages':
      // Not a number (NaN) is refused by the schema, naming the option.
      return text.trim() === '' ? undefined : Number(text);
    default: {
      const value = text.toLowerCase();
      return SPELLINGS[name]?.[value] ?? value;
    }
  }
}

/**
 * Options given as text, read and checked by ingestOptionsSchema: header is false only as 'false',
 * numbers are read as numbers, a blank sheet or number is left out, and a choice may be spelt
 * another way ('tab', 'pipe', 'gray', 'utf8'…) in any case.
 */
export function parseIngestOptionsText(text: IngestOptionsText) {
  const values = Object.entries(text).flatMap(([name, value]) => (value === undefined ? [] : [[name, textValue(name as keyof IngestOptionValues, value)]]));
  return ingestOptionsSchema.safeParse(Object.fromEntries(values));
}
