import { on } from 'node:events';
import { tracked, TRPCError } from '@trpc/server';
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { graphVersions, runEvents, runs, runSteps } from '../../../drizzle/schema';
import { parseGraphText, type GraphFile } from '../../../lib/graph';
import { graphIdSchema, nodeIdSchema, runIdSchema } from '../../../lib/ids';
import { getDb } from '../../db';
import { nodeKinds } from '../../../nodes';
import { stepOutputPreview } from '../../data/preview';
import { currentVersionId } from '../../data/versions';
import { getEngine } from '../../engine/instance';
import type { Access, Action, Actor } from '../../auth/access';
import { authorizePipeline, sharedRoleOf } from '../../auth/sharing';
import { roleIn } from '../../auth/workspaces';
import { authorizeGraph, loadGraph } from './graphs';
import { signedInProcedure, router } from '../trpc';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

export interface RunEventView {
  id: number;
  nodeId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  at: number;
}

function eventsAfter(runId: string, afterId: number, limit = 1000): RunEventView[] {
  return getDb()
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.id, afterId)))
    .orderBy(asc(runEvents.id))
    .limit(limit)
    .all()
    .map((e) => ({ id: e.id, nodeId: e.nodeId, kind: e.kind, payload: JSON.parse(e.payload), at: e.createdAt }));
}

function parseSnapshot(document: string): GraphFile | null {
  const parsed = parseGraphText(document);
  return parsed.ok ? parsed.graph : null;
}

const EVALUATION_TASKS = ['classification', 'regression', 'clustering', 'projection'] as const;
type EvaluationTask = (typeof EVALUATION_TASKS)[number];

/** The kinds whose steps judge a model: their metrics are what the runs table shows of a run. */
const JUDGING_KINDS = [...nodeKinds.values()].filter((kind) => kind.judgesModel).map((kind) => kind.type);

/** The metrics of the run's first step (by node id) that judged a model, for the runs table. */
const evaluationMetric = (path: string) =>
  sql<unknown>`(select json_extract(${runSteps.metrics}, ${path}) from ${runSteps}
    where ${runSteps.runId} = ${runs.id} and ${inArray(runSteps.nodeType, JUDGING_KINDS)} and ${runSteps.metrics} is not null
    order by ${runSteps.nodeId} limit 1)`;

const noRun = (runId: string) => `There is no run "${runId}".`;

/**
 * Authorizes `action` on a run: by the actor's role in its workspace, or by a share of the pipeline
 * it ran. A run that does not exist and one the actor may not see are the same 404.
 */
function authorizeRun(actor: Actor, runId: string, action: Action): Access & { graphId: string | null } {
  const run = getDb().select({ workspaceId: runs.workspaceId, graphId: runs.graphId }).from(runs).where(eq(runs.id, runId)).get();
  return { ...authorizePipeline(actor, run?.workspaceId ?? '', run?.graphId ?? null, action, noRun(runId)), graphId: run?.graphId ?? null };
}

/** The run as stored: status, steps, and every event so far (curves and logs are rebuilt from them). */
export function runSnapshot(runId: string) {
  const db = getDb();
  const run = db.select().from(runs).where(eq(runs.id, runId)).get();
  if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: noRun(runId) });
  const steps = db.select().from(runSteps).where(eq(runSteps.runId, runId)).all();
  const events = eventsAfter(runId, 0, 100_000);
  return {
    run: { ...run, document: undefined },
    /** The graph exactly as it was when the run started (null if it no longer reads as a graph file). */
    graph: parseSnapshot(run.document),
    // A failure's technical details (its stack, with server paths) stay in the database and the server log.
    steps: steps.map(({ errorDetails: _details, ...s }) => ({ ...s, metrics: s.metrics ? (JSON.parse(s.metrics) as Record<string, unknown>) : null })),
    events,
    lastEventId: events.at(-1)?.id ?? 0,
  };
}

/** A run's events after `afterId`, live, until the run ends, the client leaves, or `stillAllowed` says no (a member removed while watching). */
async function* runEventStream(runId: string, afterId: number, signal: AbortSignal | undefined, stillAllowed: () => boolean) {
  const engine = getEngine();
  let last = afterId;
  const wake = new AbortController();
  signal?.addEventListener('abort', () => wake.abort());
  const notifications = on(engine.events, 'event', { signal: wake.signal });
  try {
    while (!signal?.aborted && stillAllowed()) {
      const batch = eventsAfter(runId, last);
      for (const event of batch) {
        last = event.id;
        yield tracked(String(event.id), event);
        if (event.kind === 'run' && FINAL.has(String(event.payload.status))) return;
      }
      if (batch.length > 0) continue;
      const status = getDb().select({ status: runs.status }).from(runs).where(eq(runs.id, runId)).get()?.status;
      if (!status || FINAL.has(status)) return;
      // Wait for the engine's next event (or poll: a run driven by another process, such as the CLI).
      await Promise.race([notifications.next(), new Promise((r) => setTimeout(r, 1000))]);
    }
  } finally {
    wake.abort();
  }
}

