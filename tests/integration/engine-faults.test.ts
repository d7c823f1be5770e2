import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { childPidsOf, eventsOf, exampleGraph, processAlive, ranTogether, statusTrail, stepsOf, waitUntil, workerPidsOf } from '../support/engine-harness';
import { irisGraph, projectRoot, useTempDataDir, withParams } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

// Server modules read their settings from the environment when first used: set them before importing.
const temp = useTempDataDir('faults', 2);
process.env.PIPELOOM_STEP_ATTEMPTS = '3';
delete process.env.PIPELOOM_STEP_TIMEOUT_S;
delete process.env.PIPELOOM_ARTIFACT_CAP_MB;

type Db = typeof import('../../server/db');
type Instance = typeof import('../../server/engine/instance');
let db: Db;
let instance: Instance;
const pool = () => instance.getEngine().queue as LocalWorkerPool;
/** Processes a test started: killed in afterAll if a failed test left them running. */
const children: ChildProcess[] = [];
const artifacts = path.join(temp.dataDir, 'artifacts');
const checkpointOf = (cacheKey: string) => path.join(artifacts, 'checkpoints', cacheKey);

beforeAll(async () => {
  db = await import('../../server/db');
  instance = await import('../../server/engine/instance');
  await pool().ready();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await instance?.shutdownEngine();
  db?.getDb().$client.close();
  temp.cleanup();
});

/**
 * Iris with a Train long enough to kill mid-way: 3000 epochs of one 128-row batch take about 7 s on
 * the wasm backend, and training saves a checkpoint every 2 s. Each test uses its own seed, so
 * nothing of another test's training is cached.
 */
const EPOCHS = 3000;
function longIris(seed: number, modelName: string): GraphFile {
  return withParams(withParams(irisGraph(), 'train', { epochs: EPOCHS, batchSize: 128, seed }), 'deploy', { modelName });
}

async function runToEnd(graph: GraphFile, graphId?: string) {
  const engine = instance.getEngine();
  const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID, graphId });
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  const status = await engine.waitFor(started.runId);
  return { runId: started.runId, status, steps: stepsOf(db, started.runId) };
}

