import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { models, runs, stepCache } from '../../drizzle/schema';
import { deploymentRefusal, DeploymentRefused, guardrailRefusal, publishedVersionOf, publishVersion } from './deployment-registry';
import type { DeploymentArtifact, TrainedModelArtifact } from '../../runtime/artifacts';
import type { NodeDefinition, SavedModelInfo } from '../../nodes/define';
import type { ColumnSchema } from '../../lib/table';
import type { Db } from '../db';
import type { ArtifactStore } from './artifact-store';
import type { PlanStep } from './compile';

/**
 * The model registry: every trained model a run makes is saved with its lineage (pipeline, run,
 * datasets read, the evaluations that judged it), kept out of the cache's garbage collection, and
 * can be published as a deployment version or deleted from the Models page.
 *
 * A saved model is its artifact: its id is the cache key of the step that trained it. So a re-run
 * that reuses the cached training (or trains a bit-identical model) adds no second row; the row
 * keeps the lineage of the run that saved it first. Deleting it releases the artifact to the
 * cache's collection; a later run that trains (or reuses) it saves it again, with that run's lineage.
 */

/** One dataset step upstream of a saved model and the exact content it read. */
export interface DatasetRead {
  nodeId: string;
  /** The sample id or the uploaded dataset's id. */
  dataset: string;
  /** The content hash (the step's identity in its cache key). */
  hash: string;
}

/** One step of the saving run that judged the model (an Evaluate). */
export interface ModelEvaluation {
  nodeId: string;
  metrics: Record<string, unknown>;
}

interface RunView {
  runId: string;
  workspaceId: string;
  graphId: string | null;
  plan: PlanStep[];
}

/** The output port where a step keeps a trained model, if it makes one (Train, Tune learning rate). */
export function trainedModelPort(kind: NodeDefinition | undefined, step: PlanStep): string | undefined {
  if (step.mode !== 'node') return undefined;
  return kind?.outputs.find((p) => p.type === 'TrainedModel')?.name;
}

/**
 * Saves the trained model a finished (or cached) step made, unless that artifact is saved already.
 * Returns the new saved model's id, or null when nothing new was saved.
 */
export function recordSavedModel(db: Db, store: ArtifactStore, kinds: ReadonlyMap<string, NodeDefinition>, run: RunView, step: PlanStep): string | null {
  const port = trainedModelPort(kinds.get(step.type), step);
  if (!port) return null;
  if (db.select({ id: models.id }).from(models).where(and(eq(models.workspaceId, run.workspaceId), eq(models.id, step.cacheKey))).get()) return null;
  // The small fields only: the weights stay on disk.
  const trained = store.readJson(step.cacheKey, port) as TrainedModelArtifact;
  const document = db.select({ document: runs.document }).from(runs).where(eq(runs.id, run.runId)).get()?.document;
  const graphName = document ? String((JSON.parse(document) as { name?: unknown }).name ?? '') : '';
  const inserted = db
    .insert(models)
    .values({
      id: step.cacheKey,
      workspaceId: run.workspaceId,
      port,
      runId: run.runId,
      graphId: run.graphId,
      graphName,
      nodeId: step.nodeId,
      nodeType: step.type,
      family: trained.spec.family,
      trainer: trained.spec.trainer,
      task: trained.task,
      target: trained.target,
      inputColumns: JSON.stringify(trained.inputColumns),
      datasets: JSON.stringify(datasetsRead(run.plan, step, kinds)),
    })
    .onConflictDoNothing()
    .run();
  return inserted.changes > 0 ? step.cacheKey : null;
}

/** The dataset steps upstream of `step` in the plan, with the content hash each read. */
function datasetsRead(plan: PlanStep[], step: PlanStep, kinds: ReadonlyMap<string, NodeDefinition>): DatasetRead[] {
  const byId = new Map(plan.map((s) => [s.nodeId, s]));
  const seen = new Set<string>();
  const stack = [step];
  const found: DatasetRead[] = [];
  while (stack.length > 0) {
    for (const { nodeId } of Object.values(stack.pop()!.inputs)) {
      const upstream = byId.get(nodeId);
      if (!upstream || seen.has(nodeId)) continue;
      seen.add(nodeId);
      stack.push(upstream);
      if (kinds.get(upstream.type)?.category === 'dataset' && upstream.signature.identity) {
        found.push({ nodeId, dataset: String(upstream.params.dataset ?? ''), hash: upstream.signature.identity });
      }
    }
  }
  return found.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
}

