import { z } from 'zod';
import { pcaComponentsParam } from '../features/pca';
import { modelDesign } from './design';
import { defineNode } from '../define';

const standardizeParam = z
  .boolean()
  .default(false)
  .meta({
    title: 'Standardize first',
    description:
      'Rescale each column to spread 1 before measuring distances. Tick it when columns are in different units (a price and an age); leave it off when they share one scale (pixels, centimetres).',
  });

export const kmeansModel = defineNode({
  type: 'model.kmeans',
  version: 1,
  category: 'model',
  label: 'k-means clustering',
  description:
    'Groups rows into k clusters of similar rows, without being told any answers. The split\'s target column is left out of the features; Evaluate scores how tight and well separated the clusters are (silhouette) on the test rows, and the elbow chart shows how the spread falls as k grows.',
  ...modelDesign('kmeans', 'classic', { task: 'clustering' }),
  params: z.object({
    k: z.number().int('must be a whole number').min(2, 'at least 2').max(100, 'at most 100').default(3).meta({ title: 'Clusters (k)', description: 'How many groups to make.' }),
    standardize: standardizeParam,
    inits: z.number().int().min(1, 'at least 1').max(50, 'at most 50').default(5).meta({ title: 'Restarts', description: 'Independent starts (k-means++); the tightest result is kept.', advanced: true }),
    maxIterations: z.number().int().min(1, 'at least 1').max(10000).default(300).meta({ title: 'Iteration limit', advanced: true }),
    elbowMaxK: z
      .number()
      .int()
      .min(1)
      .max(20, 'at most 20')
      .default(10)
      .meta({ title: 'Elbow chart up to k', description: 'Also fit k = 1 … this value to draw the elbow chart (1 = no chart).', advanced: true }),
  }),
});

export const pcaModel = defineNode({
  type: 'model.pca',
  version: 1,
  category: 'model',
  label: 'PCA analysis',
  description:
    'Finds the few directions along which the rows vary most (principal components) and shows how much of the variation each explains, with a 2-D map of the rows. A deployed PCA answers each row\'s coordinates. (To feed components to another model, use the PCA feature step instead.)',
  ...modelDesign('pca', 'classic', { task: 'projection' }),
  params: z.object({
    components: pcaComponentsParam.meta({ title: 'Components', description: 'How many directions to keep.' }),
    standardize: standardizeParam,
  }),
});
