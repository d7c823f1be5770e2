import { z } from 'zod';
import { imageShape } from '../../lib/image';
import type { ImageNormalizeParams } from '../../runtime/steps/image-normalize';
import { passOn, recipeDataInput, recipeDataOutput, withRecipeStep, type RecipeData } from '../recipe-data';
import { defineNode, type ConfigureProblem } from '../define';
import { imageNormalizeStep } from '../../runtime/steps/image-normalize';

export const NO_IMAGE_MESSAGE =
  'The table holds no image: this step needs one number column per pixel, named px_<row>_<col> (grey, like the 8x8 digits sample) or px_<row>_<col>_<channel> (colour), for every pixel of the grid.';

export const imageNormalize = defineNode({
  type: 'features.image-normalize',
  version: 1,
  category: 'features',
  label: 'Image normalize',
  description:
    'Puts the pixel values of images on a small, even scale, which helps neural networks learn. "Scale to 0–1" divides every pixel by the largest pixel value of the training rows ' +
    '(16 for the 8x8 digits, 255 for photos); "Standardize" makes the pixels average 0 with spread 1. The numbers are learned from the training rows only and travel with the model.',
  inputs: [recipeDataInput],
  outputs: [recipeDataOutput],
  step: imageNormalizeStep,
  params: z.object({
    method: z
      .enum(['scale', 'standardize'])
      .default('scale')
      .meta({
        title: 'Method',
        description: 'Scale keeps 0 as black and puts the brightest training pixel at 1; standardize centres the pixels on their training average.',
        enumLabels: { scale: 'Scale to 0–1 (divide by the largest pixel)', standardize: 'Standardize (average 0, spread 1)' },
      }),
    perChannel: z
      .boolean()
      .default(true)
      .meta({ title: 'Each colour on its own', description: 'Standardize, colour images: red, green and blue each get their own average and spread.', advanced: true }),
  }),
  configure({ inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const shape = imageShape(table.columns);
    if (!shape) return { outputs: {}, problems: [{ message: NO_IMAGE_MESSAGE }] };
    if (table.target && shape.columns.includes(table.target)) {
      const problem: ConfigureProblem = { message: `"${table.target}" is the target column, which preprocessing never changes: predict a column that is not a pixel.` };
      return { outputs: {}, problems: [problem] };
    }
    const pixels = new Set(shape.columns);
    const columns = table.columns.map((c) => (pixels.has(c.name) ? { name: c.name, type: 'number' as const, integer: false } : c));
    return { outputs: passOn(inputs.table!, { ...table, columns }) };
  },
  async run({ inputs, params }) {
    const input = inputs.table as RecipeData;
    const stepParams: ImageNormalizeParams = { method: params.method, perChannel: params.perChannel };
    // Fitted at the split, on training rows only; the maximum or mean and spread travel with the model.
    return { table: withRecipeStep(input, { kind: imageNormalizeStep.kind, params: stepParams }) };
  },
});
