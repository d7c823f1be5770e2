/**
 * Scheduling overhead per step: a sample dataset followed by a chain of 200 Standardize steps
 * (each trivial: it appends one entry to the table's recipe), run through the real engine.
 *   --mode embedded: the local worker pool (PIPELOOM_WORKERS=1 real worker process, pre-started).
 *   --mode cluster:  BullMQ on a real redis-server and one `pipeloom worker --concurrency 1`.
 * Reported: wall time of the run / 200 (target: < 20 ms embedded, < 50 ms cluster), and the same
 * with the steps' recorded running time (run_steps startedAt → finishedAt) taken out. A breakdown
 * of where each step's time goes comes from the run's own event log, process CPU times, time spent
 * in SQLite, and the in-process cost of executing one step.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { standardizeChain } from '../support/graphs';
import { childPids, processCpuMs, timeSqlite } from '../support/measure';
import { projectRoot, until } from '../support/process';
import { TestRedis } from '../../tests/support/redis';
import { emitResult, log, median, round, sum, type BenchRow } from '../support/result';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const mode = process.argv.includes('cluster') ? 'cluster' : 'embedded';
const STEPS = Number(process.env.BENCH_CHAIN_STEPS) || 200;
const TARGET_MS = mode === 'embedded' ? 20 : 50;
const dataDir = process.env.PIPELOOM_DATA_DIR;
if (!dataDir) throw new Error('PIPELOOM_DATA_DIR must be set (bench/run.ts sets a fresh one).');

let redis: TestRedis | undefined;
let clusterWorker: ChildProcess | undefined;
if (mode === 'cluster') {
  redis = await TestRedis.start();
  process.env.PIPELOOM_REDIS_URL = redis.url;
  process.env.PIPELOOM_ARTIFACTS = path.join(dataDir, 'shared-artifacts');
  clusterWorker = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pipeloom.mjs'), 'worker', '--concurrency', '1'], {
    cwd: projectRoot,
    env: process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // It logs every step; keep only what matters if it dies.
  let tail = '';
  clusterWorker.stderr!.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-2000)));
  clusterWorker.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') log(`cluster worker exited (${code ?? signal}): ${tail}`);
  });
} else {
  process.env.PIPELOOM_WORKERS = '1';
}

const { getDb, schema } = await import('../../server/db');
const instance = await import('../../server/engine/instance');
const { ArtifactStore } = await import('../../server/engine/artifact-store');
const { executeStep } = await import('../../server/engine/execute-step');
const { nodeKinds } = await import('../../nodes');
const { eq } = await import('drizzle-orm');

const engine = instance.getEngine();
const db = getDb();

async function cleanup(): Promise<void> {
  await instance.shutdownEngine();
  if (clusterWorker && clusterWorker.exitCode === null) {
    await new Promise<void>((resolve) => {
      clusterWorker!.once('exit', () => resolve());
      clusterWorker!.kill('SIGTERM');
      setTimeout(() => clusterWorker!.kill('SIGKILL'), 5000).unref();
    });
  }
  await redis?.stop();
  db.$client.close();
}

async function runGraph(graph: ReturnType<typeof standardizeChain>, upTo?: string): Promise<string> {
  const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID, upTo });
  if (!started.ok) throw new Error(`does not compile: ${JSON.stringify(started.errors.slice(0, 3))}`);
  const status = await engine.waitFor(started.runId);
  if (status !== 'succeeded') {
    const failed = db.select().from(schema.runSteps).where(eq(schema.runSteps.runId, started.runId)).all().find((s) => s.status === 'failed');
    throw new Error(`run ${status}: ${failed?.nodeId}: ${failed?.error}`);
  }
  return started.runId;
}

try {
  // Workers up before anything is timed.
  const startT = performance.now();
  let workerPids: () => number[];
  if (mode === 'embedded') {
    const pool = engine.queue as LocalWorkerPool;
    await pool.ready();
    workerPids = () => pool.pids();
  } else {
    await until(async () => ((await engine.queue.workers()).length >= 1 ? true : undefined), 'the cluster worker to register', 120_000);
    workerPids = () => [clusterWorker!.pid!, ...childPids(clusterWorker!.pid!)];
  }
  log(`${mode}: worker(s) ready in ${Math.round(performance.now() - startT)} ms`);

  // Warm-up: a short chain on another dataset (every code path once, on engine and worker), then
  // the measured chain's dataset step alone, so the measured run starts from a cached dataset.
  await runGraph(standardizeChain(10, 'wine'));
  const chain = standardizeChain(STEPS, 'iris');
  await runGraph(chain, 'data');

  const sqlite = timeSqlite(db.$client);
  const pids = workerPids();
  const cpuBefore = { engine: process.cpuUsage(), workers: pids.map(processCpuMs), redis: redis ? processCpuMs(redis.pid!) : null };
  sqlite.enabled = true;
  const t0 = performance.now();
  const runId = await runGraph(chain);
  const wallMs = performance.now() - t0;
  sqlite.enabled = false;
  const engineCpu = process.cpuUsage(cpuBefore.engine);
  const workerCpuMs = pids.map((pid, i) => {
    const after = processCpuMs(pid);
    const before = cpuBefore.workers[i];
    return after !== null && before !== null ? after - before : null;
  });
  const redisAfter = redis ? processCpuMs(redis.pid!) : null;
  const redisCpuMs = redisAfter !== null && cpuBefore.redis !== null ? redisAfter - cpuBefore.redis : null;
  log(`${mode}: ${STEPS} steps in ${Math.round(wallMs)} ms (${(wallMs / STEPS).toFixed(2)} ms/step)`);

  const rows = db.select().from(schema.runSteps).where(eq(schema.runSteps.runId, runId)).all();
  const byNode = new Map(rows.map((r) => [r.nodeId, r]));
  if (byNode.get('data')?.status !== 'cached') throw new Error('the dataset step was expected to be reused from the warm-up');
  const chainRows = chain.nodes.slice(1).map((n) => byNode.get(n.id)!);
  if (chainRows.some((r) => r.status !== 'done' || r.startedAt == null || r.finishedAt == null)) throw new Error('a chain step did not run');
  const spans = chainRows.map((r) => r.finishedAt! - r.startedAt!);
  const spanTotal = sum(spans);
  const overheadMs = wallMs - spanTotal;

  // The run's event log: per step, when it was queued, handed to a worker, and done (SQLite clock, 1 ms resolution).
  const events = db.select().from(schema.runEvents).where(eq(schema.runEvents.runId, runId)).all();
  const at: Record<string, Partial<Record<'queued' | 'running' | 'done', number>>> = {};
  for (const e of events) {
    if (e.kind !== 'step' || !e.nodeId) continue;
    const status = (JSON.parse(e.payload) as { status: string }).status;
    if (status === 'queued' || status === 'running' || status === 'done') (at[e.nodeId] ??= {})[status] = e.createdAt;
  }
  const ids = chain.nodes.slice(1).map((n) => n.id);
  const queuedToRunning = ids.map((id) => at[id].running! - at[id].queued!);
  const runningToDone = ids.map((id) => at[id].done! - at[id].running!);
  const doneToNextQueued = ids.slice(1).map((id, i) => at[id].queued! - at[ids[i]].done!);
  const eventsPerStep = events.length / STEPS;

  // What executing one step costs by itself (read the input artifact, run, write the output), timed
  // here in a warm process over the same chain: the worker does exactly this per step.
  const store = new ArtifactStore(instance.artifactsDir());
  const kind = nodeKinds.get('features.standardize')!;
  const keys = chainRows.map((r) => r.cacheKey);
  const inputKeyOf = (i: number) => (i === 0 ? byNode.get('data')!.cacheKey : keys[i - 1]);
  const probe = async (i: number, tag: string) =>
    executeStep(
      kind,
      { taskId: `probe-${tag}-${i}`, runId, nodeId: ids[i], type: kind.type, params: { columns: [] }, inputs: { table: { key: inputKeyOf(i), port: 'table' } }, outputKey: `probe-${tag}-${i}`, mode: 'node', wants: { gpu: false }, timeoutMs: 60_000, maxAttempts: 1 },
      store,
      () => undefined,
      new AbortController().signal,
    );
  for (let i = 0; i < 20; i++) await probe(i, 'warm');
  const tExec = performance.now();
  for (let i = 0; i < STEPS; i++) await probe(i, 'timed');
  const execPerStep = (performance.now() - tExec) / STEPS;

  const perStep = wallMs / STEPS;
  const overheadPerStep = overheadMs / STEPS;
  const workerCpuTotal = workerCpuMs.every((v) => v !== null) ? sum(workerCpuMs as number[]) : null;
  const engineCpuMs = (engineCpu.user + engineCpu.system) / 1000;
  const label = mode === 'embedded' ? 'embedded, 1 local worker process' : 'cluster (BullMQ + redis-server, 1 worker)';
  const out: BenchRow[] = [
    {
      id: `scheduling.${mode}.per-step`,
      label: `Scheduling: ${STEPS}-step Standardize chain, wall time per step (${label})`,
      value: perStep,
      unit: 'ms',
      target: { kind: 'max', value: TARGET_MS },
      notes: `run wall time ${round(wallMs)} ms / ${STEPS}; dataset step reused; worker(s) started and warmed before timing`,
    },
    {
      id: `scheduling.${mode}.overhead-per-step`,
      label: `Scheduling: same, minus the steps' recorded running time (${mode})`,
      value: overheadPerStep,
      unit: 'ms',
      target: { kind: 'max', value: TARGET_MS },
      notes: `(wall − Σ run_steps finishedAt−startedAt) / ${STEPS}; recorded running time averages ${round(spanTotal / STEPS)} ms/step (median ${median(spans)} ms), of which executing the step itself is ≈ ${round(execPerStep)} ms`,
    },
  ];
  const details = [
    `Per step, from the run's event log (means, ms; its timestamps have 1 ms resolution): done → next step queued ${round(mean(doneToNextQueued))}; queued → running (${mode === 'cluster' ? 'job added to Redis, taken by the worker, its "started" progress event back to the engine' : 'handed to the idle worker over IPC'}) ${round(mean(queuedToRunning))}; running → done (the recorded running time) ${round(mean(runningToDone))}.`,
    `Executing one Standardize step by itself (read input artifact, run, write output; warm, in-process): ${round(execPerStep)} ms. The rest of running → done is message passing and the engine's bookkeeping on completion.`,
    `CPU during the measured run, per step: engine process ${round(engineCpuMs / STEPS)} ms (of which inside SQLite ${round(sqlite.ms / STEPS)} ms in ${round(sqlite.calls / STEPS)} statements, plus ${round(sqlite.prepareMs / STEPS)} ms preparing ${round(sqlite.prepares / STEPS)}); worker process(es) ${workerCpuTotal === null ? 'n/a' : round(workerCpuTotal / STEPS)} ms${mode === 'cluster' ? ' (the \`pipeloom worker\` process and its step process)' : ''}${redisCpuMs === null ? '' : `; redis-server ${round(redisCpuMs / STEPS)} ms`}. ${round(eventsPerStep)} run events written per step. CPU times come from /proc in 10 ms ticks, so they are approximate.`,
  ];
  emitResult({
    name: `scheduling-${mode}`,
    rows: out,
    details,
    data: {
      steps: STEPS,
      wallMs: round(wallMs),
      spanTotalMs: spanTotal,
      spanMedianMs: median(spans),
      execPerStepMs: round(execPerStep),
      eventLog: {
        doneToNextQueuedMeanMs: round(mean(doneToNextQueued)),
        queuedToRunningMeanMs: round(mean(queuedToRunning)),
        runningToDoneMeanMs: round(mean(runningToDone)),
      },
      cpu: { engineMs: round(engineCpuMs), workersMs: workerCpuMs.map((v) => (v === null ? null : round(v))), redisMs: redisCpuMs },
      sqlite: { calls: sqlite.calls, ms: round(sqlite.ms), prepares: sqlite.prepares, prepareMs: round(sqlite.prepareMs) },
      eventsPerStep: round(eventsPerStep),
    },
  });
} finally {
  await cleanup();
}

function mean(values: number[]): number {
  return sum(values) / values.length;
}
