import type { FeatureEncoder } from './training/encoding';
import type { EvaluationMetrics } from '../lib/metrics';
import type { FittedStep, RecipeStep } from './recipe';
import type { CellValue, ColumnSchema, Table, Task } from '../lib/table';
import type { DenseConfig } from './training/networks/settings';

export type { DenseConfig };

/** Runtime values on ports. Each is serialized to the artifact store between steps. */
export interface TableArtifact {
  table: Table;
  /** Unfitted preprocessing placed before the split: fitted there, on training rows only. */
  recipe: RecipeStep[];
}

export interface SplitArtifact {
  target: string;
  task: Task;
  /** Classification: the class names, index = class id. */
  labels: string[];
  /** Raw rows (before the recipe); consumers apply `recipe`, so serving sees the same path. */
  train: Table;
  validation: Table;
  test: Table;
  recipe: FittedStep[];
  /** The seed the rows were shuffled with (0 from the time-ordered split, which never shuffles). */
  seed: number;
}

/**
 * k-fold cross-validation data. The usable rows (target present) are stored once, not once per fold:
 * each fold keeps only the row numbers it holds out as test rows, and its recipe fitted on all the
 * other rows (its training rows) alone. `foldSplit` in nodes/split/k-fold.ts turns one fold into a
 * SplitArtifact (validation empty) for the steps that take a Split.
 */
export interface FoldsArtifact {
  target: string;
  task: Task;
  /** Classification: the class names over every fold, index = class id. */
  labels: string[];
  /** Raw rows (before the recipe), in table order. */
  table: Table;
  folds: {
    /** Rows of `table` this fold holds out, ascending; its training rows are all the others. */
    test: Int32Array;
    /** The recipe fitted on this fold's training rows only. */
    recipe: FittedStep[];
  }[];
  seed: number;
}

/** What a trained model does: predict a class or a number (supervised), group rows, or project them. */
export type ModelTask = Task | 'clustering' | 'projection';


/**
 * Transfer learning: a network that starts from a saved model's layers (the first `freeze` of them, or
 * all but the head, keep their weights) and its preprocessing, with a new head for the new data.
 */
export interface TransferBase {
  /** The saved model (its artifact key). */
  modelKey: string;
  /** How many of the first layers with weights keep them; 'all-but-head' freezes every one. */
  freeze: number | 'all-but-head';
  /**
   * The layers that learn on start from their saved weights times this ("shrink" of Ash & Adams 2020,
   * "On warm-starting neural network training"): a warm-started network otherwise learns new data
   * worse than a fresh one. Missing (specs stored before it) or 1: the weights as saved.
   */
  shrink?: number;
  /** The saved model itself, given to training; left out of the spec a trained model keeps. */
  trained?: TrainedModelArtifact;
}

/** A model design: the family, how it learns, and its settings (the model node's params). */
export type ModelSpec =
  | { family: 'logistic-regression' | 'linear-regression' | 'mlp'; trainer: 'gradient'; config: DenseConfig; base?: TransferBase }
  // Deep families (CNN, RNN, transformer…): the family's model node declares its network; its params are the config.
  | { family: string; trainer: 'gradient'; config: Record<string, unknown>; base?: TransferBase }
  // Fitted in one go by their own algorithm (no epochs): the family's node declares the trainer and its config.
  | { family: string; trainer: 'classic'; config: Record<string, unknown> };

/** A TensorFlow.js layers model as stored: topology JSON plus the weights' bytes. */
export interface NetworkWeights {
  modelTopology: object;
  weightSpecs: object[];
  weightData: Uint8Array;
}

/** Everything serving needs: the learned model, the fitted preprocessing, the label map and the input schema. */
export interface TrainedModelArtifact {
  spec: ModelSpec;
  target: string;
  task: ModelTask;
  /** Classification: the class names, index = class id. */
  labels: string[];
  /** Raw columns a request must supply, with their types. */
  inputColumns: ColumnSchema[];
  /** One raw training row of those columns (the example of the deployed model's API); absent in models trained before it was kept. */
  exampleRow?: Record<string, CellValue>;
  recipe: FittedStep[];
  encoder: FeatureEncoder;
  /** Regression: the model learns (y - mean) / std of the training target; mean is also the baseline. */
  targetScale: { mean: number; std: number };
  /** Gradient families: the network's topology and weights. */
  weights?: NetworkWeights;
  /** Classic families: the fitted model as plain data and typed arrays (see runtime/training/classic.ts). */
  fitted?: unknown;
}

export interface MetricsArtifact {
  metrics: EvaluationMetrics;
  /** Predictions on the raw test rows, in test-row order (classification: class label + probabilities). */
  predictions: { predicted: (string | number)[]; probabilities?: number[][]; projection?: number[][] };
  /** The family of the model judged, and a fingerprint of the test rows (a leaderboard checks both models saw the same). */
  model?: string;
  testFingerprint?: string;
}

export interface DeploymentArtifact {
  model: TrainedModelArtifact;
}
