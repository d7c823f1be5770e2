import { fillableColumns, ignorableColumns } from '../../runtime/recipe';
import type { Column, ColumnSchema, DictionaryColumnType, Table, ValueColumnType } from '../../lib/table';
import type { DeploymentArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { getDb } from '../db';
import { ArtifactStore } from '../engine/artifact-store';
import { deploymentName, deploymentNameHolder, deploymentVersion } from '../engine/deployment-registry';
import { isMissing, parseBoolean, parseDate, parseNumber } from '../../runtime/ingest/infer';
import { loadNetwork } from '../../runtime/training/network-weights';
import { knownCategories, predictTable, type Network, type TablePredictions } from '../../runtime/training/predict';
import { artifactsDir } from '../../runtime/paths';
import { initTf } from '../../runtime/tf/backend';
import { echo, RequestError } from '../http/guard';
import { MODEL_NAME_PATTERN } from '../../lib/ids';
// The node kinds register the recipe steps a deployed model's recipe names.
import '../../nodes';

/** A request problem, answered with its HTTP status and a message naming the field. */
export class PredictError extends RequestError {}

export const MAX_ROWS_PER_REQUEST = 10_000;
const MAX_IGNORED_REPORTED = 50;
/** Problems a refusal lists (each row's, every field's); the count says how many there were in all. */
export const MAX_PROBLEMS_REPORTED = 100;

const EXPECTED = { number: 'a number', date: 'a date (like "2024-03-01")', boolean: 'true or false (or yes / no)' } as const;

/**
 * A request's value in a value column, read as an upload reads its cell (runtime/ingest/infer.ts):
 * JSON numbers and booleans as they are, text by the same rules. Null when it is not one.
 */
const REQUEST_VALUE_PARSERS: Record<keyof typeof EXPECTED, (value: unknown) => number | null> = {
  number: (value) => (typeof value === 'number' ? (Number.isFinite(value) ? value : null) : typeof value === 'string' ? parseNumber(value) : null),
  date: (value) => (typeof value === 'string' ? parseDate(value) : null),
  boolean: (value) => {
    const parsed = typeof value === 'boolean' ? value : typeof value === 'string' ? parseBoolean(value) : null;
    return parsed === null ? null : Number(parsed);
  },
};

/** A problem or a caution about one field of one row. */
export interface RowNote {
  row: number;
  field: string;
  message: string;
}

interface LoadedModel {
  deployment: DeploymentArtifact;
  /** Gradient families: the network, loaded once per deployment. */
  network?: Network;
}

const loaded = new Map<string, Promise<LoadedModel>>();

function loadDeployment(artifactKey: string): Promise<LoadedModel> {
  let entry = loaded.get(artifactKey);
  if (!entry) {
    entry = (async () => {
      await initTf();
      // The engine's artifact folder (a shared volume in cluster mode), where Deploy wrote the model.
      const store = new ArtifactStore(artifactsDir());
      const deployment = (await store.readAsync(artifactKey, 'deployment')) as DeploymentArtifact;
      const { weights } = deployment.model;
      return { deployment, network: weights ? await loadNetwork(weights) : undefined };
    })();
    entry.catch(() => loaded.delete(artifactKey));
    loaded.set(artifactKey, entry);
  }
  return entry;
}

/** What a deployed model reads from a request, worked out once per model. */
export interface InputContract {
  inputColumns: TrainedModelArtifact['inputColumns'];
  /** Columns its fitted preprocessing fills in when missing. */
  fillable: ReadonlySet<string>;
  /** Columns it drops unread: they may be left out. */
  ignorable: ReadonlySet<string>;
  /** Per category column, the categories its training rows had. */
  known: Map<string, ReadonlySet<string>>;
}

export function inputContract(model: TrainedModelArtifact): InputContract {
  return { inputColumns: model.inputColumns, fillable: fillableColumns(model.recipe), ignorable: ignorableColumns(model.recipe), known: knownCategories(model) };
}

/** Whether a request may leave a column's value missing: a category or text column (as training cells could be), or one the fitted recipe fills in. */
export function mayBeMissing(column: ColumnSchema, contract: InputContract): boolean {
  return column.type === 'category' || column.type === 'text' || contract.fillable.has(column.name);
}

/** Whether a request value means "missing", as a cell of an upload would: null, or a missing marker ("", NA, N/A, null, ?, NaN). */
const isMissingValue = (value: unknown) => value === null || (typeof value === 'string' && isMissing(value));

/** A cell a request row does not send at all (as opposed to sending a missing value). */
export const NOT_SENT = Symbol('not sent');

/**
 * Request cells by column: `cell(column)` gives the reader of that column's cells by row (NOT_SENT
 * when a row does not send it). JSON rows and a batch's CSV columns are both read through it.
 */
export interface CellSource {
  rowCount: number;
  cells(column: string): (row: number) => unknown;
  /** Rows that are no row at all (not an object): already reported, read as sending nothing. */
  broken?: ReadonlySet<number>;
}

/**
 * Reads request cells into a table by the model's input contract, as an upload reads its cells:
 * - a missing value (null, "", "NA"…) is accepted wherever the training rows could hold one: a
 *   category or text column (it goes through the fitted recipe as missing training cells did) or a
 *   column the recipe fills in; a number without such a step is a problem;
 * - a category the training rows never had is answered, with a warning;
 * - a column not sent at all is a problem (send null to mean missing).
 * Every problem of every row is collected (the first `MAX_PROBLEMS_REPORTED` listed, by row), not
 * only the first. `firstRow` numbers the rows (a batch's chunk); `problems` may hold some already.
 */
export function readCells(source: CellSource, contract: InputContract, firstRow = 0, problems: RowNote[] = []) {
  const warnings: RowNote[] = [];
  const problemRows = new Set(problems.map((p) => p.row));
  const problem = (row: number, field: string, message: string) => {
    problemRows.add(firstRow + row);
    problems.push({ row: firstRow + row, field, message });
  };
  const count = source.rowCount;
  const columns = contract.inputColumns.map((spec): Column => {
    const valueColumn = spec.type === 'number' || spec.type === 'date' || spec.type === 'boolean';
    const values = valueColumn ? new Float64Array(count).fill(NaN) : undefined;
    const codes = valueColumn ? undefined : new Int32Array(count).fill(-1);
    const dictionary = new Map<string, number>();
    // Dropped unread by the recipe: an empty column stands in for whatever was sent.
    if (!contract.ignorable.has(spec.name)) {
      const where = (i: number) => `rows[${firstRow + i}].${spec.name}`;
      const canBeMissing = mayBeMissing(spec, contract);
      const categories = contract.known.get(spec.name);
      const cell = source.cells(spec.name);
      for (let i = 0; i < count; i++) {
        if (source.broken?.has(i)) continue;
        const value = cell(i);
        if (value === NOT_SENT) {
          problem(i, spec.name, `${where(i)} is not sent: the model needs "${spec.name}" (${spec.type}); send null for a missing value.`);
          continue;
        }
        if (isMissingValue(value)) {
          if (!canBeMissing) problem(i, spec.name, `${where(i)} is missing, and this model cannot fill in "${spec.name}" (${spec.type}): its pipeline has no Missing values step for it.`);
          continue;
        }
        if (values) {
          const parsed = REQUEST_VALUE_PARSERS[spec.type as keyof typeof EXPECTED](value);
          if (parsed === null) problem(i, spec.name, `${where(i)} must be ${EXPECTED[spec.type as keyof typeof EXPECTED]}, got ${echo(value)}.`);
          else values[i] = parsed;
          continue;
        }
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          problem(i, spec.name, `${where(i)} must be text, got ${echo(value)}.`);
          continue;
        }
        const label = String(value).trim();
        let code = dictionary.get(label);
        if (code === undefined) dictionary.set(label, (code = dictionary.size));
        if (categories && !categories.has(label)) {
          warnings.push({ row: firstRow + i, field: spec.name, message: `${echo(label)} is not among the categories the model learned for "${spec.name}": answered as an unknown category.` });
        }
        codes![i] = code;
      }
    }
    return values ? { name: spec.name, type: spec.type as ValueColumnType, values } : { name: spec.name, type: spec.type as DictionaryColumnType, codes: codes!, categories: [...dictionary.keys()] };
  });
  // Found column by column; told row by row (the sort is stable: a row's fields in column order).
  problems.sort((a, b) => a.row - b.row);
  warnings.sort((a, b) => a.row - b.row);
  return {
    table: { rowCount: count, columns } satisfies Table,
    warnings,
    problems: problems.slice(0, MAX_PROBLEMS_REPORTED),
    problemCount: problems.length,
    problemRows,
  };
}

