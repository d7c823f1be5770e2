import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { insertGraph } from '../../data/versions';
import { getDb } from '../../db';
import { findTemplate, listTemplates, templateIdSchema } from '../../templates';
import { signedInProcedure, workspaceProcedure, router } from '../trpc';

/** The templates gallery: the same for every signed-in user; a template opens as a new pipeline of the active workspace. */
export const templatesRouter = router({
  list: signedInProcedure.query(() => listTemplates()),

  create: workspaceProcedure('edit')
    .input(z.object({ id: templateIdSchema }))
    .mutation(({ ctx, input }) => {
      const template = findTemplate(input.id);
      if (!template) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no template "${input.id}".` });
      return { id: getDb().transaction((tx) => insertGraph(tx, ctx.access.workspaceId, template.graph, ctx.access.user.id)) };
    }),
});
