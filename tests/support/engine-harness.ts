import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphFile } from '../../lib/graph';
import { projectRoot } from './pipeloom';

// Helpers for engine integration tests. They take the server modules as arguments: a test file
// imports those dynamically, after setting PIPELOOM_DATA_DIR / PIPELOOM_DB.
type DbModule = typeof import('../../server/db');

export interface StepRow {
  nodeId: string;
  status: string;
  cacheKey: string;
  error: string | null;
  message: string | null;
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
  metrics: Record<string, unknown> | null;
}

export interface EventRow {
  id: number;
  nodeId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  at: number;
}

export function exampleGraph(file: string): GraphFile {
  return JSON.parse(readFileSync(path.join(projectRoot, 'examples', file), 'utf8')) as GraphFile;
}

export function stepsOf(db: DbModule, runId: string): Record<string, StepRow> {
  const { getDb, schema } = db;
  const rows = getDb().select().from(schema.runSteps).all().filter((s) => s.runId === runId);
  return Object.fromEntries(
    rows.map((s) => [
      s.nodeId,
      {
        nodeId: s.nodeId,
        status: s.status,
        cacheKey: s.cacheKey,
        error: s.error,
        message: s.message,
        attempts: s.attempts,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        metrics: s.metrics ? (JSON.parse(s.metrics) as Record<string, unknown>) : null,
      },
    ]),
  );
}

export function eventsOf(db: DbModule, runId: string): EventRow[] {
  const { getDb, schema } = db;
  return getDb()
    .select()
    .from(schema.runEvents)
    .all()
    .filter((e) => e.runId === runId)
    .sort((a, b) => a.id - b.id)
    .map((e) => ({ id: e.id, nodeId: e.nodeId, kind: e.kind, payload: JSON.parse(e.payload) as Record<string, unknown>, at: e.createdAt }));
}

/** Every status a step went through, from its 'step' events. */
export function statusTrail(db: DbModule, runId: string, nodeId: string): string[] {
  return eventsOf(db, runId)
    .filter((e) => e.kind === 'step' && e.nodeId === nodeId)
    .map((e) => String(e.payload.status));
}

/** Polls `check` (which may be async) until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Is there a live (not zombie) process with this pid? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Linux: a zombie still answers kill(0) but is gone for every purpose here.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Worker pids named in a run's "Started on worker <host> pid N" log events. */
export function workerPidsOf(db: DbModule, runId: string): number[] {
  const pids = eventsOf(db, runId)
    .filter((e) => e.kind === 'log')
    .map((e) => /Started on worker .* pid (\d+)/.exec(String(e.payload.message))?.[1])
    .filter((p): p is string => Boolean(p))
    .map(Number);
  return [...new Set(pids)];
}

/** Do the two steps' [startedAt, finishedAt] intervals overlap? */
export function ranTogether(a: StepRow, b: StepRow): boolean {
  if (a.startedAt == null || a.finishedAt == null || b.startedAt == null || b.finishedAt == null) return false;
  return a.startedAt < b.finishedAt && b.startedAt < a.finishedAt;
}

/** Linux: the pids of the live processes whose parent is `pid`, optionally only those whose command line contains `command` (from /proc). */
export function childPidsOf(pid: number, command?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      if (command && !readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(command)) continue;
      out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
