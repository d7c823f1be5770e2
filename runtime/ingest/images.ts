/**
 * Image datasets: a ZIP of one folder per class (cat/1.png, dog/2.jpg, …) becomes a table with one
 * row per image: `file` (text: the path inside the ZIP), one number column per pixel value 0..255
 * named by the lib/image.ts convention (px_<row>_<col> grey, px_<row>_<col>_<channel> colour), and
 * `label` (category: the class folder), last so that it is the default target.
 *
 * How it works
 * - The ZIP is read with yauzl from its central directory; each entry is decompressed into memory
 *   on its own (nothing is ever written to disk, so paths in the archive never become paths on the
 *   server: an entry whose name is absolute or climbs out with ".." is skipped and reported).
 * - Class folders: when every image sits inside one wrapping folder (photos/cat/1.png,
 *   photos/dog/2.png), that folder is looked through. A file's class is then its first folder;
 *   files deeper down belong to that class too. Files outside any class folder are skipped and
 *   reported; macOS and Windows clutter (__MACOSX/, hidden files, Thumbs.db, desktop.ini) is ignored.
 * - Images are recognised by their content (PNG or JPEG; other files are skipped and reported),
 *   decoded with sharp: turned upright by their EXIF orientation, transparency flattened onto white
 *   (as an image viewer shows it), then resized to size×size. 'cover' (default) scales the image to
 *   fill the square and cuts the overflow equally from both sides, so no padding pixels are invented
 *   and every pixel holds image; 'contain' keeps the whole picture and pads the rest with black (0).
 *   Grey mode keeps one channel (sharp's luminance), rgb three.
 * - A file that cannot be decoded is skipped and reported with its name. Fewer than two classes
 *   with images, more images than `maxImages`, or a table too large to hold in memory are refused
 *   before anything is decoded. Rows are in path order, so the same ZIP gives the same table.
 */
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DEFAULT_IMAGE_SIZE, DEFAULT_MAX_IMAGES, MAX_IMAGE_SIZE, MIN_IMAGE_SIZE, pixelColumnNames } from '../../lib/image';
import { tableSchema, type Column, type ColumnSchema, type Table } from '../../lib/table';
import { uploadedFileSize } from './delimited';
import { formatBytes, IngestError, MAX_LISTED_PROBLEMS } from './limits';

export type ColourMode = 'grey' | 'rgb';
export type ImageFit = 'cover' | 'contain';

export interface ImageIngestOptions {
  /** Width and height of every image after resizing, in pixels (default 28). */
  size?: number;
  /** 'grey' (default): one channel; 'rgb': three. */
  colour?: ColourMode;
  /** 'cover' (default): fill the square, cropping the overflow; 'contain': whole image, black padding. */
  fit?: ImageFit;
  /** More images than this are refused (default 50,000). */
  maxImages?: number;
  /** Largest ZIP accepted, in bytes (default PIPELOOM_MAX_UPLOAD_MB, else 200 MB). */
  maxBytes?: number;
  /** Called as images are decoded (fraction 0..1). */
  onProgress?: (fraction: number, message: string) => void;
}

export type ImageProblemKind = 'unsafe-path' | 'no-class' | 'duplicate' | 'not-image' | 'decode' | 'too-large' | 'encrypted';

export interface ImageProblem {
  /** The path inside the ZIP. */
  file: string;
  kind: ImageProblemKind;
  message: string;
}

export interface ImageIngestResult {
  table: Table;
  rowCount: number;
  columns: ColumnSchema[];
  size: number;
  colour: ColourMode;
  fit: ImageFit;
  /** Classes in label order, with their image counts. */
  classes: { name: string; count: number }[];
  /** The first MAX_LISTED_PROBLEMS skipped files; problemCount says how many there were. */
  problems: ImageProblem[];
  problemCount: number;
  skippedFiles: number;
  bytes: number;
}

/** Pixel values the table may hold (8 bytes each): 160 million is 1.3 GB, e.g. 50,000 colour images of 32×32. */
export const MAX_PIXEL_VALUES = 160_000_000;
/** One image file larger than this (uncompressed) is skipped. */
const MAX_IMAGE_FILE_BYTES = 64 * 2 ** 20;
/** Decoded images larger than this many pixels are skipped (before decoding them). */
const MAX_IMAGE_PIXELS = 64_000_000;
/** Images decoded at once. */
const PARALLEL = 4;

const IGNORED_NAMES = new Set(['thumbs.db', 'desktop.ini']);
const IMAGE_EXTENSION = /\.(png|jpe?g|jpe)$/i;

interface Candidate {
  entry: Entry;
  /** The path inside the ZIP, '/'-separated, without '.' segments. */
  path: string;
  segments: string[];
}

/** The entry's name as the archive means it: UTF-8 or CP437 by its flag, backslashes read as '/'. */
function entryName(entry: Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
}

