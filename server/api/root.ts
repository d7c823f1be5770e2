import 'server-only';
import { apiKeysRouter } from './routers/api-keys';
import { auditRouter } from './routers/audit';
import { bundlesRouter } from './routers/bundles';
import { catalogRouter } from './routers/catalog';
import { deploymentsRouter, workersRouter } from './routers/deployments';
import { datasetsRouter } from './routers/datasets';
import { graphsRouter } from './routers/graphs';
import { invitesRouter } from './routers/invites';
import { modelsRouter } from './routers/models';
import { runsRouter } from './routers/runs';
import { sharingRouter } from './routers/sharing';
import { templatesRouter } from './routers/templates';
import { versionsRouter } from './routers/versions';
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
  invites: invitesRouter,
  sharing: sharingRouter,
  audit: auditRouter,
  versions: versionsRouter,
  templates: templatesRouter,
  bundles: bundlesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
