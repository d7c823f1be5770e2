import { z } from 'zod';
import type { Task } from '../../lib/table';
import type { DenseConfig } from '../../runtime/artifacts';
import { defineNode } from '../define';
import { modelDesign } from './design';

const l2 = z
  .number()
  .min(0, 'must be 0 or more')
  .max(10)
  .default(0.001)
  .meta({ title: 'L2 regularization', description: 'Penalty on large weights; more means a simpler model.', advanced: true });

/** Logistic and linear regression differ only in the task they predict. */
function linearModel(options: { type: string; label: string; description: string; family: 'logistic-regression' | 'linear-regression'; task: Task }) {
  return defineNode({
    type: options.type,
    version: 1,
    category: 'model',
    label: options.label,
    description: options.description,
    params: z.object({ l2 }),
    // A dense network without hidden layers.
    ...modelDesign(options.family, 'gradient', {
      task: options.task,
      config: (params: { l2: number }): DenseConfig => ({ hiddenLayers: 0, units: 0, activation: 'relu', dropout: 0, l2: params.l2 }),
    }),
  });
}

export const logisticRegression = linearModel({
  type: 'model.logistic-regression',
  label: 'Logistic regression',
  description: 'A simple, fast classifier: weighs each input and turns the sum into class probabilities. A strong first try for categories.',
  family: 'logistic-regression',
  task: 'classification',
});

export const linearRegression = linearModel({
  type: 'model.linear-regression',
  label: 'Linear regression',
  description: 'Predicts a number as a weighted sum of the inputs. Simple, fast, and easy to explain.',
  family: 'linear-regression',
  task: 'regression',
});
