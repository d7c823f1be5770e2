/**
 * The `pipeloom` command line: list node kinds, validate a graph file, and run it on the same
 * engine the web app uses (SQLite in PIPELOOM_DATA_DIR + local worker processes).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CatalogEntry } from '../lib/catalog';
import type { GraphFile } from '../lib/graph';
import { imageShape } from '../lib/image';
import { formatHeadline, headlineMetric, isEvaluation } from '../lib/model-headline';
import { tableSchema, type ColumnSchema, type Table } from '../lib/table';
import { catalog } from '../nodes';
import { parseIngestOptionsText, uploadFormat, type IngestOptionsText, type IngestOptionValues } from '../runtime/ingest/options';
import type { CompileError, PlanStep } from '../server/engine/compile';
import { checkGraphShape, checkGraphText, type Checked, type CliError } from './graph-file';
import { FIRST_WORKSPACE_ID } from '../server/auth/workspaces';

const USAGE = `Usage: pipeloom <command> [options]

Commands:
  catalog [--json]                List every node kind with its ports and params.
  validate <graph.json> [--json]  Check a graph file without running it.
  run <graph.json> [--json]       Run a graph file and report each step's result.
                                  The CLI works on the data folder as the local administrator,
                                  in the first workspace (the owner's): its datasets and models.
  templates [--json]              List the starter pipelines in templates/ (each runs as is).
  export <graph.json> [--data] [--out FILE]
                                  Write a bundle (.pipeloom.zip): the graph and the datasets it reads
                                  by content hash; --data embeds the uploaded datasets' tables.
  import <bundle.pipeloom.zip> [--out graph.json] [--json]
                                  Import a bundle as a new pipeline (datasets matched by content,
                                  embedded ones read in); --out also writes its graph file.
  worker [--concurrency N]        Join a cluster: take steps from Redis (PIPELOOM_REDIS_URL).
  dataset inspect <file> [--json] Read a file as an upload would (CSV/TSV, .json, .xlsx, or a .zip
                                  of images in class folders): the inferred schema, row count and
                                  the problems found (line numbers; file names in a ZIP).

Options:
  --json      Machine-readable output: exactly one JSON object on stdout.
  -h, --help  Show this help.

dataset inspect options (default: detected):
  --delimiter X       , ; tab | (or auto)
  --decimal X         . , (or auto: ',' for ';' files whose numbers look like 1,5)
  --no-header         The first row is data; columns are named column_1..column_N.
  --encoding X        utf-8, latin1 (or auto: UTF-8 unless the bytes are not valid UTF-8)
  --bad-rows X        skip (default: report and drop bad rows) or refuse (exit 1 if any)
  --sheet NAME        .xlsx: the sheet to read (default: the first visible one)
  --image-size N      .zip: images are resized to N×N pixels (default 28, at most 64)
  --colour X          .zip: grey (default, one channel) or rgb
  --fit X             .zip: cover (default: fill the square, crop the edges) or contain
                      (whole image, black bars)
  --max-images N      .zip: refuse more images than this (default 50000)

Environment:
  PIPELOOM_DATA_DIR  Where the database and artifacts live (default ./data).
  PIPELOOM_WORKERS   Number of worker processes (default: one per CPU core).
  PIPELOOM_REDIS_URL Cluster mode: steps go through BullMQ on this Redis (redis://host:6379).
  PIPELOOM_ARTIFACTS Artifact folder, shared by the server and every worker in a cluster
                     (default PIPELOOM_DATA_DIR/artifacts).
  PIPELOOM_MAX_UPLOAD_MB  Largest dataset file accepted (default 200).

Exit status: 0 success, 1 invalid graph, failed run or unusable dataset file (unreadable,
too large, empty, no readable rows, or bad rows with --bad-rows refuse), 2 usage error.`;

class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  concurrency: { type: 'string' },
  // export / import
  data: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  // dataset inspect: the upload options (runtime/ingest/options.ts) as flags.
  delimiter: { type: 'string' },
  decimal: { type: 'string' },
  'no-header': { type: 'boolean' },
  encoding: { type: 'string' },
  'bad-rows': { type: 'string' },
  sheet: { type: 'string' },
  'image-size': { type: 'string' },
  colour: { type: 'string' },
  color: { type: 'string' },
  fit: { type: 'string' },
  'max-images': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** The flag that sets each upload option (header is --no-header's). */
