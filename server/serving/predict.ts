import { and, desc, eq } from 'drizzle-orm';
import { fillableColumns, ignorableColumns } from '../../runtime/recipe';
import type { Column, Table } from '../../lib/table';
import type { DeploymentArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import { deployments } from '../../drizzle/schema';
import { getDb } from '../db';
import { ArtifactStore } from '../engine/artifact-store';
import { deploymentNameHolder } from '../engine/saved-models';
import { loadNetwork } from '../../runtime/training/network-weights';
import { predictTable, type Network, type TablePredictions } from '../../runtime/training/predict';
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

const EXPECTED = { number: 'a number', date: 'a date (like "2024-03-01")', boolean: 'true or false' } as const;

/** Request values for value columns; null when the value is not one. Numeric strings count as numbers. */
const REQUEST_VALUE_PARSERS: Record<keyof typeof EXPECTED, (value: unknown) => number | null> = {
  number: (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
    return Number.isFinite(n) ? n : null;
  },
  date: (value) => {
    const ms = typeof value === 'string' ? Date.parse(value.trim()) : NaN;
    return Number.isFinite(ms) ? ms : null;
  },
  boolean: (value) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    const text = String(value).trim().toLowerCase();
    if (['true', 'yes', '1'].includes(text)) return 1;
    if (['false', 'no', '0'].includes(text)) return 0;
    return null;
  },
};

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

/**
 * Checks raw rows against the model's input schema and builds a table. Numbers may be sent as JSON
 * numbers or as numeric strings ("5.1"); anything else in a numeric column is refused. Columns the
 * model does not use are ignored and reported back; so are `ignorable` ones (dropped by its fitted
 * preprocessing before use), which may also be left out.
 */
export function rowsToTable(
  body: unknown,
  inputColumns: DeploymentArtifact['model']['inputColumns'],
  fillable: ReadonlySet<string> = new Set(),
  ignorable: ReadonlySet<string> = new Set(),
): { table: Table; ignored: string[] } {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { rows?: unknown }).rows)) {
    throw new PredictError(400, 'The request body must be JSON like {"rows": [{"column": value, ...}]}.', 'rows');
  }
  const rows = (body as { rows: unknown[] }).rows;
  if (rows.length === 0) throw new PredictError(400, '"rows" is empty: send at least one row.', 'rows');
  if (rows.length > MAX_ROWS_PER_REQUEST) throw new PredictError(413, `Send at most ${MAX_ROWS_PER_REQUEST} rows per request.`, 'rows');
  const ignored = new Set<string>();
  const known = new Set(inputColumns.filter((c) => !ignorable.has(c.name)).map((c) => c.name));
  rows.forEach((row, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw new PredictError(400, `rows[${i}] must be an object of column values.`, `rows[${i}]`);
    for (const key of Object.keys(row)) {
      // Reported back: a few names, each cut short (a client may send anything as a key).
      if (!known.has(key) && ignored.size < MAX_IGNORED_REPORTED) ignored.add(key.length > 100 ? `${key.slice(0, 100)}…` : key);
    }
  });
  const columns = inputColumns.map((spec): Column => {
    // Dropped unread by the recipe: an empty column stands in for whatever was sent.
    if (ignorable.has(spec.name)) {
      return spec.type === 'number' || spec.type === 'date' || spec.type === 'boolean'
        ? { name: spec.name, type: spec.type, values: new Float64Array(rows.length).fill(NaN) }
        : { name: spec.name, type: spec.type, codes: new Int32Array(rows.length).fill(-1), categories: [] };
    }
    const cells = rows.flatMap((row, i) => {
      const value = (row as Record<string, unknown>)[spec.name];
      if (value === undefined || value === null || value === '') {
        // A cell the model's fitted preprocessing fills in may be left empty; any other is required.
        if (fillable.has(spec.name)) return [];
        throw new PredictError(400, `rows[${i}].${spec.name} is missing: the model needs "${spec.name}" (${spec.type}).`, spec.name);
      }
      return [{ value, i }];
    });
    if (spec.type === 'number' || spec.type === 'date' || spec.type === 'boolean') {
      const values = new Float64Array(rows.length).fill(NaN);
      for (const { value, i } of cells) {
        const parsed = REQUEST_VALUE_PARSERS[spec.type](value);
        if (parsed === null) throw new PredictError(400, `rows[${i}].${spec.name} must be ${EXPECTED[spec.type]}, got ${echo(value)}.`, spec.name);
        values[i] = parsed;
      }
      return { name: spec.name, type: spec.type, values };
    }
    const dictionary = new Map<string, number>();
    const codes = new Int32Array(rows.length).fill(-1);
    for (const { value, i } of cells) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new PredictError(400, `rows[${i}].${spec.name} must be text, got ${echo(value)}.`, spec.name);
      }
      const label = String(value).trim();
      if (!dictionary.has(label)) dictionary.set(label, dictionary.size);
      codes[i] = dictionary.get(label)!;
    }
    return { name: spec.name, type: spec.type, codes, categories: [...dictionary.keys()] };
  });
  return { table: { rowCount: rows.length, columns }, ignored: [...ignored] };
}

