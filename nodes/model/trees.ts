import { z } from 'zod';
import { fitForest, fitTree, predictForest, type ForestModel } from '../../runtime/ml/forest';
import { supervisedOutputs, supervisedTarget, type ClassicTrainer, type Supervised } from '../../runtime/training/classic';
import { modelDesign } from './design';
import { defineNode } from '../define';

const treeParams = {
  maxDepth: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(0)
    .meta({ title: 'Maximum depth', description: 'How many questions in a row a tree may ask (0 = no limit). Smaller trees are simpler and overfit less.' }),
  minSamplesLeaf: z
    .number()
    .int()
    .min(1, 'at least 1')
    .max(10_000)
    .default(1)
    .meta({ title: 'Rows per leaf', description: 'Each final answer must rest on at least this many training rows.', advanced: true }),
};

/** The settings both share, and a forest's number of trees. */
type TreeConfig = z.output<z.ZodObject<typeof treeParams>> & { trees?: number };

function treeTrainer(family: 'decision-tree' | 'random-forest'): ClassicTrainer<Supervised<ForestModel>, TreeConfig> {
  const forest = family === 'random-forest';
  return {
    family,
    // Trees split on thresholds: scaling changes nothing, and raw thresholds are easier to read.
    standardize: () => false,
    fit(args) {
      const { config, seed, task, ctx } = args;
      const options = {
        task: task as 'classification' | 'regression',
        seed,
        maxDepth: config.maxDepth > 0 ? config.maxDepth : undefined,
        minSamplesLeaf: config.minSamplesLeaf,
      };
      const model = forest ? fitForest(args.X, supervisedTarget(args), { ...options, trees: Number(config.trees) }) : fitTree(args.X, supervisedTarget(args), options);
      ctx.log(`${forest ? `Random forest of ${model.trees.length} trees` : 'Decision tree'} fitted (${model.trees.reduce((a, t) => a + t.feature.length, 0)} nodes).`);
      return { ...model, labelCount: args.labels.length };
    },
    outputs: (model, X) => supervisedOutputs(predictForest(model, X), model.classes, model.labelCount),
  };
}

/** A decision tree and a random forest share their settings; a forest also has its number of trees. */
function treeModel(options: { type: string; family: 'decision-tree' | 'random-forest'; label: string; description: string; extra?: z.ZodRawShape }) {
  return defineNode({
    type: options.type,
    version: 1,
    category: 'model',
    label: options.label,
    description: options.description,
    ...modelDesign(options.family, 'classic'),
    trainer: treeTrainer(options.family),
    params: z.object({ ...(options.extra ?? {}), ...treeParams }),
  });
}

export const decisionTree = treeModel({
  type: 'model.decision-tree',
  family: 'decision-tree',
  label: 'Decision tree',
  description:
    'Asks a series of yes/no questions about the columns ("is income over 40,000?") to reach an answer. Easy to explain; shows which columns matter most (feature importance). Works for categories and numbers.',
});

export const randomForest = treeModel({
  type: 'model.random-forest',
  family: 'random-forest',
  label: 'Random forest',
  description:
    'Many decision trees, each grown on a random sample of rows and columns, vote together: more accurate and steadier than one tree, and still shows which columns matter most (feature importance).',
  extra: {
    trees: z.number().int().min(1, 'at least 1').max(1000, 'at most 1000').default(100).meta({ title: 'Trees', description: 'More trees: steadier answers, slower training.' }),
  },
});