const INGEST_FLAGS = {
  delimiter: 'delimiter',
  decimal: 'decimal',
  encoding: 'encoding',
  'bad-rows': 'badRows',
  sheet: 'sheet',
  'image-size': 'imageSize',
  colour: 'colour',
  color: 'colour',
  fit: 'fit',
  'max-images': 'maxImages',
} as const satisfies Partial<Record<keyof typeof OPTIONS, keyof IngestOptionsText>>;

interface Args {
  command?: string;
  positional: string[];
  json: boolean;
  help: boolean;
  concurrency?: number;
  /** export: embed the uploaded datasets' tables. */
  data: boolean;
  /** export / import: the file to write. */
  outFile?: string;
  /** dataset inspect: the upload options as the flags gave them (checked by cmdDataset). */
  ingest: IngestOptionsText;
}

/** node:util's parseArgs over the flags above; what it refuses (an unknown option, a missing value) is a usage error. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

function readArgs(argv: string[]): Args {
  const { values, positionals } = parseFlags(argv);
  const ingest: IngestOptionsText = values['no-header'] ? { header: 'false' } : {};
  for (const [flag, option] of Object.entries(INGEST_FLAGS)) {
    const value = values[flag as keyof typeof INGEST_FLAGS];
    if (value !== undefined) ingest[option] = value;
  }
  if (Object.keys(ingest).length > 0 && positionals[0] !== 'dataset') {
    throw new UsageError('--delimiter, --decimal, --no-header, --encoding, --bad-rows, --sheet and the image options only apply to "dataset inspect".');
  }
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency needs a whole number from 1, got "${values.concurrency}".`);
  }
  const [command, ...positional] = positionals;
  if ((values.data || values.out !== undefined) && command !== 'export' && command !== 'import') throw new UsageError('--data and --out only apply to "export" and "import".');
  if (values.data && command !== 'export') throw new UsageError('--data only applies to "export".');
  return { command, positional, json: values.json ?? false, help: values.help ?? false, concurrency, data: values.data ?? false, outFile: values.out, ingest };
}

const out = (text: string): void => void process.stdout.write(text + '\n');
const err = (text: string): void => void process.stderr.write(text + '\n');
const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

// ---------------------------------------------------------------------------------------------
// catalog

function cmdCatalog(args: Args): number {
  const entries = catalog();
  if (args.json) {
    printJson(entries);
    return 0;
  }
  const ports = (list: CatalogEntry['inputs']) =>
    list.length === 0 ? '-' : list.map((p) => `${p.name}:${p.type}${p.optional ? '?' : ''}`).join(', ');
  const params = (entry: CatalogEntry) => {
    const props = (entry.paramsSchema.properties ?? {}) as Record<string, { default?: unknown }>;
    const names = Object.entries(props).map(([name, schema]) =>
      schema.default === undefined ? name : `${name}=${JSON.stringify(schema.default)}`,
    );
    return names.length === 0 ? '-' : names.join(', ');
  };
  const rows = entries.map((e) => [e.type, `v${e.version}`, e.label + (e.sideEffect ? ' (side effect)' : ''), ports(e.inputs), ports(e.outputs), params(e)]);
  out(table(['TYPE', 'VER', 'LABEL', 'INPUTS', 'OUTPUTS', 'PARAMS (default)'], rows));
  out(`\n${entries.length} node kinds. Use --json for the full params JSON Schema of each.`);
  return 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// validate

/** Reads and checks a graph file: unreadable, not JSON, not a graph, or compile errors; else the plan. */
function checkFile(file: string): Checked {
  const read = readGraphFile(file);
  return 'text' in read ? checkGraphText(read.text, file) : read;
}

/** A graph file's text, or why it cannot be read. */
function readGraphFile(file: string): { text: string } | { ok: false; errors: CliError[] } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    return { ok: false, errors: [{ code: 'unreadable-file', message: `Cannot read ${file}: ${why}.` }] };
  }
}

function describeError(error: CliError): string {
  if (!('nodeId' in error) && !('edgeId' in error)) return error.message;
  const e = error as CompileError;
  const where: string[] = [];
  if (e.field) where.push(`field ${e.field}`);
  if (e.edgeId) where.push(`edge ${e.edgeId}`);
  const prefix = e.nodeId ? `node "${e.nodeId}"` : e.edgeId ? 'connection' : 'graph';
  return `${prefix}${where.length ? ` (${where.join(', ')})` : ''}: ${e.message}`;
}

