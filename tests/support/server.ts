import { afterAll, beforeAll, expect } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { useTempDataDir } from './pipeloom';

type Db = typeof import('../../server/db');
type Instance = typeof import('../../server/engine/instance');
type Caller = ReturnType<typeof import('../../server/api/root').createCaller>;

export interface TestServer {
  db: Db;
  instance: Instance;
  caller: Caller;
  dataDir: string;
}

/**
 * A server for one test file: a fresh data dir and SQLite file, the engine with real worker
 * processes, and a tRPC caller; shut down and removed after the file. Its fields are filled in
 * beforeAll (server modules read their environment when first imported).
 */
export function useTestServer(prefix: string, workers = 2, options: { warmWorkers?: boolean } = {}): TestServer {
  const temp = useTempDataDir(prefix, workers);
  const server = { dataDir: temp.dataDir } as TestServer;
  beforeAll(async () => {
    server.db = await import('../../server/db');
    server.instance = await import('../../server/engine/instance');
    server.caller = (await import('../../server/api/root')).createCaller({});
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
  const started = await engine.start(graph);
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  const status = await engine.waitFor(started.runId);
  const steps = server.db.getDb().select().from(server.db.schema.runSteps).all().filter((s) => s.runId === started.runId);
  expect(status, steps.map((s) => `${s.nodeId}: ${s.status} ${s.error ?? ''}`).join('\n')).toBe('succeeded');
  return { runId: started.runId, steps: Object.fromEntries(steps.map((s) => [s.nodeId, s])) };
}
