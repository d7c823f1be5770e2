import { eq, inArray } from 'drizzle-orm';
import { models, stepCache } from '../../drizzle/schema';
import type { Db } from '../db';
import type { ArtifactStore } from './artifact-store';
import type { PlanStep } from './compile';

/**
 * Finished steps by content address (their cache key): a step whose key is listed and whose files
 * are in the artifact store is reused instead of run again.
 */
export class StepCache {
  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
  ) {}

  has(cacheKey: string): boolean {
    const row = this.db.select({ key: stepCache.cacheKey }).from(stepCache).where(eq(stepCache.cacheKey, cacheKey)).get();
    return Boolean(row) && this.store.has(cacheKey);
  }

  /** The summary the step recorded when it ran (null when it had none). */
  metricsOf(cacheKey: string): string | null {
    return this.db.select({ metrics: stepCache.metrics }).from(stepCache).where(eq(stepCache.cacheKey, cacheKey)).get()?.metrics ?? null;
  }

  /** Reused now: collected last. */
  touch(cacheKey: string): void {
    this.db.update(stepCache).set({ lastUsedAt: Date.now() }).where(eq(stepCache.cacheKey, cacheKey)).run();
  }

  record(step: PlanStep, metrics: string | null, sizeBytes: number): void {
    this.db.insert(stepCache).values({ cacheKey: step.cacheKey, nodeType: step.type, metrics, sizeBytes, lastUsedAt: Date.now() }).onConflictDoNothing().run();
  }

  /** Forgets these steps' outputs, so the next run computes them again; returns how many were listed. */
  clear(keys: string[]): number {
    // A saved model keeps its files (the next run trains again, and the saved files stay the result).
    const saved = new Set(this.db.select({ id: models.id }).from(models).where(inArray(models.id, keys)).all().map((m) => m.id));
    for (const key of keys) if (!saved.has(key)) this.store.remove(key);
    return this.db.delete(stepCache).where(inArray(stepCache.cacheKey, keys)).run().changes;
  }
}