function reportErrors(file: string, errors: CliError[], json: boolean): void {
  if (json) return printJson({ ok: false, errors });
  const plural = errors.length === 1 ? 'problem' : 'problems';
  if (errors.every((e) => e.code === 'unreadable-file' || e.code === 'malformed-json')) {
    for (const e of errors) err(`pipeloom: ${e.message}`);
  } else if (errors.every((e) => e.code === 'invalid-graph')) {
    err(`${file} is not a valid Pipeloom graph (${errors.length} ${plural}):`);
    for (const e of errors) err(`  ${e.message}`);
  } else {
    err(`${file} cannot run (${errors.length} ${plural}):`);
    for (const e of errors) err(`  ${describeError(e)}`);
  }
}

/** Loads and compiles; prints errors and returns null when the graph cannot run. */
function check(file: string, json: boolean): { graph: GraphFile; plan: PlanStep[] } | null {
  const checked = checkFile(file);
  if (checked.ok) return checked;
  reportErrors(file, checked.errors, json);
  return null;
}

function cmdValidate(args: Args): number {
  const file = requireFile(args);
  const checked = check(file, args.json);
  if (!checked) return 1;
  const { graph, plan } = checked;
  if (args.json) {
    printJson({ ok: true, steps: plan.map((s) => ({ nodeId: s.nodeId, type: s.type, cacheKey: s.cacheKey })) });
  } else {
    out(`"${graph.name}" is valid: ${plan.length} step${plan.length === 1 ? '' : 's'} in this order:`);
    plan.forEach((s, i) => out(`  ${i + 1}. ${s.nodeId} (${s.type})`));
  }
  return 0;
}

function requireFile(args: Args): string {
  const [file, ...extra] = args.positional;
  if (!file) throw new UsageError(`"${args.command}" needs a graph file: pipeloom ${args.command} <graph.json>`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  return file;
}

// ---------------------------------------------------------------------------------------------
// run

interface NodeResult {
  id: string;
  type: string;
  status: string;
  cached: boolean;
  durationMs: number | null;
  metrics: Record<string, unknown> | null;
  error: string | null;
}

async function cmdRun(args: Args): Promise<number> {
  const file = requireFile(args);
  const checked = check(file, args.json);
  if (!checked) return 1;
  const { graph, plan } = checked;

  const { getEngine, shutdownEngine } = await import('../server/engine/instance');
  const { getDb, schema } = await import('../server/db');
  const { and, asc, eq, gt } = await import('drizzle-orm');

  const started = Date.now();
  let runId: string | undefined;
  let lastEventId = 0;
  const epochsOf = new Map(plan.map((s) => [s.nodeId, Number(s.params.epochs) || 0]));

  /** Prints run events persisted since the last call (text mode only). */
  const drain = () => {
    if (!runId || args.json) return;
    const rows = getDb()
      .select()
      .from(schema.runEvents)
      .where(and(eq(schema.runEvents.runId, runId), gt(schema.runEvents.id, lastEventId)))
      .orderBy(asc(schema.runEvents.id))
      .all();
    for (const row of rows) {
      lastEventId = row.id;
      const line = progressLine(row.nodeId, row.kind, JSON.parse(row.payload) as Record<string, unknown>, epochsOf);
      if (line) out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
    }
  };

  let code = 1;
  let interrupted = 0;
  let engine: ReturnType<typeof getEngine> | undefined;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1 || !runId) process.exit(130);
    err('Cancelling the run (press Ctrl-C again to quit at once)...');
    engine?.cancel(runId);
  };
  process.on('SIGINT', onSigint);
  try {
    engine = getEngine();
    engine.events.on('event', (id: string) => {
      if (id === runId) drain();
    });
    if (!args.json) out(`Running "${graph.name}" (${plan.length} steps)...`);
    const startResult = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!startResult.ok) {
      reportErrors(file, startResult.errors, args.json);
      return 1;
    }
    runId = startResult.runId;
    drain();
    const status = await engine.waitFor(runId);
    drain();

    const rows = getDb().select().from(schema.runSteps).where(eq(schema.runSteps.runId, runId)).all();
    const byNode = new Map(rows.map((r) => [r.nodeId, r]));
    const nodes: NodeResult[] = plan.map((step) => {
      const row = byNode.get(step.nodeId);
      return {
        id: step.nodeId,
        type: step.type,
        status: row?.status ?? 'unknown',
        cached: row?.status === 'cached',
        durationMs: row?.startedAt != null && row.finishedAt != null ? row.finishedAt - row.startedAt : null,
        metrics: row?.metrics ? (JSON.parse(row.metrics) as Record<string, unknown>) : null,
        error: row?.error ?? null,
      };
    });
    if (args.json) printJson({ runId, status, nodes });
    else printSummary(runId, status, nodes, Date.now() - started);
    code = status === 'succeeded' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    await shutdownEngine();
  }
  return code;
}

