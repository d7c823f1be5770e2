import { and, eq } from 'drizzle-orm';
import type { ColumnSchema } from '../../lib/table';
import { datasetDetails, datasets } from '../../drizzle/schema';
import type { CompileEnv } from '../../nodes/define';
import { getDb } from '../db';
import { savedModelInfo } from '../engine/saved-models';
import { deploymentRefusal } from '../engine/deployment-registry';
import { sampleDatasetInfo } from '../../runtime/ingest/samples';

/** What compile may know in a workspace: the bundled samples, the workspace's uploads and its saved models (nothing of another workspace's). */
export function workspaceCompileEnv(workspaceId: string): CompileEnv {
  return {
    dataset(id) {
      const sample = sampleDatasetInfo(id);
      if (sample) return sample;
      const row = getDb()
        .select({ columns: datasetDetails.columns })
        .from(datasets)
        .innerJoin(datasetDetails, eq(datasetDetails.datasetId, datasets.id))
        .where(and(eq(datasets.workspaceId, workspaceId), eq(datasets.id, id)))
        .get();
      return row ? { columns: JSON.parse(row.columns) as ColumnSchema[], contentHash: id } : undefined;
    },
    savedModel: (id) => savedModelInfo(getDb(), workspaceId, id),
    // Only what compile can know: the workspace holding the name (the pipeline and the model's columns are checked as the step publishes).
    deploymentNameRefusal: (name) => deploymentRefusal(getDb(), { workspaceId, name, graphId: null, replace: true }),
  };
}
