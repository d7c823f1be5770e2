import { fitEncoder, type EncoderOptions, type FeatureEncoder } from './encoding';
import { applyRecipe } from '../recipe';
import { cellValue, getColumn, numericValues, type CellValue, type ColumnSchema, type Table } from '../../lib/table';
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
  /** One raw training row of those columns, as a request would send it (the example of the deployed model's API). */
  exampleRow: Record<string, CellValue>;
}

/** The first row of `table` with every input column present (else its first row), as a request would send it. */
export function exampleRow(table: Table, inputColumns: readonly ColumnSchema[]): Record<string, CellValue> {
  const columns = inputColumns.flatMap((spec) => table.columns.filter((c) => c.name === spec.name));
  const row = Math.max(0, Array.from({ length: table.rowCount }, (_, r) => r).find((r) => columns.every((c) => cellValue(c, r) !== null)) ?? 0);
  return Object.fromEntries(columns.map((c) => [c.name, table.rowCount > 0 ? cellValue(c, row) : null]));
}

/** `options` may depend on the prepared training rows (the columns the recipe made). */
export function prepareTraining(split: SplitArtifact, options: EncoderOptions | ((train: Table) => EncoderOptions) = {}): TrainingData {
  const rows = preparedRows(split);
  // The recipe may replace columns (PCA, date parts): the model learns from the prepared ones.
  const featureNames = rows.train.columns.map((c) => c.name).filter((n) => n !== split.target);
  const encoder = fitEncoder(rows.train, featureNames, typeof options === 'function' ? options(rows.train) : options);
  const inputColumns = split.train.columns.filter((c) => c.name !== split.target).map((c) => ({ name: c.name, type: c.type }));
  return { ...rows, encoder, inputColumns, exampleRow: exampleRow(split.train, inputColumns) };
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
