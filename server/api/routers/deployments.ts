import { TRPCError } from '@trpc/server';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../../lib/ids';
import { publicDeploymentsOf, setDeploymentPublic } from '../../auth/api-keys';
import { deploymentNames, deployments, graphs, graphVersions, runs, user, workspaceMembers } from '../../../drizzle/schema';
import { diskUsage } from '../../data/disk-usage';
import { getDb } from '../../db';
import { ArtifactStore } from '../../engine/artifact-store';
import { deploymentNameHolder, isDeploymentRefused, makeLive, previousVersion, setPinned, undeploy } from '../../engine/deployment-registry';
import { artifactsDir, engineSettings, getEngine } from '../../engine/instance';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';
import { audited } from '../audit';

const deploymentNameInput = z.string().regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE);

/** A registry change refused (no such name or version here, nothing to roll back to) as a tRPC error. */
function registryChange<T>(change: () => T): T {
  try {
    return change();
  } catch (error) {
    if (isDeploymentRefused(error)) throw new TRPCError({ code: error.notFound ? 'NOT_FOUND' : 'PRECONDITION_FAILED', message: error.message });
    throw error;
  }
}

export const deploymentsRouter = router({
  /**
   * The registry of the active workspace, one entry per name: its live version, pinned or not,
   * undeployed (and why), public or not, and every version newest first with its model, the
   * pipeline version its run ran, who published it and when, and its test result.
   */
  list: workspaceProcedure('view').query(({ ctx }) => {
    const db = getDb();
    const open = new Set(publicDeploymentsOf(ctx.access.workspaceId));
    const versions = db
      .select({
        name: deployments.name,
        version: deployments.version,
        modelKey: deployments.modelKey,
        runId: deployments.runId,
        graphId: deployments.graphId,
        metrics: deployments.metrics,
        createdAt: deployments.createdAt,
        createdBy: user.name,
        pipelineVersion: graphVersions.number,
      })
      .from(deployments)
      .leftJoin(user, eq(user.id, deployments.createdBy))
      .leftJoin(runs, eq(runs.id, deployments.runId))
      .leftJoin(graphVersions, eq(graphVersions.id, runs.versionId))
      .where(eq(deployments.workspaceId, ctx.access.workspaceId))
      .orderBy(desc(deployments.version))
      .all();
    return db
      .select({ entry: deploymentNames, pipelineName: graphs.name })
      .from(deploymentNames)
      .leftJoin(graphs, eq(graphs.id, deploymentNames.graphId))
      .where(eq(deploymentNames.workspaceId, ctx.access.workspaceId))
      .orderBy(deploymentNames.name)
      .all()
      .map(({ entry: { workspaceId: _workspace, ...entry }, pipelineName }) => ({
        ...entry,
        pipelineName,
        public: open.has(entry.name),
        versions: versions
          .filter((v) => v.name === entry.name)
          .map(({ name: _name, metrics, ...v }) => ({ ...v, metrics: metrics ? (JSON.parse(metrics) as Record<string, unknown>) : null })),
      }));
  }),

  /** Makes a version the one that answers (it stays live when new versions are published only if `pin`). */
  promote: workspaceProcedure('edit')
    .input(z.object({ name: deploymentNameInput, version: z.number().int().min(1).max(1_000_000), pin: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => {
      registryChange(() => makeLive(getDb(), ctx.access.workspaceId, input.name, input.version, input.pin));
      audited(ctx.access, 'deployment.promote', `deployment "${input.name}" version ${input.version}`, input.pin ? 'made live and pinned' : 'made live');
      return { name: input.name, liveVersion: input.version, pinned: input.pin };
    }),

  /** Rolls back to the version before the live one, pinned (a run that publishes a new version does not make it live). */
  rollback: workspaceProcedure('edit')
    .input(z.object({ name: deploymentNameInput }))
    .mutation(({ ctx, input }) => {
      const version = registryChange(() => {
        const previous = previousVersion(getDb(), ctx.access.workspaceId, input.name);
        makeLive(getDb(), ctx.access.workspaceId, input.name, previous, true);
        return previous;
      });
      audited(ctx.access, 'deployment.rollback', `deployment "${input.name}" version ${version}`, 'rolled back to it, pinned');
      return { name: input.name, liveVersion: version, pinned: true };
    }),

  /** Pins the live version (new versions are published but wait to be promoted) or unpins it. */
  pin: workspaceProcedure('edit')
    .input(z.object({ name: deploymentNameInput, pinned: z.boolean() }))
    .mutation(({ ctx, input }) => {
      registryChange(() => setPinned(getDb(), ctx.access.workspaceId, input.name, input.pinned));
      audited(ctx.access, 'deployment.pin', `deployment "${input.name}"`, input.pinned ? 'pinned' : 'unpinned');
      return { name: input.name, pinned: input.pinned };
    }),

  /** Stops serving a name: its calls answer 410 with the reason (publishing or promoting a version serves it again). */
  undeploy: workspaceProcedure('edit')
    .input(z.object({ name: deploymentNameInput, reason: z.string().trim().min(1, 'say why, for its callers').max(300) }))
    .mutation(({ ctx, input }) => {
      registryChange(() => undeploy(getDb(), ctx.access.workspaceId, input.name, input.reason));
      audited(ctx.access, 'deployment.undeploy', `deployment "${input.name}"`, input.reason);
      return { name: input.name, undeployed: true };
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
