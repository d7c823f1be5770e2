import { describe, expect, it } from 'vitest';
import { IDENTITY, randomTransform, transformImage, type ImageTransform } from '../../runtime/image-augment';
import { pixelColumnNames } from '../../lib/image';
import { canConnect } from '../../lib/ports';
import { applyRecipe, fitRecipe } from '../../runtime/recipe';
import { createRng } from '../../lib/rng';
import { imageNormalizeStep } from '../../runtime/steps/image-normalize';
import { tableRows, takeRows, type Column, type Table, type TableSchema } from '../../lib/table';
import type { SplitArtifact } from '../../runtime/artifacts';
import type { CompileEnv } from '../../nodes/define';
import { imageAugment } from '../../nodes/features/image-augment';
import { imageNormalize } from '../../nodes/features/image-normalize';
import { testContext } from '../support/run-context';
import { sampleChain } from '../support/sample-chain';

const env: CompileEnv = { dataset: () => undefined };
const grid3 = { height: 3, width: 3, channels: 1 };
const IMAGE = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const move = (t: Partial<ImageTransform>, src: number[] = IMAGE, grid = grid3) => Array.from(transformImage(src, grid, { ...IDENTITY, ...t }));

describe('transformImage (3x3, row-major: 1 2 3 / 4 5 6 / 7 8 9)', () => {
  it('turns by 90° counter-clockwise and clockwise, mirrors, and leaves it alone', () => {
    expect(move({})).toEqual(IMAGE);
    expect(move({ angle: 90 })).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(move({ angle: -90 })).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    expect(move({ angle: 180 })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(move({ flip: true })).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
  });

  it('shifts by a pixel (the edge pixel fills in), and by half a pixel (neighbours blend)', () => {
    expect(move({ dx: 1 })).toEqual([1, 1, 2, 4, 4, 5, 7, 7, 8]);
    expect(move({ dx: -1 })).toEqual([2, 3, 3, 5, 6, 6, 8, 9, 9]);
    expect(move({ dy: 1 })).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6]);
    expect(move({ dx: 0.5 })).toEqual([1, 1.5, 2.5, 4, 4.5, 5.5, 7, 7.5, 8.5]);
  });

  it('zooms about the centre: 2× in shows the middle pixel larger', () => {
    // Output (0,0) samples (0.5, 0.5): the average of 1, 2, 4, 5.
    expect(move({ zoom: 2 })).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
  });

  it('keeps the channels of a colour pixel together (channel-last)', () => {
    // 2x2 RGB: pixel (r,c) = [10(r*2+c), +1, +2].
    const rgb = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32];
    expect(move({ angle: 90 }, rgb, { height: 2, width: 2, channels: 3 })).toEqual([10, 11, 12, 30, 31, 32, 0, 1, 2, 20, 21, 22]);
  });

  it('random transforms stay within the original range; a missing pixel spoils only what samples it', () => {
    const rng = createRng(3);
    const src = Array.from({ length: 64 }, () => Math.round(rng() * 16));
    const min = Math.min(...src);
    const max = Math.max(...src);
    for (let i = 0; i < 50; i++) {
      const out = transformImage(src, { height: 8, width: 8, channels: 1 }, randomTransform(rng, { rotation: 30, shift: 2, zoom: 0.2, flip: true }));
      for (const v of out) expect(v >= min && v <= max).toBe(true);
    }
    const holed = [...IMAGE];
    holed[0] = NaN;
    expect(move({ dx: 1 }, holed).map((v) => Number.isNaN(v))).toEqual([true, true, false, false, false, false, false, false, false]);
  });
});

/** Images of 2x2 grey pixels, a label, and a row number; rows 0-2 play "training". */
function greyTable(): Table {
  const pixels = [
    [0, 4, 8, 16],
    [2, 2, 2, 2],
    [1, 3, 5, 7],
    [32, 0, 0, 0],
  ];
  return {
    rowCount: 4,
    columns: [
      { name: 'file', type: 'category', codes: new Int32Array([0, 1, 2, 3]), categories: ['a', 'b', 'c', 'd'] },
      ...pixelColumnNames(2, 2, 1).map((name, j): Column => ({ name, type: 'number', values: Float64Array.from(pixels, (p) => p[j]) })),
      { name: 'label', type: 'category', codes: new Int32Array([0, 1, 0, 1]), categories: ['no', 'yes'] },
    ],
  };
}

