/** Child processes for the benchmarks: fresh data dirs, a clean environment, one result line back. */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESULT_PREFIX, type BenchOutput } from './result';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

export function freshDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `pipeloom-bench-${prefix}-`));
}

/**
 * The environment for a benchmark process: ours without any PIPELOOM_* setting (a stray
 * PIPELOOM_REDIS_URL or PIPELOOM_WORKERS would change what is measured), plus `overrides`.
 */
export function benchEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PIPELOOM_')) delete env[key];
  return Object.assign(env, { PIPELOOM_ROOT: projectRoot }, overrides);
}

export interface ChildOutcome {
  output: BenchOutput | null;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  wallMs: number;
  stderrTail: string;
}

/**
 * Runs `node --import tsx <file> ...args` in its own process group (so a timeout also stops its
 * workers and redis-server), appends its stderr to `logFile` (or passes it through), and parses its
 * BENCH_RESULT line.
 */
export function runBenchProcess(file: string, args: string[], env: NodeJS.ProcessEnv, options: { timeoutMs: number; logFile?: string }): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, file), ...args], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const logStream = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : null;
    let stdout = '';
    let stderrTail = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      if (logStream) logStream.write(chunk);
      else process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString()).slice(-4000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      logStream?.end();
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(RESULT_PREFIX));
      let output: BenchOutput | null = null;
      if (line) {
        try {
          output = JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchOutput;
        } catch {
          output = null;
        }
      }
      resolve({ output, code, signal, timedOut, wallMs: performance.now() - started, stderrTail });
    });
  });
}

/** Runs a command to completion and times it from spawn to exit, as a user at a shell would. */
export function timeCommand(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<{ wallMs: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd ?? projectRoot, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ wallMs: performance.now() - started, code, stdout, stderr });
    });
  });
}


export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
