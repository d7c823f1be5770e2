import type { FeatureEncoder } from '../encoding';
import type { ModelSpec } from '../../artifacts';
import type { tf } from '../../tf/backend';
import { buildCnn } from './cnn';
import { inputLayout } from './inputs';
import { buildRnn } from './rnn';
import { buildTransformer } from './transformer';
import './attention';
import './layers';

export { networkEncoderOptions } from './inputs';

type DeepSpec = Extract<ModelSpec, { family: 'cnn' | 'rnn' | 'transformer' }>;

export function isDeepSpec(spec: ModelSpec): spec is DeepSpec {
  return spec.family === 'cnn' || spec.family === 'rnn' || spec.family === 'transformer';
}

/** A deep network over the encoded rows [n, encoder.width]: it finds its pixels, word ids or windows in them. */
export function buildDeepNetwork(spec: DeepSpec, encoder: FeatureEncoder, outputUnits: number, task: 'classification' | 'regression', seed: number): tf.LayersModel {
  const layout = inputLayout(encoder, spec.family);
  switch (spec.family) {
    case 'cnn':
      return buildCnn(spec.config, layout, outputUnits, task, seed);
    case 'rnn':
      return buildRnn(spec.config, layout, outputUnits, task, seed);
    case 'transformer':
      return buildTransformer(spec.config, layout, outputUnits, task, seed);
  }
}
