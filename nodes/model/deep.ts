import { z } from 'zod';
import { imageShape } from '../../lib/image';
import { steppableLags, tokenColumns } from '../../runtime/sequence';
import type { DeepFamily } from '../../runtime/training/networks/settings';
import type { ColumnSchema } from '../../lib/table';
import { defineNode, type ConfigureProblem, type NodeDefinition } from '../define';
import { modelDesign } from './design';


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
