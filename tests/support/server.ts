import { afterAll, beforeAll, expect } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { callerAs, theOwner, type TestAccount } from './accounts';
import { useTempDataDir } from './pipeloom';

type Db = typeof import('../../server/db');
type Instance = typeof import('../../server/engine/instance');
type Caller = ReturnType<typeof import('../../server/api/root').createCaller>;

export interface TestServer {
  db: Db;
  instance: Instance;
  /** tRPC as the owner of the first workspace, signed in. */
  caller: Caller;
  owner: TestAccount;
  /** The owner's workspace, where `runToEnd` runs graphs. */
  workspaceId: string;
  dataDir: string;
}

/**
 * A server for one test file: a fresh data dir and SQLite file, the engine with real worker
 * processes, an owner account (signed up, as on first start) and a tRPC caller signed in as it;
 * shut down and removed after the file. Its fields are filled in
 * beforeAll (server modules read their environment when first imported).
 */
export function useTestServer(prefix: string, workers = 2, options: { warmWorkers?: boolean; before?: (paths: { dataDir: string; dbFile: string }) => void } = {}): TestServer {
  const temp = useTempDataDir(prefix, workers);
  const server = { dataDir: temp.dataDir } as TestServer;
  beforeAll(async () => {
    options.before?.(temp);
    server.db = await import('../../server/db');
    server.instance = await import('../../server/engine/instance');
    server.owner = await theOwner();
    server.workspaceId = (await import('../../server/auth/workspaces')).FIRST_WORKSPACE_ID;
    server.caller = await callerAs(server.owner);
    if (options.warmWorkers) await (server.instance.getEngine().queue as LocalWorkerPool).ready();
  });
  afterAll(async () => {
    await server.instance?.shutdownEngine();
    server.db?.getDb().$client.close();
    temp.cleanup();
  });
  return server;
}

/**
 * Runs a graph on the test server's engine to the end; fails (naming each step's status and error)
 * unless the run succeeded. Returns the run id and its step rows by node id.
 */
export async function runToEnd(server: TestServer, graph: GraphFile) {
  const engine = server.instance.getEngine();
  const started = await engine.start(graph, { workspaceId: server.workspaceId });
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  const status = await engine.waitFor(started.runId);
  const steps = server.db.getDb().select().from(server.db.schema.runSteps).all().filter((s) => s.runId === started.runId);
  expect(status, steps.map((s) => `${s.nodeId}: ${s.status} ${s.error ?? ''}`).join('\n')).toBe('succeeded');
  return { runId: started.runId, steps: Object.fromEntries(steps.map((s) => [s.nodeId, s])) };
}
