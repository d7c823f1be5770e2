import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { useTestServer } from '../support/server';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

/**
 * Cache keys survive a change that only moves code: tests/fixtures/cache-keys holds a data folder
 * (database + artifacts) made by the code before such a change (make.ts there), and the graphs it
 * ran. On a copy of it, every step of every graph is found in the cache and reused; only side
 * effects (Deploy) run again.
 */
const fixture = path.join(import.meta.dirname, '..', 'fixtures', 'cache-keys');
const server = useTestServer('cache-keys', 1);
// Before any server module opens them: the fixture's database and artifacts become this server's.
cpSync(path.join(fixture, 'data', 'artifacts'), path.join(server.dataDir, 'artifacts'), { recursive: true });
cpSync(path.join(fixture, 'data', 'pipeloom.db'), process.env.PIPELOOM_DB!);

const graphs = JSON.parse(readFileSync(path.join(fixture, 'graphs.json'), 'utf8')) as Record<string, GraphFile>;

describe('cache keys of unchanged nodes', () => {
  it.each(Object.keys(graphs))('%s: every step is reused from the fixture made by the earlier code', async (name) => {
    const engine = server.instance.getEngine();
    const compiled = engine.compile(graphs[name], FIRST_WORKSPACE_ID);
    expect(compiled.errors).toEqual([]);
    const cached = new Set(server.db.getDb().select().from(server.db.schema.stepCache).all().map((row) => row.cacheKey));
    const changed = compiled.plan.filter((step) => !step.sideEffect && !cached.has(step.cacheKey)).map((step) => step.nodeId);
    expect(changed, 'these steps have new cache keys').toEqual([]);

    const started = await engine.start(graphs[name], { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('succeeded');
    const steps = server.db.getDb().select().from(server.db.schema.runSteps).all().filter((s) => s.runId === started.runId);
    for (const step of steps) {
      const sideEffect = compiled.plan.find((p) => p.nodeId === step.nodeId)!.sideEffect;
      expect(step.status, step.nodeId).toBe(sideEffect ? 'done' : 'cached');
    }
  });
});
