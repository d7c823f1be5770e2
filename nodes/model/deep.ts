import { z } from 'zod';
import { imageShape } from '../../lib/image';
import { lagGroups, tokenColumns } from '../../runtime/sequence';
import type { ColumnSchema } from '../../lib/table';
import { defineNode, type ConfigureProblem, type NodeDefinition } from '../define';
import { modelDesign } from './design';

/** The deep families: each reads its own kind of column (pixels, word ids, time windows). */
export type DeepFamily = 'cnn' | 'rnn' | 'transformer';

/** Params every deep family ends with: the dense layer before the output, and dropout against overfitting. */
export const headParams = (denseUnits: number) => ({
  denseUnits: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(1024, 'at most 1024')
    .default(denseUnits)
    .meta({ title: 'Dense units', description: 'Neurons of one ordinary layer between what the network read and its answer (0 = none).', advanced: true }),
  dropout: z
    .number()
    .min(0, 'must be 0 or more')
    .max(0.9, 'at most 0.9')
    .default(0)
    .meta({ title: 'Dropout', description: 'Share of values switched off at random while training, against overfitting (0 = none).', advanced: true }),
});

/** How many numbers describe each word (the embedding's size): the RNN's and the transformer's word vectors. */
export const wordVectorSize = (description: string, advanced: boolean) =>
  z
    .number()
    .int('must be a whole number')
    .min(2, 'at least 2')
    .max(512, 'at most 512')
    .default(32)
    .meta({ title: 'Word vector size', description, ...(advanced ? { advanced: true } : {}) });

/** The model node of a deep family: no inputs, one Model output carrying the params as the spec's config. */
export function deepModelNode<P extends z.ZodType<Record<string, unknown>>>(definition: { family: DeepFamily; label: string; description: string; params: P }) {
  return defineNode({
    type: `model.${definition.family}`,
    version: 1,
    category: 'model',
    label: definition.label,
    description: definition.description,
    params: definition.params,
    ...modelDesign(definition.family, 'gradient'),
  }) as unknown as NodeDefinition<P>;
}

/** Lag groups a recurrent network can step through: numbers and yes/no values (categories stay beside them). */
export function steppableLags(columns: readonly ColumnSchema[]) {
  return lagGroups(columns).filter((group) => group.columns.every((name) => columns.find((c) => c.name === name)?.type !== 'category'));
}

/**
 * Compile-time check that a deep family finds what it reads among the split's feature columns (the
 * target left out): pixel columns for a CNN, word ids or time windows for an RNN, word ids for a
 * transformer. Other families have no such needs: always no problem.
 */
export function deepInputProblems(family: string, columns: readonly ColumnSchema[], target: string | undefined): ConfigureProblem[] {
  const features = columns.filter((c) => c.name !== target);
  const problem = (message: string): ConfigureProblem[] => [{ code: 'config', message }];
  switch (family) {
    case 'cnn':
      return imageShape(features)
        ? []
        : problem(
            'A convolutional network reads images, but the data has no complete grid of numeric pixel columns named px_<row>_<col> (or px_<row>_<col>_<channel> for colour). Load an image dataset, or use a neural network (MLP).',
          );
    case 'rnn':
      return tokenColumns(features).length > 0 || steppableLags(features).length > 0
        ? []
        : problem(
            'A recurrent network reads sequences, but the data has neither word columns (add Tokenize text before the split) nor time windows (add Sequence windows before a Time split).',
          );
    case 'transformer':
      return tokenColumns(features).length > 0 ? [] : problem('A transformer reads text as word numbers, but the data has none: add Tokenize text before the split.');
    default:
      return [];
  }
}