export const notDeployed = (name: string) => `No model named ${echo(name)} is deployed.`;

/** The workspace a deployment name belongs to (names are unique per server); undefined when nothing is deployed under it. */
export function deploymentWorkspace(name: string): string | undefined {
  return MODEL_NAME_PATTERN.test(name) ? deploymentNameHolder(getDb(), name) : undefined;
}

/** A deployment by name (and version): 404 for a name that cannot be one or is not deployed. */
function deploymentRow(name: string, version?: number) {
  const row = MODEL_NAME_PATTERN.test(name)
    ? getDb()
        .select()
        .from(deployments)
        .where(version ? and(eq(deployments.name, name), eq(deployments.version, version)) : eq(deployments.name, name))
        .orderBy(desc(deployments.version))
        .get()
    : undefined;
  if (!row) throw new PredictError(404, version ? `Model ${echo(name)} has no version ${version}.` : notDeployed(name), 'name');
  return row;
}

export async function predict(name: string, body: unknown, version?: number) {
  const row = deploymentRow(name, version);
  const { deployment, network } = await loadDeployment(row.artifactKey);
  const model = deployment.model;
  const { table, ignored } = rowsToTable(body, model.inputColumns, fillableColumns(model.recipe), ignorableColumns(model.recipe));
  const predictions = answers(model, await predictTable(model, table, network), table.rowCount);
  refuseNonFinite(predictions);
  return {
    model: name,
    version: row.version,
    task: model.task,
    target: model.target,
    predictions,
    ...(ignored.length ? { ignoredColumns: ignored } : {}),
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

/**
 * JSON has no NaN or Infinity (they would reach the client as null): a row whose answer is not a
 * finite number (values far beyond anything the model saw, like 1e308) is refused, naming the row.
 */
function refuseNonFinite(predictions: PredictAnswer[]): void {
  predictions.forEach((answer, i) => {
    const numbers = [answer.predicted, answer.cluster, ...Object.values(answer.probabilities ?? {}), ...Object.values(answer.components ?? {})];
    if (numbers.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
      throw new PredictError(400, `rows[${i}]: the model cannot give a finite answer for this row; its values are far outside what it was trained on.`, `rows[${i}]`);
    }
  });
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
  const row = deploymentRow(name);
  const { model } = (await loadDeployment(row.artifactKey)).deployment;
  // Columns its preprocessing drops unread need not be sent.
  const ignorable = ignorableColumns(model.recipe);
  return {
    model: name,
    version: row.version,
    task: model.task,
    target: model.target,
    inputColumns: model.inputColumns.filter((c) => !ignorable.has(c.name)),
    ...(model.task === 'classification' ? { labels: model.labels } : {}),
    deployedAt: new Date(row.createdAt).toISOString(),
  };
}
