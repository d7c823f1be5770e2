import { describe, expect, it } from 'vitest';
import type { PlanStep } from '../../server/engine/compile';
import { downstreamOf, isRunFinished, readySteps, runOutcome, STEP_STATUSES, type StepStatus } from '../../server/engine/scheduler';

function step(nodeId: string, inputs: Record<string, string> = {}): PlanStep {
  return {
    nodeId,
    type: 'test.step',
    typeVersion: 1,
    params: {},
    inputs: Object.fromEntries(Object.entries(inputs).map(([port, source]) => [port, { nodeId: source, port: 'out' }])),
    cacheKey: `key-${nodeId}`,
    signature: { typeVersion: 1, params: {}, inputs: {}, identity: null },
    sideEffect: false,
    mode: 'node',
    wantsGpu: false,
  };
}

/**   a ─┬─ b ─┐
 *       └─ c ─┴─ d      e (independent)  */
const plan: PlanStep[] = [step('a'), step('e'), step('b', { in: 'a' }), step('c', { in: 'a' }), step('d', { left: 'b', right: 'c' })];

function statuses(overrides: Partial<Record<string, StepStatus>> = {}): Record<string, StepStatus> {
  return { a: 'pending', b: 'pending', c: 'pending', d: 'pending', e: 'pending', ...overrides } as Record<string, StepStatus>;
}

const ids = (steps: PlanStep[]) => steps.map((s) => s.nodeId);

describe('readySteps', () => {
  it('at the start, only steps without inputs are ready, in plan order', () => {
    expect(ids(readySteps(plan, statuses()))).toEqual(['a', 'e']);
  });

  it('a finished (done or cached) step releases its children', () => {
    expect(ids(readySteps(plan, statuses({ a: 'done', e: 'running' })))).toEqual(['b', 'c']);
    expect(ids(readySteps(plan, statuses({ a: 'cached', e: 'done' })))).toEqual(['b', 'c']);
  });

  it('a step waits for every input', () => {
    expect(ids(readySteps(plan, statuses({ a: 'done', e: 'done', b: 'done', c: 'running' })))).toEqual([]);
    expect(ids(readySteps(plan, statuses({ a: 'done', e: 'done', b: 'done', c: 'cached' })))).toEqual(['d']);
  });

  it('running, queued, failed or skipped parents do not release children', () => {
    for (const s of ['queued', 'running', 'failed', 'skipped', 'cancelled'] as StepStatus[]) {
      expect(ids(readySteps(plan, statuses({ a: s, e: 'done' }))), s).toEqual([]);
    }
  });

  it('only pending steps are returned', () => {
    expect(ids(readySteps(plan, statuses({ a: 'done', e: 'done', b: 'queued', c: 'running' })))).toEqual([]);
  });
});

describe('downstreamOf', () => {
  it('lists every pending descendant, transitively', () => {
    expect(downstreamOf(plan, 'a', statuses({ a: 'failed' }))).toEqual(['b', 'c', 'd']);
    expect(downstreamOf(plan, 'b', statuses({ a: 'done', b: 'failed' }))).toEqual(['d']);
  });

  it('skips descendants that already started, but still reaches past them', () => {
    expect(downstreamOf(plan, 'a', statuses({ a: 'failed', b: 'running' }))).toEqual(['c', 'd']);
  });

  it('leaves unrelated steps alone, and a leaf has no descendants', () => {
    expect(downstreamOf(plan, 'e', statuses({ e: 'failed' }))).toEqual([]);
    expect(downstreamOf(plan, 'd', statuses({ d: 'failed' }))).toEqual([]);
  });
});

describe('isRunFinished', () => {
  it('is false while any step is pending, queued or running', () => {
    for (const s of ['pending', 'queued', 'running'] as StepStatus[]) {
      expect(isRunFinished(statuses({ a: 'done', b: 'done', c: 'done', d: 'done', e: s })), s).toBe(false);
    }
  });

  it('is true once every step has an end state', () => {
    const ends = STEP_STATUSES.filter((s) => !['pending', 'queued', 'running'].includes(s));
    expect(ends.sort()).toEqual(['cached', 'cancelled', 'done', 'failed', 'skipped']);
    expect(isRunFinished({ a: 'done', b: 'cached', c: 'failed', d: 'skipped', e: 'cancelled' })).toBe(true);
  });
});

describe('runOutcome', () => {
  it('succeeded when every step is done or cached', () => {
    expect(runOutcome({ a: 'done', b: 'cached' })).toBe('succeeded');
  });

  it('failed when a step failed or was skipped', () => {
    expect(runOutcome({ a: 'done', b: 'failed', c: 'skipped' })).toBe('failed');
    expect(runOutcome({ a: 'done', b: 'skipped' })).toBe('failed');
  });

  it('cancelled wins over failed', () => {
    expect(runOutcome({ a: 'failed', b: 'cancelled', c: 'skipped' })).toBe('cancelled');
  });
});