function readEntry(zip: ZipFile, entry: Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error: Error | null, stream: Readable) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      let length = 0;
      stream.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > MAX_IMAGE_FILE_BYTES) stream.destroy(new Error('too large'));
        else chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks, length)));
    });
  });
}

function imageKind(bytes: Buffer): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Decodes, orients, flattens and resizes one image to size×size×channels bytes. */
async function decode(bytes: Buffer, size: number, colour: ColourMode, fit: ImageFit): Promise<Buffer> {
  let pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .resize(size, size, { fit, position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 } });
  pipeline = colour === 'grey' ? pipeline.greyscale().toColourspace('b-w') : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const channels = colour === 'grey' ? 1 : 3;
  if (info.width !== size || info.height !== size || info.channels !== channels || data.length !== size * size * channels) {
    throw new Error(`unexpected decoded shape ${info.width}×${info.height}×${info.channels}`);
  }
  return data;
}

/** The first line of a decoder's message, without sharp's prefix noise. */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].replace(/:\s*$/, '').trim() || 'unknown error';
}

function clampOption(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new IngestError('unreadable', `The ${what} must be a whole number from ${min} to ${max}.`);
  return v;
}

/** Reads a ZIP of class folders into an image table (see the top of this file). */
export async function ingestImageZip(file: string, options: ImageIngestOptions = {}): Promise<ImageIngestResult> {
  const size = clampOption(options.size, DEFAULT_IMAGE_SIZE, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE, 'image size');
  const maxImages = clampOption(options.maxImages, DEFAULT_MAX_IMAGES, 1, 1_000_000, 'image limit');
  const colour: ColourMode = options.colour ?? 'grey';
  const fit: ImageFit = options.fit ?? 'cover';
  const channels = colour === 'grey' ? 1 : 3;
  const bytes = await uploadedFileSize(file, options.maxBytes);

  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (error) {
    throw new IngestError(
      'unreadable',
      `This file is not a ZIP archive that can be read (${reason(error)}). An image dataset is a .zip with one folder per class, e.g. cat/1.png, dog/2.jpg.`,
    );
  }

  const problems: ImageProblem[] = [];
  let problemCount = 0;
  const report = (path: string, kind: ImageProblemKind, message: string) => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push({ file: path, kind, message });
  };

  try {
    // 1. The entries (central directory only: nothing is decompressed yet).
    const files: Candidate[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        const name = entryName(entry);
        if (name.endsWith('/')) continue; // a folder
        const unsafe = yauzl.validateFileName(name);
        if (unsafe !== null) {
          const why = unsafe.startsWith('absolute') ? 'is an absolute path' : 'climbs out of the archive with ".."';
          report(name, 'unsafe-path', `${name}: the name ${why}; skipped for safety.`);
          continue;
        }
        const segments = name.split('/').filter((s) => s !== '' && s !== '.');
        const base = segments[segments.length - 1] ?? '';
        if (segments.some((s) => s === '__MACOSX' || s.startsWith('.')) || IGNORED_NAMES.has(base.toLowerCase())) continue;
        files.push({ entry, path: segments.join('/'), segments });
      }
    } catch (error) {
      throw new IngestError('unreadable', `The ZIP archive is damaged and cannot be read (${reason(error)}).`);
    }

    // 2. Class folders: look through one folder that wraps every image.
    const images = files.filter((f) => IMAGE_EXTENSION.test(f.path));
    let depth = 0;
    for (;;) {
      const pool = images.length > 0 ? images : files;
      const top = pool[0]?.segments[depth];
      if (top === undefined || !pool.every((f) => f.segments.length > depth + 2 && f.segments[depth] === top)) break;
      depth++;
    }
    const wrapper = (images[0] ?? files[0])?.segments.slice(0, depth) ?? [];
    const candidates: (Candidate & { label: string })[] = [];
    const seen = new Set<string>();
    for (const f of files) {
      if (f.segments.length < depth + 2 || !wrapper.every((s, i) => f.segments[i] === s)) {
        report(f.path, 'no-class', `${f.path}: not inside a class folder; skipped.`);
      } else if (seen.has(f.path)) {
        report(f.path, 'duplicate', `${f.path}: the ZIP holds two files with this path; the second is skipped.`);
      } else {
        seen.add(f.path);
        candidates.push({ ...f, label: f.segments[depth] });
      }
    }
    const folders = [...new Set(candidates.map((c) => c.label))].sort();
    if (folders.length === 0) {
      throw new IngestError('no-rows', 'The ZIP has no class folders. Put the images in one folder per class, e.g. cat/1.png, cat/2.png, dog/1.jpg.');
    }
    if (folders.length < 2) {
      throw new IngestError('no-rows', `The ZIP has only one class folder ("${folders[0]}"). A classifier needs at least two classes: add one folder per class.`);
    }
    if (candidates.length > maxImages) {
      throw new IngestError(
        'too-large',
        `The ZIP holds ${candidates.length.toLocaleString('en')} files in class folders; the limit is ${maxImages.toLocaleString('en')} images. Upload fewer images, or raise the image limit.`,
      );
    }
    const perImage = size * size * channels;
    if (candidates.length * perImage > MAX_PIXEL_VALUES) {
      const fits = Math.floor(MAX_PIXEL_VALUES / perImage);
      throw new IngestError(
        'too-large',
        `${candidates.length.toLocaleString('en')} images of ${size}×${size} ${colour === 'grey' ? 'grey' : 'colour'} pixels are too many values to hold (at most ${fits.toLocaleString('en')} images of that size). Choose a smaller image size${colour === 'rgb' ? ' or grey' : ''}, or upload fewer images.`,
      );
    }
    candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    // 3. Decode into the pixel columns (row i = candidate i; skipped rows are removed after).
    const n = candidates.length;
    const pixels = Array.from({ length: perImage }, () => new Float64Array(n));
    const kept = new Uint8Array(n);
    /** Why candidate i was skipped: reported in path order once all are done. */
    const skipped: [ImageProblemKind, string][] = [];
    const decodeOne = async (c: Candidate): Promise<Buffer | [ImageProblemKind, string]> => {
      if (c.entry.isEncrypted()) return ['encrypted', `${c.path}: the file is password-protected; skipped.`];
      if (c.entry.uncompressedSize > MAX_IMAGE_FILE_BYTES) {
        return ['too-large', `${c.path}: ${formatBytes(c.entry.uncompressedSize)} is too large for one image (at most ${formatBytes(MAX_IMAGE_FILE_BYTES)}); skipped.`];
      }
      let data: Buffer;
      try {
        data = await readEntry(zip, c.entry);
      } catch (error) {
        return ['decode', `${c.path}: cannot be read from the ZIP (${reason(error)}); skipped.`];
      }
      if (!imageKind(data)) return ['not-image', `${c.path}: not a PNG or JPEG image; skipped.`];
      try {
        return await decode(data, size, colour, fit);
      } catch (error) {
        return ['decode', `${c.path}: the image cannot be decoded (${reason(error)}); skipped.`];
      }
    };
    let next = 0;
    let done = 0;
    const work = async () => {
      for (let i = next++; i < n; i = next++) {
        const raw = await decodeOne(candidates[i]);
        if (Buffer.isBuffer(raw)) {
          for (let k = 0; k < perImage; k++) pixels[k][i] = raw[k];
          kept[i] = 1;
        } else skipped[i] = raw;
        done++;
        if (done % 64 === 0 || done === n) options.onProgress?.(done / n, `decoded ${done.toLocaleString('en')} of ${n.toLocaleString('en')} images`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, n) }, work));
    for (let i = 0; i < n; i++) if (skipped[i]) report(candidates[i].path, ...skipped[i]);

    // 4. The table: file, pixels, label.
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (kept[i]) rows.push(i);
    const labels = [...new Set(rows.map((i) => candidates[i].label))].sort();
    if (labels.length < 2) {
      const example = problems[0] ? ` For example: ${problems[0].message}` : '';
      throw new IngestError(
        'no-rows',
        rows.length === 0
          ? `None of the files in the class folders is a readable PNG or JPEG image.${example}`
          : `Only the class "${labels[0]}" has readable images; a classifier needs at least two classes.${example}`,
      );
    }
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const compact = (values: Float64Array): Float64Array => {
      if (rows.length === n) return values;
      const out = new Float64Array(rows.length);
      for (let r = 0; r < rows.length; r++) out[r] = values[rows[r]];
      return out;
    };
    const names = pixelColumnNames(size, size, channels);
    const columns: Column[] = [
      { name: 'file', type: 'text', codes: Int32Array.from(rows.keys()), categories: rows.map((i) => candidates[i].path) },
      ...names.map((name, k): Column => ({ name, type: 'number', values: compact(pixels[k]) })),
      { name: 'label', type: 'category', codes: Int32Array.from(rows, (i) => labelIndex.get(candidates[i].label)!), categories: labels },
    ];
    const table: Table = { rowCount: rows.length, columns };
    const counts = new Map<string, number>();
    for (const i of rows) counts.set(candidates[i].label, (counts.get(candidates[i].label) ?? 0) + 1);
    return {
      table,
      rowCount: rows.length,
      columns: tableSchema(table),
      size,
      colour,
      fit,
      classes: labels.map((name) => ({ name, count: counts.get(name)! })),
      problems,
      problemCount,
      skippedFiles: problemCount,
      bytes,
    };
  } finally {
    zip.close();
  }
}
