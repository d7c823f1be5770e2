/**
 * The pixel-column convention for image tables (pure: usable in the browser, in compile and on
 * workers). An image of H×W pixels is one row with a number column per pixel value, 0..255:
 * - grey: `px_<row>_<col>` (the bundled 8x8 digits sample: px_0_0 … px_7_7);
 * - colour: `px_<row>_<col>_<channel>`, channel 0, 1, 2 = red, green, blue.
 * Rows and columns count from 0 at the top left. Other columns (a label, a file name) may sit
 * beside them.
 */
import type { ColumnSchema } from './table';

/** Image ZIP uploads: the square size images are resized to (pixels), and how many images at most. */
export const DEFAULT_IMAGE_SIZE = 28;
export const MIN_IMAGE_SIZE = 2;
/** Larger images make tables too wide to show and train on here (64×64 colour is 12,288 columns). */
export const MAX_IMAGE_SIZE = 64;
export const DEFAULT_MAX_IMAGES = 50_000;

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
  /** The pixel columns in row-major, channel-last order (row 0 col 0 ch 0, row 0 col 0 ch 1, …). */
  columns: string[];
}

/** The name of one pixel value's column; `channel` only for colour images. */
export function pixelColumnName(row: number, col: number, channel?: number): string {
  return channel === undefined ? `px_${row}_${col}` : `px_${row}_${col}_${channel}`;
}

/** Every pixel column name of an image, in row-major, channel-last order. */
export function pixelColumnNames(height: number, width: number, channels: number, withChannel = channels > 1): string[] {
  const names: string[] = [];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (!withChannel) names.push(pixelColumnName(r, c));
      else for (let k = 0; k < channels; k++) names.push(pixelColumnName(r, c, k));
    }
  }
  return names;
}

const PIXEL = /^px_(\d{1,4})_(\d{1,4})(?:_(\d))?$/;

/**
 * The image a table's columns hold, when they follow the convention above: every pixel column of a
 * full H×W×C grid is present and numeric, all in one form (with or without the channel part).
 * Undefined when there are no pixel columns, some are missing or not numbers, or the forms mix.
 */
export function imageShape(columns: ColumnSchema[]): ImageShape | undefined {
  let height = 0;
  let width = 0;
  let channels = 0;
  let count = 0;
  let withChannel: boolean | undefined;
  const present = new Set<string>();
  for (const column of columns) {
    const match = PIXEL.exec(column.name);
    if (!match) continue;
    if (column.type !== 'number') return undefined;
    const hasChannel = match[3] !== undefined;
    if (withChannel === undefined) withChannel = hasChannel;
    else if (withChannel !== hasChannel) return undefined;
    height = Math.max(height, Number(match[1]) + 1);
    width = Math.max(width, Number(match[2]) + 1);
    channels = Math.max(channels, hasChannel ? Number(match[3]) + 1 : 1);
    present.add(column.name);
    count++;
  }
  if (count === 0 || present.size !== count || count !== height * width * channels) return undefined;
  const names = pixelColumnNames(height, width, channels, withChannel);
  return names.every((n) => present.has(n)) ? { height, width, channels, columns: names } : undefined;
}
