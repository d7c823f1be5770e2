/** Measuring helpers that only observe: CPU time of processes, time spent inside SQLite calls. */
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** User + system CPU time of a process so far, in ms (Linux /proc; null elsewhere or when gone). */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Direct children of a process (Linux /proc), e.g. the step process under `pipeloom worker`. */
export function childPids(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return tasks ? tasks.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

export function cpuOf(pids: number[]): Record<number, number | null> {
  return Object.fromEntries(pids.map((pid) => [pid, processCpuMs(pid)]));
}

export interface SqliteTimer {
  calls: number;
  ms: number;
  prepares: number;
  prepareMs: number;
  reset(): void;
  /** Stop counting (the wrapped methods stay wrapped but only count while enabled). */
  enabled: boolean;
}

/**
 * Counts time spent inside better-sqlite3 (prepare, run, get, all) on this connection's process.
 * Wraps the Database and Statement prototypes; nothing else changes.
 */
export function timeSqlite(client: Database.Database): SqliteTimer {
  const timer: SqliteTimer = {
    calls: 0,
    ms: 0,
    prepares: 0,
    prepareMs: 0,
    enabled: false,
    reset() {
      this.calls = 0;
      this.ms = 0;
      this.prepares = 0;
      this.prepareMs = 0;
    },
  };
  const dbProto = Object.getPrototypeOf(client) as { prepare: (...args: unknown[]) => unknown };
  const statementProto = Object.getPrototypeOf(client.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  const originalPrepare = dbProto.prepare;
  dbProto.prepare = function (this: unknown, ...args: unknown[]) {
    if (!timer.enabled) return originalPrepare.apply(this, args);
    const t = performance.now();
    try {
      return originalPrepare.apply(this, args);
    } finally {
      timer.prepares++;
      timer.prepareMs += performance.now() - t;
    }
  };
  for (const method of ['run', 'get', 'all']) {
    const original = statementProto[method];
    statementProto[method] = function (this: unknown, ...args: unknown[]) {
      if (!timer.enabled) return original.apply(this, args);
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        timer.calls++;
        timer.ms += performance.now() - t;
      }
    };
  }
  return timer;
}

/** CPU time used machine-wide so far, all cores together, in ms (Linux /proc/stat; null elsewhere). */
export function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
