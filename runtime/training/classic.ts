import { encodeFeatures } from './encoding';
import type { ElbowPoint } from '../ml/kmeans';
import type { DenseMatrix, Prediction } from '../ml/matrix';
import { classCodes, getColumn, numericValues } from '../../lib/table';
import type { ModelSpec, ModelTask, SplitArtifact, TrainedModelArtifact } from '../artifacts';
import type { RunContext } from '../context';
import { prepareTraining } from './training-data';

/**
 * Classic families fit in one go with their own algorithm (no epochs): each maps encoded training
 * rows to a fitted model, and encoded rows to an output matrix [rows, width] that predictTable reads
 * by the task (class probabilities, a scaled number, a cluster id, projected coordinates). Each
 * family's model node declares its trainer, with the node's params as its config.
 */
export interface ClassicTrainer<F, C> {
  /** The model family it fits: the `family` of the ModelSpec its node makes. */
  family: string;
  /** Unsupervised families say what they do; supervised ones take the split's task. */
  task?: 'clustering' | 'projection';
  /** Whether numbers are standardized before fitting (distances in the user's units need false). */
  standardize(config: C): boolean;
  fit(args: { X: DenseMatrix; classes?: Int32Array; targets?: Float64Array; labels: string[]; task: ModelTask; config: C; seed: number; ctx: RunContext }): F | Promise<F>;
  outputs(fitted: F, X: DenseMatrix): { values: Float32Array; width: number };
}

/** The trainers by family, as the model nodes registered them when defined (nodes/define.ts defineNode). */
const TRAINERS = new Map<string, ClassicTrainer<unknown, unknown>>();

export function registerTrainer<F, C>(trainer: ClassicTrainer<F, C>): void {
  const known = TRAINERS.get(trainer.family);
  if (known && known !== trainer) throw new Error(`Two node kinds train "${trainer.family}" models.`);
  TRAINERS.set(trainer.family, trainer as ClassicTrainer<unknown, unknown>);
}

export interface KMeansModel {
  centroids: DenseMatrix;
  inertia: number;
  clusterSizes: number[];
  iterations: number;
  elbow: ElbowPoint[];
}

/** Supervised models answer class ids over the classes seen in training: spread them over every label. */
export function supervisedOutputs(prediction: Prediction, modelClasses: Int32Array, labelCount: number): { values: Float32Array; width: number } {
  if (prediction.task === 'regression') return { values: Float32Array.from(prediction.values), width: 1 };
  const n = prediction.classes.length;
  const k = modelClasses.length;
  const values = new Float32Array(n * labelCount);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) values[r * labelCount + modelClasses[c]] = prediction.probabilities[r * k + c];
  return { values, width: labelCount };
}

export function supervisedTarget(args: { classes?: Int32Array; targets?: Float64Array }): Int32Array | Float64Array {
  return (args.classes ?? args.targets)!;
}

/** A supervised model keeps how many labels the split had, to spread its class ids over them. */
export type Supervised<M> = M & { labelCount: number };

function trainerOf(family: string): ClassicTrainer<unknown, unknown> {
  const trainer = TRAINERS.get(family);
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
    exampleRow: data.exampleRow,
    recipe: split.recipe,
    encoder: data.encoder,
    targetScale: data.targetScale,
    fitted,
  };
}

export function classicOutputs(trained: TrainedModelArtifact, encoded: Float32Array, rowCount: number): { values: Float32Array; width: number } {
  return trainerOf(trained.spec.family).outputs(trained.fitted, { data: encoded, rows: rowCount, cols: trained.encoder.width });
}