/** JSON request rows (objects of column values) read by the contract (see readCells); the keys the model does not read are named back. */
export function readRows(rows: readonly unknown[], contract: InputContract, firstRow = 0) {
  const problems: RowNote[] = [];
  const broken = new Set<number>();
  const ignored = new Set<string>();
  const known = new Set(contract.inputColumns.filter((c) => !contract.ignorable.has(c.name)).map((c) => c.name));
  rows.forEach((row, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      broken.add(i);
      problems.push({ row: firstRow + i, field: `rows[${firstRow + i}]`, message: `rows[${firstRow + i}] must be an object of column values.` });
      return;
    }
    for (const key of Object.keys(row)) {
      // Reported back: a few names, each cut short (a client may send anything as a key).
      if (!known.has(key) && ignored.size < MAX_IGNORED_REPORTED) ignored.add(key.length > 100 ? `${key.slice(0, 100)}…` : key);
    }
  });
  const records = rows as readonly Record<string, unknown>[];
  const source: CellSource = {
    rowCount: rows.length,
    broken,
    cells: (column) => (i) => (column in records[i] ? records[i][column] : NOT_SENT),
  };
  return { ...readCells(source, contract, firstRow, problems), ignored: [...ignored] };
}

/** A request with problems: 400, the first in `error`, and every one (up to the cap) in `errors`. */
export function refuseProblems(problems: RowNote[], problemCount: number): PredictError {
  const first = problems[0];
  const more = problemCount > 1 ? ` (${problemCount} problems in all: see "errors")` : '';
  return new PredictError(400, `${first.message}${more}`, first.field, { errors: problems, errorCount: problemCount });
}

