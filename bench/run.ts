/**
 * `npm run bench [-- filter...]`: runs the engine benchmarks, each in its own child process with a
 * fresh PIPELOOM_DATA_DIR, and writes bench/results/engine.json and engine.md. A filter runs only
 * the benchmarks whose name contains it (`npm run bench -- compile`); their results replace those
 * entries in the existing results files, the others are kept as they were measured.
 * Always exits 0 once the results are written: benchmarks report, they do not fail CI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchEnv, freshDir, projectRoot, runBenchProcess } from './support/process';
import { fmt, passes, round, type BenchOutput, type BenchRow } from './support/result';

interface Benchmark {
  name: string;
  file: string;
  args?: string[];
  timeoutMs: number;
  what: string;
}

const BENCHMARKS: Benchmark[] = [
  { name: 'compile', file: 'bench/engine/compile.ts', timeoutMs: 2 * 60_000, what: 'compile + plan a generated 1,000-node graph' },
  { name: 'scheduling-embedded', file: 'bench/engine/scheduling.ts', args: ['--mode', 'embedded'], timeoutMs: 5 * 60_000, what: '200-step chain, local worker pool' },
  { name: 'scheduling-cluster', file: 'bench/engine/scheduling.ts', args: ['--mode', 'cluster'], timeoutMs: 5 * 60_000, what: '200-step chain, BullMQ + redis-server' },
  { name: 'parallel-training', file: 'bench/engine/parallel-training.ts', timeoutMs: 25 * 60_000, what: '4 training branches, 1 vs 2 workers' },
  { name: 'cached-rerun', file: 'bench/engine/cached-rerun.ts', timeoutMs: 5 * 60_000, what: 'cached Iris re-run from the CLI' },
  { name: 'classic-models', file: 'bench/models/classic.ts', timeoutMs: 20 * 60_000, what: 'k-means, PCA, RBF SVM (and a random forest) beside scikit-learn' },
  { name: 'deep-models', file: 'bench/models/deep.ts', timeoutMs: 40 * 60_000, what: 'W4–W7 one epoch (MLP, CNN, LSTM, transformer) beside plain tfjs and PyTorch' },
  { name: 'preview-scroll', file: 'bench/data/preview-scroll.ts', timeoutMs: 10 * 60_000, what: 'Datasets page preview of 1,000,000 rows scrolled in Chromium (needs npm run build)' },
];

interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
}

interface Entry {
  name: string;
  measuredAt: string;
  /** 1, 5 and 15 minute load averages when this benchmark started. */
  loadAvgAtStart: number[];
  machine: Machine;
  commit: string;
  wallMs: number;
  ok: boolean;
  error?: string;
  output?: BenchOutput;
}

interface Results {
  generatedAt: string;
  machine: Machine;
  loadAvgAtStart: number[];
  commit: string;
  entries: Entry[];
}

const RESULTS_DIR = path.join(projectRoot, 'bench', 'results');
const JSON_FILE = path.join(RESULTS_DIR, 'engine.json');
const MD_FILE = path.join(RESULTS_DIR, 'engine.md');

function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'nodes', 'lib', 'cli', 'bin'], { cwd: projectRoot, encoding: 'utf8' }).trim();
    return dirty ? `${head} (+ uncommitted changes in server/nodes/lib/cli)` : head;
  } catch {
    return 'unknown';
  }
}

const loads = () => os.loadavg().map((v) => round(v));

async function main(): Promise<void> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const selected = filters.length ? BENCHMARKS.filter((b) => filters.some((f) => b.name.includes(f))) : BENCHMARKS;
  if (selected.length === 0) {
    console.error(`No benchmark matches ${filters.join(', ')}. Benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}.`);
    process.exitCode = 2;
    return;
  }
  const startLoad = loads();
  const m = machine();
  const rev = commit();
  console.log(`Pipeloom engine benchmarks: ${selected.map((b) => b.name).join(', ')}`);
  console.log(`Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GiB, Node ${m.node}; load average ${startLoad.join(' / ')}; commit ${rev}`);
  if (startLoad[0] > m.cores * 0.75) console.log(`Note: the machine is busy (load ${startLoad[0]} on ${m.cores} cores): timings will be slower than on a quiet machine.`);

  const entries: Entry[] = [];
  for (const bench of selected) {
    const dir = freshDir(bench.name);
    const logFile = path.join(dir, 'bench.log');
    const loadAvgAtStart = loads();
    console.log(`\n▶ ${bench.name}: ${bench.what} (load ${loadAvgAtStart[0]})`);
    const outcome = await runBenchProcess(bench.file, bench.args ?? [], benchEnv({ PIPELOOM_DATA_DIR: path.join(dir, 'data') }), {
      timeoutMs: bench.timeoutMs,
      logFile,
    });
    const entry: Entry = { name: bench.name, measuredAt: new Date().toISOString(), loadAvgAtStart, machine: m, commit: rev, wallMs: Math.round(outcome.wallMs), ok: Boolean(outcome.output) };
    if (outcome.output) {
      entry.output = outcome.output;
      for (const row of outcome.output.rows) console.log(`  ${describeRow(row)}`);
      rmSync(dir, { recursive: true, force: true });
    } else {
      const why = outcome.timedOut ? `timed out after ${bench.timeoutMs / 1000} s` : `exited with ${outcome.code ?? outcome.signal} and no result`;
      entry.error = `${why}: ${lastError(outcome.stderrTail)}`;
      console.log(`  ERROR: ${entry.error}\n  (its log and data are kept in ${dir})`);
    }
    entries.push(entry);
  }

  const results = merge(entries, { generatedAt: new Date().toISOString(), machine: m, loadAvgAtStart: startLoad, commit: rev, entries: [] }, filters.length > 0);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(JSON_FILE, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(MD_FILE, markdown(results));

  const rows = entries.flatMap((e) => e.output?.rows ?? []);
  const misses = rows.filter((r) => passes(r) === false);
  const errors = entries.filter((e) => !e.ok);
  console.log(`\nWrote ${path.relative(projectRoot, JSON_FILE)} and ${path.relative(projectRoot, MD_FILE)}.`);
  if (misses.length === 0 && errors.length === 0) {
    console.log(`All ${rows.filter((r) => r.target).length} targets met.`);
  } else {
    console.log('\n================ TARGETS MISSED ================');
    for (const r of misses) console.log(`  ✗ ${r.label}: ${fmt(r.value, r.unit)} (target ${targetText(r)})`);
    for (const e of errors) console.log(`  ✗ ${e.name} did not finish: ${e.error}`);
    console.log('================================================');
  }
  if (startLoad[0] > m.cores * 0.75) console.log(`(Measured with load average ${startLoad.join(' / ')} on ${m.cores} cores.)`);
}

