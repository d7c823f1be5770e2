import { and, desc, eq, lt, max } from 'drizzle-orm';
import { deploymentNames, deployments, graphs } from '../../drizzle/schema';
import { notBeatingBaseline, type EvaluationMetrics } from '../../lib/metrics';
import type { ColumnSchema } from '../../lib/table';
import type { Db } from '../db';

/**
 * The deployment registry: one row per name (who holds it, which version is live, pinned or not,
 * undeployed or not) and one per published version. The rules a publish must pass live here, used
 * alike by compile (said on the Deploy node before anything trains), by a run's Deploy step and by
 * the Models page's Deploy:
 * - a name belongs to one workspace (the predict URL holds only the name);
 * - within it, to one pipeline, and its versions read one input schema: publishing from another
 *   pipeline, or a model reading other columns, is refused unless the publisher says *replace*;
 * - the model already live under the name is not published again (no identical new version).
 */

/** A publish the registry refuses, in words for the person deploying (the Deploy node shows it). */
export class DeploymentRefused extends Error {
  override name = 'DeploymentRefused';
  constructor(
    message: string,
    /** The refusal is that there is no such name (in this workspace) or version. */
    readonly notFound = false,
  ) {
    super(message);
  }
}

/**
 * Whether an error is the registry's refusal. By name: the engine (and its modules) may come from
 * another bundle of the server than the route asking, where `instanceof` would not see the same class.
 */
export function isDeploymentRefused(error: unknown): error is DeploymentRefused {
  return error instanceof Error && error.name === 'DeploymentRefused';
}

type Reader = Pick<Db, 'select'>;

export interface PublishTarget {
  workspaceId: string;
  name: string;
  /** The pipeline publishing (null: a saved model deployed from the Models page without one). */
  graphId: string | null;
  /** The columns the model reads; undefined when not known yet (compile before training). */
  inputColumns?: readonly ColumnSchema[];
  /** Take the name over from another pipeline, or change its input schema. */
  replace: boolean;
}

/** The registry's row of a name, or undefined when nothing was ever deployed under it. */
export function deploymentName(db: Reader, name: string) {
  return db.select().from(deploymentNames).where(eq(deploymentNames.name, name)).get();
}

/** The workspace holding a deployment name; undefined when the name is free. */
export function deploymentNameHolder(db: Reader, name: string): string | undefined {
  return deploymentName(db, name)?.workspaceId;
}

/** One published version of a name. */
export function deploymentVersion(db: Reader, name: string, version: number) {
  return db
    .select()
    .from(deployments)
    .where(and(eq(deployments.name, name), eq(deployments.version, version)))
    .get();
}

const columnList = (columns: readonly ColumnSchema[]) => columns.map((c) => `${c.name} (${c.type})`).join(', ');
const sameColumns = (a: readonly ColumnSchema[], b: readonly ColumnSchema[]) =>
  columnList([...a].sort((x, y) => x.name.localeCompare(y.name))) === columnList([...b].sort((x, y) => x.name.localeCompare(y.name)));

/** Why this publish is refused, or undefined when it may go ahead. */
export function deploymentRefusal(db: Reader, target: PublishTarget): string | undefined {
  const held = deploymentName(db, target.name);
  if (!held) return undefined;
  if (held.workspaceId !== target.workspaceId) return `The name "${target.name}" is already used by a deployment of another workspace: choose another name.`;
  if (target.replace) return undefined;
  if (held.graphId !== null && held.graphId !== target.graphId) {
    const owner = db.select({ name: graphs.name }).from(graphs).where(eq(graphs.id, held.graphId)).get()?.name;
    return `"${target.name}" is published by another pipeline${owner ? ` ("${owner}")` : ''}: choose another name, or tick "Replace" to take the name over (its callers then get this model).`;
  }
  const live = held.liveVersion === null ? undefined : deploymentVersion(db, target.name, held.liveVersion);
  const liveColumns = live?.inputColumns ? (JSON.parse(live.inputColumns) as ColumnSchema[]) : undefined;
  if (target.inputColumns && liveColumns && !sameColumns(liveColumns, target.inputColumns)) {
    return (
      `"${target.name}" v${live!.version} reads ${columnList(liveColumns)}; this model reads ${columnList(target.inputColumns)}: ` +
      `its callers would break. Choose another name, or tick "Replace" to publish it anyway.`
    );
  }
  return undefined;
}

/**
 * The guardrail: why a model its evaluation found no better than its baseline is not published
 * (unless `deployAnyway`); undefined when it may be. `verdict`: the judging step's summary as stored
 * (an Evaluate's metrics), if there is one.
 */
