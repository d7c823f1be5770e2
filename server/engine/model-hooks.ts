import { eq } from 'drizzle-orm';
import { graphs, runs } from '../../drizzle/schema';
import type { TrainedModelArtifact } from '../../runtime/artifacts';
import { actorById, recordAudit } from '../audit/log';
import type { NodeDefinition } from '../../nodes/define';
import type { Db } from '../db';
import type { ActiveRun } from './active-run';
import type { ArtifactStore } from './artifact-store';
import type { PlanStep } from './compile';
import type { RunStore } from './run-store';
import { attachModelEvaluation, recordSavedModel } from './saved-models';
import { deploymentRefusal, deploymentVersion, guardrailRefusal, publishedVersionOf, publishVersion } from './deployment-registry';
import { FINISHED_OK } from './scheduler';

type StepInput = PlanStep['inputs'][string];

/**
 * What a finished step means for the model registry and the deployments, as its kind declares it:
 * a step that makes a trained model saves it; a step that publishes a deployment (`publishes`) waits
 * for the step judging its model, then gets the name's next version (or counts as unchanged when that
 * model is live there already); a step that judges a model (`judgesModel`) gives its metrics to that
 * model and to the version published of it.
 */
export class ModelHooks {
  constructor(
    private readonly deps: {
      db: Db;
      store: ArtifactStore;
      kinds: ReadonlyMap<string, NodeDefinition>;
      runs: RunStore;
    },
  ) {}

  /** What the step publishes (its kind's `publishes`, the name resolved against the run's pipeline), if it publishes. */
  private publishing(run: ActiveRun, step: PlanStep) {
    const publishes = this.kindOf(step)?.publishes;
    if (!publishes) return undefined;
    const document = this.deps.db.select({ document: runs.document }).from(runs).where(eq(runs.id, run.runId)).get()?.document;
    return publishes(step.params, document ? String((JSON.parse(document) as { name?: unknown }).name ?? '') : '');
  }

  /** Before a run (the editor's forecast): whether the step's model is already published under its name, so it will publish nothing. */
  alreadyPublished(plan: PlanStep[], step: PlanStep, workspaceId: string, pipelineName: string): boolean {
    const target = this.kindOf(step)?.publishes?.(step.params, pipelineName);
    const source = this.modelSource(step);
    // The trained model's artifact is its step's cache key (a model-making step is never a side effect).
    const producer = source && plan.find((s) => s.nodeId === source.nodeId);
    return !!target && !!producer && publishedVersionOf(this.deps.db, workspaceId, target.name, producer.cacheKey) !== undefined;
  }

  /** A publishing step waits for the step judging its model (the guardrail needs its verdict; the version gets its metrics). */
  waitsToPublish(run: ActiveRun, step: PlanStep): boolean {
    if (!this.kindOf(step)?.publishes) return false;
    const evaluation = this.evaluationOf(run.plan, step);
    return evaluation !== undefined && ['pending', 'queued', 'running'].includes(run.status[evaluation.nodeId]);
  }

  /**
   * A publishing step about to run: settled without running when its model is already live under
   * its name (`unchanged`, that version) or when the registry or the guardrail refuses it (`refused`,
   * in words for the node). Undefined: it runs and publishes.
   */
  settle(run: ActiveRun, step: PlanStep): { unchanged: { modelName: string; version: number; live: boolean; artifactKey: string } } | { refused: string } | undefined {
    const target = this.publishing(run, step);
    const source = this.modelSource(step);
    if (!target || !source) return undefined;
    const { db, store } = this.deps;
    const modelKey = run.outputKeys[source.nodeId];
    const published = publishedVersionOf(db, run.workspaceId, target.name, modelKey);
    if (published) {
      return { unchanged: { modelName: target.name, ...published, artifactKey: deploymentVersion(db, target.name, published.version)!.artifactKey } };
    }
    const verdict = this.verdictOf(run, step);
    const guarded = guardrailRefusal(verdict && JSON.parse(verdict), target.deployAnyway);
    if (guarded) return { refused: guarded };
    const { inputColumns } = store.readJson(modelKey, source.port) as TrainedModelArtifact;
    const refusal = deploymentRefusal(db, { workspaceId: run.workspaceId, name: target.name, graphId: run.graphId, inputColumns, replace: target.replace });
    return refusal ? { refused: refusal } : undefined;
  }

