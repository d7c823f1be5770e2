import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { datasetIdSchema } from '../../../lib/ids';
import { tableRows } from '../../../lib/table';
import { deleteDataset, getDataset, listDatasets, maxUploadBytes } from '../../data/datasets';
import { forgetDatasetTable, loadDatasetTable } from '../../data/export';
import { publicProcedure, router } from '../trpc';
import { MAX_PREVIEW_CELLS } from '../../../lib/api-limits';

export const datasetsRouter = router({
  list: publicProcedure.query(() => {
    const all = listDatasets();
    return {
      datasets: all,
      usedBytes: all.reduce((sum, d) => sum + d.storedBytes, 0),
      maxUploadBytes: maxUploadBytes(),
    };
  }),

  get: publicProcedure.input(z.object({ id: datasetIdSchema })).query(({ input }) => {
    const dataset = getDataset(input.id);
    if (!dataset) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no dataset "${input.id}".` });
    return dataset;
  }),

  /** A page of rows for the (virtualized) preview. */
  rows: publicProcedure
    .input(z.object({ id: datasetIdSchema, offset: z.number().int().min(0), limit: z.number().int().min(1).max(1000) }))
    .query(async ({ input }) => {
      const table = await loadDatasetTable(input.id);
      if (!table) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no dataset "${input.id}".` });
      // Rows × columns, not rows, is what a page costs: a wide table answers fewer rows than asked.
      const limit = Math.min(input.limit, Math.max(1, Math.floor(MAX_PREVIEW_CELLS / Math.max(1, table.columns.length))));
      return { rowCount: table.rowCount, offset: input.offset, rows: tableRows(table, limit, input.offset) };
    }),

  delete: publicProcedure.input(z.object({ id: datasetIdSchema })).mutation(({ input }) => {
    forgetDatasetTable(input.id);
    if (!deleteDataset(input.id)) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no dataset "${input.id}".` });
    return { deleted: true };
  }),
});
