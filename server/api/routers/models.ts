import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { headlineMetric } from '../../../lib/model-headline';
import { graphIdSchema, MODEL_NAME_PATTERN, MODEL_NAME_RULE, savedModelIdSchema } from '../../../lib/ids';
import { getDb } from '../../db';
import { listSavedModels, type DatasetRead, type ModelEvaluation } from '../../engine/saved-models';
import { isDeploymentRefused } from '../../engine/deployment-registry';
import { getEngine } from '../../engine/instance';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';
import { pickerScope } from './graphs';
import { audited } from '../audit';
import { INTERNAL_MESSAGE, isDiskFull, publicErrorMessage } from '../../errors';

const noModel = (id: string) => new TRPCError({ code: 'NOT_FOUND', message: `There is no saved model "${id}".` });

/** The saved models of the request's active workspace. */
export const modelsRouter = router({
  /** Saved models, newest first: lineage and the headline of the first evaluation that judged each. */
  list: signedInProcedure.input(z.object({ forPipeline: graphIdSchema.optional() }).optional()).query(({ ctx, input }) => {
    const { workspaceId, only } = pickerScope(ctx, input?.forPipeline, 'models');
    return listSavedModels(getDb(), workspaceId).filter((m) => !only || only.has(m.id)).map(({ metrics, datasets, inputColumns, workspaceId: _workspace, ...row }) => {
      const evaluations = metrics ? (JSON.parse(metrics) as ModelEvaluation[]) : [];
      return {
        ...row,
        trainer: row.trainer as 'gradient' | 'classic',
        inputColumnCount: (JSON.parse(inputColumns) as unknown[]).length,
        datasets: JSON.parse(datasets) as DatasetRead[],
        evaluations: evaluations.length,
        headline: headlineMetric(evaluations[0]?.metrics),
      };
    });
  }),

  /** Publishes a saved model under a name, as a Deploy step would: the next version, served at the same predict route (nothing new when it is live there already). */
  deploy: workspaceProcedure('edit')
    .input(
      z.object({
        id: savedModelIdSchema,
        name: z.string().regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE),
        /** Take the name over from another pipeline, or change its input columns. */
        replace: z.boolean().default(false),
        /** Publish a model its evaluation found no better than its baseline. */
        deployAnyway: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      let published: Awaited<ReturnType<ReturnType<typeof getEngine>['deploySavedModel']>>;
      try {
        published = await getEngine().deploySavedModel({ workspaceId: ctx.access.workspaceId, id: input.id, name: input.name, replace: input.replace, deployAnyway: input.deployAnyway, by: ctx.access.user.id });
      } catch (error) {
        if (isDeploymentRefused(error)) throw new TRPCError({ code: 'CONFLICT', message: error.message });
        // A reason written for people ("its files are missing") is told; a failure of the disk or the store is not.
        if (isDiskFull(error) || publicErrorMessage(error) === INTERNAL_MESSAGE) throw error;
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: publicErrorMessage(error) });
      }
      if (!published) throw noModel(input.id);
      if (!published.unchanged) audited(ctx.access, 'deploy', `deployment "${published.name}" version ${published.version}`, `from saved model ${input.id}`);
      return { ...published, predictUrl: `/api/v1/models/${published.name}/predict` };
    }),

  /** Deletes a saved model: its files go back to the cache's garbage collection (deployed versions stay). */
  delete: workspaceProcedure('delete')
    .input(z.object({ id: savedModelIdSchema }))
    .mutation(({ ctx, input }) => {
      if (!getEngine().deleteSavedModel(ctx.access.workspaceId, input.id)) throw noModel(input.id);
      audited(ctx.access, 'model.delete', `saved model ${input.id}`);
      return { deleted: true };
    }),
});
