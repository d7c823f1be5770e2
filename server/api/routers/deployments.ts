import { desc, eq } from 'drizzle-orm';
import { deployments } from '../../../drizzle/schema';
import { diskUsage } from '../../data/disk-usage';
import { getDb } from '../../db';
import { ArtifactStore } from '../../engine/artifact-store';
import { artifactsDir, engineSettings, getEngine } from '../../engine/instance';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';

export const deploymentsRouter = router({
  /** The deployments of the active workspace, newest version first. */
  list: workspaceProcedure('view').query(({ ctx }) =>
    getDb()
      .select()
      .from(deployments)
      .where(eq(deployments.workspaceId, ctx.access.workspaceId))
      .orderBy(desc(deployments.createdAt))
      .all()
      .map(({ workspaceId: _workspace, ...d }) => ({ ...d, metrics: d.metrics ? (JSON.parse(d.metrics) as Record<string, unknown>) : null })),
  ),
});

/** The server's workers and disk: facts about the machine, the same for every signed-in user (no workspace's content). */
export const workersRouter = router({
  list: signedInProcedure.query(async () => ({ mode: getEngine().queue.mode, workers: await getEngine().queue.workers() })),
  /** Disk use by category (datasets, cached outputs, saved models…) and what is left: a walk of the artifact folder, so polled slowly. */
  disk: signedInProcedure.query(() => diskUsage(getDb(), new ArtifactStore(artifactsDir()), engineSettings().artifactCapBytes)),
});