function lastError(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const error = [...lines].reverse().find((l) => /Error|error/.test(l));
  return (error ?? lines.at(-1) ?? 'no output').trim().slice(0, 500);
}

/** With a filter, the entries just measured replace theirs in the existing results; the rest stay. */
function merge(fresh: Entry[], base: Results, filtered: boolean): Results {
  let previous: Entry[] = [];
  if (filtered && existsSync(JSON_FILE)) {
    try {
      previous = (JSON.parse(readFileSync(JSON_FILE, 'utf8')) as Results).entries ?? [];
    } catch {
      previous = [];
    }
  }
  const byName = new Map(previous.map((e) => [e.name, e]));
  for (const e of fresh) byName.set(e.name, e);
  const order = BENCHMARKS.map((b) => b.name);
  return { ...base, entries: [...byName.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)) };
}

function targetText(row: BenchRow): string {
  if (!row.target) return '–';
  const value = fmt(row.target.value, row.unit);
  return row.target.kind === 'max' ? `< ${value}` : `≥ ${value}`;
}

function describeRow(row: BenchRow): string {
  const ok = passes(row);
  const verdict = ok === null ? '' : ok ? '  pass' : '  ✗ MISS';
  return `${row.label}: ${fmt(row.value, row.unit)}${row.target ? ` (target ${targetText(row)})` : ''}${verdict}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdown(results: Results): string {
  const m = results.machine;
  const lines = [
    '# Pipeloom engine benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts); what each figure means: [bench/README.md](../README.md). Every number below was measured by that run; none is typed in.`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} core(s) available`,
    `- Memory: ${m.memoryGb} GiB`,
    `- Node.js ${m.node}, ${m.os}`,
    `- Load average (1 / 5 / 15 min) when the run started: ${results.loadAvgAtStart.join(' / ')}`,
    `- Commit: ${results.commit}`,
    `- Written: ${results.generatedAt}`,
    '',
    '## Results',
    '',
    '| Benchmark | Measured | Target | Pass/fail | Notes |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const entry of results.entries) {
    if (!entry.ok || !entry.output) {
      lines.push(`| ${cell(entry.name)} | – | – | **error** | ${cell(entry.error ?? 'no result')} |`);
      continue;
    }
    for (const row of entry.output.rows) {
      const ok = passes(row);
      const verdict = ok === null ? 'info' : ok ? 'pass' : '**MISS**';
      lines.push(`| ${cell(row.label)} | ${fmt(row.value, row.unit)} | ${targetText(row)} | ${verdict} | ${cell(row.notes ?? '')} |`);
    }
  }
  lines.push('', '## Details', '');
  for (const entry of results.entries) {
    const sameMachine = JSON.stringify(entry.machine) === JSON.stringify(results.machine);
    lines.push(
      `### ${entry.name}`,
      '',
      `Measured ${entry.measuredAt}, load average ${entry.loadAvgAtStart.join(' / ')} at its start, ${round(entry.wallMs / 1000)} s in all${entry.commit === results.commit ? '' : `, commit ${entry.commit}`}${sameMachine ? '' : `, on another machine (${entry.machine.cores} cores, ${entry.machine.cpu}, Node ${entry.machine.node})`}.`,
      '',
    );
    for (const detail of entry.output?.details ?? []) lines.push(`- ${detail}`);
    if (entry.error) lines.push(`- Error: ${entry.error}`);
    lines.push('');
  }
  return lines.join('\n');
}

await main();
