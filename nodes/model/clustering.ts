import { z } from 'zod';
import { pcaComponentsParam } from '../features/pca';
import { assignClusters, elbow, kmeans } from '../../runtime/ml/kmeans';
import { fitPca, projectPca, type PcaState } from '../../runtime/ml/pca';
import type { ClassicTrainer, KMeansModel } from '../../runtime/training/classic';
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

const kmeansParams = z.object({
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
});

const kmeansTrainer: ClassicTrainer<KMeansModel, z.output<typeof kmeansParams>> = {
  family: 'kmeans',
  task: 'clustering',
  standardize: (config) => config.standardize,
  fit({ X, config, seed, ctx }) {
    const k = config.k;
    if (X.rows < k) throw new Error(`k-means with ${k} clusters needs at least ${k} training rows; there are ${X.rows}.`);
    const options = { seed, inits: config.inits, maxIterations: config.maxIterations };
    const fit = kmeans(X, { ...options, k });
    ctx.log(`k-means: ${k} clusters, inertia ${fit.inertia.toPrecision(5)} after ${fit.iterations} iterations${fit.converged ? '' : ' (not converged: raise the iteration limit)'}.`);
    const elbowMax = Math.min(config.elbowMaxK, X.rows);
    const elbowRange = Array.from({ length: elbowMax }, (_, i) => i + 1);
    const points = elbowMax >= 2 ? elbow(X, elbowRange, options) : [];
    return { centroids: fit.centroids, inertia: fit.inertia, clusterSizes: Array.from(fit.clusterSizes), iterations: fit.iterations, elbow: points };
  },
  outputs: (fitted, X) => ({ values: Float32Array.from(assignClusters(fitted.centroids, X)), width: 1 }),
};

const pcaParams = z.object({
  components: pcaComponentsParam.meta({ title: 'Components', description: 'How many directions to keep.' }),
  standardize: standardizeParam,
});

const pcaTrainer: ClassicTrainer<PcaState, z.output<typeof pcaParams>> = {
  family: 'pca',
  task: 'projection',
  standardize: (config) => config.standardize,
  fit({ X, config, ctx }) {
    const { components } = config;
    if (components > X.cols) throw new Error(`PCA: ${components} components from ${X.cols} input columns: choose at most ${X.cols}.`);
    const state = fitPca(X, components);
    const kept = state.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    ctx.log(`PCA: ${components} components keep ${(kept * 100).toFixed(1)}% of the variance.`);
    return state;
  },
  outputs(fitted, X) {
    const projected = projectPca(X, fitted);
    return { values: Float32Array.from(projected.data), width: projected.cols };
  },
};

export const kmeansModel = defineNode({
  type: 'model.kmeans',
  version: 1,
  category: 'model',
  label: 'k-means clustering',
  description:
    'Groups rows into k clusters of similar rows, without being told any answers. The split\'s target column is left out of the features; Evaluate scores how tight and well separated the clusters are (silhouette) on the test rows, and the elbow chart shows how the spread falls as k grows.',
  ...modelDesign(kmeansTrainer.family, 'classic', { task: kmeansTrainer.task }),
  trainer: kmeansTrainer,
  params: kmeansParams,
});

export const pcaModel = defineNode({
  type: 'model.pca',
  version: 1,
  category: 'model',
  label: 'PCA analysis',
  description:
    'Finds the few directions along which the rows vary most (principal components) and shows how much of the variation each explains, with a 2-D map of the rows. A deployed PCA answers each row\'s coordinates. (To feed components to another model, use the PCA feature step instead.)',
  ...modelDesign(pcaTrainer.family, 'classic', { task: pcaTrainer.task }),
  trainer: pcaTrainer,
  params: pcaParams,
});
