import { z } from 'zod';
import type { ModelSpec } from '../artifacts';
import { defineNode } from '../define';

const l2 = z
  .number()
  .min(0, 'must be 0 or more')
  .max(10)
  .default(0.001)
  .meta({ title: 'L2 regularization', description: 'Penalty on large weights; more means a simpler model.', advanced: true });

function linearSpec(family: ModelSpec['family'], penalty: number): ModelSpec {
  return { family, trainer: 'gradient', config: { hiddenLayers: 0, units: 0, activation: 'relu', dropout: 0, l2: penalty } };
}

export const logisticRegression = defineNode({
  type: 'model.logistic-regression',
  version: 1,
  category: 'model',
  label: 'Logistic regression',
  description: 'A simple, fast classifier: weighs each input and turns the sum into class probabilities. A strong first try for categories.',
  inputs: [],
  outputs: [{ name: 'model', type: 'Model', label: 'Model' }],
  params: z.object({ l2 }),
  configure: () => ({ outputs: { model: { type: 'Model', model: { family: 'logistic-regression', trainer: 'gradient', task: 'classification' } } } }),
  run: async ({ params }) => ({ model: linearSpec('logistic-regression', params.l2) }),
});

export const linearRegression = defineNode({
  type: 'model.linear-regression',
  version: 1,
  category: 'model',
  label: 'Linear regression',
  description: 'Predicts a number as a weighted sum of the inputs. Simple, fast, and easy to explain.',
  inputs: [],
  outputs: [{ name: 'model', type: 'Model', label: 'Model' }],
  params: z.object({ l2 }),
  configure: () => ({ outputs: { model: { type: 'Model', model: { family: 'linear-regression', trainer: 'gradient', task: 'regression' } } } }),
  run: async ({ params }) => ({ model: linearSpec('linear-regression', params.l2) }),
});
