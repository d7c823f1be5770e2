import os from 'node:os';
import { nodeKinds } from '../../nodes';
import { workspaceCompileEnv } from '../data/env';
import { getDb } from '../db';
import { artifactsDir, projectRoot } from '../../runtime/paths';
import { ArtifactStore } from './artifact-store';
import { Engine, type EngineSettings } from './engine';
import { BullmqQueue } from './bullmq-queue';
import { LocalWorkerPool } from './local-pool';
import type { StepQueue } from './protocol';

const globalForEngine = globalThis as unknown as { pipeloomEngine?: Engine };

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}".`);
  return value;
}

export function workerCount(): number {
  return Math.floor(positiveNumber('PIPELOOM_WORKERS', os.availableParallelism()));
}

export function engineSettings(): EngineSettings {
  return {
    stepTimeoutMs: positiveNumber('PIPELOOM_STEP_TIMEOUT_S', 6 * 3600) * 1000,
    maxAttempts: Math.floor(positiveNumber('PIPELOOM_STEP_ATTEMPTS', 3)),
    artifactCapBytes: positiveNumber('PIPELOOM_ARTIFACT_CAP_MB', 5120) * 2 ** 20,
  };
}

export { artifactsDir };

/** Embedded mode (default): N local worker processes. Cluster mode: BullMQ on PIPELOOM_REDIS_URL. */
function createQueue(): StepQueue {
  const redisUrl = process.env.PIPELOOM_REDIS_URL;
  if (redisUrl) return new BullmqQueue(redisUrl);
  return new LocalWorkerPool({ size: workerCount(), root: projectRoot(), env: { PIPELOOM_ARTIFACTS: artifactsDir() } });
}

/** The process-wide engine, kept on globalThis so hot reload reuses it. */
export function getEngine(): Engine {
  globalForEngine.pipeloomEngine ??= new Engine({
    db: getDb(),
    store: new ArtifactStore(artifactsDir()),
    queue: createQueue(),
    kinds: nodeKinds,
    env: workspaceCompileEnv,
    settings: engineSettings(),
  });
  return globalForEngine.pipeloomEngine;
}

export async function shutdownEngine(): Promise<void> {
  const engine = globalForEngine.pipeloomEngine;
  globalForEngine.pipeloomEngine = undefined;
  await engine?.queue.close();
}
