import { encodeFeatures } from './encoding';
import { applyRecipe, recipeCategories } from '../recipe';
import type { Table } from '../../lib/table';
import type { TrainedModelArtifact } from '../artifacts';
import { tf } from '../tf/backend';
import { classicOutputs } from './classic';
import { loadNetwork } from './network-weights';

export interface TablePredictions {
  /** Class label, the predicted number (regression) or the cluster id; empty for a projection. */
  predicted: (string | number)[];
  /** Classification: per row, one probability per label (trained.labels order). */
  probabilities?: number[][];
  /** Projection (PCA): per row, its coordinate on each component. */
  projection?: number[][];
}

export type Network = Awaited<ReturnType<typeof loadNetwork>>;

/**
 * Per raw column, the categories the model learned from its training rows (its fitted recipe's
 * encoders, else its own one-hot features): a value outside them is answered as an unseen category.
 */
export function knownCategories(trained: TrainedModelArtifact): Map<string, ReadonlySet<string>> {
  const known = new Map<string, ReadonlySet<string>>();
  for (const feature of trained.encoder.features) if (feature.type === 'category') known.set(feature.name, new Set(feature.categories));
  for (const [name, categories] of recipeCategories(trained.recipe)) known.set(name, new Set(categories));
  return known;
}

/**
 * The one prediction path from raw rows: fitted recipe → feature encoding → model → answers.
 * Every family maps encoded rows [n, width] to an output matrix [n, k] read by the task:
 * class probabilities, one scaled number, one cluster id, or the projected coordinates.
 * The Evaluate and Predict nodes and the deployed predict route all call it, so they cannot disagree.
 */
export async function predictTable(trained: TrainedModelArtifact, table: Table, network?: Network): Promise<TablePredictions> {
  const prepared = applyRecipe(trained.recipe, table);
  const encoded = encodeFeatures(prepared, trained.encoder);
  const { values, width } = trained.weights
    ? await networkOutputs(trained, encoded, table.rowCount, network)
    : classicOutputs(trained, encoded, table.rowCount);
  const rows = (r: number) => Array.from(values.subarray(r * width, (r + 1) * width));
  switch (trained.task) {
    case 'regression':
      return { predicted: Array.from(values, (v) => v * trained.targetScale.std + trained.targetScale.mean) };
    case 'clustering':
      return { predicted: Array.from(values) };
    case 'projection':
      return { predicted: [], projection: Array.from({ length: table.rowCount }, (_, r) => rows(r)) };
    case 'classification': {
      const predicted: string[] = [];
      const probabilities: number[][] = [];
      for (let r = 0; r < table.rowCount; r++) {
        const row = rows(r);
        let best = 0;
        for (let c = 1; c < width; c++) if (row[c] > row[best]) best = c;
        predicted.push(trained.labels[best]);
        probabilities.push(row);
      }
      return { predicted, probabilities };
    }
  }
}

async function networkOutputs(trained: TrainedModelArtifact, encoded: Float32Array, rowCount: number, network?: Network) {
  const model = network ?? (await loadNetwork(trained.weights!));
  try {
    const output = tf.tidy(() => model.predict(tf.tensor2d(encoded, [rowCount, trained.encoder.width])) as ReturnType<typeof tf.tensor2d>);
    const values = (await output.data()) as Float32Array;
    const width = output.shape[1] ?? 1;
    output.dispose();
    return { values, width };
  } finally {
    if (!network) model.dispose();
  }
}
