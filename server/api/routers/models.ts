import { TRPCError } from '@trpc/server';
import { desc } from 'drizzle-orm';
import { z } from 'zod';
import { models } from '../../../drizzle/schema';
import { headlineMetric } from '../../../lib/model-headline';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE, savedModelIdSchema } from '../../../lib/ids';
import { getDb } from '../../db';
import type { DatasetRead, ModelEvaluation } from '../../engine/saved-models';
import { getEngine } from '../../engine/instance';
import { publicProcedure, router } from '../trpc';
import { INTERNAL_MESSAGE, isDiskFull, publicErrorMessage } from '../../errors';

export const modelsRouter = router({
  /** Saved models, newest first: lineage and the headline of the first evaluation that judged each. */
  list: publicProcedure.query(() =>
    getDb()
      .select()
      .from(models)
      .orderBy(desc(models.createdAt))
      .all()
      .map(({ metrics, datasets, inputColumns, ...row }) => {
        const evaluations = metrics ? (JSON.parse(metrics) as ModelEvaluation[]) : [];
        return {
          ...row,
          trainer: row.trainer as 'gradient' | 'classic',
          inputColumnCount: (JSON.parse(inputColumns) as unknown[]).length,
          datasets: JSON.parse(datasets) as DatasetRead[],
          evaluations: evaluations.length,
          headline: headlineMetric(evaluations[0]?.metrics),
        };
      }),
  ),

  /** Publishes a saved model under a name, as a Deploy step would: the next version, served at the same predict route. */
  deploy: publicProcedure
    .input(
      z.object({
        id: savedModelIdSchema,
        name: z.string().regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE),
      }),
    )
    .mutation(async ({ input }) => {
      let published: { name: string; version: number } | null;
      try {
        published = await getEngine().deploySavedModel(input.id, input.name);
      } catch (error) {
        // A reason written for people ("its files are missing") is told; a failure of the disk or the store is not.
        if (isDiskFull(error) || publicErrorMessage(error) === INTERNAL_MESSAGE) throw error;
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: publicErrorMessage(error) });
      }
      if (!published) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no saved model "${input.id}".` });
      return { ...published, predictUrl: `/api/v1/models/${published.name}/predict` };
    }),

  /** Deletes a saved model: its files go back to the cache's garbage collection (deployed versions stay). */
  delete: publicProcedure.input(z.object({ id: savedModelIdSchema })).mutation(({ input }) => {
    if (!getEngine().deleteSavedModel(input.id)) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no saved model "${input.id}".` });
    return { deleted: true };
  }),
});
