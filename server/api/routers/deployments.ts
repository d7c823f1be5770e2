import { and, desc, eq, inArray } from 'drizzle-orm';
import { deployments, runs, workspaceMembers } from '../../../drizzle/schema';
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
  /** The workers and what each is doing: the steps of the user's own workspaces by name, another workspace's only as a count. */
  list: signedInProcedure.query(async ({ ctx }) => {
    const workers = await getEngine().queue.workers();
    const runIds = [...new Set(workers.flatMap((w) => w.busyWith.map((b) => b.runId)))];
    const visible = new Set(
      runIds.length === 0
        ? []
        : getDb()
            .select({ id: runs.id })
            .from(runs)
            .innerJoin(workspaceMembers, and(eq(workspaceMembers.workspaceId, runs.workspaceId), eq(workspaceMembers.userId, ctx.user.id)))
            .where(inArray(runs.id, runIds))
            .all()
            .map((r) => r.id),
    );
    return {
      mode: getEngine().queue.mode,
      workers: workers.map((w) => ({
        ...w,
        busyWith: w.busyWith.filter((b) => visible.has(b.runId)),
        busyElsewhere: w.busyWith.filter((b) => !visible.has(b.runId)).length,
      })),
    };
  }),
  /** Disk use by category (datasets, cached outputs, saved models…) and what is left: a walk of the artifact folder, so polled slowly. */
  disk: signedInProcedure.query(() => diskUsage(getDb(), new ArtifactStore(artifactsDir()), engineSettings().artifactCapBytes)),
});
