import { TRPCError } from '@trpc/server';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../../lib/ids';
import { publicDeploymentsOf, setDeploymentPublic } from '../../auth/api-keys';
import { deployments, runs, workspaceMembers } from '../../../drizzle/schema';
import { diskUsage } from '../../data/disk-usage';
import { getDb } from '../../db';
import { ArtifactStore } from '../../engine/artifact-store';
import { deploymentNameHolder } from '../../engine/saved-models';
import { artifactsDir, engineSettings, getEngine } from '../../engine/instance';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';
import { audited } from '../audit';

export const deploymentsRouter = router({
  /** The deployments of the active workspace, newest version first. */
  list: workspaceProcedure('view').query(({ ctx }) => {
    const open = new Set(publicDeploymentsOf(ctx.access.workspaceId));
    return getDb()
      .select()
      .from(deployments)
      .where(eq(deployments.workspaceId, ctx.access.workspaceId))
      .orderBy(desc(deployments.createdAt))
      .all()
      .map(({ workspaceId: _workspace, ...d }) => ({ ...d, public: open.has(d.name), metrics: d.metrics ? (JSON.parse(d.metrics) as Record<string, unknown>) : null }));
  }),

  /** Makes a deployment name of the workspace public (predict and describe answer anyone, without a key) or private again. */
  setPublic: workspaceProcedure('manage')
    .input(z.object({ name: z.string().regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE), public: z.boolean() }))
    .mutation(({ ctx, input }) => {
      if (deploymentNameHolder(getDb(), input.name) !== ctx.access.workspaceId) {
        throw new TRPCError({ code: 'NOT_FOUND', message: `There is no deployment "${input.name}" in this workspace.` });
      }
      setDeploymentPublic(input.name, ctx.access.workspaceId, input.public);
      audited(ctx.access, 'deployment.visibility', `deployment "${input.name}"`, input.public ? 'made public: anyone may call it' : 'made private: a key or a session is needed');
      return { name: input.name, public: input.public };
    }),
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
