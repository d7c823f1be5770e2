import { and, eq, isNull } from 'drizzle-orm';
import { deployments, graphs, runs } from '../../drizzle/schema';
import { actorById, recordAudit } from '../audit/log';
import type { NodeDefinition } from '../../nodes/define';
import type { Db } from '../db';
import type { ActiveRun } from './active-run';
import type { ArtifactStore } from './artifact-store';
import type { PlanStep } from './compile';
import type { RunStore } from './run-store';
import { attachModelEvaluation, publishVersion, recordSavedModel } from './saved-models';
import { FINISHED_OK } from './scheduler';

type StepInput = PlanStep['inputs'][string];

/**
 * What a finished step means for the model registry and the deployments, as its kind declares it:
 * a step that makes a trained model saves it; a step that publishes a deployment (`deploymentName`)
 * gets the name's next version; a step that judges a model (`judgesModel`) gives its metrics to
 * that model and to the deployments of it that the run published.
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

  /** A step finished: when its kind publishes a deployment, records it (its files under `artifactKey`) and returns its version. */
  publish(run: ActiveRun, step: PlanStep, artifactKey: string): number | undefined {
    const name = this.kindOf(step)?.deploymentName?.(step.params);
    if (name === undefined) return undefined;
    // The deployment and the evaluation of its model both wait only on the training, so the
    // evaluation may still be running: then judgedDeployments fills the metrics in when it finishes.
    const evaluation = this.evaluationOf(run.plan, step);
    const evaluated = evaluation && FINISHED_OK.has(run.status[evaluation.nodeId]);
    const metrics = evaluated ? this.deps.runs.stepMetrics(run.runId, evaluation.nodeId) : null;
    const version = publishVersion(this.deps.db, { workspaceId: run.workspaceId, name, artifactKey, runId: run.runId, nodeId: step.nodeId, graphId: run.graphId, metrics });
    this.auditDeploy(run, `deployment "${name}" version ${version}`);
    this.deps.runs.emit(run, step.nodeId, 'log', { message: `Published "${name}" version ${version} at /api/v1/models/${name}/predict.` });
    return version;
  }

  /** The audit log's line for a deploy by a run: who started the run, and of which pipeline. */
  private auditDeploy(run: ActiveRun, subject: string): void {
    const { db } = this.deps;
    const startedBy = db.select({ startedBy: runs.startedBy }).from(runs).where(eq(runs.id, run.runId)).get()?.startedBy ?? null;
    const pipeline = run.graphId ? db.select({ name: graphs.name }).from(graphs).where(eq(graphs.id, run.graphId)).get()?.name : undefined;
    recordAudit(db, { workspaceId: run.workspaceId, actor: actorById(db, startedBy), action: 'deploy', subject, detail: pipeline ? `by a run of pipeline "${pipeline}"` : 'by a run' });
  }

  /** A step that judges a model finished after this run published that model: the deployments get its metrics. */
  judgedDeployments(run: ActiveRun, evaluation: PlanStep, metrics: string): void {
    if (!this.kindOf(evaluation)?.judgesModel) return;
    for (const step of run.plan) {
      if (!this.kindOf(step)?.deploymentName || this.evaluationOf(run.plan, step) !== evaluation) continue;
      this.deps.runs.write(run, () =>
        this.deps.db
          .update(deployments)
          .set({ metrics })
          .where(and(eq(deployments.runId, run.runId), eq(deployments.nodeId, step.nodeId), isNull(deployments.metrics)))
          .run(),
      );
    }
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