export const runsRouter = router({
  start: signedInProcedure
    .input(z.object({ graphId: graphIdSchema, upTo: nodeIdSchema.optional() }))
    .mutation(({ ctx, input }) => {
      const { graph, access } = loadGraph(ctx.user, input.graphId, 'edit');
      const versionId = currentVersionId(getDb(), input.graphId);
      return getEngine().start(graph, { workspaceId: access.workspaceId, graphId: input.graphId, versionId, upTo: input.upTo, startedBy: ctx.user.id, mayPublish: !access.shared });
    }),

  cancel: signedInProcedure.input(z.object({ runId: runIdSchema })).mutation(({ ctx, input }) => {
    authorizeRun(ctx.user, input.runId, 'edit');
    return { cancelled: getEngine().cancel(input.runId) };
  }),

  get: signedInProcedure.input(z.object({ runId: runIdSchema })).query(({ ctx, input }) => {
    authorizeRun(ctx.user, input.runId, 'view');
    return runSnapshot(input.runId);
  }),

  /** The first rows a finished step produced (tables, or the parts of a split); null when there is nothing to show. */
  output: signedInProcedure.input(z.object({ runId: runIdSchema, nodeId: nodeIdSchema })).query(({ ctx, input }) => {
    authorizeRun(ctx.user, input.runId, 'view');
    const step = getDb()
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.runId, input.runId), eq(runSteps.nodeId, input.nodeId)))
      .get();
    const kind = step ? nodeKinds.get(step.nodeType) : undefined;
    if (!step || !kind || (step.status !== 'done' && step.status !== 'cached') || kind.sideEffect) return null;
    return stepOutputPreview(kind, step.cacheKey);
  }),

  /** The graph's runs, newest first, with what the runs table shows of each. */
  listForGraph: signedInProcedure
    .input(z.object({ graphId: graphIdSchema, limit: z.number().int().min(1).max(10_000).optional() }))
    .query(({ ctx, input }) => {
      const access = authorizeGraph(ctx.user, input.graphId, 'view');
      return getDb()
        .select({
          id: runs.id,
          status: runs.status,
          error: runs.error,
          backend: runs.backend,
          createdAt: runs.createdAt,
          startedAt: runs.startedAt,
          finishedAt: runs.finishedAt,
          durationMs: sql<number | null>`${runs.finishedAt} - ${runs.startedAt}`,
          task: evaluationMetric('$.task').mapWith((v) => (EVALUATION_TASKS.includes(v as EvaluationTask) ? (v as EvaluationTask) : null)),
          accuracy: evaluationMetric('$.accuracy').mapWith((v) => (typeof v === 'number' ? v : null)),
          r2: evaluationMetric('$.r2').mapWith((v) => (typeof v === 'number' ? v : null)),
          silhouette: evaluationMetric('$.silhouette').mapWith((v) => (typeof v === 'number' ? v : null)),
          // A projection's kept variance: the sum of its components' shares.
          varianceKept: sql<unknown>`(select sum(value) from json_each(${evaluationMetric('$.explainedVarianceRatio')}))`.mapWith((v) =>
            typeof v === 'number' ? v : null,
          ),
          stepCount: sql<number>`(select count(*) from ${runSteps} where ${runSteps.runId} = ${runs.id})`.mapWith(Number),
          /** The version of the pipeline it ran (versions.get opens it), and its number; null for runs from before versions. */
          versionId: runs.versionId,
          versionNumber: sql<number | null>`(select ${graphVersions.number} from ${graphVersions} where ${graphVersions.id} = ${runs.versionId})`,
          cachedSteps: sql<number>`(select count(*) from ${runSteps} where ${runSteps.runId} = ${runs.id} and ${runSteps.status} = 'cached')`.mapWith(Number),
        })
        .from(runs)
        .where(and(eq(runs.workspaceId, access.workspaceId), eq(runs.graphId, input.graphId)))
        .orderBy(desc(runs.createdAt), desc(runs.id))
        .limit(input.limit ?? 10_000)
        .all();
    }),

  /** Live events after `lastEventId`, in order, each once; ends when the run has finished. */
  events: signedInProcedure
    .input(z.object({ runId: runIdSchema, lastEventId: z.string().max(20).nullish() }))
    .subscription(({ ctx, input, signal }) => {
      // Authorized before the stream starts, so a refusal is an error of the call (401/404), not of the stream.
      const { workspaceId, graphId } = authorizeRun(ctx.user, input.runId, 'view');
      const stillAllowed = () => roleIn(ctx.user.id, workspaceId) !== undefined || (graphId !== null && sharedRoleOf(ctx.user.id, graphId) !== undefined);
      return runEventStream(input.runId, Number(input.lastEventId ?? 0) || 0, signal, stillAllowed);
    }),
});
