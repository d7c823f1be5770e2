import type { EncoderOptions, FeatureEncoder } from '../encoding';
import { imageShape } from '../../../lib/image';
import type { Table } from '../../../lib/table';
import { tokenColumns, vocabularySize } from '../../sequence';
import type { ModelSpec, SplitArtifact } from '../../artifacts';
import type { tf } from '../../tf/backend';
import { networkFamily } from './family';
import { inputLayout } from './inputs';

/** Whether the spec is of a deep family (a model node registered its network family). */
export function isDeepSpec(spec: ModelSpec): boolean {
  return spec.trainer === 'gradient' && networkFamily(spec.family) !== undefined;
}

/** A deep network over the encoded rows [n, encoder.width]: it finds its pixels, word ids or windows in them. */
export async function buildDeepNetwork(spec: ModelSpec, encoder: FeatureEncoder, outputUnits: number, task: 'classification' | 'regression', seed: number): Promise<tf.LayersModel> {
  const family = networkFamily(spec.family);
  if (!family) throw new Error(`"${spec.family}" is not a deep network family.`);
  const { build } = await family.load();
  return build(spec.config, inputLayout(encoder, family.reads), outputUnits, task, seed);
}

/**
 * How a network's encoder reads the training rows. Pixels share one scale per image channel, in every
 * family (a pixel value means the same wherever it sits). The families that embed words keep the
 * word-id columns of every tokenized text whole, sized by the vocabulary the fitted Tokenize step
 * learned on the training rows.
 */
export function networkEncoderOptions(family: ModelSpec['family'], split: SplitArtifact, train: Table): EncoderOptions {
  const features = train.columns.filter((c) => c.name !== split.target);
  const options: EncoderOptions = {};
  const image = imageShape(features);
  // Pixels are channel-last: channel k is every k-th pixel column.
  if (image) options.pooled = Array.from({ length: image.channels }, (_, channel) => image.columns.filter((_, i) => i % image.channels === channel));
  if (networkFamily(family)?.reads.texts) {
    const ids: Record<string, number> = {};
    for (const group of tokenColumns(features)) {
      const size = vocabularySize(split.recipe, group.base);
      for (const name of group.columns) ids[name] = size;
    }
    options.ids = ids;
  }
  return options;
}