const epochNumbers = (events: ReturnType<typeof eventsOf>, nodeId: string) =>
  events.filter((e) => e.kind === 'epoch' && e.nodeId === nodeId).map((e) => Number(e.payload.epoch));

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('engine faults on real worker processes (2 workers, 3 attempts)', () => {
  it('a worker killed mid-training: the step is retried on another worker and resumes from its checkpoint', async () => {
    const engine = instance.getEngine();
    const started = await engine.start(longIris(101, 'fault-kill'), { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const { runId } = started;
    const checkpoint = checkpointOf(stepsOf(db, runId).train.cacheKey);

    // Train is running on some worker and has saved at least one checkpoint.
    await waitUntil(
      'train running with a saved checkpoint',
      () => {
        const train = stepsOf(db, runId).train;
        if (train.status === 'done') throw new Error(`Train finished before its first checkpoint (2 s): raise EPOCHS for this backend.`);
        return train.status === 'running' && existsSync(checkpoint);
      },
      60_000,
      10,
    );
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const savedEpoch = (new ArtifactStore(artifacts).loadCheckpoint(stepsOf(db, runId).train.cacheKey) as { epoch: number }).epoch;
    const busy = (await pool().workers()).find((w) => w.busyWith.some((b) => b.runId === runId && b.nodeId === 'train'));
    expect(busy?.info).toBeTruthy();
    const killedPid = busy!.info!.pid;
    const beforeKill = eventsOf(db, runId);
    const lastEpochBeforeKill = Math.max(...epochNumbers(beforeKill, 'train'));
    process.kill(killedPid, 'SIGKILL');

    const status = await engine.waitFor(runId);
    expect(status).toBe('succeeded');
    const steps = stepsOf(db, runId);
    for (const step of Object.values(steps)) expect(step.status, step.nodeId).toBe('done');
    expect(steps.train.attempts).toBe(2);
    expect(steps.evaluate.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);

    const events = eventsOf(db, runId);
    const trainLogs = events.filter((e) => e.kind === 'log' && e.nodeId === 'train');
    const retry = trainLogs.find((e) => /killed/.test(String(e.payload.message)) && /Retrying on another worker \(attempt 2 of 3\)/.test(String(e.payload.message)));
    expect(retry, JSON.stringify(trainLogs.map((e) => e.payload.message))).toBeDefined();
    const restartedOn = trainLogs.find((e) => e.id > retry!.id && /^Started on worker .*\(attempt 2\)/.test(String(e.payload.message)));
    expect(restartedOn).toBeDefined();
    expect(String(restartedOn!.payload.message)).not.toContain(`pid ${killedPid},`);
    const resume = trainLogs.find((e) => e.id > retry!.id && /Resuming from the checkpoint saved after epoch \d+/.test(String(e.payload.message)));
    expect(resume, JSON.stringify(trainLogs.map((e) => e.payload.message))).toBeDefined();
    const resumedAfter = Number(/after epoch (\d+)/.exec(String(resume!.payload.message))![1]);
    // The checkpoint it resumed from is the one that was on disk when the worker died (or a later one
    // saved in the moment before the kill landed), never one past the last epoch it reported (below).
    expect(resumedAfter).toBeGreaterThanOrEqual(savedEpoch);
    expect(resumedAfter).toBeLessThan(EPOCHS);

    // Every epoch reported after the kill comes from the new worker: it continues at N+1, not at 1,
    // and goes on to the last epoch without a gap.
    const afterKill = epochNumbers(
      events.filter((e) => e.id > retry!.id),
      'train',
    );
    expect(afterKill[0]).toBe(resumedAfter + 1);
    expect(afterKill).toEqual(range(resumedAfter + 1, EPOCHS));
    // Before the kill: 1..M in order, where M is where the killed worker got to (an epoch or two may
    // have been reported between the last look and the kill landing).
    const beforeRetry = epochNumbers(
      events.filter((e) => e.id <= retry!.id),
      'train',
    );
    expect(beforeRetry.length).toBeGreaterThanOrEqual(lastEpochBeforeKill);
    expect(beforeRetry).toEqual(range(1, beforeRetry.length));
    expect(resumedAfter).toBeLessThanOrEqual(beforeRetry.length);

    // Nothing else ran twice.
    for (const id of ['data', 'split', 'model', 'evaluate', 'deploy']) {
      expect(statusTrail(db, runId, id).filter((s) => s === 'running'), id).toHaveLength(1);
      expect(steps[id].attempts, id).toBe(1);
    }
    expect(statusTrail(db, runId, 'train')).toEqual(['queued', 'running', 'running', 'done']);
    // The finished step's checkpoint is gone; the dead worker was replaced.
    expect(existsSync(checkpoint)).toBe(false);
    await pool().ready();
    expect(pool().pids()).toHaveLength(2);
    expect(pool().pids()).not.toContain(killedPid);
  });

  it('a server killed mid-run: at restart recoverRuns resumes the run, reusing finished steps and the checkpoint', async () => {
    // A different split seed: the CLI computes split itself (data and model are cached from above).
    const graph = withParams(longIris(202, 'fault-restart'), 'split', { seed: 7 });
    const file = path.join(temp.dataDir, '..', 'restart-graph.json');
    writeFileSync(file, JSON.stringify(graph));
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pipeloom.mjs'), 'run', file, '--json'], {
      cwd: projectRoot,
      env: { ...process.env, PIPELOOM_DATA_DIR: temp.dataDir, PIPELOOM_DB: temp.dbFile, PIPELOOM_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const cliGone = () => child.exitCode !== null || child.signalCode !== null;

    const { getDb, schema } = db;
    const runRow = await waitUntil(
      'the CLI to start its run',
      () => {
        if (cliGone()) throw new Error(`the CLI exited early:\n${output}`);
        return getDb().select().from(schema.runs).all().find((r) => r.ownerPid === child.pid);
      },
      60_000,
    );
    const runId = runRow.id;
    const trainKey = stepsOf(db, runId).train.cacheKey;
    await waitUntil(
      'the CLI run to be training, past its first checkpoint',
      () => {
        if (cliGone()) throw new Error(`the CLI exited early:\n${output}`);
        const steps = stepsOf(db, runId);
        return (
          steps.train.status === 'running' &&
          ['data', 'split', 'model'].every((id) => ['done', 'cached'].includes(steps[id].status)) &&
          existsSync(checkpointOf(trainKey))
        );
      },
      90_000,
      10,
    );
    const beforeKill = stepsOf(db, runId);
    expect(beforeKill.split.status).toBe('done');
    // The CLI's worker processes (its children running the worker entry; tsx's esbuild service is
    // another child), among them those its steps ran on.
    const cliWorkers = childPidsOf(child.pid!, 'server/worker/main.ts');
    expect(cliWorkers).toHaveLength(2);
    for (const pid of workerPidsOf(db, runId)) expect(cliWorkers).toContain(pid);

    child.kill('SIGKILL');
    await exited;
    const killEventId = Math.max(...eventsOf(db, runId).map((e) => e.id));
    // The CLI's workers notice their parent is gone (the IPC channel closes) and exit on their own.
    await waitUntil('the dead CLI to leave no worker processes', () => cliWorkers.every((pid) => !processAlive(pid)), 15_000, 50);
    // Nobody finished the run: the database still says it is running, owned by a dead process.
    expect(getDb().select().from(schema.runs).all().find((r) => r.id === runId)).toMatchObject({ status: 'running', ownerPid: child.pid });

    const engine = instance.getEngine();
    expect(engine.recoverRuns()).toEqual([runId]);
    expect(engine.isActive(runId)).toBe(true);
    expect(await engine.waitFor(runId)).toBe('succeeded');

    const steps = stepsOf(db, runId);
    const events = eventsOf(db, runId);
    const afterRestart = events.filter((e) => e.id > killEventId);
    // Finished steps were kept as they were: same status, no new step events at all.
    for (const id of ['data', 'split', 'model']) {
      expect(steps[id].status, id).toBe(beforeKill[id].status);
      expect(steps[id].finishedAt, id).toBe(beforeKill[id].finishedAt);
      expect(afterRestart.filter((e) => e.nodeId === id), id).toEqual([]);
    }
    expect(afterRestart.find((e) => e.kind === 'log' && e.nodeId === null && /server restarted during this run; it resumes/.test(String(e.payload.message)))).toBeDefined();
    // Train ran again here, on this process's workers, continuing from the CLI worker's checkpoint.
    expect(steps.train.status).toBe('done');
    const trainLogs = afterRestart.filter((e) => e.kind === 'log' && e.nodeId === 'train').map((e) => String(e.payload.message));
    const startedOn = trainLogs.find((m) => m.startsWith('Started on worker'));
    expect(pool().pids().some((pid) => startedOn?.includes(`pid ${pid},`))).toBe(true);
    const resume = trainLogs.find((m) => /Resuming from the checkpoint saved after epoch \d+/.test(m));
    expect(resume, JSON.stringify(trainLogs)).toBeDefined();
    const resumedAfter = Number(/after epoch (\d+)/.exec(resume!)![1]);
    expect(epochNumbers(afterRestart, 'train')).toEqual(range(resumedAfter + 1, EPOCHS));
    expect(steps.evaluate.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(steps.deploy.status).toBe('done');
    expect(getDb().select().from(schema.deployments).all().filter((d) => d.name === 'fault-restart').map((d) => [d.version, d.runId])).toEqual([[1, runId]]);
    expect(getDb().select().from(schema.runs).all().find((r) => r.id === runId)).toMatchObject({ status: 'succeeded', ownerPid: process.pid });
    // Nothing left to recover.
    expect(engine.recoverRuns()).toEqual([]);
  });

  it('at restart, a dead run whose graph no longer compiles is marked interrupted; a live owner\'s run is left alone', async () => {
    const { getDb, schema } = db;
    const engine = instance.getEngine();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    expect(processAlive(deadPid)).toBe(false);
    const liveId = `live-${randomUUID()}`;
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(sleeper);
    try {
      const iris = irisGraph();
      const insertRun = (id: string, document: GraphFile, ownerPid: number) => {
        getDb().insert(schema.runs).values({ id, workspaceId: FIRST_WORKSPACE_ID, document: JSON.stringify(document), status: 'running', ownerPid, startedAt: Date.now() }).run();
        const status: Record<string, string> = { data: 'done', model: 'done', split: 'done', train: 'running', evaluate: 'pending', deploy: 'pending' };
        for (const n of document.nodes) {
          getDb().insert(schema.runSteps).values({ runId: id, nodeId: n.id, nodeType: n.type, status: status[n.id], cacheKey: `key-${n.id}` }).run();
        }
      };
      const brokenId = `broken-${randomUUID()}`;
      insertRun(brokenId, iris, deadPid);
      // The graph was edited so that it no longer compiles here (a node kind this Pipeloom lacks).
      const edited = structuredClone(iris);
      edited.nodes.find((n) => n.id === 'train')!.type = 'train.no-such-kind';
      getDb().update(schema.runs).set({ document: JSON.stringify(edited) }).where(eq(schema.runs.id, brokenId)).run();
      insertRun(liveId, iris, sleeper.pid!);

      expect(engine.recoverRuns()).toEqual([]);

      const broken = getDb().select().from(schema.runs).all().find((r) => r.id === brokenId)!;
      expect(broken.status).toBe('interrupted');
      expect(broken.error).toMatch(/server stopped while this run was in progress.*cannot be planned/);
      expect(broken.finishedAt).toBeGreaterThan(0);
      const steps = stepsOf(db, brokenId);
      for (const id of ['data', 'model', 'split']) expect(steps[id].status, id).toBe('done');
      for (const id of ['train', 'evaluate', 'deploy']) {
        expect(steps[id].status, id).toBe('cancelled');
        expect(steps[id].message, id).toBe('Interrupted by a server restart.');
      }
      expect(eventsOf(db, brokenId)).toEqual([expect.objectContaining({ kind: 'run', payload: { status: 'interrupted', error: broken.error } })]);
      expect(engine.isActive(brokenId)).toBe(false);
      expect(await engine.waitFor(brokenId)).toBe('interrupted');

      // A run whose owner process is alive belongs to that process: untouched.
      const live = getDb().select().from(schema.runs).all().find((r) => r.id === liveId)!;
      expect(live.status).toBe('running');
      expect(engine.isActive(liveId)).toBe(false);
      expect(eventsOf(db, liveId)).toEqual([]);
    } finally {
      sleeper.kill('SIGKILL');
      getDb().update(schema.runs).set({ status: 'cancelled' }).where(eq(schema.runs.id, liveId)).run();
    }
  });

  it('an expanded node runs its parts in parallel; changing one learning rate re-runs only that part', async () => {
    const engine = instance.getEngine();
    const tune = exampleGraph('iris-tune-learning-rate.json');
    const graphId = `tune-${randomUUID()}`;
    const first = await runToEnd(tune, graphId);
    expect(first.status).toBe('succeeded');
    const parts = ['train#lr=0.001', 'train#lr=0.01', 'train#lr=0.1'];
    for (const id of parts) {
      expect(first.steps[id].status, id).toBe('done');
      expect(statusTrail(db, first.runId, id), id).toEqual(['queued', 'running', 'done']);
    }
    // The gather step keeps the candidate with the lowest (validation) loss.
    const metrics = first.steps.train.metrics as { chosenLearningRate: number; candidates: { learningRate: number; score: number; scoredOn: string }[] };
    expect(metrics.candidates.map((c) => c.learningRate)).toEqual([0.001, 0.01, 0.1]);
    for (const c of metrics.candidates) expect(c.scoredOn).toBe('validation');
    const best = metrics.candidates.reduce((a, b) => (b.score < a.score ? b : a));
    expect(metrics.chosenLearningRate).toBe(best.learningRate);
    expect(first.steps.evaluate.status).toBe('done');
    // With two workers, at least two parts were running at the same time.
    const pairs = [
      [0, 1],
      [0, 2],
      [1, 2],
    ].filter(([a, b]) => ranTogether(first.steps[parts[a]], first.steps[parts[b]]));
    expect(pairs.length, JSON.stringify(parts.map((p) => [first.steps[p].startedAt, first.steps[p].finishedAt]))).toBeGreaterThanOrEqual(1);
    const partWorkers = new Set(
      eventsOf(db, first.runId)
        .filter((e) => e.kind === 'log' && parts.includes(e.nodeId ?? '') && String(e.payload.message).startsWith('Started on worker'))
        .map((e) => /pid (\d+)/.exec(String(e.payload.message))![1]),
    );
    expect(partWorkers.size).toBe(2);

    // One rate changed: the forecast and the run agree on what runs again.
    const changed = withParams(tune, 'train', { learningRates: [0.001, 0.01, 0.2] });
    const forecast = engine.forecast(changed, FIRST_WORKSPACE_ID, graphId);
    expect(forecast['train#lr=0.001'].willRun).toBe(false);
    expect(forecast['train#lr=0.01'].willRun).toBe(false);
    expect(forecast['train#lr=0.2']).toEqual({ willRun: true, reason: 'not run yet' });
    expect(forecast.train).toEqual({ willRun: true, reason: 'learning rates changed' });
    expect(forecast.evaluate).toEqual({ willRun: true, reason: 'upstream Tune learning rate changed' });
    for (const id of ['data', 'split', 'model']) expect(forecast[id].willRun, id).toBe(false);

    const second = await runToEnd(changed, graphId);
    expect(second.status).toBe('succeeded');
    for (const id of ['data', 'split', 'model', 'train#lr=0.001', 'train#lr=0.01']) {
      expect(second.steps[id].status, id).toBe('cached');
      expect(statusTrail(db, second.runId, id), id).toEqual(['cached']);
    }
    for (const id of ['train#lr=0.2', 'train', 'evaluate', 'deploy']) {
      expect(second.steps[id].status, id).toBe('done');
      expect(statusTrail(db, second.runId, id), id).toEqual(['queued', 'running', 'done']);
    }
    const secondMetrics = second.steps.train.metrics as typeof metrics;
    expect(secondMetrics.candidates.map((c) => c.learningRate)).toEqual([0.001, 0.01, 0.2]);
    // The reused parts bring their earlier scores.
    expect(secondMetrics.candidates.slice(0, 2)).toEqual(metrics.candidates.slice(0, 2));
    expect(secondMetrics.chosenLearningRate).toBe(secondMetrics.candidates.reduce((a, b) => (b.score < a.score ? b : a)).learningRate);

    // Clearing the expanded node's cache clears its parts too.
    expect(engine.clearCache(changed, FIRST_WORKSPACE_ID, 'train')).toEqual({ cleared: 4 });
    const cleared = engine.forecast(changed, FIRST_WORKSPACE_ID, graphId);
    for (const id of ['train#lr=0.001', 'train#lr=0.01', 'train#lr=0.2', 'train']) {
      expect(cleared[id], id).toEqual({ willRun: true, reason: 'its cached result was cleared' });
    }
  });

  it('clearCache forgets one step: only that step runs again, its unchanged downstream stays cached', async () => {
    const engine = instance.getEngine();
    const graph = withParams(withParams(irisGraph(), 'train', { epochs: 60, seed: 303 }), 'deploy', { modelName: 'fault-clear' });
    const graphId = `clear-${randomUUID()}`;
    const first = await runToEnd(graph, graphId);
    expect(first.status).toBe('succeeded');
    const { getDb, schema } = db;
    const cachedKeys = () => new Set(getDb().select().from(schema.stepCache).all().map((c) => c.cacheKey));
    const splitKey = first.steps.split.cacheKey;
    expect(cachedKeys().has(splitKey)).toBe(true);
    expect(existsSync(path.join(artifacts, splitKey))).toBe(true);

    expect(engine.clearCache(graph, FIRST_WORKSPACE_ID, 'split')).toEqual({ cleared: 1 });
    expect(cachedKeys().has(splitKey)).toBe(false);
    expect(existsSync(path.join(artifacts, splitKey))).toBe(false);
    for (const id of ['data', 'model', 'train', 'evaluate']) expect(cachedKeys().has(first.steps[id].cacheKey), id).toBe(true);

    const forecast = engine.forecast(graph, FIRST_WORKSPACE_ID, graphId);
    expect(forecast.split).toEqual({ willRun: true, reason: 'its cached result was cleared' });
    // Cache keys are content addresses made from params and upstream *keys*, not from upstream
    // results: clearing split does not change split's key, so train and evaluate keep theirs, are
    // still in the cache, and are forecast (and then actually) reused. Split runs again only to
    // refill its own entry (a deterministic split gives the same artifact under the same key).
    for (const id of ['data', 'model', 'train', 'evaluate']) expect(forecast[id], id).toMatchObject({ willRun: false, reason: expect.stringMatching(/^cached/) });
    // The same model (train reused) is live under its name already: the Deploy step will publish nothing.
    expect(forecast.deploy).toEqual({ willRun: false, reason: 'unchanged: its model is already published under its name' });

    const second = await runToEnd(graph, graphId);
    expect(second.status).toBe('succeeded');
    expect(statusTrail(db, second.runId, 'split')).toEqual(['queued', 'running', 'done']);
    expect(second.steps.split.cacheKey).toBe(splitKey);
    for (const id of ['data', 'model', 'train', 'evaluate']) {
      expect(second.steps[id].status, id).toBe('cached');
      expect(second.steps[id].cacheKey, id).toBe(first.steps[id].cacheKey);
    }
    expect(second.steps.evaluate.metrics).toEqual(first.steps.evaluate.metrics);
    expect(second.steps.deploy.status).toBe('cached');
    expect(cachedKeys().has(splitKey)).toBe(true);
    expect(existsSync(path.join(artifacts, splitKey))).toBe(true);
    // Forecast after the refill: everything is cached (or published) again.
    const after = engine.forecast(graph, FIRST_WORKSPACE_ID, graphId);
    for (const id of ['data', 'split', 'model', 'train', 'evaluate', 'deploy']) expect(after[id].willRun, id).toBe(false);
  });
});
