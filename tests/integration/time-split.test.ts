import { describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { getColumn, type Table } from '../../lib/table';
import type { SplitArtifact } from '../../runtime/artifacts';
import { edge, node } from '../support/pipeloom';
import { useTestServer } from '../support/server';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const server = useTestServer('time-split', 2, { warmWorkers: true });

const graph: GraphFile = {
  version: 1,
  name: 'Seattle temperatures, judged on the latest days',
  nodes: [
    node('data', 'dataset.sample', { dataset: 'seattle_weather' }),
    node('split', 'split.time-ordered', { target: 'temp_max', task: 'regression', orderColumn: 'date', testFraction: 0.2, validationFraction: 0.1 }),
    node('model', 'model.linear-regression'),
    node('train', 'train.train', { epochs: 40, seed: 3 }),
    node('evaluate', 'evaluate.evaluate'),
  ],
  edges: [
    edge('data', 'table', 'split', 'table'),
    edge('split', 'split', 'train', 'split'),
    edge('model', 'model', 'train', 'model'),
    edge('train', 'model', 'evaluate', 'model'),
    edge('split', 'split', 'evaluate', 'split'),
  ],
};

function dates(table: Table): number[] {
  const column = getColumn(table, 'date');
  if (!('values' in column) || column.type !== 'date') throw new Error('date is not a date column');
  return Array.from(column.values);
}

describe('time-ordered split on real workers', () => {
  it('seattle_weather → time split → linear regression → train → evaluate: the test rows are the latest days', async () => {
    const engine = server.instance.getEngine();
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
    expect(await engine.waitFor(started.runId)).toBe('succeeded');

    const { getDb, schema } = server.db;
    const steps = getDb().select().from(schema.runSteps).all().filter((s) => s.runId === started.runId);
    for (const step of steps) expect(step.status, step.nodeId).toBe('done');
    const evaluate = steps.find((s) => s.nodeId === 'evaluate')!;
    const metrics = JSON.parse(evaluate.metrics ?? 'null') as { task: string; testRows: number; mae: number; baseline: { mae: number } };
    expect(metrics.task).toBe('regression');
    expect(metrics.testRows).toBe(292); // 20% of 1,461 days
    // Judged on days after every day it learned from, it still beats always guessing the training mean.
    expect(metrics.mae).toBeLessThan(metrics.baseline.mae);

    // The split the workers wrote to the artifact store: 2012-01-01 .. 2015-12-31, cut in time order.
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const splitStep = steps.find((s) => s.nodeId === 'split')!;
    const split = new ArtifactStore(server.instance.artifactsDir()).read(splitStep.cacheKey, 'split') as SplitArtifact;
    expect(split).toMatchObject({ target: 'temp_max', task: 'regression' });
    const [train, validation, test] = [dates(split.train), dates(split.validation), dates(split.test)];
    expect([train.length, validation.length, test.length]).toEqual([1023, 146, 292]);
    expect(Math.max(...train)).toBeLessThan(Math.min(...validation));
    expect(Math.max(...validation)).toBeLessThan(Math.min(...test));
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(day(train[0])).toBe('2012-01-01');
    expect(day(test[0])).toBe('2015-03-15');
    expect(day(test.at(-1)!)).toBe('2015-12-31');
    for (const part of [train, validation, test]) expect(part.every((d, i) => i === 0 || part[i - 1] < d)).toBe(true);
    // The fitted recipe is empty here (no steps before the split) but travels with the split.
    expect(split.recipe).toEqual([]);
  });
});
