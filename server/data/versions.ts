import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { and, count, desc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import { graphRevisions, graphs, graphVersions, runs, user } from '../../drizzle/schema';
import { parseGraphText, type GraphFile } from '../../lib/graph';
import { diffGraphs, summarizeDiff, type GraphDiff } from '../../lib/graph-diff';
import { diffVocabulary } from '../../nodes';
import type { Db } from '../db';
import { RequestError } from '../http/guard';

/**
 * Pipelines' history and safe concurrent saves. Every save of a pipeline lands in a version:
 * - saves by one person within COALESCE_MS of a version's first save go into that version, unless it
 *   is named or a run ran it (a run's version never changes after it);
 * - a save that changes nothing makes no version;
 * - a save names the revision it was based on: when someone else saved since, it is refused with who
 *   and what (nothing is overwritten), and the editor offers to reload or keep its graph as a new version.
 * At most MAX_VERSIONS per pipeline: beyond, the oldest versions no name and no run holds are removed.
 */
export const COALESCE_MS = 2 * 60 * 1000;
export const MAX_VERSIONS = 500;
/** Saves kept per pipeline to tell an editor exactly what changed since the revision it had (beyond: the versions' summaries). */
export const KEEP_REVISIONS = 100;
const MAX_SUMMARY = 300;

type Tx = Pick<Db, 'select' | 'insert' | 'update' | 'delete'>;

/** A save arriving on an outdated revision: who saved since, and what they changed. */
export class SaveConflict extends Error {
  constructor(
    readonly by: string,
    readonly summary: string,
    readonly revision: number,
  ) {
    super(`${by} changed this pipeline since you opened it (${summary}). Reload to see their version, or keep yours as a new version.`);
  }
}

/** Others' saves of a pipeline since a revision: who saved last, and what they changed. */
export interface GraphChange {
  revision: number;
  by: string;
  summary: string;
}

/** Wakes the graphs.changes subscriptions of a pipeline (by its id) when a save lands; they read what changed from the database. */
export const graphChanges = new EventEmitter();
graphChanges.setMaxListeners(0);

/**
 * What was saved into the pipeline after `revision`, for `readerId` (whose editor had that revision):
 * who saved last (others first; else the reader, in another window) and the difference between the
 * graph at that revision and now. When that revision is too old to be kept, the summaries of the
 * versions saved since.
 */
export function changesSince(db: Pick<Db, 'select'>, graphId: string, revision: number, readerId: string | null): Omit<GraphChange, 'revision'> {
  const authors = db
    .select({ authorId: graphRevisions.authorId })
    .from(graphRevisions)
    .where(and(eq(graphRevisions.graphId, graphId), gt(graphRevisions.revision, revision)))
    .orderBy(graphRevisions.revision)
    .all()
    .map((r) => r.authorId);
  const base = db.select({ document: graphRevisions.document }).from(graphRevisions).where(and(eq(graphRevisions.graphId, graphId), eq(graphRevisions.revision, revision))).get();
  const now = db.select({ document: graphs.document }).from(graphs).where(eq(graphs.id, graphId)).get();
  const before = base && parsed(base.document);
  const after = now && parsed(now.document);
  if (authors.length > 0 && before && after) {
    const others = authors.filter((a) => a !== readerId);
    return { by: others.length > 0 ? authorName(db, others.at(-1)!) : 'You (in another window)', summary: shortSummary(summarizeDiff(diffGraphs(before, after), diffVocabulary)) };
  }
  return changesSinceByVersions(db, graphId, revision, readerId);
}

function shortSummary(summary: string): string {
  return summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary;
}

/** As changesSince, from the summaries of the versions saved after `revision` (each against the version before it, so it may tell more). */
function changesSinceByVersions(db: Pick<Db, 'select'>, graphId: string, revision: number, readerId: string | null): Omit<GraphChange, 'revision'> {
  const since = db
    .select({ authorId: graphVersions.authorId, summary: graphVersions.summary })
    .from(graphVersions)
    .where(and(eq(graphVersions.graphId, graphId), gt(graphVersions.revision, revision)))
    .orderBy(graphVersions.number)
    .all();
  const others = since.filter((v) => v.authorId !== readerId);
  const told = others.length > 0 ? others : since;
  const summary = told.map((v) => v.summary).join('; ') || 'a change';
  return {
    by: others.length > 0 ? authorName(db, others.at(-1)!.authorId) : 'You (in another window)',
    summary: shortSummary(summary),
  };
}

/** The pipeline's revision now (undefined when it no longer exists). */
export function revisionOf(db: Pick<Db, 'select'>, graphId: string): number | undefined {
  return db.select({ revision: graphs.revision }).from(graphs).where(eq(graphs.id, graphId)).get()?.revision;
}

const summaryOf = (before: GraphFile | null, after: GraphFile) => (before ? summarizeDiff(diffGraphs(before, after), diffVocabulary) : 'created');

function parsed(document: string): GraphFile | null {
  const result = parseGraphText(document);
  return result.ok ? result.graph : null;
}

function authorName(db: Pick<Db, 'select'>, authorId: string | null): string {
  if (!authorId) return 'The command line';
  return db.select({ name: user.name }).from(user).where(eq(user.id, authorId)).get()?.name ?? 'A former member';
}

function latestVersion(tx: Pick<Db, 'select'>, graphId: string) {
  return tx.select().from(graphVersions).where(eq(graphVersions.graphId, graphId)).orderBy(desc(graphVersions.number)).limit(1).get();
}

function ranByARun(tx: Pick<Db, 'select'>, versionId: number): boolean {
  return tx.select({ id: runs.id }).from(runs).where(eq(runs.versionId, versionId)).limit(1).get() !== undefined;
}

/** How a save lands in the history: `name` names its version; `fresh` makes a version of its own that later saves do not change (a new pipeline, a restore, "keep mine"); `note` prefixes its summary. */
export interface VersionOptions {
  name?: string | null;
  fresh?: boolean;
  note?: string;
}

/**
 * Records `graph` as the pipeline's newest state in its history (inside the caller's transaction):
 * coalesced into the newest version, a new version, or nothing when it equals the newest. Returns
 * the version that holds it.
 */
export function recordVersion(tx: Tx, graphId: string, graph: GraphFile, authorId: string | null, revision: number, options: VersionOptions = {}): { versionId: number; number: number } {
  const { name = null, fresh = false, note } = options;
  const document = JSON.stringify(graph);
  keepRevision(tx, graphId, revision, document, authorId);
  const latest = latestVersion(tx, graphId);
  const now = Date.now();
  if (latest && latest.document === document && name === null) return { versionId: latest.id, number: latest.number };
  const coalesce =
    latest && !fresh && !latest.sealed && name === null && latest.name === null && latest.authorId === authorId && now - latest.createdAt < COALESCE_MS && !ranByARun(tx, latest.id);
  if (coalesce) {
    const before = tx
      .select({ document: graphVersions.document })
      .from(graphVersions)
      .where(and(eq(graphVersions.graphId, graphId), eq(graphVersions.number, latest.number - 1)))
      .get();
    tx.update(graphVersions)
      .set({ document, revision, savedAt: now, summary: summaryOf(before ? parsed(before.document) : null, graph) })
      .where(eq(graphVersions.id, latest.id))
      .run();
    return { versionId: latest.id, number: latest.number };
  }
  const number = (latest?.number ?? 0) + 1;
  const changes = latest && latest.document === document ? 'no changes' : summaryOf(latest ? parsed(latest.document) : null, graph);
  const summary = note ? `${note}: ${changes}` : changes;
  const row = tx.insert(graphVersions).values({ graphId, number, document, authorId, name, summary, revision, sealed: fresh, savedAt: now }).returning({ id: graphVersions.id }).get();
  prune(tx, graphId);
  return { versionId: row.id, number };
}

/** The graph as saved at `revision` (the newest KEEP_REVISIONS are kept). */
function keepRevision(tx: Tx, graphId: string, revision: number, document: string, authorId: string | null): void {
  tx.insert(graphRevisions).values({ graphId, revision, document, authorId }).onConflictDoNothing().run();
  tx.delete(graphRevisions).where(and(eq(graphRevisions.graphId, graphId), lte(graphRevisions.revision, revision - KEEP_REVISIONS))).run();
}

/** Keeps the history bounded: the oldest versions beyond MAX_VERSIONS go, unless named or ran by a run (and never the newest). */
function prune(tx: Tx, graphId: string): void {
  const total = tx.select({ n: count() }).from(graphVersions).where(eq(graphVersions.graphId, graphId)).get()!.n;
  if (total <= MAX_VERSIONS) return;
  const oldest = tx
    .select({ id: graphVersions.id })
    .from(graphVersions)
    // Qualified by hand: inside the subquery, a bare "id" would be the run's.
    .where(and(eq(graphVersions.graphId, graphId), isNull(graphVersions.name), sql`not exists (select 1 from ${runs} where ${runs.versionId} = "graph_versions"."id")`))
    .orderBy(graphVersions.number)
    .limit(total - MAX_VERSIONS)
    .all()
    .map((r) => r.id);
  const newest = latestVersion(tx, graphId)!.id;
  for (const id of oldest) if (id !== newest) tx.delete(graphVersions).where(eq(graphVersions.id, id)).run();
}

/**
 * Saves a pipeline's graph: refused with SaveConflict when `baseRevision` is given and someone saved
 * since; else it replaces the saved graph, lands in the history, and open editors hear of it.
 */
export function saveGraph(db: Db, graphId: string, graph: GraphFile, authorId: string | null, baseRevision: number | undefined, options: VersionOptions = {}): { revision: number; versionId: number; updatedAt: number } {
  const document = JSON.stringify(graph);
  const result = db.transaction(
    (tx) => {
      const current = tx.select({ revision: graphs.revision, document: graphs.document }).from(graphs).where(eq(graphs.id, graphId)).get();
      if (!current) throw new RequestError(404, `There is no pipeline "${graphId}".`);
      // Nothing changed (a second tab saving what it loaded): no new revision, so no one else's save goes stale.
      if (current.document === document && !options.name && !options.fresh) {
        return { revision: current.revision, versionId: latestVersion(tx, graphId)!.id, updatedAt: Date.now(), changed: false };
      }
      if (baseRevision !== undefined && baseRevision !== current.revision) {
        const since = changesSince(tx, graphId, baseRevision, authorId);
        throw new SaveConflict(since.by, since.summary, current.revision);
      }
      const updatedAt = Date.now();
      const revision = current.revision + 1;
      tx.update(graphs).set({ name: graph.name, document, revision, updatedAt }).where(eq(graphs.id, graphId)).run();
      const { versionId } = recordVersion(tx, graphId, graph, authorId, revision, options);
      return { revision, versionId, updatedAt, changed: true };
    },
    { behavior: 'immediate' },
  );
  const { changed, ...saved } = result;
  if (changed) graphChanges.emit(graphId);
  return saved;
}

export interface VersionInfo {
  id: number;
  number: number;
  name: string | null;
  author: string;
  createdAt: number;
  savedAt: number;
  summary: string;
  /** How many runs ran it. */
  runs: number;
}

/** A pipeline's versions, newest first. */
export function versionsOf(db: Pick<Db, 'select'>, graphId: string): VersionInfo[] {
  const rows = db
    .select({
      id: graphVersions.id,
      number: graphVersions.number,
      name: graphVersions.name,
      authorId: graphVersions.authorId,
      createdAt: graphVersions.createdAt,
      savedAt: graphVersions.savedAt,
      summary: graphVersions.summary,
      // Qualified by hand: inside the subquery, a bare "id" would be the run's.
      runs: sql<number>`(select count(*) from ${runs} where ${runs.versionId} = "graph_versions"."id")`,
    })
    .from(graphVersions)
    .where(eq(graphVersions.graphId, graphId))
    .orderBy(desc(graphVersions.number))
    .all();
  const names = new Map<string | null, string>();
  return rows.map(({ authorId, ...v }) => {
    if (!names.has(authorId)) names.set(authorId, authorName(db, authorId));
    return { ...v, author: names.get(authorId)! };
  });
}

/** One version's graph; null when the pipeline has no such version (or it no longer reads as a graph). */
export function versionGraph(db: Pick<Db, 'select'>, graphId: string, versionId: number): { number: number; graph: GraphFile } | null {
  const row = db
    .select({ number: graphVersions.number, document: graphVersions.document })
    .from(graphVersions)
    .where(and(eq(graphVersions.graphId, graphId), eq(graphVersions.id, versionId)))
    .get();
  const graph = row ? parsed(row.document) : null;
  return row && graph ? { number: row.number, graph } : null;
}

/** What changed from one version to another, by meaning, and in a line. */
export function compareGraphs(before: GraphFile, after: GraphFile): { diff: GraphDiff; summary: string } {
  const diff = diffGraphs(before, after);
  return { diff, summary: summarizeDiff(diff, diffVocabulary, 50) };
}

/** The version the pipeline's newest state is in (what a run of it now runs). */
export function currentVersionId(db: Pick<Db, 'select'>, graphId: string): number | null {
  return latestVersion(db, graphId)?.id ?? null;
}

/**
 * "Save version…": names the pipeline's newest version (which is then never coalesced into). When
 * it has a name already and the pipeline has changed since (a save that changed nothing, say a
 * restore), a new version with the graph as it is gets this name.
 */
export function nameVersion(db: Db, graphId: string, name: string, authorId: string | null): { versionId: number; number: number } {
  return db.transaction(
    (tx) => {
      const latest = latestVersion(tx, graphId);
      const current = tx.select({ document: graphs.document, revision: graphs.revision }).from(graphs).where(eq(graphs.id, graphId)).get()!;
      // An unnamed newest version gets the name; a named one holding the same graph is renamed (naming again adds nothing to keep).
      if (latest && (latest.name === null || latest.document === current.document)) {
        tx.update(graphVersions).set({ name }).where(eq(graphVersions.id, latest.id)).run();
        return { versionId: latest.id, number: latest.number };
      }
      const graph = parsed(current.document);
      if (!graph) throw new RequestError(412, "This pipeline's saved graph no longer reads as a graph: it cannot be named as a version.");
      return recordVersion(tx, graphId, graph, authorId, current.revision, { name });
    },
    { behavior: 'immediate' },
  );
}

/** A new pipeline in a workspace, its history starting with version 1 (inside the caller's transaction, or alone). Returns its id. */
export function insertGraph(tx: Tx, workspaceId: string, graph: GraphFile, authorId: string | null): string {
  const id = randomUUID();
  tx.insert(graphs).values({ id, workspaceId, name: graph.name, document: JSON.stringify(graph), updatedAt: Date.now() }).run();
  recordVersion(tx, id, graph, authorId, 0, { fresh: true });
  return id;
}