function progressLine(nodeId: string | null, kind: string, payload: Record<string, unknown>, epochsOf: Map<string, number>): string | null {
  const who = nodeId ?? 'run';
  if (kind === 'run') return `run ${String(payload.status)}${payload.backend ? ` (backend: ${String(payload.backend)})` : ''}${payload.error ? `: ${String(payload.error)}` : ''}`;
  if (kind === 'step') {
    const status = String(payload.status);
    if (status === 'pending' || status === 'queued') return null;
    const detail = payload.error ?? payload.message;
    return `${who}: ${status}${detail ? ` - ${String(detail)}` : ''}`;
  }
  if (kind === 'log') return `${who}: ${String(payload.message)}`;
  if (kind === 'epoch') {
    const epoch = Number(payload.epoch);
    const total = nodeId ? (epochsOf.get(nodeId) ?? 0) : 0;
    // Every tenth epoch (and the last) keeps the output readable.
    const shown = epoch === total || epoch % 10 === 0;
    if (!shown) return null;
    const values = Object.entries((payload.values ?? {}) as Record<string, number>)
      .map(([k, v]) => `${k}=${formatNumber(v)}`)
      .join(' ');
    return `${who}: epoch ${epoch}${total ? `/${total}` : ''} ${values}`;
  }
  return null;
}

function printSummary(runId: string, status: string, nodes: NodeResult[], elapsedMs: number): void {
  out('');
  const rows = nodes.map((n) => [n.id, n.type, n.status, n.durationMs === null ? '-' : `${(n.durationMs / 1000).toFixed(2)}s`, stepResult(n)]);
  out(table(['NODE', 'TYPE', 'STATUS', 'TIME', 'RESULT'], rows));
  out(`\nRun ${runId} ${status} in ${(elapsedMs / 1000).toFixed(1)}s.`);
}

/** The one-line result of a step: its error, what it published, or the headline of its evaluation. */
function stepResult(node: NodeResult): string {
  if (node.error) return node.error;
  const m = node.metrics;
  if (!m) return '';
  if (isEvaluation(m)) return formatHeadline(headlineMetric(m));
  if (m.modelName) return `${m.unchanged ? 'already published as' : 'published'} "${String(m.modelName)}"${m.version ? ` version ${String(m.version)}` : ''}`;
  return JSON.stringify(m).slice(0, 80);
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

// ---------------------------------------------------------------------------------------------
// templates, export, import

async function cmdTemplates(args: Args): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  const { listTemplates } = await import('../server/templates');
  const templates = listTemplates().map((t) => ({ id: t.id, name: t.name, description: t.description, file: path.join('templates', `${t.id}.json`), steps: t.graph.nodes.length }));
  if (args.json) printJson(templates);
  else {
    out(table(['ID', 'NAME', 'STEPS'], templates.map((t) => [t.id, t.name, String(t.steps)])));
    out(`\n${templates.length} templates: pipeloom run templates/<id>.json runs one.`);
  }
  return 0;
}

