import { and, asc, eq, notInArray } from 'drizzle-orm';
import { deployments, models, stepCache } from '../../drizzle/schema';
import type { Db } from '../db';
import { sideEffectKey } from './active-run';
import type { ArtifactStore } from './artifact-store';
import type { RunStore } from './run-store';

/** A temporary file untouched this long was left by a writer that failed or was killed. */
const TEMP_GRACE_MS = 10 * 60_000;

/**
 * Keeps cached step outputs under `capBytes`, least recently used first. Deployed models live
 * under their own keys (never in the step cache); saved models (the Models page) and `inUse`
 * (what steps of active runs use) are kept.
 */
export function collectCachedOutputs(db: Db, store: ArtifactStore, capBytes: number, inUse: ReadonlySet<string>): { removed: number; freedBytes: number } {
  const deployed = db.select({ key: deployments.artifactKey }).from(deployments).all().map((d) => d.key);
  const entries = db
    .select({ key: stepCache.cacheKey, size: stepCache.sizeBytes })
    .from(stepCache)
    .where(and(deployed.length ? notInArray(stepCache.cacheKey, deployed) : undefined, notInArray(stepCache.cacheKey, db.select({ id: models.id }).from(models))))
    .orderBy(asc(stepCache.lastUsedAt))
    .all();
  let total = entries.reduce((sum, e) => sum + e.size, 0);
  let removed = 0;
  let freedBytes = 0;
  for (const entry of entries) {
    if (total <= capBytes) break;
    if (inUse.has(entry.key)) continue;
    store.remove(entry.key);
    db.delete(stepCache).where(eq(stepCache.cacheKey, entry.key)).run();
    total -= entry.size;
    freedBytes += entry.size;
    removed++;
  }
  return { removed, freedBytes };
}

/**
 * Removes what failed or killed writers left in the artifact store: temporary files untouched for
 * a while, and checkpoints that neither `inUse` nor an unfinished step of a run in progress (here
 * or in another process on the same database) can resume from. At start-up, and after a run that
 * did not succeed.
 */
export function sweepLeftovers(store: ArtifactStore, runs: RunStore, inUse: ReadonlySet<string>): void {
  try {
    const live = new Set(inUse);
    for (const { runId, cacheKey } of runs.unfinishedSteps()) live.add(cacheKey).add(sideEffectKey(cacheKey, runId));
    const removed = store.sweep({ graceMs: TEMP_GRACE_MS, keepCheckpoint: (key) => live.has(key) });
    if (removed > 0) console.log(`Pipeloom: removed ${removed} leftover temporary file(s) and checkpoint(s) from the artifact store.`);
  } catch (error) {
    // Leftovers only cost space: the next sweep tries again.
    console.error('Pipeloom: sweeping the artifact store failed.', error);
  }
}
