import { denseParams } from '../../runtime/training/networks/settings';
import { defineNode } from '../define';
import { modelDesign } from './design';

export const mlp = defineNode({
  type: 'model.mlp',
  version: 1,
  category: 'model',
  label: 'Neural network (MLP)',
  description: 'Layers of neurons that can learn curved, non-linear patterns. Works for categories and numbers.',
  ...modelDesign('mlp', 'gradient'),
  params: denseParams,
});
