import { afterAll, beforeAll } from 'vitest';
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
