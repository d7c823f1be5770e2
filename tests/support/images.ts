/** Tiny test images made with sharp: solid colours, in PNG or JPEG. */
import sharp from 'sharp';

export type Rgb = { r: number; g: number; b: number; alpha?: number };

/** A width×height image of one colour (alpha 0..1 makes a PNG with transparency). */
export function solidImage(width: number, height: number, colour: Rgb, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const channels = colour.alpha === undefined ? 3 : 4;
  const image = sharp({ create: { width, height, channels, background: colour } });
  return (format === 'png' ? image.png() : image.jpeg({ quality: 100 })).toBuffer();
}

/** A grey image: r = g = b = level. */
export const greyImage = (width: number, height: number, level: number, format: 'png' | 'jpeg' = 'png') => solidImage(width, height, { r: level, g: level, b: level }, format);