async function cmdExport(args: Args): Promise<number> {
  const file = requireFile(args);
  const read = readGraphFile(file);
  const parsed = 'text' in read ? checkGraphShape(read.text, file) : read;
  if (!parsed.ok) {
    reportErrors(file, parsed.errors, args.json);
    return 1;
  }
  const { exportBundle } = await import('../server/bundles');
  const { bundleFileName } = await import('../lib/bundle');
  const { createWriteStream, statSync } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const target = args.outFile ?? bundleFileName(parsed.graph.name);
  await pipeline(await exportBundle(FIRST_WORKSPACE_ID, parsed.graph, { includeData: args.data }), createWriteStream(target));
  const bytes = statSync(target).size;
  if (args.json) printJson({ ok: true, file: target, bytes });
  else out(`Wrote ${target} (${bytes.toLocaleString('en')} bytes${args.data ? ', with data' : ''}).`);
  return 0;
}

async function cmdImport(args: Args): Promise<number> {
  const file = requireFile(args);
  const { importBundle, BundleRefused } = await import('../server/bundles');
  const { shutdownEngine } = await import('../server/engine/instance');
  try {
    let result: Awaited<ReturnType<typeof importBundle>>;
    try {
      result = await importBundle(FIRST_WORKSPACE_ID, readFileSync(file), null);
    } catch (error) {
      if (!(error instanceof BundleRefused)) throw error;
      if (args.json) printJson({ ok: false, error: { message: error.message } });
      else err(`pipeloom: ${file} cannot be imported: ${error.message}`);
      return 1;
    }
    if (args.outFile) {
      const { getDb, schema } = await import('../server/db');
      const { eq } = await import('drizzle-orm');
      const { writeFileSync } = await import('node:fs');
      const row = getDb().select({ document: schema.graphs.document }).from(schema.graphs).where(eq(schema.graphs.id, result.graphId)).get()!;
      writeFileSync(args.outFile, JSON.stringify(JSON.parse(row.document), null, 2) + '\n');
    }
    if (args.json) printJson({ ok: true, ...result });
    else {
      out(`Imported "${result.name}" as pipeline ${result.graphId}${args.outFile ? ` (graph file ${args.outFile})` : ''}.`);
      for (const d of result.datasets) out(`  dataset ${d.name}: ${d.status}${d.status === 'missing' ? ' (upload it, then the step finds it)' : ''}`);
      for (const p of result.placeholders) out(`  step ${p.nodeId}: kept as a placeholder (${p.type} v${p.typeVersion} is not in this Pipeloom)`);
    }
    return 0;
  } finally {
    await shutdownEngine();
  }
}

// ---------------------------------------------------------------------------------------------
// worker

