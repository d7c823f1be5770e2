import { z } from 'zod';
import { auditEventsOf, auditFilterSchema } from '../../audit/log';
import { getDb } from '../../db';
import { workspaceProcedure, router } from '../trpc';

/** The audit log of the active workspace: for its owners. */
export const auditRouter = router({
  list: workspaceProcedure('manage')
    .input(auditFilterSchema.extend({ beforeId: z.number().int().positive().optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => {
      const { beforeId, limit, ...filter } = input;
      const events = auditEventsOf(getDb(), ctx.access.workspaceId, filter, limit + 1, beforeId);
      return { events: events.slice(0, limit), more: events.length > limit };
    }),
});