const pixelsOf = (t: Table) => tableRows(t).map((row) => Object.entries(row).filter(([k]) => k.startsWith('px_')).map(([, v]) => v as number));

describe('Image normalize step', () => {
  const train = takeRows(greyTable(), [0, 1, 2]);

  it('scale: divides by the training maximum (a test pixel above it goes above 1)', () => {
    const state = imageNormalizeStep.fit(train, { method: 'scale', perChannel: true }, { target: 'label' });
    expect(state).toEqual({ columns: ['px_0_0', 'px_0_1', 'px_1_0', 'px_1_1'], channels: 1, offset: [0], divisor: [16] });
    expect(imageNormalizeStep.describe!(state, { method: 'scale', perChannel: true })).toEqual(['Image normalize: pixels divided by 16, the largest pixel of the training rows.']);
    expect(pixelsOf(imageNormalizeStep.transform(greyTable(), state, { method: 'scale', perChannel: true }))).toEqual([
      [0, 0.25, 0.5, 1],
      [0.125, 0.125, 0.125, 0.125],
      [1 / 16, 3 / 16, 5 / 16, 7 / 16],
      [2, 0, 0, 0],
    ]);
  });

  it('standardize: one mean and spread over every training pixel', () => {
    const state = imageNormalizeStep.fit(train, { method: 'standardize', perChannel: true }, { target: 'label' });
    const all = [0, 4, 8, 16, 2, 2, 2, 2, 1, 3, 5, 7];
    const mean = all.reduce((a, b) => a + b) / 12;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / 12);
    expect(state.offset[0]).toBeCloseTo(mean, 12);
    expect(state.divisor[0]).toBeCloseTo(std, 12);
    const out = imageNormalizeStep.transform(train, state, { method: 'standardize', perChannel: true });
    const values = pixelsOf(out).flat();
    expect(values.reduce((a, b) => a + b) / 12).toBeCloseTo(0, 12);
    expect(Math.sqrt(values.reduce((a, b) => a + b * b, 0) / 12)).toBeCloseTo(1, 12);
    expect(out.columns.map((c) => c.name)).toEqual(train.columns.map((c) => c.name));
  });

  it('standardize a colour image per channel (or over all of them); a missing pixel stays missing', () => {
    // 1x2 RGB: red 0/10, green 100/100 (no spread), blue 1/3; one row.
    const names = pixelColumnNames(1, 2, 3);
    const values = [0, 100, 1, 10, 100, 3];
    const rgb: Table = { rowCount: 1, columns: names.map((name, j): Column => ({ name, type: 'number', values: new Float64Array([values[j]]) })) };
    const perChannel = imageNormalizeStep.fit(rgb, { method: 'standardize', perChannel: true }, { target: 'label' });
    expect(perChannel).toEqual({ columns: names, channels: 3, offset: [5, 100, 2], divisor: [5, 1, 1] });
    expect(pixelsOf(imageNormalizeStep.transform(rgb, perChannel, { method: 'standardize', perChannel: true }))).toEqual([[-1, 0, -1, 1, 0, 1]]);
    expect(imageNormalizeStep.describe!(perChannel, { method: 'standardize', perChannel: true })).toEqual([
      'Image normalize: pixels standardized with the training average 5 / 100 / 2 and spread 5 / 1 / 1 (red / green / blue).',
    ]);
    const overall = imageNormalizeStep.fit(rgb, { method: 'standardize', perChannel: false }, { target: 'label' });
    expect(new Set(overall.offset).size).toBe(1);
    expect(overall.offset[0]).toBeCloseTo(214 / 6, 12);
    const scaled = imageNormalizeStep.fit(rgb, { method: 'scale', perChannel: true }, { target: 'label' });
    expect(scaled).toMatchObject({ offset: [0, 0, 0], divisor: [100, 100, 100] });
    const holed: Table = { ...rgb, columns: rgb.columns.map((c, j) => (j === 0 ? { ...c, values: new Float64Array([NaN]) } : c)) };
    expect(pixelsOf(imageNormalizeStep.transform(holed, scaled, { method: 'scale', perChannel: true }))[0][0]).toBeNull();
  });

  it('refuses a table without an image, and a pixel target', () => {
    const noImage: Table = { rowCount: 1, columns: [{ name: 'px_0_1', type: 'number', values: new Float64Array(1) }] };
    expect(() => imageNormalizeStep.fit(noImage, { method: 'scale', perChannel: true }, { target: 'label' })).toThrow(
      'Image normalize needs an image: one number column per pixel, named px_<row>_<col> (grey) or px_<row>_<col>_<channel> (colour), for every pixel of the grid.',
    );
    expect(() => imageNormalizeStep.fit(train, { method: 'scale', perChannel: true }, { target: 'px_0_0' })).toThrow(/"px_0_0" is the target column/);
  });
});