export function guardrailRefusal(verdict: unknown, deployAnyway: boolean): string | undefined {
  const below = verdict ? notBeatingBaseline(verdict as EvaluationMetrics) : undefined;
  return below && !deployAnyway ? `Not deployed: ${below} Improve it, or tick "Deploy anyway" to publish it all the same.` : undefined;
}

/**
 * The version of `name` that already publishes exactly this model, when it is the live one or the
 * newest (published while another is pinned live): publishing it again changes nothing. Undefined
 * when the model is new here (or the name was undeployed: publishing serves it again).
 */
export function publishedVersionOf(db: Reader, workspaceId: string, name: string, modelKey: string): PublishedVersion | undefined {
  const held = deploymentName(db, name);
  if (!held || held.workspaceId !== workspaceId || held.undeployedAt !== null) return undefined;
  const newest = db.select().from(deployments).where(eq(deployments.name, name)).orderBy(desc(deployments.version)).get();
  const live = held.liveVersion === null ? undefined : deploymentVersion(db, name, held.liveVersion);
  const same = [live, newest].find((v) => v?.modelKey === modelKey);
  return same && { version: same.version, live: same.version === held.liveVersion };
}

export interface PublishedVersion {
  version: number;
  /** Whether it answers now (false while the name is pinned to another version). */
  live: boolean;
}

/** Publishes the next version of a name (the one way versions get their numbers), after the registry's rules. */
export function publishVersion(
  db: Db,
  values: Omit<typeof deployments.$inferInsert, 'id' | 'version' | 'createdAt' | 'inputColumns'> & { inputColumns: readonly ColumnSchema[]; replace: boolean },
): PublishedVersion {
  const { replace, inputColumns, ...row } = values;
  return db.transaction((tx) => {
    const refusal = deploymentRefusal(tx, { workspaceId: row.workspaceId, name: row.name, graphId: row.graphId ?? null, inputColumns, replace });
    if (refusal) throw new DeploymentRefused(refusal);
    const latest = tx.select({ v: max(deployments.version) }).from(deployments).where(eq(deployments.name, row.name)).get();
    const version = (latest?.v ?? 0) + 1;
    tx.insert(deployments)
      .values({ ...row, inputColumns: JSON.stringify(inputColumns), version })
      .run();
    const held = deploymentName(tx, row.name);
    const live = !held?.pinned;
    const state = { graphId: row.graphId ?? null, undeployedAt: null, undeployReason: null, ...(live ? { liveVersion: version } : {}) };
    if (held) tx.update(deploymentNames).set(state).where(eq(deploymentNames.name, row.name)).run();
    else tx.insert(deploymentNames).values({ name: row.name, workspaceId: row.workspaceId, liveVersion: version, ...state }).run();
    return { version, live };
  });
}

/** A workspace's name, or a refusal in words when it has none such. */
function heldName(db: Reader, workspaceId: string, name: string) {
  const held = deploymentName(db, name);
  if (!held || held.workspaceId !== workspaceId) throw new DeploymentRefused(`There is no deployment "${name}" in this workspace.`, true);
  return held;
}

/** Makes `version` the one that answers (promote, or roll back to it); `pinned` keeps it live when new versions are published. */
export function makeLive(db: Db, workspaceId: string, name: string, version: number, pinned: boolean): void {
  heldName(db, workspaceId, name);
  if (!deploymentVersion(db, name, version)) throw new DeploymentRefused(`"${name}" has no version ${version}.`, true);
  db.update(deploymentNames).set({ liveVersion: version, pinned, undeployedAt: null, undeployReason: null }).where(eq(deploymentNames.name, name)).run();
}

/** The version before the live one: what a roll back goes to. */
export function previousVersion(db: Db, workspaceId: string, name: string): number {
  const held = heldName(db, workspaceId, name);
  const before =
    held.liveVersion === null
      ? undefined
      : db
          .select({ version: deployments.version })
          .from(deployments)
          .where(and(eq(deployments.name, name), lt(deployments.version, held.liveVersion)))
          .orderBy(desc(deployments.version))
          .get();
  if (!before) throw new DeploymentRefused(`"${name}" has no version before v${held.liveVersion ?? 0} to roll back to.`);
  return before.version;
}

/** Pins the live version (new versions are published but not made live) or unpins it. */
export function setPinned(db: Db, workspaceId: string, name: string, pinned: boolean): void {
  heldName(db, workspaceId, name);
  db.update(deploymentNames).set({ pinned }).where(eq(deploymentNames.name, name)).run();
}

/** Stops serving a name: its calls answer 410 with the reason until a version is published or made live again. */
export function undeploy(db: Db, workspaceId: string, name: string, reason: string): void {
  heldName(db, workspaceId, name);
  db.update(deploymentNames).set({ undeployedAt: Date.now(), undeployReason: reason }).where(eq(deploymentNames.name, name)).run();
}