/** The request body's rows: `{"rows": [...]}`, at least one and at most MAX_ROWS_PER_REQUEST. */
function requestRows(body: unknown): unknown[] {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { rows?: unknown }).rows)) {
    throw new PredictError(400, 'The request body must be JSON like {"rows": [{"column": value, ...}]}.', 'rows');
  }
  const rows = (body as { rows: unknown[] }).rows;
  if (rows.length === 0) throw new PredictError(400, '"rows" is empty: send at least one row.', 'rows');
  if (rows.length > MAX_ROWS_PER_REQUEST) throw new PredictError(413, `Send at most ${MAX_ROWS_PER_REQUEST} rows per request.`, 'rows');
  return rows;
}

export const notDeployed = (name: string) => `No model named ${echo(name)} is deployed.`;

/** The workspace a deployment name belongs to (names are unique per server); undefined when nothing is deployed under it. */
export function deploymentWorkspace(name: string): string | undefined {
  return MODEL_NAME_PATTERN.test(name) ? deploymentNameHolder(getDb(), name) : undefined;
}

/**
 * The version of a name that answers: the one asked for, else the live one. 404 for a name that
 * cannot be one or is not deployed, or a version it does not have; 410 once undeployed, with the reason.
 */
export function servedVersion(name: string, version?: number) {
  const db = getDb();
  const held = MODEL_NAME_PATTERN.test(name) ? deploymentName(db, name) : undefined;
  if (!held) throw new PredictError(404, notDeployed(name), 'name');
  if (held.undeployedAt !== null) {
    throw new PredictError(410, `Model ${echo(name)} was undeployed on ${new Date(held.undeployedAt).toISOString().slice(0, 10)}: ${held.undeployReason ?? 'no reason given'}.`, 'name');
  }
  const row = deploymentVersion(db, name, version ?? held.liveVersion ?? 0);
  if (!row) throw new PredictError(404, `Model ${echo(name)} has no version ${version}.`, 'version');
  return row;
}