/** A step judging the model made upstream at `judged` finished (or was reused): that model, if the same run saved it, gets its metrics. */
export function attachModelEvaluation(db: Db, run: RunView, evaluation: PlanStep, judged: { nodeId: string }, metrics: string): void {
  const producer = run.plan.find((s) => s.nodeId === judged.nodeId);
  if (!producer) return;
  db.transaction((tx) => {
    const row = tx
      .select({ metrics: models.metrics })
      .from(models)
      .where(and(eq(models.workspaceId, run.workspaceId), eq(models.id, producer.cacheKey), eq(models.runId, run.runId)))
      .get();
    if (!row) return;
    const evaluations = row.metrics ? (JSON.parse(row.metrics) as ModelEvaluation[]) : [];
    if (evaluations.some((e) => e.nodeId === evaluation.nodeId)) return;
    evaluations.push({ nodeId: evaluation.nodeId, metrics: JSON.parse(metrics) as Record<string, unknown> });
    tx.update(models)
      .set({ metrics: JSON.stringify(evaluations) })
      .where(and(eq(models.workspaceId, run.workspaceId), eq(models.id, producer.cacheKey)))
      .run();
  });
}

/** A workspace's saved model by id. */
function savedModel(db: Db, workspaceId: string, id: string) {
  return db
    .select()
    .from(models)
    .where(and(eq(models.workspaceId, workspaceId), eq(models.id, id)))
    .get();
}

/** What compile needs to know of a workspace's saved model (the Start from a saved model node). */
export function savedModelInfo(db: Db, workspaceId: string, id: string): SavedModelInfo | undefined {
  const row = savedModel(db, workspaceId, id);
  if (!row) return undefined;
  return {
    id: row.id,
    port: row.port,
    family: row.family,
    trainer: row.trainer === 'classic' ? 'classic' : 'gradient',
    task: row.task as SavedModelInfo['task'],
    target: row.target,
    inputColumns: JSON.parse(row.inputColumns) as ColumnSchema[],
    graphName: row.graphName,
  };
}

/**
 * Publishes a saved model under `name`, exactly as a Deploy step does: a Deployment artifact under
 * its own key (never collected) and the next version in the registry, with the metrics of the first
 * evaluation that judged the model. When that model is already live under the name, nothing is
 * published (`unchanged`). Null when there is no such saved model.
 */
export async function deploySavedModel(
  db: Db,
  store: ArtifactStore,
  target: { workspaceId: string; id: string; name: string; replace: boolean; deployAnyway: boolean; by: string | null },
): Promise<{ name: string; version: number; unchanged: boolean } | null> {
  const { workspaceId, id, name, replace } = target;
  const row = savedModel(db, workspaceId, id);
  if (!row) return null;
  const unchanged = publishedVersionOf(db, workspaceId, name, row.id);
  if (unchanged) return { name, version: unchanged.version, unchanged: true };
  const inputColumns = JSON.parse(row.inputColumns) as ColumnSchema[];
  const evaluations = row.metrics ? (JSON.parse(row.metrics) as ModelEvaluation[]) : [];
  // Refused before the model's files are copied for it (and again as the version is recorded).
  const refusal =
    guardrailRefusal(evaluations[0]?.metrics, target.deployAnyway) ??
    deploymentRefusal(db, { workspaceId, name, graphId: row.graphId, inputColumns, replace });
  if (refusal) throw new DeploymentRefused(refusal);
  if (!store.has(row.id)) throw new Error('The files of this saved model are missing from the artifact store, so it cannot be deployed: run its pipeline again.');
  const model = (await store.readAsync(row.id, row.port)) as TrainedModelArtifact;
  const artifactKey = `${row.id}-${randomUUID().slice(0, 8)}`;
  store.write(artifactKey, { deployment: { model } satisfies DeploymentArtifact });
  const metrics = evaluations[0] ? JSON.stringify(evaluations[0].metrics) : null;
  const { version } = publishVersion(db, {
    workspaceId, name, artifactKey, runId: row.runId, nodeId: row.nodeId, graphId: row.graphId, metrics,
    modelKey: row.id, inputColumns, createdBy: target.by, replace,
  });
  return { name, version, unchanged: false };
}

/**
 * Deletes a workspace's saved model; its artifact goes back to the cache's collection (or is removed
 * now when the cache no longer lists it, no other workspace saved it and no active run uses it).
 * False when there was no such model.
 */
export function deleteSavedModel(db: Db, store: ArtifactStore, workspaceId: string, id: string, inUse: ReadonlySet<string>): boolean {
  const deleted = db
    .delete(models)
    .where(and(eq(models.workspaceId, workspaceId), eq(models.id, id)))
    .run();
  if (deleted.changes === 0) return false;
  if (db.select({ id: models.id }).from(models).where(eq(models.id, id)).limit(1).get()) return true;
  const cached = db.select({ key: stepCache.cacheKey }).from(stepCache).where(eq(stepCache.cacheKey, id)).get();
  if (!cached && !inUse.has(id)) store.remove(id);
  return true;
}

/** A workspace's saved models, newest first. */
export function listSavedModels(db: Db, workspaceId: string) {
  return db.select().from(models).where(eq(models.workspaceId, workspaceId)).orderBy(desc(models.createdAt)).all();
}
