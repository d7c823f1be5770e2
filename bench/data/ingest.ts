/**
 * CSV ingest benchmark: generates a 1,000,000-row x 20-column CSV (~130 MB: 8 decimal, 6 integer and
 * 6 categorical columns, 5% of cells missing as '' or NA) in a temp dir, then times, each in a fresh
 * child process (median of RUNS, peak RSS from /usr/bin/time when present, else from the child):
 *   - runtime/ingest/delimited.ts ingestCsvFile (typed Table, SHA-256, inference),
 *   - pandas.read_csv (Debian's python3-pandas; skipped with a note when missing),
 *   - papaparse streaming the same file (parse only, no typing), for reference.
 * Writes bench/results/ingest.json and bench/results/ingest.md, and prints one
 * `BENCH_RESULT {json}` line on stdout (progress goes to stderr).
 *
 *   node --import tsx bench/data/ingest.ts [--rows N] [--runs N] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCsv } from './generate-csv';

const root = path.resolve(import.meta.dirname, '../..');
const self = path.join(root, 'bench', 'data', 'ingest.ts');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const log = (message: string) => process.stderr.write(`[bench ingest ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Child modes: one measurement per process, so peak RSS belongs to it alone.

if (process.argv[2] === '--child-ingest') {
  const { ingestCsvFile } = await import('../../runtime/ingest/delimited');
  const before = process.memoryUsage().rss;
  const t = performance.now();
  const result = await ingestCsvFile(process.argv[3]);
  const ms = performance.now() - t;
  const types: Record<string, number> = {};
  for (const c of result.columns) types[c.type] = (types[c.type] ?? 0) + 1;
  process.stdout.write(
    JSON.stringify({ ms, rows: result.rowCount, columns: result.columns.length, types, rssBeforeKb: Math.round(before / 1024), maxRssKb: Math.round(process.resourceUsage().maxRSS) }) + '\n',
  );
  process.exit(0);
}

if (process.argv[2] === '--child-papaparse') {
  const Papa = (await import('papaparse')).default;
  const { createReadStream } = await import('node:fs');
  const before = process.memoryUsage().rss;
  const t = performance.now();
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(process.argv[3]), {
      chunk: (results: { data: unknown[] }) => void (rows += results.data.length),
      complete: () => resolve(),
      error: reject,
    });
  });
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, rows, rssBeforeKb: Math.round(before / 1024), maxRssKb: Math.round(process.resourceUsage().maxRSS) }) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Sample {
  ms: number;
  maxRssKb: number;
  extra: Record<string, unknown>;
}

const hasTime = existsSync('/usr/bin/time');

/** Runs a command, returns its last stdout line as JSON plus its peak RSS (from /usr/bin/time -f %M when present). */
function measure(command: string, args: string[]): Sample {
  const timeFile = path.join(os.tmpdir(), `pipeloom-bench-time-${process.pid}`);
  const full = hasTime ? ['/usr/bin/time', ['-o', timeFile, '-f', '%M', command, ...args]] : [command, args];
  const r = spawnSync(full[0] as string, full[1] as string[], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const data = JSON.parse(lines[lines.length - 1]) as Record<string, unknown> & { ms: number; maxRssKb?: number };
  let maxRssKb = Number(data.maxRssKb ?? NaN);
  if (hasTime) {
    const text = spawnSync('cat', [timeFile], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '';
    if (Number(text) > 0) maxRssKb = Number(text);
    rmSync(timeFile, { force: true });
  }
  const { ms, ...extra } = data;
  return { ms, maxRssKb, extra };
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function pandasAvailable(): string | null {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const PANDAS = [
  'import sys, time, json, resource, pandas',
  't = time.perf_counter()',
  'df = pandas.read_csv(sys.argv[1])',
  'ms = (time.perf_counter() - t) * 1000',
  'print(json.dumps({"ms": ms, "rows": len(df), "columns": len(df.columns), "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))',
].join('\n');

async function main(): Promise<void> {
  const rows = arg('--rows', 1_000_000);
  const runs = arg('--runs', 5);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bench-ingest-'));
  const file = path.join(dir, 'generated.csv');
  try {
    log(`generating ${rows.toLocaleString('en')} rows x 20 columns in ${dir}`);
    const t = performance.now();
    const bytes = await generateCsv(file, rows);
    log(`generated ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Warm the page cache so every tool reads from memory.
    spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] });

    const pandasVersion = pandasAvailable();
    const samples: Record<'ingest' | 'pandas' | 'papaparse', Sample[]> = { ingest: [], pandas: [], papaparse: [] };
    for (let run = 0; run < runs; run++) {
      // Interleaved, so drift (thermal, other load) hits every tool alike.
      samples.ingest.push(measure(process.execPath, ['--import', 'tsx', self, '--child-ingest', file]));
      log(`ingest run ${run + 1}: ${samples.ingest.at(-1)!.ms.toFixed(0)} ms, peak RSS ${(samples.ingest.at(-1)!.maxRssKb / 1024).toFixed(0)} MiB`);
      if (pandasVersion) {
        samples.pandas.push(measure('/usr/bin/python3', ['-c', PANDAS, file]));
        log(`pandas run ${run + 1}: ${samples.pandas.at(-1)!.ms.toFixed(0)} ms, peak RSS ${(samples.pandas.at(-1)!.maxRssKb / 1024).toFixed(0)} MiB`);
      }
      samples.papaparse.push(measure(process.execPath, ['--import', 'tsx', self, '--child-papaparse', file]));
      log(`papaparse run ${run + 1}: ${samples.papaparse.at(-1)!.ms.toFixed(0)} ms, peak RSS ${(samples.papaparse.at(-1)!.maxRssKb / 1024).toFixed(0)} MiB`);
    }

    const summary = (list: Sample[]) => (list.length ? { ms: median(list.map((s) => s.ms)), maxRssMiB: Math.max(...list.map((s) => s.maxRssKb)) / 1024, runsMs: list.map((s) => Math.round(s.ms)) } : null);
    const ingest = summary(samples.ingest)!;
    const pandas = summary(samples.pandas);
    const papaparse = summary(samples.papaparse)!;
    const fileMiB = bytes / 1024 / 1024;
    const ratio = pandas ? ingest.ms / pandas.ms : null;
    const memoryRatio = ingest.maxRssMiB / fileMiB;
    const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}${pandasVersion ? `, pandas ${pandasVersion}` : ''}`;

    const output = {
      name: 'ingest',
      rows: [
        { id: 'ingest.csv-1m.time', label: `ingestCsvFile, ${rows.toLocaleString('en')} x 20 CSV (${fileMiB.toFixed(0)} MiB), median of ${runs}`, value: ingest.ms / 1000, unit: 's' },
        ...(pandas && ratio !== null
          ? [
              { id: 'ingest.csv-1m.pandas', label: 'pandas.read_csv, same file', value: pandas.ms / 1000, unit: 's' },
              { id: 'ingest.csv-1m.vs-pandas', label: 'ingest time / pandas time', value: ratio, unit: 'x', target: { kind: 'max', value: 2 } },
            ]
          : []),
        { id: 'ingest.csv-1m.peak-rss', label: 'ingest peak RSS / file size (whole process, Node + tsx included)', value: memoryRatio, unit: 'x', target: { kind: 'max', value: 3 } },
        { id: 'ingest.csv-1m.papaparse', label: 'papaparse stream, parse only (no typing), same file', value: papaparse.ms / 1000, unit: 's' },
      ],
      details: [machine],
      data: { file: { bytes, rows, columns: 20 }, ingest, pandas, papaparse, samples, machine, generatedAt: new Date().toISOString() },
    };

    const resultsDir = path.join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'ingest.json'), JSON.stringify(output, null, 2) + '\n');
    const pass = (ok: boolean) => (ok ? 'pass' : 'FAIL');
    const md = [
      '# CSV ingest benchmark',
      '',
      `Generated by \`node --import tsx bench/data/ingest.ts\` on ${output.data.generatedAt.slice(0, 10)} (${machine}).`,
      `File: ${rows.toLocaleString('en')} rows x 20 columns (8 decimal, 6 integer, 6 categorical; 5% missing as '' or NA), ${(bytes / 1e6).toFixed(1)} MB. Page cache warm; each measurement in a fresh process; median of ${runs} runs.`,
      '',
      '| What | Time | Peak RSS | Target |',
      '| --- | ---: | ---: | --- |',
      `| ingestCsvFile (typed Table + SHA-256 + inference) | ${(ingest.ms / 1000).toFixed(2)} s | ${ingest.maxRssMiB.toFixed(0)} MiB (${memoryRatio.toFixed(2)}x file) | memory < 3x file: ${pass(memoryRatio < 3)} |`,
      pandas
        ? `| pandas.read_csv | ${(pandas.ms / 1000).toFixed(2)} s | ${pandas.maxRssMiB.toFixed(0)} MiB | time ratio ${ratio!.toFixed(2)}x (< 2x: ${pass(ratio! < 2)}) |`
        : '| pandas.read_csv | not measured (python3-pandas missing) | | |',
      `| papaparse stream, parse only | ${(papaparse.ms / 1000).toFixed(2)} s | ${papaparse.maxRssMiB.toFixed(0)} MiB | reference |`,
      '',
      `Runs (ms): ingest ${ingest.runsMs.join(', ')}${pandas ? `; pandas ${pandas.runsMs.join(', ')}` : ''}; papaparse ${papaparse.runsMs.join(', ')}.`,
      'Peak RSS is the whole process (`/usr/bin/time -f %M`), so it includes Node and tsx (about 60-80 MiB) or the Python interpreter and pandas.',
      '',
    ].join('\n');
    writeFileSync(path.join(resultsDir, 'ingest.md'), md);
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(output)}\n`);
    log(`wrote bench/results/ingest.json and ingest.md`);
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${file}`);
  }
}

await main();