describe('Image normalize node', () => {
  const schema: TableSchema = {
    columns: [
      { name: 'px_0_0', type: 'number', integer: true, distinct: 3 },
      { name: 'px_0_1', type: 'number', integer: true, distinct: 3 },
      { name: 'digit', type: 'number', integer: true, distinct: 10 },
    ],
  };
  const configure = (s: TableSchema, p: Record<string, unknown> = {}) =>
    imageNormalize.configure({ params: imageNormalize.params.parse(p), inputs: { table: { type: 'Table', table: s } }, env });

  it('compile: the pixels become fractions; no image or a pixel target is a problem', () => {
    expect(imageNormalize.params.parse({})).toEqual({ method: 'scale', perChannel: true });
    expect(configure(schema).outputs.table?.table?.columns).toEqual([
      { name: 'px_0_0', type: 'number', integer: false },
      { name: 'px_0_1', type: 'number', integer: false },
      { name: 'digit', type: 'number', integer: true, distinct: 10 },
    ]);
    expect(configure({ columns: schema.columns.slice(1) }).problems?.[0].message).toMatch(/^The table holds no image: this step needs one number column per pixel/);
    expect(configure({ ...schema, target: 'px_0_1' }).problems?.[0].message).toMatch(/"px_0_1" is the target column/);
  });
});

/** A Split of 3x3 grey images (values 0..16): 3 training, 1 validation, 2 test rows. */
function imageSplit(): SplitArtifact {
  const rng = createRng(5);
  const n = 6;
  const table: Table = {
    rowCount: n,
    columns: [
      ...pixelColumnNames(3, 3, 1).map((name): Column => ({ name, type: 'number', values: Float64Array.from({ length: n }, () => Math.round(rng() * 16)) })),
      { name: 'digit', type: 'number', values: Float64Array.from({ length: n }, (_, r) => r) },
    ],
  };
  const train = takeRows(table, [0, 1, 2]);
  return {
    target: 'digit',
    task: 'classification',
    labels: ['0', '1', '2', '3', '4', '5'],
    train,
    validation: takeRows(table, [3]),
    test: takeRows(table, [4, 5]),
    recipe: fitRecipe([{ kind: 'image-normalize', params: { method: 'scale', perChannel: true } }], train, { target: 'digit' }),
    seed: 1,
  };
}

