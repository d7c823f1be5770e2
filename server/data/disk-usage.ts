import { statfsSync, statSync } from 'node:fs';
import { datasets, deployments, models, stepCache } from '../../drizzle/schema';
import { datasetArtifactKey } from '../../nodes/dataset/uploaded-dataset';
import type { Db } from '../db';
import type { ArtifactStore } from '../engine/artifact-store';

/** Where the disk space goes, in bytes (the Workers page). */
export interface DiskUsage {
  datasets: number;
  /** Cached step outputs: the only category PIPELOOM_ARTIFACT_CAP_MB limits. */
  cachedOutputs: number;
  cachedOutputsCap: number;
  savedModels: number;
  deployments: number;
  /** Training checkpoints of steps in progress (or left by ones that stopped). */
  checkpoints: number;
  /** Half-written outputs and uploads waiting to be parsed. */
  temp: number;
  /** Outputs no table lists: a run's own outputs (a Deploy step's copy before it is published) and leftovers. */
  other: number;
  /** The SQLite database with its write-ahead log. */
  database: number;
  /** The artifact folder's disk: what is left of it, and its size. */
  free: number;
  size: number;
}

/** Walks the artifact store (without blocking the event loop) and sorts every artifact by what the database says it is. */
export async function diskUsage(db: Db, store: ArtifactStore, cachedOutputsCap: number): Promise<DiskUsage> {
  const found = await store.usage();
  const keys = (rows: { key: string }[]) => new Set(rows.map((r) => r.key));
  const datasetKeys = new Set(db.select({ id: datasets.id }).from(datasets).all().map((d) => datasetArtifactKey(d.id)));
  const saved = keys(db.select({ key: models.id }).from(models).all());
  const deployed = keys(db.select({ key: deployments.artifactKey }).from(deployments).all());
  const cached = keys(db.select({ key: stepCache.cacheKey }).from(stepCache).all());
  const usage = { datasets: 0, cachedOutputs: 0, savedModels: 0, deployments: 0, other: 0 };
  for (const [key, bytes] of found.artifacts) {
    // A saved model is also a cached output (its step's key): it counts as saved, which the cap never removes.
    const category = datasetKeys.has(key) ? 'datasets' : saved.has(key) ? 'savedModels' : deployed.has(key) ? 'deployments' : cached.has(key) ? 'cachedOutputs' : 'other';
    usage[category] += bytes;
  }
  const dbFile = db.$client.name;
  const database = ['', '-wal', '-shm'].reduce((sum, suffix) => sum + (statSync(`${dbFile}${suffix}`, { throwIfNoEntry: false })?.size ?? 0), 0);
  const disk = statfsSync(store.root);
  return { ...usage, cachedOutputsCap, checkpoints: found.checkpoints, temp: found.temp, database, free: disk.bavail * disk.bsize, size: disk.blocks * disk.bsize };
}
