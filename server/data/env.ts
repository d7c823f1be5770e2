import { eq } from 'drizzle-orm';
import type { ColumnSchema } from '../../lib/table';
import { datasetDetails } from '../../drizzle/schema';
import type { CompileEnv } from '../../nodes/define';
import { getDb } from '../db';
import { savedModelInfo } from '../engine/saved-models';
import { sampleDatasetInfo } from '../../runtime/ingest/samples';

/** What compile may know about datasets on this server (the bundled samples and the uploads) and its saved models. */
export const serverCompileEnv: CompileEnv = {
  dataset(id) {
    const sample = sampleDatasetInfo(id);
    if (sample) return sample;
    const row = getDb().select({ columns: datasetDetails.columns }).from(datasetDetails).where(eq(datasetDetails.datasetId, id)).get();
    return row ? { columns: JSON.parse(row.columns) as ColumnSchema[], contentHash: id } : undefined;
  },
  savedModel: (id) => savedModelInfo(getDb(), id),
};
