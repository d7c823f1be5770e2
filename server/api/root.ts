import 'server-only';
import { apiKeysRouter } from './routers/api-keys';
import { bundlesRouter } from './routers/bundles';
import { catalogRouter } from './routers/catalog';
import { deploymentsRouter, workersRouter } from './routers/deployments';
import { datasetsRouter } from './routers/datasets';
import { graphsRouter } from './routers/graphs';
import { modelsRouter } from './routers/models';
import { runsRouter } from './routers/runs';
import { templatesRouter } from './routers/templates';
import { workspacesRouter } from './routers/workspaces';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  catalog: catalogRouter,
  graphs: graphsRouter,
  runs: runsRouter,
  datasets: datasetsRouter,
  deployments: deploymentsRouter,
  models: modelsRouter,
  workers: workersRouter,
  workspaces: workspacesRouter,
  apiKeys: apiKeysRouter,
  templates: templatesRouter,
  bundles: bundlesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
