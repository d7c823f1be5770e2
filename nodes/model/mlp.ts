import { z } from 'zod';
import { defineNode } from '../define';
import { modelDesign } from './design';

export const mlp = defineNode({
  type: 'model.mlp',
  version: 1,
  category: 'model',
  label: 'Neural network (MLP)',
  description: 'Layers of neurons that can learn curved, non-linear patterns. Works for categories and numbers.',
  ...modelDesign('mlp', 'gradient'),
  params: z.object({
    hiddenLayers: z.number().int().min(1, 'at least 1').max(8, 'at most 8').default(1).meta({ title: 'Hidden layers' }),
    units: z.number().int().min(1, 'at least 1').max(1024, 'at most 1024').default(16).meta({ title: 'Units per layer', description: 'Neurons in each hidden layer.' }),
    activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu').meta({ title: 'Activation', advanced: true }),
    dropout: z.number().min(0, 'must be 0 or more').max(0.9, 'at most 0.9').default(0).meta({ title: 'Dropout', description: 'Share of neurons switched off at random while training, against overfitting.', advanced: true }),
    l2: z.number().min(0, 'must be 0 or more').max(10).default(0.0001).meta({ title: 'L2 regularization', advanced: true }),
  }),
});