async function cmdWorker(args: Args): Promise<number> {
  const redisUrl = process.env.PIPELOOM_REDIS_URL;
  if (!redisUrl) {
    err('pipeloom worker joins a cluster: set PIPELOOM_REDIS_URL (and PIPELOOM_ARTIFACTS to the artifact folder shared with the server).');
    err('Without it, the server runs its own local workers and no separate worker is needed.');
    return 2;
  }
  const os = await import('node:os');
  const { artifactsDir, engineSettings } = await import('../server/engine/instance');
  const { projectRoot } = await import('../runtime/paths');
  const { runClusterWorker } = await import('../server/worker/cluster');
  const worker = await runClusterWorker({
    redisUrl,
    concurrency: args.concurrency ?? Math.max(1, Number(process.env.PIPELOOM_WORKERS) || os.availableParallelism()),
    root: projectRoot(),
    artifacts: artifactsDir(),
    lockMs: Number(process.env.PIPELOOM_LOCK_MS) || 30_000,
    maxStalls: Math.max(0, engineSettings().maxAttempts - 1),
    log: (message) => err(`[${new Date().toISOString()}] ${message}`),
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  err('Stopping: steps in hand are not waited for; they return to the queue for another worker.');
  // With Redis unreachable a graceful close can wait forever: give it a few seconds, then leave.
  await Promise.race([worker.close(), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// dataset inspect

async function cmdDataset(args: Args): Promise<number> {
  const [sub, file, ...extra] = args.positional;
  if (sub !== 'inspect') throw new UsageError(sub === undefined ? '"dataset" needs a subcommand: pipeloom dataset inspect <file>' : `Unknown dataset subcommand "${sub}".`);
  if (!file) throw new UsageError('"dataset inspect" needs a file: pipeloom dataset inspect <file.csv>');
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  const given = args.ingest;
  const format = uploadFormat('auto', file);
  if (format !== 'images' && [given.imageSize, given.colour, given.fit, given.maxImages].some((v) => v !== undefined)) {
    throw new UsageError('--image-size, --colour, --fit and --max-images only apply to a .zip of images.');
  }
  if (format !== 'xlsx' && given.sheet !== undefined) throw new UsageError('--sheet only applies to an .xlsx file.');
  const options = ingestOptions(given);
  if (format !== 'csv') {
    if ([given.delimiter, given.decimal, given.encoding].some((v) => v !== undefined)) throw new UsageError('--delimiter, --decimal and --encoding only apply to CSV/TSV files.');
    return inspectOtherFormat(args, file, { ...options, format });
  }
  const { ingestCsvFile } = await import('../runtime/ingest/delimited');
  const { formatBytes } = await import('../runtime/ingest/limits');
  let result: Awaited<ReturnType<typeof ingestCsvFile>>;
  try {
    result = await ingestCsvFile(file, options);
  } catch (error) {
    return await refusedFile(args, file, error);
  }
  const columns = await describeColumns(result.table, result.columns);
  const delimiterName = (d: string) => (d === '\t' ? 'tab' : `'${d}'`);
  if (args.json) {
    printJson({
      ok: true,
      file,
      bytes: result.bytes,
      contentHash: result.contentHash,
      encoding: result.encoding,
      delimiter: result.delimiter,
      decimal: result.decimal,
      header: result.header,
      rowCount: result.rowCount,
      skippedRows: result.skippedRows,
      columns,
      problems: result.problems,
      problemCount: result.problemCount,
    });
    return 0;
  }
  out(`${file}: ${formatBytes(result.bytes)}, sha256 ${result.contentHash.slice(0, 16)}…`);
  out(`Read as ${result.encoding === 'utf-8' ? 'UTF-8' : 'latin1 (Windows-1252)'}, delimiter ${delimiterName(result.delimiter)}, decimal '${result.decimal}', ${result.header ? 'header row' : 'no header row'}.`);
  printSchemaAndProblems(result.rowCount, columns, { problems: result.problems, problemCount: result.problemCount, skipped: result.skippedRows, unit: 'row' });
  return 0;
}

type DescribedColumn = Awaited<ReturnType<typeof describeColumns>>[number];

/** Each column's schema with its missing count and a few examples. */
async function describeColumns(data: Table, schema: ColumnSchema[]) {
  const { columnSummary } = await import('../runtime/ingest/delimited');
  const summary = columnSummary(data);
  return schema.map((c, i) => ({
    ...c,
    missing: summary[i].missing,
    missingFraction: data.rowCount ? summary[i].missing / data.rowCount : 0,
    examples: summary[i].examples,
  }));
}

/** Exit 1 with the reason a file cannot be used (any other error goes on up). */
async function refusedFile(args: Args, file: string, error: unknown): Promise<number> {
  const { IngestError } = await import('../runtime/ingest/limits');
  if (!(error instanceof IngestError)) throw error;
  if (args.json) printJson({ ok: false, file, error: { code: error.code, message: error.message, problems: error.problems, problemCount: error.problemCount } });
  else err(`pipeloom: ${file} cannot be used: ${error.message}`);
  return 1;
}

function printSchemaAndProblems(
  rowCount: number,
  columns: DescribedColumn[],
  found: { problems: { message: string }[]; problemCount: number; skipped: number; unit: 'row' | 'file' },
): void {
  const percent = (f: number) => (f === 0 ? '0%' : f < 0.001 ? '<0.1%' : `${Number((f * 100).toFixed(1))}%`);
  const clip = (text: string) => {
    const flat = text.replace(/\s+/g, ' ');
    return flat.length > 24 ? `${flat.slice(0, 23)}…` : flat;
  };
  // Image tables: the pixel columns are one line, not hundreds.
  const shape = imageShape(columns);
  const pixels = new Set(shape?.columns);
  const listed = columns.filter((c) => !pixels.has(c.name));
  const rows = listed.map((c) => [c.name, c.type, percent(c.missingFraction), c.examples.map(clip).join(', ')]);
  if (shape) {
    const at = columns.findIndex((c) => pixels.has(c.name));
    const grid = `${shape.height}×${shape.width}${shape.channels > 1 ? `×${shape.channels}` : ''}`;
    rows.splice(at, 0, [`${shape.columns[0]} … ${shape.columns.at(-1)}`, 'number', '', `${shape.columns.length.toLocaleString('en')} pixel columns (${grid})`]);
  }
  out(`${rowCount.toLocaleString('en')} row${rowCount === 1 ? '' : 's'}, ${columns.length.toLocaleString('en')} column${columns.length === 1 ? '' : 's'}.`);
  out('');
  out(table(['COLUMN', 'TYPE', 'MISSING', 'EXAMPLES'], rows));
  out('');
  if (found.problemCount === 0) out('No problems found.');
  else {
    const { skipped, unit } = found;
    const hint = unit === 'row' ? ' (use --bad-rows refuse to refuse such a file instead)' : '';
    out(`${skipped.toLocaleString('en')} ${unit}${skipped === 1 ? '' : 's'} skipped${hint}:`);
    for (const p of found.problems) out(`  ${p.message}`);
    if (found.problemCount > found.problems.length) out(`  …and ${(found.problemCount - found.problems.length).toLocaleString('en')} more.`);
  }
}

/** The flags read and checked as an upload's options are; a value the schema refuses is a usage error naming its flag. */
function ingestOptions(given: IngestOptionsText): IngestOptionValues {
  const parsed = parseIngestOptionsText(given);
  if (parsed.success) return parsed.data;
  const flagOf = (option: PropertyKey) => (option === 'header' ? '--no-header' : `--${Object.entries(INGEST_FLAGS).find(([, o]) => o === option)?.[0] ?? String(option)}`);
  throw new UsageError(parsed.error.issues.map((issue) => `${flagOf(issue.path[0])}: ${issue.message}`).join('; '));
}

/** JSON records, an Excel sheet or a ZIP of images: read through the same entry point as an upload. */
async function inspectOtherFormat(args: Args, file: string, options: IngestOptionValues): Promise<number> {
  const { formatBytes } = await import('../runtime/ingest/limits');
  const { ingestUploadFile } = await import('../runtime/ingest/file');
  let read: Awaited<ReturnType<typeof ingestUploadFile>>;
  try {
    read = await ingestUploadFile(file, path.basename(file), options);
  } catch (error) {
    return await refusedFile(args, file, error);
  }
  const { table: data, report } = read;
  const columns = await describeColumns(data, tableSchema(data));
  const problemCount = report.problemCount ?? report.problems.length;
  if (args.json) {
    printJson({ ok: true, file, ...report, rowCount: data.rowCount, columns, problemCount });
    return 0;
  }
  out(`${file}: ${formatBytes(report.bytes)}`);
  if (report.images) {
    const { size, colour, fit, classes } = report.images;
    out(
      `Read ${data.rowCount.toLocaleString('en')} images in ${classes.length} classes (${classes.map((c) => `${c.name} ${c.count.toLocaleString('en')}`).join(', ')}), ` +
        `resized to ${size}×${size} ${colour === 'rgb' ? 'colour' : 'grey'} pixels (${fit === 'cover' ? 'cover: cropped to fill' : 'contain: whole, black bars'}).`,
    );
  } else if (report.sheet !== undefined) {
    out(`Read the sheet "${report.sheet}" (the workbook has ${(report.sheets ?? []).map((n) => `"${n}"`).join(', ')}), ${options.header ? 'header row' : 'no header row'}.`);
  } else out('Read as a JSON array of records.');
  printSchemaAndProblems(data.rowCount, columns, { problems: report.problems, problemCount, skipped: report.skippedRows, unit: report.images ? 'file' : 'row' });
  return 0;
}

// ---------------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = readArgs(argv);
    if (args.help) {
      out(USAGE);
      return 0;
    }
    switch (args.command) {
      case 'catalog':
        if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
        return cmdCatalog(args);
      case 'validate':
        return cmdValidate(args);
      case 'run':
        return await cmdRun(args);
      case 'templates':
        return await cmdTemplates(args);
      case 'export':
        return await cmdExport(args);
      case 'import':
        return await cmdImport(args);
      case 'worker':
        return await cmdWorker(args);
      case 'dataset':
        return await cmdDataset(args);
      case undefined:
        throw new UsageError('Missing command.');
      default:
        throw new UsageError(`Unknown command "${args.command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`pipeloom: ${error.message}\n`);
      err(USAGE);
      return 2;
    }
    err(`pipeloom: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.PIPELOOM_DEBUG && error instanceof Error && error.stack) err(error.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
