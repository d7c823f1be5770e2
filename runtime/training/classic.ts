import { encodeFeatures } from './encoding';
import { fitForest, fitTree, predictForest, type ForestModel } from '../ml/forest';
import { assignClusters, elbow, kmeans, type ElbowPoint } from '../ml/kmeans';
import type { Prediction } from '../ml/matrix';
import { predictSvm, trainSvm, type SvmKernel, type SvmModel } from '../ml/svm';
import { fitPca, projectPca, type DenseMatrix, type PcaState } from '../ml/pca';
import { classCodes, getColumn, numericValues } from '../../lib/table';
import type { ClassicFamily, ModelSpec, ModelTask, SplitArtifact, TrainedModelArtifact } from '../artifacts';
import type { RunContext } from '../context';
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
  fit(args: { X: DenseMatrix; classes?: Int32Array; targets?: Float64Array; labels: string[]; task: ModelTask; config: Record<string, unknown>; seed: number; ctx: RunContext }): F | Promise<F>;
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

/** Supervised models answer class ids over the classes seen in training: spread them over every label. */
function supervisedOutputs(prediction: Prediction, modelClasses: Int32Array, labelCount: number): { values: Float32Array; width: number } {
  if (prediction.task === 'regression') return { values: Float32Array.from(prediction.values), width: 1 };
  const n = prediction.classes.length;
  const k = modelClasses.length;
  const values = new Float32Array(n * labelCount);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) values[r * labelCount + modelClasses[c]] = prediction.probabilities[r * k + c];
  return { values, width: labelCount };
}

function supervisedTarget(args: { classes?: Int32Array; targets?: Float64Array }): Int32Array | Float64Array {
  return (args.classes ?? args.targets)!;
}

type Supervised<M> = M & { labelCount: number };

const svmTrainer: ClassicTrainer<Supervised<SvmModel>> = {
  standardize: () => true,
  async fit(args) {
    const { config, seed, task, ctx } = args;
    const gamma = Number(config.gamma);
    const model = await trainSvm(args.X, supervisedTarget(args), {
      task: task as 'classification' | 'regression',
      seed,
      kernel: config.kernel as SvmKernel,
      C: Number(config.C),
      gamma: gamma > 0 ? gamma : 'scale',
      degree: Number(config.degree),
      epsilon: Number(config.epsilon),
      maxRows: Number(config.maxRows),
    });
    ctx.log(model.solver === 'smo' ? `SVM (${model.kernel} kernel): ${model.svCount.reduce((a, b) => a + b, 0)} support vectors.` : 'Linear SVM fitted.');
    return { ...model, labelCount: args.labels.length };
  },
  outputs: (model, X) => supervisedOutputs(predictSvm(model, X), model.classes, model.labelCount),
};

function treeTrainer(forest: boolean): ClassicTrainer<Supervised<ForestModel>> {
  return {
    // Trees split on thresholds: scaling changes nothing, and raw thresholds are easier to read.
    standardize: () => false,
    fit(args) {
      const { config, seed, task, ctx } = args;
      const maxDepth = Number(config.maxDepth);
      const options = {
        task: task as 'classification' | 'regression',
        seed,
        maxDepth: maxDepth > 0 ? maxDepth : undefined,
        minSamplesLeaf: Number(config.minSamplesLeaf),
      };
      const model = forest ? fitForest(args.X, supervisedTarget(args), { ...options, trees: Number(config.trees) }) : fitTree(args.X, supervisedTarget(args), options);
      ctx.log(`${forest ? `Random forest of ${model.trees.length} trees` : 'Decision tree'} fitted (${model.trees.reduce((a, t) => a + t.feature.length, 0)} nodes).`);
      return { ...model, labelCount: args.labels.length };
    },
    outputs: (model, X) => supervisedOutputs(predictForest(model, X), model.classes, model.labelCount),
  };
}

const TRAINERS: Record<ClassicFamily, ClassicTrainer<unknown>> = {
  kmeans: kmeansTrainer as ClassicTrainer<unknown>,
  pca: pcaTrainer as ClassicTrainer<unknown>,
  svm: svmTrainer as ClassicTrainer<unknown>,
  'decision-tree': treeTrainer(false) as ClassicTrainer<unknown>,
  'random-forest': treeTrainer(true) as ClassicTrainer<unknown>,
};


function trainerOf(family: string): ClassicTrainer<unknown> {
  const trainer = TRAINERS[family as ClassicFamily] as ClassicTrainer<unknown> | undefined;
  if (!trainer) throw new Error(`There is no trainer for "${family}" models.`);
  return trainer;
}

export async function trainClassic(split: SplitArtifact, spec: Extract<ModelSpec, { trainer: 'classic' }>, seed: number, ctx: RunContext): Promise<TrainedModelArtifact> {
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
  const fitted = await trainer.fit({ X, classes, targets, labels: supervised ? split.labels : [], task, config: spec.config, seed, ctx });
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
