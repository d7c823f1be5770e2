import { z } from 'zod';
import { imageShape } from '../../lib/image';
import { randomTransform, transformImage } from '../../runtime/image-augment';
import { createRng } from '../../lib/rng';
import { tableImage } from '../../runtime/steps/image-normalize';
import { numberColumn } from '../../runtime/steps/columns';
import { takeRows, type Column } from '../../lib/table';
import type { SplitArtifact } from '../../runtime/artifacts';
import { defineNode, type ConfigureProblem } from '../define';
import { NO_IMAGE_MESSAGE } from './image-normalize';

const LABEL = 'Image augment';

export const imageAugment = defineNode({
  type: 'features.image-augment',
  version: 1,
  category: 'features',
  label: LABEL,
  description:
    'Gives the model more training images: adds slightly turned, shifted and zoomed copies of each training image (with the same label), so it learns that a digit is still the same digit a little off-centre. ' +
    'Only the training rows get copies: validation and test rows stay untouched, so the scores stay honest. Place it right after a Split. Mirroring is off by default (a mirrored 2 is not a 2).',
  inputs: [{ name: 'split', type: 'Split', label: 'Split' }],
  outputs: [{ name: 'split', type: 'Split', label: 'Split' }],
  params: z.object({
    copies: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(20, 'at most 20')
      .default(1)
      .meta({ title: 'Copies per image', description: 'How many changed copies of each training image to add (1 doubles the training rows).' }),
    rotation: z
      .number()
      .min(0, 'must be 0 or more')
      .max(180, 'at most 180')
      .default(10)
      .meta({ title: 'Rotation (± degrees)', description: 'Each copy is turned by a random angle up to this much either way (0 = no turning).' }),
    shift: z
      .number()
      .min(0, 'must be 0 or more')
      .default(1)
      .meta({ title: 'Shift (± pixels)', description: 'Each copy is moved up to this many pixels in each direction (0 = no moving).' }),
    zoom: z
      .number()
      .min(0, 'must be 0 or more')
      .max(0.5, 'at most 0.5')
      .default(0.1)
      .meta({ title: 'Zoom (± share)', description: 'Each copy is made up to this much larger or smaller: 0.1 = from 90% to 110% (0 = no zooming).' }),
    flip: z
      .boolean()
      .default(false)
      .meta({ title: 'Mirror left–right', description: 'Half the copies are mirrored. Only for images that mean the same mirrored (photos of cats), never for digits or letters.' }),
    seed: z.number().int().min(0).default(42).meta({ title: 'Seed', description: 'Same seed, same copies.', advanced: true }),
  }),
  configure({ params, inputs }) {
    const info = inputs.split;
    const table = info?.table;
    if (!info || !table) return { outputs: {} };
    const shape = imageShape(table.columns);
    if (!shape) return { outputs: {}, problems: [{ message: `${NO_IMAGE_MESSAGE} (Place Image augment before steps that replace the pixels, such as PCA.)` }] };
    const problems: ConfigureProblem[] = [];
    if (params.rotation === 0 && params.shift === 0 && params.zoom === 0 && !params.flip) {
      problems.push({ field: 'rotation', message: 'Every change is off, so the copies would equal the originals: set a rotation, shift or zoom, or turn on mirroring.' });
    }
    if (params.shift >= Math.min(shape.height, shape.width)) {
      problems.push({ field: 'shift', message: `The images are ${shape.height}×${shape.width} pixels: shift by less than ${Math.min(shape.height, shape.width)}.` });
    }
    if (problems.length > 0) return { outputs: {}, problems };
    // Blends of pixels are no longer whole numbers.
    const pixels = new Set(shape.columns);
    const columns = table.columns.map((c) => (pixels.has(c.name) ? { name: c.name, type: 'number' as const, integer: false } : c));
    return { outputs: { split: { ...info, table: { ...table, columns } } } };
  },
  async run({ inputs, params, ctx }) {
    const split = inputs.split as SplitArtifact;
    const train = split.train;
    const shape = tableImage(train, LABEL);
    const n = train.rowCount;
    const added = n * params.copies;
    // The originals, then copy 1 of every row, copy 2, …: labels and other columns are copied as they are.
    const rows = Int32Array.from({ length: n + added }, (_, i) => i % n);
    const grown = takeRows(train, rows);
    const source = shape.columns.map((name) => numberColumn(train, name, LABEL).values);
    const pixels = source.map((values) => {
      const out = new Float64Array(n + added);
      out.set(values);
      return out;
    });
    const rng = createRng(params.seed);
    const image = new Float64Array(shape.columns.length);
    const changed = new Float64Array(shape.columns.length);
    for (let i = n; i < n + added; i++) {
      const r = rows[i];
      for (let j = 0; j < source.length; j++) image[j] = source[j][r];
      transformImage(image, shape, randomTransform(rng, params), changed);
      for (let j = 0; j < source.length; j++) pixels[j][i] = changed[j];
      if ((i - n) % 2048 === 2047) ctx.progress((i - n + 1) / added, `${i - n + 1} of ${added} copies`);
    }
    const index = new Map(shape.columns.map((name, j) => [name, j]));
    const columns = grown.columns.map((c): Column => (index.has(c.name) ? { name: c.name, type: 'number', values: pixels[index.get(c.name)!] } : c));
    const changes = [
      params.rotation > 0 && `turned up to ±${params.rotation}°`,
      params.shift > 0 && `shifted up to ±${params.shift} px`,
      params.zoom > 0 && `zoomed ±${Math.round(params.zoom * 100)}%`,
      params.flip && 'half of them mirrored',
    ].filter(Boolean);
    ctx.log(
      `Added ${added} training images (${params.copies} per image; ${changes.join(', ')}) to the ${n} training rows: ` +
        `${n + added} training rows now. Validation (${split.validation.rowCount}) and test (${split.test.rowCount}) rows are untouched.`,
    );
    return { split: { ...split, train: { rowCount: n + added, columns } } satisfies SplitArtifact };
  },
});
