import { z } from 'zod';
import { predictSvm, trainSvm, type SvmModel } from '../../runtime/ml/svm';
import { supervisedOutputs, supervisedTarget, type ClassicTrainer, type Supervised } from '../../runtime/training/classic';
import { modelDesign } from './design';
import { defineNode } from '../define';

const svmParams = z.object({
  kernel: z
    .enum(['rbf', 'linear', 'poly'])
    .default('rbf')
    .meta({ title: 'Kernel', enumLabels: { rbf: 'RBF (curved boundaries)', linear: 'linear (fast, straight boundaries)', poly: 'polynomial' } }),
  C: z.number().positive('must be more than 0').max(1e6).default(1).meta({ title: 'C (strictness)', description: 'Higher: fewer training mistakes allowed, a tighter fit (risk of overfitting).' }),
  gamma: z
    .number()
    .min(0, 'must be 0 or more')
    .default(0)
    .meta({ title: 'Gamma', description: 'RBF/polynomial: how far one row\'s influence reaches (higher = shorter). 0 = automatic (1 / (columns × variance)).', advanced: true }),
  degree: z.number().int().min(1).max(10).default(3).meta({ title: 'Polynomial degree', advanced: true }),
  epsilon: z.number().min(0).default(0.1).meta({ title: 'Epsilon (regression)', description: 'Errors smaller than this (in standard deviations of the target) cost nothing.', advanced: true }),
  maxRows: z
    .number()
    .int()
    .min(10)
    .max(200_000)
    .default(20_000)
    .meta({ title: 'Row limit (kernel)', description: 'A kernel SVM refuses more training rows than this instead of running for hours.', advanced: true }),
});

const svmTrainer: ClassicTrainer<Supervised<SvmModel>, z.output<typeof svmParams>> = {
  family: 'svm',
  standardize: () => true,
  async fit(args) {
    const { config, seed, task, ctx } = args;
    const model = await trainSvm(args.X, supervisedTarget(args), {
      task: task as 'classification' | 'regression',
      seed,
      kernel: config.kernel,
      C: config.C,
      gamma: config.gamma > 0 ? config.gamma : 'scale',
      degree: config.degree,
      epsilon: config.epsilon,
      maxRows: config.maxRows,
    });
    ctx.log(model.solver === 'smo' ? `SVM (${model.kernel} kernel): ${model.svCount.reduce((a, b) => a + b, 0)} support vectors.` : 'Linear SVM fitted.');
    return { ...model, labelCount: args.labels.length };
  },
  outputs: (model, X) => supervisedOutputs(predictSvm(model, X), model.classes, model.labelCount),
};

export const svm = defineNode({
  type: 'model.svm',
  version: 1,
  category: 'model',
  label: 'Support vector machine (SVM)',
  description:
    'Finds the boundary that keeps the widest margin between classes (or fits numbers within a tolerance). The RBF kernel bends the boundary around curved patterns; the linear kernel is fastest and handles any number of rows. ' +
    'Kernel SVMs get slow on big tables (their cost grows with the square of the rows), so they refuse more than the row limit: then pick the linear kernel or sample rows. Numbers are standardized first.',
  ...modelDesign(svmTrainer.family, 'classic'),
  trainer: svmTrainer,
  params: svmParams,
});
