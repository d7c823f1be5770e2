import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { datasetIdSchema, graphIdSchema } from '../../../lib/ids';
import { tableRows } from '../../../lib/table';
import { deleteDataset, getDataset, listDatasets, maxUploadBytes } from '../../data/datasets';
import { forgetDatasetTable, loadDatasetTable } from '../../data/export';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';
import { pickerScope } from './graphs';
import { audited } from '../audit';
import { MAX_PREVIEW_CELLS, VIEWER_PREVIEW_ROWS } from '../../../lib/api-limits';

const noDataset = (id: string) => new TRPCError({ code: 'NOT_FOUND', message: `There is no dataset "${id}".` });

/** The datasets of the request's active workspace. */
export const datasetsRouter = router({
  /** The active workspace's datasets, or (`forPipeline`) those of the pipeline's workspace for its inspector. */
  list: signedInProcedure.input(z.object({ forPipeline: graphIdSchema.optional() }).optional()).query(({ ctx, input }) => {
    const { workspaceId, only } = pickerScope(ctx, input?.forPipeline, 'datasets');
    const all = listDatasets(workspaceId).filter((d) => !only || only.has(d.id));
    return {
      datasets: all,
      usedBytes: all.reduce((sum, d) => sum + d.storedBytes, 0),
      maxUploadBytes: maxUploadBytes(),
    };
  }),

  get: workspaceProcedure('view')
    .input(z.object({ id: datasetIdSchema }))
    .query(({ ctx, input }) => {
      const dataset = getDataset(ctx.access.workspaceId, input.id);
      if (!dataset) throw noDataset(input.id);
      return dataset;
    }),

  /** A page of rows for the (virtualized) preview; a viewer sees the first rows only (the whole table is for those who may download it). */
  rows: workspaceProcedure('view')
    .input(z.object({ id: datasetIdSchema, offset: z.number().int().min(0), limit: z.number().int().min(1).max(1000) }))
    .query(async ({ ctx, input }) => {
      const table = await loadDatasetTable(ctx.access.workspaceId, input.id);
      if (!table) throw noDataset(input.id);
      const previewOnly = ctx.access.role === 'viewer';
      if (previewOnly && input.offset >= VIEWER_PREVIEW_ROWS) {
        throw new TRPCError({ code: 'FORBIDDEN', message: `Viewers see the first ${VIEWER_PREVIEW_ROWS.toLocaleString('en')} rows of a dataset: ask an owner for the editor role to see all of it.` });
      }
      // Rows × columns, not rows, is what a page costs: a wide table answers fewer rows than asked.
      const rowsEnd = previewOnly ? VIEWER_PREVIEW_ROWS : table.rowCount;
      const limit = Math.min(input.limit, rowsEnd - input.offset, Math.max(1, Math.floor(MAX_PREVIEW_CELLS / Math.max(1, table.columns.length))));
      return { rowCount: previewOnly ? Math.min(table.rowCount, VIEWER_PREVIEW_ROWS) : table.rowCount, offset: input.offset, rows: tableRows(table, Math.max(0, limit), input.offset) };
    }),

  delete: workspaceProcedure('delete')
    .input(z.object({ id: datasetIdSchema }))
    .mutation(({ ctx, input }) => {
      const name = getDataset(ctx.access.workspaceId, input.id)?.name;
      if (!deleteDataset(ctx.access.workspaceId, input.id)) throw noDataset(input.id);
      forgetDatasetTable(input.id);
      audited(ctx.access, 'dataset.delete', `dataset "${name ?? input.id}"`);
      return { deleted: true };
    }),
});