  /** The metrics of the step that judged the model a publishing step publishes, once it finished. */
  private verdictOf(run: ActiveRun, step: PlanStep): string | null {
    const evaluation = this.evaluationOf(run.plan, step);
    return evaluation && FINISHED_OK.has(run.status[evaluation.nodeId]) ? this.deps.runs.stepMetrics(run.runId, evaluation.nodeId) : null;
  }

  /** A publishing step ran: records the name's next version (its files under `artifactKey`) and returns what it published. */
  publish(run: ActiveRun, step: PlanStep, artifactKey: string): { modelName: string; version: number; live: boolean } | undefined {
    const target = this.publishing(run, step);
    const source = this.modelSource(step);
    if (!target || !source) return undefined;
    const { db, store } = this.deps;
    const modelKey = run.outputKeys[source.nodeId];
    const { inputColumns } = store.readJson(modelKey, source.port) as TrainedModelArtifact;
    const startedBy = db.select({ startedBy: runs.startedBy }).from(runs).where(eq(runs.id, run.runId)).get()?.startedBy ?? null;
    const { name } = target;
    const { version, live } = publishVersion(db, {
      workspaceId: run.workspaceId, name, artifactKey, runId: run.runId, nodeId: step.nodeId, graphId: run.graphId,
      metrics: this.verdictOf(run, step), modelKey, inputColumns, createdBy: startedBy, replace: target.replace,
    });
    this.auditDeploy(run, startedBy, `deployment "${name}" version ${version}`);
    const where = `/api/v1/models/${name}/predict`;
    this.deps.runs.emit(run, step.nodeId, 'log', {
      message: live ? `Published "${name}" version ${version} at ${where}.` : `Published "${name}" version ${version}; the pinned version stays live at ${where} (promote it on the Deployments page).`,
    });
    return { modelName: name, version, live };
  }

  /** The audit log's line for a deploy by a run: who started the run, and of which pipeline. */
  private auditDeploy(run: ActiveRun, startedBy: string | null, subject: string): void {
    const { db } = this.deps;
    const pipeline = run.graphId ? db.select({ name: graphs.name }).from(graphs).where(eq(graphs.id, run.graphId)).get()?.name : undefined;
    recordAudit(db, { workspaceId: run.workspaceId, actor: actorById(db, startedBy), action: 'deploy', subject, detail: pipeline ? `by a run of pipeline "${pipeline}"` : 'by a run' });
  }

  /** A step finished or was reused: saves the trained model it made; when it judges a model, gives the saved model its metrics. */
  recordModels(run: ActiveRun, step: PlanStep, metrics: string | null): void {
    const { db, store, kinds, runs } = this.deps;
    const saved = recordSavedModel(db, store, kinds, run, step);
    if (saved) runs.emit(run, step.nodeId, 'log', { message: `Saved the trained model (${saved.slice(0, 8)}…): the Models page lists it.` });
    const judged = this.kindOf(step)?.judgesModel && this.modelSource(step);
    if (judged && metrics) attachModelEvaluation(db, run, step, judged, metrics);
  }

  private kindOf(step: PlanStep): NodeDefinition | undefined {
    return this.deps.kinds.get(step.type);
  }

  /** The upstream output the step takes its trained model from (the model it publishes or judges). */
  private modelSource(step: PlanStep): StepInput | undefined {
    const port = this.kindOf(step)?.inputs.find((p) => p.type === 'TrainedModel')?.name;
    return port === undefined ? undefined : step.inputs[port];
  }

  /** The step judging the trained model that `publisher` publishes (the same upstream output). */
  private evaluationOf(plan: PlanStep[], publisher: PlanStep): PlanStep | undefined {
    const source = this.modelSource(publisher);
    if (!source) return undefined;
    return plan.find((s) => {
      const judged = this.kindOf(s)?.judgesModel && this.modelSource(s);
      return judged && judged.nodeId === source.nodeId && judged.port === source.port;
    });
  }
}
