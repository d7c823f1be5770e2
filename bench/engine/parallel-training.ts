/**
 * Parallel training: four independent Split → Train(MLP) → Evaluate branches from one dataset
 * (distinct seeds: nothing shared, nothing cached), run on PIPELOOM_WORKERS=1 and then on 2.
 * Target: at least 1.8x faster on two workers. Each configuration runs in its own process with
 * its own fresh data dir (engine settings are read once per process); workers are started and
 * warmed (one short training per branch) before timing.
 *
 * Without --workers this is the driver: it runs `--workers 1` and `--workers 2` (BENCH_PARALLEL_REPEATS
 * times each, default 2, interleaved) and reports the median wall times and their ratio.
 */
import os from 'node:os';
import path from 'node:path';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { trainingBranches } from '../support/graphs';
import { machineBusyMs, processCpuMs } from '../support/measure';
import { benchEnv, runBenchProcess, timeCommand } from '../support/process';
import { emitResult, log, median, round, sum, type BenchOutput } from '../support/result';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';

const BRANCHES = 4;
const EPOCHS = Number(process.env.BENCH_TRAIN_EPOCHS) || 40;
const REPEATS = Number(process.env.BENCH_PARALLEL_REPEATS) || 2;
const SHAPE = { dataset: 'digits_8x8', target: 'digit', units: 64, batchSize: 32 };
const dataDir = process.env.PIPELOOM_DATA_DIR;
if (!dataDir) throw new Error('PIPELOOM_DATA_DIR must be set (bench/run.ts sets a fresh one).');

const workersArg = process.argv.indexOf('--workers');
if (workersArg >= 0) await inner(Number(process.argv[workersArg + 1]));
else await driver();

