/**
 * Geometric changes of one image held as a flat row-major, channel-last array (lib/image.ts's pixel
 * order: row 0 col 0 ch 0, row 0 col 0 ch 1, …), for data augmentation. Pure and allocation-free when
 * given an output buffer.
 */

export interface ImageGrid {
  height: number;
  width: number;
  channels: number;
}

export interface ImageTransform {
  /** Degrees, counter-clockwise as the image is displayed (row 0 at the top), about the centre. */
  angle: number;
  /** Shift right (dx) and down (dy), in pixels. */
  dx: number;
  dy: number;
  /** Size factor about the centre: 1.2 = 20% larger (zoomed in), 0.8 = smaller. */
  zoom: number;
  /** Mirror left ↔ right first. */
  flip: boolean;
}

export const IDENTITY: ImageTransform = { angle: 0, dx: 0, dy: 0, zoom: 1, flip: false };

/** Coordinates within a hair of a whole pixel are that pixel (cos 90° is 6e-17, not 0). */
function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 ? r : v;
}

/**
 * The image after mirroring (optional), rotating, zooming and shifting: each output pixel samples the
 * input where the inverse transform puts it, with bilinear interpolation. Positions outside the image
 * take the nearest edge pixel, so every value is a blend of input values and stays within their range.
 */
export function transformImage(src: ArrayLike<number>, grid: ImageGrid, t: ImageTransform, out = new Float64Array(src.length)): Float64Array {
  const { height: H, width: W, channels: C } = grid;
  if (src.length !== H * W * C || out.length !== src.length) throw new Error(`An image of ${H}×${W}×${C} has ${H * W * C} values, not ${src.length}.`);
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  const radians = (t.angle * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Undo the shift, the zoom, then the rotation (x right, y down: counter-clockwise on screen).
      const u = (x - cx - t.dx) / t.zoom;
      const v = (y - cy - t.dy) / t.zoom;
      let sx = snap(u * cos - v * sin + cx);
      const sy = snap(u * sin + v * cos + cy);
      if (t.flip) sx = W - 1 - sx;
      const px = Math.min(Math.max(sx, 0), W - 1);
      const py = Math.min(Math.max(sy, 0), H - 1);
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const x1 = Math.min(x0 + 1, W - 1);
      const y1 = Math.min(y0 + 1, H - 1);
      const fx = px - x0;
      const fy = py - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const a = (y0 * W + x0) * C;
      const b = (y0 * W + x1) * C;
      const c = (y1 * W + x0) * C;
      const d = (y1 * W + x1) * C;
      const o = (y * W + x) * C;
      for (let k = 0; k < C; k++) {
        // Weights of 0 skip their pixel, so a missing pixel spoils only the outputs that really use it.
        let value = 0;
        if (w00 !== 0) value += w00 * src[a + k];
        if (w01 !== 0) value += w01 * src[b + k];
        if (w10 !== 0) value += w10 * src[c + k];
        if (w11 !== 0) value += w11 * src[d + k];
        out[o + k] = value;
      }
    }
  }
  return out;
}

/** A random transform within ± the given ranges, drawn with `rng` (always 5 draws, so streams stay aligned). */
export function randomTransform(
  rng: () => number,
  ranges: { rotation: number; shift: number; zoom: number; flip: boolean },
): ImageTransform {
  const spread = (range: number) => (rng() * 2 - 1) * range;
  const angle = spread(ranges.rotation);
  const dx = spread(ranges.shift);
  const dy = spread(ranges.shift);
  const zoom = 1 + spread(ranges.zoom);
  const flip = rng() < 0.5 && ranges.flip;
  return { angle, dx, dy, zoom, flip };
}
