import os from 'node:os';
import path from 'node:path';
import { nodeKinds } from '../../nodes';
import { compileEnv } from '../data/samples';
import { getDb } from '../db';
import { dataDir, projectRoot } from '../paths';
import { ArtifactStore } from './artifact-store';
import { Engine } from './engine';
import { LocalWorkerPool } from './local-pool';

const globalForEngine = globalThis as unknown as { pipeloomEngine?: { engine: Engine; pool: LocalWorkerPool } };

export function workerCount(): number {
  const configured = Number(process.env.PIPELOOM_WORKERS);
  return Number.isInteger(configured) && configured > 0 ? configured : os.availableParallelism();
}

/** The process-wide engine (embedded mode: SQLite + N local worker processes). */
export function getEngine(): Engine {
  if (!globalForEngine.pipeloomEngine) {
    const artifacts = path.join(dataDir(), 'artifacts');
    const pool = new LocalWorkerPool({ size: workerCount(), root: projectRoot(), env: { PIPELOOM_ARTIFACTS: artifacts } });
    pool.start();
    const engine = new Engine({ db: getDb(), store: new ArtifactStore(artifacts), pool, kinds: nodeKinds, env: compileEnv });
    globalForEngine.pipeloomEngine = { engine, pool };
  }
  return globalForEngine.pipeloomEngine.engine;
}

export function getWorkerPool(): LocalWorkerPool {
  getEngine();
  return globalForEngine.pipeloomEngine!.pool;
}

export async function shutdownEngine(): Promise<void> {
  const current = globalForEngine.pipeloomEngine;
  globalForEngine.pipeloomEngine = undefined;
  await current?.pool.close();
}
