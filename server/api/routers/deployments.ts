import { desc } from 'drizzle-orm';
import { deployments } from '../../../drizzle/schema';
import { diskUsage } from '../../data/disk-usage';
import { getDb } from '../../db';
import { ArtifactStore } from '../../engine/artifact-store';
import { artifactsDir, engineSettings, getEngine } from '../../engine/instance';
import { publicProcedure, router } from '../trpc';

export const deploymentsRouter = router({
  list: publicProcedure.query(() =>
    getDb()
      .select()
      .from(deployments)
      .orderBy(desc(deployments.createdAt))
      .all()
      .map((d) => ({ ...d, metrics: d.metrics ? (JSON.parse(d.metrics) as Record<string, unknown>) : null })),
  ),
});

export const workersRouter = router({
  list: publicProcedure.query(async () => ({ mode: getEngine().queue.mode, workers: await getEngine().queue.workers() })),
  /** Disk use by category (datasets, cached outputs, saved models…) and what is left: a walk of the artifact folder, so polled slowly. */
  disk: publicProcedure.query(() => diskUsage(getDb(), new ArtifactStore(artifactsDir()), engineSettings().artifactCapBytes)),
});
