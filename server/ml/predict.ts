import { encodeFeatures } from '../../lib/encoding';
import { applyRecipe } from '../../lib/recipe';
import type { Table } from '../../lib/table';
import type { TrainedModelArtifact } from '../../nodes/artifacts';
import { tf } from '../tf/backend';
import { loadNetwork } from './neural';

export interface TablePredictions {
  /** Class label, or the predicted number for regression. */
  predicted: (string | number)[];
  /** Classification: per row, one probability per label (trained.labels order). */
  probabilities?: number[][];
}

type Network = Awaited<ReturnType<typeof loadNetwork>>;

/**
 * The one prediction path from raw rows: fitted recipe → feature encoding → network → labels.
 * The Evaluate node and the deployed predict route both call it, so they cannot disagree.
 */
export async function predictTable(trained: TrainedModelArtifact, table: Table, network?: Network): Promise<TablePredictions> {
  const model = network ?? (await loadNetwork(trained.weights));
  try {
    const prepared = applyRecipe(trained.recipe, table);
    const encoded = encodeFeatures(prepared, trained.encoder);
    const output = tf.tidy(() => model.predict(tf.tensor2d(encoded, [table.rowCount, trained.encoder.width])) as ReturnType<typeof tf.tensor2d>);
    const flat = await output.data();
    output.dispose();
    if (trained.task === 'regression') {
      return { predicted: Array.from(flat, (v) => v * trained.targetScale.std + trained.targetScale.mean) };
    }
    const k = trained.labels.length;
    const predicted: string[] = [];
    const probabilities: number[][] = [];
    for (let r = 0; r < table.rowCount; r++) {
      const row = Array.from(flat.subarray(r * k, (r + 1) * k));
      let best = 0;
      for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
      predicted.push(trained.labels[best]);
      probabilities.push(row);
    }
    return { predicted, probabilities };
  } finally {
    if (!network) model.dispose();
  }
}