describe('Image augment node', () => {
  const augment = async (split: SplitArtifact, p: Record<string, unknown>, logs: string[] = []) =>
    ((await imageAugment.run({ inputs: { split }, params: imageAugment.params.parse(p), ctx: testContext(logs) })) as { split: SplitArtifact }).split;

  it('takes and gives a Split only, with gentle defaults (no mirroring: digits must not flip)', () => {
    expect(imageAugment.inputs).toEqual([{ name: 'split', type: 'Split', label: 'Split' }]);
    expect(canConnect('Table', imageAugment.inputs[0]).ok).toBe(false);
    expect(imageAugment.params.parse({})).toEqual({ copies: 1, rotation: 10, shift: 1, zoom: 0.1, flip: false, seed: 42 });
  });

  it('adds seeded, changed copies of the training images only, labels copied; validation and test untouched', async () => {
    const split = imageSplit();
    const logs: string[] = [];
    const out = await augment(split, { copies: 2 }, logs);
    expect(out.train.rowCount).toBe(9);
    expect(out.validation).toBe(split.validation);
    expect(out.test).toBe(split.test);
    expect(out.recipe).toBe(split.recipe);
    const rows = tableRows(out.train);
    expect(rows.map((r) => r.digit)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(pixelsOf(out.train).slice(0, 3)).toEqual(pixelsOf(split.train));
    // Each copy differs from its original but stays within the original's range.
    for (let i = 3; i < 9; i++) {
      const original = pixelsOf(split.train)[i % 3];
      const copy = pixelsOf(out.train)[i];
      expect(copy).not.toEqual(original);
      for (const v of copy) expect(v >= Math.min(...original) && v <= Math.max(...original)).toBe(true);
    }
    expect(logs).toEqual([
      'Added 6 training images (2 per image; turned up to ±10°, shifted up to ±1 px, zoomed ±10%) to the 3 training rows: 9 training rows now. Validation (1) and test (2) rows are untouched.',
    ]);
    // Same seed, same copies; another seed, others.
    expect(await augment(split, { copies: 2 })).toEqual(out);
    expect(pixelsOf((await augment(split, { copies: 2, seed: 7 })).train)).not.toEqual(pixelsOf(out.train));
  });

  it('mirroring alone is exact: each copy is its original mirrored, or (half the time) as it was; the recipe scales copies like originals', async () => {
    const split = imageSplit();
    const out = await augment(split, { copies: 4, rotation: 0, shift: 0, zoom: 0, flip: true });
    const mirrored = (image: number[]) => [2, 1, 0, 5, 4, 3, 8, 7, 6].map((j) => image[j]);
    const originals = pixelsOf(split.train);
    const copies = pixelsOf(out.train).slice(3);
    let flipped = 0;
    copies.forEach((copy, i) => {
      const original = originals[i % 3];
      if (copy.join() !== original.join()) {
        expect(copy).toEqual(mirrored(original));
        flipped++;
      }
    });
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(12);
    const scaled = applyRecipe(out.recipe, out.train);
    for (const image of pixelsOf(scaled)) for (const v of image) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('compile: no image, every change off, or a shift as wide as the image is a problem; the pixels become fractions', () => {
    const schema: TableSchema = { columns: [...pixelColumnNames(3, 3, 1).map((name) => ({ name, type: 'number' as const, integer: true })), { name: 'digit', type: 'number', integer: true }], target: 'digit', task: 'classification' };
    const configure = (p: Record<string, unknown>, s: TableSchema = schema) =>
      imageAugment.configure({ params: imageAugment.params.parse(p), inputs: { split: { type: 'Split', table: s, hasValidation: true } }, env });
    const ok = configure({});
    expect(ok.problems ?? []).toEqual([]);
    expect(ok.outputs.split).toMatchObject({ type: 'Split', hasValidation: true, table: { target: 'digit', task: 'classification' } });
    expect(ok.outputs.split?.table?.columns[0]).toEqual({ name: 'px_0_0', type: 'number', integer: false });
    expect(ok.outputs.split?.table?.columns[9]).toEqual({ name: 'digit', type: 'number', integer: true });
    const problems = (p: Record<string, unknown>, s?: TableSchema) => configure(p, s).problems?.map((x) => [x.field, x.message]);
    expect(problems({}, { ...schema, columns: schema.columns.slice(1) })?.[0][1]).toMatch(/^The table holds no image.*\(Place Image augment before steps that replace the pixels, such as PCA\.\)$/);
    expect(problems({ rotation: 0, shift: 0, zoom: 0 })).toEqual([
      ['rotation', 'Every change is off, so the copies would equal the originals: set a rotation, shift or zoom, or turn on mirroring.'],
    ]);
    expect(problems({ shift: 3 })).toEqual([['shift', 'The images are 3×3 pixels: shift by less than 3.']]);
  });
});

describe('digits 8x8: normalize before the split, augment after it', () => {
  it('scales by the training maximum (16) and doubles the training rows; what the model sees stays in 0..1', async () => {
    const { promised, output } = await sampleChain('digits_8x8', [
      ['features.image-normalize', {}],
      ['split.train-test', { target: 'digit' }],
      ['features.image-augment', {}],
    ]);
    const grown = output as SplitArtifact;
    expect(grown.recipe[0].state).toMatchObject({ channels: 1, offset: [0], divisor: [16] });
    expect(grown.train.rowCount / 2 + grown.validation.rowCount + grown.test.rowCount).toBe(1797);
    const seen = applyRecipe(grown.recipe, grown.train);
    expect(seen.columns.map((c) => `${c.name}:${c.type}`)).toEqual(promised?.table?.columns.map((c) => `${c.name}:${c.type}`));
    let [min, max] = [Infinity, -Infinity];
    for (const column of seen.columns) {
      if (!column.name.startsWith('px_') || !('values' in column)) continue;
      for (const v of column.values) [min, max] = [Math.min(min, v), Math.max(max, v)];
    }
    expect([min, max]).toEqual([0, 1]);
  });
});
