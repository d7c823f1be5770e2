import { desc } from 'drizzle-orm';
import { deployments } from '../../../drizzle/schema';
import { getDb } from '../../db';
import { getEngine } from '../../engine/instance';
import { publicProcedure, router } from '../trpc';

export const deploymentsRouter = router({
  list: publicProcedure.query(() =>
    getDb()
      .select()
      .from(deployments)
      .orderBy(desc(deployments.createdAt))
      .all()
      .map((d) => ({ ...d, metrics: d.metrics ? (JSON.parse(d.metrics) as Record<string, unknown>) : null })),
  ),
});

export const workersRouter = router({
  list: publicProcedure.query(async () => ({ mode: getEngine().queue.mode, workers: await getEngine().queue.workers() })),
});