async function driver(): Promise<void> {
  const runs: Record<number, { wallMs: number; data: InnerData; load: number }[]> = { 1: [], 2: [] };
  // Interleaved (1, 2, 1, 2, ...) so a change in the machine's load hits both configurations alike.
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const workers of [1, 2]) {
      const load = os.loadavg()[0];
      log(`parallel training: ${BRANCHES} branches on ${workers} worker(s), ${EPOCHS} epochs each, repeat ${rep + 1}/${REPEATS} (load average ${load.toFixed(2)})`);
      const outcome = await runBenchProcess(
        'bench/engine/parallel-training.ts',
        ['--workers', String(workers)],
        benchEnv({ ...pickBenchSettings(), PIPELOOM_DATA_DIR: path.join(dataDir!, `workers-${workers}-rep-${rep + 1}`) }),
        { timeoutMs: 10 * 60_000 },
      );
      if (!outcome.output) throw new Error(`the ${workers}-worker run gave no result (exit ${outcome.code ?? outcome.signal}${outcome.timedOut ? ', timed out' : ''})`);
      const data = outcome.output.data as unknown as InnerData;
      runs[workers].push({ wallMs: data.wallMs, data, load });
    }
  }
  const control = await cpuScalingControl();
  log(`control: a CPU-bound JS loop takes ${round(control.aloneMs)} ms alone, ${control.pairMs.map(round).join(' and ')} ms two at once`);
  const one = median(runs[1].map((r) => r.wallMs));
  const two = median(runs[2].map((r) => r.wallMs));
  const speedup = one / two;
  const cores = os.availableParallelism();
  // One training worker keeps more than one core busy (V8's background threads besides the main
  // thread): with that, `cores` cores can run at most cores / (cores one worker uses) such workers.
  const oneWorkerCores = median(runs[1].map((r) => (r.data.cpuMs.workers + r.data.cpuMs.engine) / r.wallMs));
  const ceiling = Math.min(2, cores / oneWorkerCores);
  const describe = (list: (typeof runs)[number]) => {
    const samples = list.map((r) => `${round(r.wallMs / 1000)} s`).join(', ');
    const trains = list.map((r) => r.data.trainSpansMs.map((v) => round(v / 1000)).join('/')).join('; ');
    const procs = [...new Set(list.map((r) => new Set(r.data.trainWorkers).size))].join('/');
    return `median of ${list.length} (${samples}); the 4 Train steps took ${trains} s; ${procs} distinct worker process(es) trained; backend ${list[0].data.backend}; load average ${list.map((r) => r.load.toFixed(2)).join(', ')} at start`;
  };
  const output: BenchOutput = {
    name: 'parallel-training',
    rows: [
      { id: 'parallel.workers-1.wall', label: `Parallel training: ${BRANCHES} MLP branches, 1 worker (wall)`, value: one / 1000, unit: 's', notes: describe(runs[1]) },
      { id: 'parallel.workers-2.wall', label: `Parallel training: ${BRANCHES} MLP branches, 2 workers (wall)`, value: two / 1000, unit: 's', notes: describe(runs[2]) },
      {
        id: 'parallel.control-scaling',
        label: 'Control: a plain CPU-bound JS loop, 2 processes at once vs 1 (throughput, no Pipeloom)',
        value: control.scaling,
        unit: 'x',
        notes: `${round(control.aloneMs / 1000)} s alone; ${control.pairMs.map((v) => round(v / 1000)).join(' s and ')} s two at once: how far this machine's cores scale for code that needs no memory bandwidth`,
      },
      {
        id: 'parallel.speedup',
        label: 'Parallel training: speed-up, 2 workers vs 1',
        value: speedup,
        unit: 'x',
        target: { kind: 'min', value: 1.8 },
        notes: `median wall time on 1 worker / on 2. On 1 worker the worker and engine processes kept ${round(oneWorkerCores)} cores busy, so on this ${cores}-core machine 2 workers can be at most ≈ ${round(ceiling)}x faster even with nothing else running; anything else running comes straight off the speed-up`,
      },
    ],
    details: [
      `Each branch: ${SHAPE.dataset} → Split (own seed) → Train an MLP (1 hidden layer of ${SHAPE.units}, batch ${SHAPE.batchSize}, ${EPOCHS} epochs, own seed) → Evaluate. The dataset step and the (parameters-only) model specs are reused from the warm-up in both configurations, so the wall time covers the four branches' splits, trainings and evaluations.`,
      `Each configuration ran ${REPEATS} time(s), interleaved, each time in a fresh process with a fresh data dir and its worker processes started and warmed before timing.`,
      ...[1, 2].flatMap((w) => runs[w].map((r, i) => cpuLine(w, i, r.data, cores))),
    ],
    data: { epochs: EPOCHS, repeats: REPEATS, workers1: runs[1].map((r) => r.data), workers2: runs[2].map((r) => r.data), speedup: round(speedup), control, oneWorkerCores: round(oneWorkerCores), ceiling: round(ceiling) },
  };
  emitResult(output);
}

/** Where the cores went during one timed run (from /proc: 10 ms ticks, so approximate). */
function cpuLine(workers: number, rep: number, d: InnerData, cores: number): string {
  const wall = d.wallMs;
  const c = d.cpuMs;
  // /proc counts 10 ms ticks: a few ticks either way, so a tiny negative remainder shows as 0.
  const cs = (ms: number) => `${round(Math.max(0, ms) / 1000)} s (${round(Math.max(0, ms) / wall)} cores)`;
  return `${workers} worker(s), run ${rep + 1}: wall ${round(wall / 1000)} s; CPU used by the worker processes ${cs(c.workers)}, the engine process ${cs(c.engine)}, everything else on the machine ${cs(c.others)}; ${cores} cores available.`;
}

interface InnerData {
  workers: number;
  wallMs: number;
  backend: string;
  trainSpansMs: number[];
  trainWorkers: number[];
  /** CPU time during the timed run: the worker processes, the engine process, the whole machine, everything else. */
  cpuMs: { workers: number; engine: number; machine: number; others: number };
}

/** The same fixed amount of scalar work in one process, then in two at once: 2 × alone / slower of the pair. */
async function cpuScalingControl(): Promise<{ aloneMs: number; pairMs: number[]; scaling: number }> {
  const script = 'let x = 0; for (let i = 0; i < 1e8; i++) x = (x * 1.0000001 + i) % 1e9; if (x < 0) console.log(x);';
  const once = () => timeCommand(process.execPath, ['-e', script], { env: process.env }).then((r) => r.wallMs);
  await once(); // warm the file cache
  const aloneMs = await once();
  const pairMs = await Promise.all([once(), once()]);
  return { aloneMs, pairMs, scaling: (2 * aloneMs) / Math.max(...pairMs) };
}

function pickBenchSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('BENCH_') && v !== undefined)) as Record<string, string>;
}

async function inner(workers: number): Promise<void> {
  process.env.PIPELOOM_WORKERS = String(workers);
  const { getDb, schema } = await import('../../server/db');
  const instance = await import('../../server/engine/instance');
  const { eq } = await import('drizzle-orm');
  const engine = instance.getEngine();
  const db = getDb();
  const run = async (graph: ReturnType<typeof trainingBranches>, upTo?: string) => {
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID, upTo });
    if (!started.ok) throw new Error(`does not compile: ${JSON.stringify(started.errors.slice(0, 3))}`);
    const status = await engine.waitFor(started.runId);
    if (status !== 'succeeded') {
      const failed = db.select().from(schema.runSteps).where(eq(schema.runSteps.runId, started.runId)).all().find((s) => s.status === 'failed');
      throw new Error(`run ${status}: ${failed?.nodeId}: ${failed?.error}`);
    }
    return started.runId;
  };
  try {
    await (engine.queue as LocalWorkerPool).ready();
    // Warm-up on every worker: a one-epoch training per branch (other seeds), then the dataset step.
    await run(trainingBranches({ branches: BRANCHES, ...SHAPE, epochs: 1, seedOffset: 500 }));
    const graph = trainingBranches({ branches: BRANCHES, ...SHAPE, epochs: EPOCHS });
    await run(graph, 'data');
    const pool = engine.queue as LocalWorkerPool;
    const pids = pool.pids();
    const before = { engine: process.cpuUsage(), workers: pids.map(processCpuMs), machine: machineBusyMs() };
    const t0 = performance.now();
    const runId = await run(graph);
    const wallMs = performance.now() - t0;
    const engineCpu = process.cpuUsage(before.engine);
    const engineCpuMs = (engineCpu.user + engineCpu.system) / 1000;
    const workersCpuMs = sum(pids.map((pid, i) => (processCpuMs(pid) ?? NaN) - (before.workers[i] ?? NaN)));
    const machineAfter = machineBusyMs();
    const machineCpuMs = machineAfter !== null && before.machine !== null ? machineAfter - before.machine : NaN;
    const steps = db.select().from(schema.runSteps).where(eq(schema.runSteps.runId, runId)).all();
    const trains = steps.filter((s) => s.nodeType === 'train.train');
    // The model specs (params only) are reused from the warm-up; every split, training and evaluation runs.
    const mustRun = steps.filter((s) => ['split.train-test', 'train.train', 'evaluate.evaluate'].includes(s.nodeType));
    if (mustRun.length !== BRANCHES * 3 || mustRun.some((s) => s.status !== 'done')) throw new Error('a branch step was reused or did not run');
    const events = db.select().from(schema.runEvents).where(eq(schema.runEvents.runId, runId)).all();
    const trainWorkers = trains.map((t) => {
      const started = events.find((e) => e.nodeId === t.nodeId && e.kind === 'log' && e.payload.includes('Started on worker'));
      return Number(/pid (\d+)/.exec(started?.payload ?? '')?.[1] ?? 0);
    });
    const backend = db.select({ backend: schema.runs.backend }).from(schema.runs).where(eq(schema.runs.id, runId)).get()?.backend ?? 'unknown';
    log(`${workers} worker(s): ${BRANCHES} branches in ${(wallMs / 1000).toFixed(2)} s`);
    emitResult({
      name: `parallel-training-${workers}`,
      rows: [],
      data: {
        workers,
        wallMs: round(wallMs),
        backend,
        trainSpansMs: trains.map((t) => t.finishedAt! - t.startedAt!),
        trainWorkers,
        cpuMs: { workers: round(workersCpuMs), engine: round(engineCpuMs), machine: round(machineCpuMs), others: round(machineCpuMs - workersCpuMs - engineCpuMs) },
      },
    });
  } finally {
    await instance.shutdownEngine();
    db.$client.close();
  }
}
