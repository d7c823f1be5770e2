import { imageShape, type ImageShape } from '../../lib/image';
import type { StatefulStep } from '../recipe';
import type { Column, Table } from '../../lib/table';
import { numberColumn, refuseTarget, replaceColumns } from './columns';

export interface ImageNormalizeParams {
  /** 'scale': divide by the training maximum (pixels in 0..1); 'standardize': (pixel - mean) / std. */
  method: 'scale' | 'standardize';
  /** Standardize a colour image's red, green and blue separately (one mean and spread each). */
  perChannel: boolean;
}

export interface ImageNormalizeState {
  /** The pixel columns, row-major and channel-last (column j holds channel j % channels). */
  columns: string[];
  channels: number;
  /** Per channel: pixel → (pixel - offset) / divisor. */
  offset: number[];
  divisor: number[];
}

const STEP = 'Image normalize';

/** The image the table holds (lib/image.ts convention), or a plain error. */
export function tableImage(table: Pick<Table, 'columns'>, step: string): ImageShape {
  const shape = imageShape(table.columns);
  if (!shape) {
    throw new Error(
      `${step} needs an image: one number column per pixel, named px_<row>_<col> (grey) or px_<row>_<col>_<channel> (colour), for every pixel of the grid.`,
    );
  }
  return shape;
}

/** Max, mean and spread (population) of the present values of some columns, in two passes. */
function pixelStats(table: Table, names: string[]): { max: number; mean: number; std: number; n: number } {
  const columns = names.map((name) => numberColumn(table, name, STEP).values);
  let n = 0;
  let sum = 0;
  let max = -Infinity;
  for (const values of columns) {
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      n++;
      sum += v;
      if (v > max) max = v;
    }
  }
  const mean = n > 0 ? sum / n : 0;
  let squares = 0;
  for (const values of columns) for (const v of values) if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
  return { max, mean, std: n > 0 ? Math.sqrt(squares / n) : 0, n };
}

/**
 * Pixel values rescaled with numbers learned from the training rows: 'scale' divides by the largest
 * training pixel (digits: 16, photos: 255) so they land in 0..1; 'standardize' subtracts the training
 * pixel mean and divides by the spread, over all pixels or per colour channel. A missing pixel stays missing.
 */
export const imageNormalizeStep: StatefulStep<ImageNormalizeParams, ImageNormalizeState> = {
  kind: 'image-normalize',
  // The pixel columns are found by their names (px_…), not named in the params.
  columns: () => [],
  describe(state, params) {
    const round = (v: number) => Number(v.toPrecision(4));
    const each = (values: number[]) => (new Set(values).size === 1 ? String(round(values[0])) : values.map(round).join(' / '));
    return [
      params.method === 'scale'
        ? `Image normalize: pixels divided by ${each(state.divisor)}, the largest pixel of the training rows.`
        : `Image normalize: pixels standardized with the training average ${each(state.offset)} and spread ${each(state.divisor)}${each(state.offset).includes('/') ? ' (red / green / blue)' : ''}.`,
    ];
  },
  fit(table, params, context) {
    const shape = tableImage(table, STEP);
    refuseTarget(shape.columns, context.target, STEP);
    const channels = shape.channels;
    const groups =
      params.method === 'standardize' && params.perChannel && channels > 1
        ? Array.from({ length: channels }, (_, c) => shape.columns.filter((_, j) => j % channels === c))
        : [shape.columns];
    const stats = groups.map((names) => pixelStats(table, names));
    const offset = stats.map((s) => (params.method === 'standardize' ? s.mean : 0));
    const divisor = stats.map((s) => {
      const d = params.method === 'standardize' ? s.std : s.max;
      return s.n > 0 && d > 0 ? d : 1;
    });
    const perChannel = (values: number[]) => Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]);
    return { columns: shape.columns, channels, offset: perChannel(offset), divisor: perChannel(divisor) };
  },
  transform(table, state) {
    const replacements = new Map<string, Column[]>();
    state.columns.forEach((name, j) => {
      const c = j % state.channels;
      const offset = state.offset[c];
      const divisor = state.divisor[c];
      const values = numberColumn(table, name, STEP).values;
      const out = new Float64Array(values.length);
      for (let r = 0; r < values.length; r++) out[r] = (values[r] - offset) / divisor;
      replacements.set(name, [{ name, type: 'number', values: out }]);
    });
    return replaceColumns(table, replacements);
  },
};
