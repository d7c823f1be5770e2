import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageShape } from '../../lib/image';
import { tableRows, type Table } from '../../lib/table';
import { ingestImageZip, type ImageIngestOptions } from '../../runtime/ingest/images';
import { greyImage, solidImage } from '../support/images';
import { ingestRefusal } from '../support/ingest';
import { makeZip, type ZipEntry } from '../support/zip';

let dir: string;
let n = 0;
let grey90: Buffer;
let grey200jpeg: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-images-'));
  grey90 = await greyImage(4, 4, 90);
  grey200jpeg = await greyImage(4, 4, 200, 'jpeg');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zipFile(entries: ZipEntry[]): string {
  const p = path.join(dir, `z${n++}.zip`);
  writeFileSync(p, makeZip(entries));
  return p;
}

const ingest = (entries: ZipEntry[], options?: ImageIngestOptions) => ingestImageZip(zipFile(entries), options);

const refusal = (file: string, options?: ImageIngestOptions) => ingestRefusal(ingestImageZip(file, options));

/** Every pixel value of one row. */
const pixelsOf = (table: Table, row: number) => imageShape(table.columns.map((c) => ({ name: c.name, type: c.type })))!.columns.map((name) => tableRows(table, 1, row)[0][name]);

describe('ingestImageZip', () => {
  it('grey: file first (text), px_<row>_<col> 0..255, label last (category), rows in path order', async () => {
    const r = await ingest([
      { name: 'dog/c.jpg', data: grey200jpeg },
      { name: 'cat/b.png', data: grey90, deflate: true },
      { name: 'cat/a.png', data: grey90 },
    ], { size: 8 });
    expect(r.rowCount).toBe(3);
    expect(r.columns[0]).toEqual({ name: 'file', type: 'text', distinct: 3 });
    expect(r.columns.at(-1)).toEqual({ name: 'label', type: 'category', distinct: 2 });
    expect(r.columns.slice(1, -1).map((c) => c.name)).toEqual(imageShape(r.columns)!.columns);
    expect(imageShape(r.columns)).toMatchObject({ height: 8, width: 8, channels: 1 });
    expect(r.columns[1]).toMatchObject({ name: 'px_0_0', type: 'number', integer: true });
    const rows = tableRows(r.table);
    expect(rows.map((row) => [row.file, row.label])).toEqual([
      ['cat/a.png', 'cat'],
      ['cat/b.png', 'cat'],
      ['dog/c.jpg', 'dog'],
    ]);
    // A solid 4x4 image resized to 8x8 keeps its value in every pixel.
    expect(new Set(pixelsOf(r.table, 0))).toEqual(new Set([90]));
    expect(pixelsOf(r.table, 2).every((v) => Math.abs((v as number) - 200) <= 2)).toBe(true);
    expect(r.classes).toEqual([
      { name: 'cat', count: 2 },
      { name: 'dog', count: 1 },
    ]);
    expect(r).toMatchObject({ size: 8, colour: 'grey', fit: 'cover', problems: [], problemCount: 0 });
  });

  it('rgb: px_<row>_<col>_<channel> with red, green, blue values', async () => {
    const r = await ingest([
      { name: 'warm/a.png', data: await solidImage(4, 4, { r: 200, g: 100, b: 50 }) },
      { name: 'cold/b.png', data: await solidImage(4, 4, { r: 0, g: 60, b: 250 }) },
    ], { size: 8, colour: 'rgb' });
    const shape = imageShape(r.columns)!;
    expect(shape).toMatchObject({ height: 8, width: 8, channels: 3 });
    expect(shape.columns.slice(0, 4)).toEqual(['px_0_0_0', 'px_0_0_1', 'px_0_0_2', 'px_0_1_0']);
    const rows = tableRows(r.table);
    expect(rows[1]).toMatchObject({ file: 'warm/a.png', label: 'warm', px_0_0_0: 200, px_0_0_1: 100, px_0_0_2: 50, px_7_7_0: 200, px_7_7_2: 50 });
    expect(rows[0]).toMatchObject({ file: 'cold/b.png', px_3_4_0: 0, px_3_4_1: 60, px_3_4_2: 250 });
  });

  it("'cover' fills the square; 'contain' keeps the whole image and pads with black; transparency shows as white", async () => {
    const wide = await solidImage(4, 2, { r: 255, g: 255, b: 255 });
    const clear = await solidImage(4, 4, { r: 0, g: 0, b: 0, alpha: 0 });
    const entries = [
      { name: 'a/wide.png', data: wide },
      { name: 'b/clear.png', data: clear },
    ];
    const cover = await ingest(entries, { size: 4 });
    expect(new Set(pixelsOf(cover.table, 0))).toEqual(new Set([255]));
    const contain = await ingest(entries, { size: 4, fit: 'contain' });
    const rows = tableRows(contain.table);
    expect([rows[0].px_0_0, rows[0].px_1_0, rows[0].px_2_3, rows[0].px_3_3]).toEqual([0, 255, 255, 0]);
    expect(new Set(pixelsOf(contain.table, 1))).toEqual(new Set([255]));
  });

  it('looks through one wrapping folder, skips and reports what is not an image (by file name), ignores clutter, never follows unsafe paths', async () => {
    const r = await ingest([
      { name: 'photos/', data: '' },
      { name: 'photos/cat/a.png', data: grey90 },
      { name: 'photos/cat/deeper/b.PNG', data: grey90 },
      { name: 'photos/dog/c.jpeg', data: grey200jpeg },
      { name: 'photos/dog/notes.txt', data: 'not a picture' },
      { name: 'photos/dog/broken.png', data: grey90.subarray(0, 40) },
      { name: 'photos/dog/fake.jpg', data: 'a,b\n1,2\n' },
      { name: 'photos/readme.md', data: '# photos' },
      { name: '__MACOSX/photos/cat/._a.png', data: 'resource fork' },
      { name: 'photos/cat/.DS_Store', data: 'x' },
      { name: '../evil.png', data: grey90 },
      { name: '/etc/evil.png', data: grey90 },
      { name: 'photos\\cat\\win.png', data: grey90 },
    ], { size: 4 });
    expect(tableRows(r.table).map((row) => `${row.label}:${row.file}`)).toEqual(['cat:photos/cat/a.png', 'cat:photos/cat/deeper/b.PNG', 'cat:photos/cat/win.png', 'dog:photos/dog/c.jpeg']);
    expect(r.problems.map((p) => [p.file, p.kind])).toEqual([
      ['../evil.png', 'unsafe-path'],
      ['/etc/evil.png', 'unsafe-path'],
      ['photos/readme.md', 'no-class'],
      ['photos/dog/broken.png', 'decode'],
      ['photos/dog/fake.jpg', 'not-image'],
      ['photos/dog/notes.txt', 'not-image'],
    ]);
    expect(r.skippedFiles).toBe(6);
    expect(r.problems[3].message).toMatch(/^photos\/dog\/broken\.png: the image cannot be decoded \(.+\); skipped\.$/);
    expect(r.problems[0].message).toContain('skipped for safety');
    // Nothing was written next to the ZIP.
    expect(existsSync(path.join(dir, '..', 'evil.png'))).toBe(false);
  });

  it('refuses, in plain words: no class folders, one class, over the image limit, too many pixel values, not a ZIP', async () => {
    expect((await refusal(zipFile([{ name: 'a.png', data: grey90 }, { name: 'b.png', data: grey90 }]))).message).toMatch(/no class folders.*one folder per class/);
    expect((await refusal(zipFile([{ name: 'cat/a.png', data: grey90 }]))).message).toContain('only one class folder ("cat")');
    const broken = await refusal(zipFile([{ name: 'cat/a.png', data: grey90 }, { name: 'dog/b.png', data: 'oops' }]));
    expect(broken.message).toContain('Only the class "cat" has readable images');
    const three = [{ name: 'a/1.png', data: grey90 }, { name: 'a/2.png', data: grey90 }, { name: 'b/3.png', data: grey90 }];
    expect((await refusal(zipFile(three), { maxImages: 2 })).message).toBe('The ZIP holds 3 files in class folders; the limit is 2 images. Upload fewer images, or raise the image limit.');
    expect((await refusal(zipFile(three), { size: 1 })).message).toContain('image size must be a whole number from 2 to 64');
    // Refused before anything is decoded: these "images" are not even images.
    const many = Array.from({ length: 13_100 }, (_, i) => ({ name: `${i % 2 ? 'a' : 'b'}/${i}.png`, data: 'x' }));
    expect((await refusal(zipFile(many), { size: 64, colour: 'rgb' })).message).toBe(
      '13,100 images of 64×64 colour pixels are too many values to hold (at most 13,020 images of that size). Choose a smaller image size or grey, or upload fewer images.',
    );
    const csv = path.join(dir, 'renamed.zip');
    writeFileSync(csv, 'a,b\n1,2\n');
    expect((await refusal(csv)).message).toMatch(/^This file is not a ZIP archive that can be read .*one folder per class/);
    const empty = path.join(dir, 'empty.zip');
    writeFileSync(empty, '');
    expect((await refusal(empty)).message).toBe('The file is empty.');
    expect((await refusal(zipFile(three), { maxBytes: 100 })).code).toBe('too-large');
  });
});
