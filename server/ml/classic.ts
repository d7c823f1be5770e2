import { encodeFeatures } from '../../lib/encoding';
import { assignClusters, elbow, kmeans, type ElbowPoint } from '../../lib/ml/kmeans';
import { fitPca, projectPca, type DenseMatrix, type PcaState } from '../../lib/pca';
import { classCodes, getColumn, numericValues, type Task } from '../../lib/table';
import type { ClassicFamily, ModelSpec, ModelTask, SplitArtifact, TrainedModelArtifact } from '../../nodes/artifacts';
import type { RunContext } from '../../nodes/define';
import { prepareTraining } from './training-data';

/**
 * Classic families fit in one go with their own algorithm (no epochs): each maps encoded training
 * rows to a fitted model, and encoded rows to an output matrix [rows, width] that predictTable reads
 * by the task (class probabilities, a scaled number, a cluster id, projected coordinates).
 */
interface ClassicTrainer<F> {
  /** Unsupervised families say what they do; supervised ones take the split's task. */
  task?: 'clustering' | 'projection';
  /** Whether numbers are standardized before fitting (distances in the user's units need false). */
  standardize(config: Record<string, unknown>): boolean;
  fit(args: { X: DenseMatrix; classes?: Int32Array; targets?: Float64Array; labels: string[]; task: ModelTask; config: Record<string, unknown>; seed: number; ctx: RunContext }): F;
  outputs(fitted: F, X: DenseMatrix): { values: Float32Array; width: number };
}

export interface KMeansModel {
  centroids: DenseMatrix;
  inertia: number;
  clusterSizes: number[];
  iterations: number;
  elbow: ElbowPoint[];
}

const kmeansTrainer: ClassicTrainer<KMeansModel> = {
  task: 'clustering',
  standardize: (config) => Boolean(config.standardize),
  fit({ X, config, seed, ctx }) {
    const k = Number(config.k);
    if (X.rows < k) throw new Error(`k-means with ${k} clusters needs at least ${k} training rows; there are ${X.rows}.`);
    const options = { seed, inits: Number(config.inits), maxIterations: Number(config.maxIterations) };
    const fit = kmeans(X, { ...options, k });
    ctx.log(`k-means: ${k} clusters, inertia ${fit.inertia.toPrecision(5)} after ${fit.iterations} iterations${fit.converged ? '' : ' (not converged: raise the iteration limit)'}.`);
    const elbowMax = Math.min(Number(config.elbowMaxK), X.rows);
    const elbowRange = Array.from({ length: elbowMax }, (_, i) => i + 1);
    const points = elbowMax >= 2 ? elbow(X, elbowRange, options) : [];
    return { centroids: fit.centroids, inertia: fit.inertia, clusterSizes: Array.from(fit.clusterSizes), iterations: fit.iterations, elbow: points };
  },
  outputs: (fitted, X) => ({ values: Float32Array.from(assignClusters(fitted.centroids, X)), width: 1 }),
};

const pcaTrainer: ClassicTrainer<PcaState> = {
  task: 'projection',
  standardize: (config) => Boolean(config.standardize),
  fit({ X, config, ctx }) {
    const components = Number(config.components);
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

const TRAINERS: Partial<Record<ClassicFamily, ClassicTrainer<unknown>>> = {
  kmeans: kmeansTrainer as ClassicTrainer<unknown>,
  pca: pcaTrainer as ClassicTrainer<unknown>,
};

function trainerOf(family: string): ClassicTrainer<unknown> {
  const trainer = TRAINERS[family as ClassicFamily];
  if (!trainer) throw new Error(`There is no trainer for "${family}" models.`);
  return trainer;
}

/** The task a classic family learns: its own (clustering, projection) or the split's. */
export function classicTask(family: string, splitTask: Task): ModelTask {
  return trainerOf(family).task ?? splitTask;
}

export function trainClassic(split: SplitArtifact, spec: Extract<ModelSpec, { trainer: 'classic' }>, seed: number, ctx: RunContext): TrainedModelArtifact {
  const trainer = trainerOf(spec.family);
  const task = trainer.task ?? split.task;
  const data = prepareTraining(split, { standardize: trainer.standardize(spec.config) });
  const X: DenseMatrix = { data: encodeFeatures(data.train, data.encoder), rows: data.train.rowCount, cols: data.encoder.width };
  const target = getColumn(data.train, split.target);
  const supervised = task === 'classification' || task === 'regression';
  const classes = task === 'classification' ? classCodes(target, split.labels) : undefined;
  const targets =
    task === 'regression' ? Float64Array.from(numericValues(target), (v) => (v - data.targetScale.mean) / data.targetScale.std) : undefined;
  ctx.progress(0, `fitting on ${X.rows} rows × ${X.cols} features`);
  const fitted = trainer.fit({ X, classes, targets, labels: supervised ? split.labels : [], task, config: spec.config, seed, ctx });
  ctx.progress(1);
  return {
    spec,
    target: split.target,
    task,
    labels: task === 'classification' ? split.labels : [],
    inputColumns: data.inputColumns,
    recipe: split.recipe,
    encoder: data.encoder,
    targetScale: data.targetScale,
    fitted,
  };
}

export function classicOutputs(trained: TrainedModelArtifact, encoded: Float32Array, rowCount: number): { values: Float32Array; width: number } {
  return trainerOf(trained.spec.family).outputs(trained.fitted, { data: encoded, rows: rowCount, cols: trained.encoder.width });
}
