/**
 * Batch scoring benchmark: 1,000,000 iris rows (~24 MB of CSV) POSTed as text/csv to
 * /api/v1/models/<name>/batch, the answer read back as CSV, both streamed. Targets: at most 60 s
 * from the first byte sent to the last byte received, and the serving process's RSS growing by at
 * most 150 MB over its resting size during the call.
 *
 * The server is a child process (a fresh data folder) that trains and deploys the Iris classifier
 * on the real engine and workers, makes an API key, then serves the route module itself
 * (app/api/v1/models/[name]/batch/route.ts: guard, key check, streaming batch) behind Node's HTTP
 * server, as `next start` would call it. The client (this process) generates the rows as it sends
 * them, reads the answer as it comes, checks every row got an answer, and samples the server's RSS
 * from /proc every 25 ms. Writes bench/results/batch.json and batch.md and prints one
 * `BENCH_RESULT {json}` line.
 *
 *   node --import tsx bench/serving/batch.ts [--rows N]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emitResult, round, type BenchOutput } from '../support/result';

const root = path.resolve(import.meta.dirname, '../..');
const log = (message: string) => process.stderr.write(`[bench batch ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

if (process.argv[2] === '--child-server') {
  const { createServer } = await import('node:http');
  const { Readable } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  const instance = await import('../../server/engine/instance');
  const { FIRST_WORKSPACE_ID } = await import('../../server/auth/workspaces');
  const { createApiKey } = await import('../../server/auth/api-keys');
  const { POST } = await import('../../app/api/v1/models/[name]/batch/route');
  const engine = instance.getEngine();
  const started = await engine.start(JSON.parse(readFileSync(path.join(root, 'examples', 'iris-classifier.json'), 'utf8')), { workspaceId: FIRST_WORKSPACE_ID });
  if (!started.ok || (await engine.waitFor(started.runId)) !== 'succeeded') throw new Error('training the iris model failed');
  const { key } = createApiKey(FIRST_WORKSPACE_ID, 'bench', null, null);
  // The workers are done: the server alone is measured.
  await instance.shutdownEngine();
  const server = createServer((req, res) => {
    void (async () => {
      const request = new Request(`http://localhost${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
        duplex: 'half',
      } as RequestInit);
      const name = decodeURIComponent(/^\/api\/v1\/models\/([^/]+)\/batch$/.exec(new URL(request.url).pathname)?.[1] ?? '');
      const response = await POST(request, { params: Promise.resolve({ name }) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) await pipeline(Readable.fromWeb(response.body as never), res);
      else res.end();
    })().catch((error: unknown) => {
      console.error(error);
      res.destroy();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`READY ${JSON.stringify({ port, key })}\n`);
  });
} else {
  const rowsArg = process.argv.indexOf('--rows');
  const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-bench-batch-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PIPELOOM_')) delete env[k];
  Object.assign(env, { PIPELOOM_ROOT: root, PIPELOOM_DATA_DIR: path.join(dir, 'data'), PIPELOOM_WORKERS: '1' });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'serving', 'batch.ts'), '--child-server'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await new Promise<{ port: number; key: string }>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = /^READY (.*)$/m.exec(text);
        if (line) resolve(JSON.parse(line[1]) as { port: number; key: string });
      });
      child.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    const url = `http://127.0.0.1:${ready.port}/api/v1/models/iris/batch`;
    const headers = { authorization: `Bearer ${ready.key}`, 'content-type': 'text/csv' };

    /** Iris-like rows, made as they are sent (a block of lines per pull). */
    const body = (rows: number) => {
      const encoder = new TextEncoder();
      let sent = -1;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === -1) {
            controller.enqueue(encoder.encode('sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n'));
            sent = 0;
            return;
          }
          if (sent >= rows) return controller.close();
          let text = '';
          const end = Math.min(rows, sent + 5000);
          for (; sent < end; sent++) text += `${(4.3 + (sent % 36) / 10).toFixed(1)},${(2 + (sent % 24) / 10).toFixed(1)},${(1 + (sent % 59) / 10).toFixed(1)},${(0.1 + (sent % 25) / 10).toFixed(1)}\n`;
          controller.enqueue(encoder.encode(text));
        },
      });
    };

    /** One call: lines received, answers without an error, seconds, and the server's RSS peak above `rest`. */
    const score = async (rows: number, rest: number) => {
      let peak = rss();
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 25);
      const t = performance.now();
      const response = await fetch(url, { method: 'POST', headers, body: body(rows), duplex: 'half' } as RequestInit);
      if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
      const decoder = new TextDecoder();
      let lines = 0;
      let answered = 0;
      let tail = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = tail + decoder.decode(chunk, { stream: true });
        const parts = text.split('\r\n');
        tail = parts.pop()!;
        for (const line of parts) {
          lines++;
          // An answered row ends with an empty error cell after a class name and three probabilities.
          if (/,(setosa|versicolor|virginica),[^,]+,[^,]+,[^,]+,$/.test(line)) answered++;
        }
      }
      const seconds = (performance.now() - t) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, rss());
      return { rows: lines - 1, answered, seconds, growthMb: peak - rest, peakMb: peak };
    };

    log('warm-up: 10,000 rows');
    await score(10_000, rss());
    await new Promise((r) => setTimeout(r, 1000));
    const rest = rss();
    log(`resting RSS ${rest.toFixed(0)} MB; scoring ${ROWS.toLocaleString('en')} rows`);
    const run = await score(ROWS, rest);
    log(`${run.rows.toLocaleString('en')} rows back (${run.answered.toLocaleString('en')} answered) in ${run.seconds.toFixed(1)} s; RSS peak ${run.peakMb.toFixed(0)} MB (+${run.growthMb.toFixed(0)} MB)`);
    if (run.rows !== ROWS || run.answered !== ROWS) throw new Error(`expected ${ROWS} answered rows, got ${run.rows} rows, ${run.answered} answered`);

    const output: BenchOutput = {
      name: 'batch-scoring',
      rows: [
        { id: 'batch.seconds', label: `${ROWS.toLocaleString('en')} iris rows, CSV in → CSV out, streamed`, value: round(run.seconds), unit: 's', target: { kind: 'max', value: 60 } },
        { id: 'batch.rss-growth', label: "server's RSS growth during the call", value: round(run.growthMb), unit: 'MiB', target: { kind: 'max', value: 150 }, notes: `resting ${round(rest)} MiB, peak ${round(run.peakMb)} MiB` },
        { id: 'batch.rows-per-second', label: 'rows scored per second', value: Math.round(ROWS / run.seconds), unit: 'rows' },
      ],
      details: [`Every one of the ${ROWS.toLocaleString('en')} rows came back with a predicted species and three probabilities (no error cell).`],
    };
    const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvg: os.loadavg().map((v) => round(v)) };
    writeFileSync(path.join(root, 'bench', 'results', 'batch.json'), JSON.stringify({ measuredAt: new Date().toISOString(), machine, output }, null, 2) + '\n');
    writeFileSync(
      path.join(root, 'bench', 'results', 'batch.md'),
      [
        '# Batch scoring (`node --import tsx bench/serving/batch.ts`)',
        '',
        `Measured ${new Date().toISOString()} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGb} GB), Node ${machine.node}, load average ${machine.loadAvg.join(' / ')} at the end.`,
        '',
        '| Benchmark | Measured | Target |',
        '| --- | --- | --- |',
        ...output.rows.map((r) => `| ${r.label} | ${r.value} ${r.unit}${r.notes ? ` (${r.notes})` : ''} | ${r.target ? `${r.target.kind === 'max' ? '≤' : '≥'} ${r.target.value} ${r.unit}` : ''} |`),
        '',
        ...output.details!,
        '',
        'The server process trains and deploys the Iris classifier, then serves the route module app/api/v1/models/[name]/batch/route.ts behind',
        "Node's HTTP server (its engine shut down: the serving alone is measured); RSS is sampled from /proc every 25 ms, growth over its resting",
        'size after a 10,000-row warm-up call.',
        '',
      ].join('\n'),
    );
    emitResult(output);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
