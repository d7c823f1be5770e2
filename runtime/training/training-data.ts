import { fitEncoder, type EncoderOptions, type FeatureEncoder } from './encoding';
import { applyRecipe } from '../recipe';
import { getColumn, numericValues, type ColumnSchema, type Table } from '../../lib/table';
import type { SplitArtifact } from '../artifacts';

/** What every trainer starts from: the split's rows with the fitted recipe applied, and the encoder. */
export interface TrainingData {
  train: Table;
  /** Undefined when the split kept no validation rows. */
  validation?: Table;
  encoder: FeatureEncoder;
  /** Regression: the model learns (y - mean) / std of the training target. Otherwise mean 0, std 1. */
  targetScale: { mean: number; std: number };
  /** Raw columns a request must supply (before the recipe), with their types. */
  inputColumns: ColumnSchema[];
}

/** `options` may depend on the prepared training rows (the columns the recipe made). */
export function prepareTraining(split: SplitArtifact, options: EncoderOptions | ((train: Table) => EncoderOptions) = {}): TrainingData {
  const rows = preparedRows(split);
  // The recipe may replace columns (PCA, date parts): the model learns from the prepared ones.
  const featureNames = rows.train.columns.map((c) => c.name).filter((n) => n !== split.target);
  const encoder = fitEncoder(rows.train, featureNames, typeof options === 'function' ? options(rows.train) : options);
  const inputColumns = split.train.columns.filter((c) => c.name !== split.target).map((c) => ({ name: c.name, type: c.type }));
  return { ...rows, encoder, inputColumns };
}

/** The split's rows through its fitted recipe, and the regression target's scale: what any encoder then reads. */
export function preparedRows(split: SplitArtifact): Pick<TrainingData, 'train' | 'validation' | 'targetScale'> {
  const train = applyRecipe(split.recipe, split.train);
  const validation = split.validation.rowCount > 0 ? applyRecipe(split.recipe, split.validation) : undefined;
  const targetScale = { mean: 0, std: 1 };
  if (split.task === 'regression') {
    const y = numericValues(getColumn(train, split.target));
    targetScale.mean = y.reduce((a, b) => a + b, 0) / y.length;
    targetScale.std = Math.sqrt(y.reduce((a, b) => a + (b - targetScale.mean) ** 2, 0) / y.length) || 1;
  }
  if (split.task === 'classification' && split.labels.length < 2) {
    throw new Error(`The target "${split.target}" has only one class (${split.labels[0] ?? 'none'}): there is nothing to tell apart.`);
  }
  return { train, validation, targetScale };
}