/** A served version's model and what it reads from a request. */
export async function servedModel(name: string, version?: number) {
  const row = servedVersion(name, version);
  const { deployment, network } = await loadDeployment(row.artifactKey);
  return { row, model: deployment.model, network, contract: inputContract(deployment.model) };
}

/** The problem of a row whose answer is not a finite number (values far beyond anything the model saw, like 1e308). */
export function nonFinite(row: number): RowNote {
  return { row, field: `rows[${row}]`, message: `rows[${row}]: the model cannot give a finite answer for this row; its values are far outside what it was trained on.` };
}

/** Predictions for a table read by `readRows`, or the problems of its rows that have no finite answer. */
export async function predictRows(model: TrainedModelArtifact, table: Table, network: Network | undefined, firstRow = 0) {
  const predictions = answers(model, await predictTable(model, table, network), table.rowCount);
  const problems: RowNote[] = [];
  predictions.forEach((answer, i) => {
    const numbers = [answer.predicted, answer.cluster, ...Object.values(answer.probabilities ?? {}), ...Object.values(answer.components ?? {})];
    // JSON has no NaN or Infinity (they would reach the client as null).
    if (numbers.some((v) => typeof v === 'number' && !Number.isFinite(v))) problems.push(nonFinite(firstRow + i));
  });
  return { predictions, problems };
}

export async function predict(name: string, body: unknown, version?: number) {
  const { row, model, network, contract } = await servedModel(name, version);
  const read = readRows(requestRows(body), contract);
  if (read.problemCount > 0) throw refuseProblems(read.problems, read.problemCount);
  const { predictions, problems } = await predictRows(model, read.table, network);
  if (problems.length > 0) throw refuseProblems(problems.slice(0, MAX_PROBLEMS_REPORTED), problems.length);
  return {
    model: name,
    version: row.version,
    task: model.task,
    target: model.target,
    predictions,
    ...(read.warnings.length ? { warnings: read.warnings.slice(0, MAX_PROBLEMS_REPORTED), warningCount: read.warnings.length } : {}),
    ...(read.ignored.length ? { ignoredColumns: read.ignored } : {}),
  };
}

/**
 * One answer per row, by what the model does: a class with its probabilities, a number, a cluster
 * id, or the row's coordinates on each principal component (pc_1, pc_2, …).
 */
/** One row's answer: which fields are present depends on what the model does. */
export interface PredictAnswer {
  predicted?: string | number;
  probabilities?: Record<string, number>;
  cluster?: string | number;
  components?: Record<string, number>;
}

function answers(model: TrainedModelArtifact, result: TablePredictions, rowCount: number): PredictAnswer[] {
  return Array.from({ length: rowCount }, (_, i): PredictAnswer => {
    switch (model.task) {
      case 'classification':
        return { predicted: result.predicted[i], probabilities: Object.fromEntries(model.labels.map((label, c) => [label, result.probabilities![i][c]])) };
      case 'regression':
        return { predicted: result.predicted[i] };
      case 'clustering':
        return { cluster: result.predicted[i] };
      case 'projection':
        return { components: Object.fromEntries(result.projection![i].map((v, c) => [`pc_${c + 1}`, v])) };
    }
  });
}

/** What a client must send to a deployed model: its input columns, with types, and what it answers. */
export async function describeDeployment(name: string) {
  const { row, model, contract } = await servedModel(name);
  return {
    model: name,
    version: row.version,
    task: model.task,
    target: model.target,
    // Columns its preprocessing drops unread need not be sent.
    inputColumns: model.inputColumns.filter((c) => !contract.ignorable.has(c.name)),
    ...(model.task === 'classification' ? { labels: model.labels } : {}),
    deployedAt: new Date(row.createdAt).toISOString(),
  };
}
