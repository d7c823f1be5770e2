import { z } from 'zod';
import { HEX_ID_OR_EMPTY } from '../../lib/ids';
import type { ModelSpec, TrainedModelArtifact, TransferBase } from '../../runtime/artifacts';
import { defineNode } from '../define';

/** The port every step with a TrainedModel output stores it under (Train, Tune learning rate). */
const TRAINED_MODEL_PORT = 'model';

export const pretrained = defineNode({
  type: 'model.pretrained',
  version: 1,
  category: 'model',
  label: 'Start from a saved model',
  description:
    'Transfer learning: reuses what a saved neural network learned (its layers and its preprocessing) and trains a new last layer (the head) for your data, ' +
    'so a few labelled rows can go a long way. The new data must have the columns the saved model reads. Connect it to Train like any model.',
  inputs: [],
  outputs: [{ name: 'model', type: 'Model', label: 'Model' }],
  params: z.object({
    model: z.string().regex(HEX_ID_OR_EMPTY, 'not a saved model id').default('').meta({ title: 'Saved model', description: 'Every model a run trained is listed on the Models page.', widget: 'model' }),
    freeze: z
      .enum(['all-but-head', 'first-layers', 'none'])
      .default('all-but-head')
      .meta({
        title: 'Keep the learned weights of',
        description: 'Frozen layers keep what the saved model learned; the others learn on from it. The new head always learns.',
        enumLabels: {
          'all-but-head': 'every layer (only the new head learns)',
          'first-layers': 'the first layers (how many: Frozen layers, under Advanced)',
          none: 'no layer (all of them learn on: fine-tuning)',
        },
      }),
    frozenLayers: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(100, 'at most 100')
      .default(1)
      .meta({
        title: 'Frozen layers',
        description: 'With "the first layers": how many, from the input side, counting only layers with weights (dense, convolution…).',
        advanced: true,
      }),
    shrink: z
      .number()
      .min(0.05, 'at least 0.05')
      .max(1, 'at most 1')
      .default(0.5)
      .meta({
        title: 'Shrink before learning on',
        description:
          'The layers that learn on start from their saved weights times this; 1 keeps them as saved. A network started from trained weights ' +
          'tends to learn new data worse than a fresh one, and shrinking them first undoes most of that (Ash & Adams, 2020). Frozen layers keep theirs.',
        advanced: true,
      }),
  }),
  configure({ params, env }) {
    if (!params.model) return { outputs: {}, problems: [{ field: 'model', message: 'Choose a saved model to start from (the Models page lists them).' }] };
    if (!env.savedModel) return { outputs: {}, problems: [{ field: 'model', message: 'Saved models are not available here: run this pipeline on the server that trained the model.' }] };
    const saved = env.savedModel(params.model);
    if (!saved) {
      return {
        outputs: {},
        problems: [{ field: 'model', message: `Saved model ${params.model.slice(0, 8)}… is not in this workspace (deleted, or the graph came from another workspace or machine): choose one of this workspace's.` }],
      };
    }
    if (saved.trainer !== 'gradient' || saved.port !== TRAINED_MODEL_PORT) {
      return {
        outputs: {},
        problems: [
          {
            field: 'model',
            message: `This saved model is a ${saved.family}, fitted in one go rather than a neural network: it has no layers to reuse. Choose a saved neural network, regression or CNN.`,
          },
        ],
      };
    }
    return {
      outputs: { model: { type: 'Model', model: { family: saved.family, trainer: 'gradient', inputColumns: saved.inputColumns } } },
      // The saved model is its artifact: the cache key changes when another one is chosen.
      identity: saved.id,
    };
  },
  reads: (params) => ({ saved: { key: params.model, port: TRAINED_MODEL_PORT } }),
  async run({ inputs, params }) {
    const trained = inputs.saved as TrainedModelArtifact;
    if (trained.spec.trainer !== 'gradient' || !trained.weights) throw new Error(`The saved model is a ${trained.spec.family}, not a neural network: it has no layers to reuse.`);
    const freeze: TransferBase['freeze'] = params.freeze === 'all-but-head' ? 'all-but-head' : params.freeze === 'none' ? 0 : params.frozenLayers;
    const model = { ...trained.spec, base: { modelKey: params.model, freeze, shrink: params.shrink, trained } } as ModelSpec;
    return { model };
  },
});
