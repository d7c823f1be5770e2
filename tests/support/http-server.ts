import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { projectRoot } from './pipeloom';
import { freePort } from './redis';

/** The production server (`next start` on the build `npm test` made first), on loopback, with its own data folder. */
export interface HttpServer {
  url: string;
  dataDir: string;
  /** Everything the server printed (its log: where stacks belong). */
  log(): string;
  /** tRPC over HTTP as the browser calls it: queries by GET, mutations by POST. */
  query(procedure: string, input?: unknown): Promise<TrpcAnswer>;
  mutate(procedure: string, input?: unknown, headers?: Record<string, string>): Promise<TrpcAnswer>;
}

export interface TrpcAnswer {
  status: number;
  body: { result?: { data: unknown }; error?: { message: string; data?: { code?: string; field?: string } } };
  text: string;
}

async function answer(response: Response): Promise<TrpcAnswer> {
  const text = await response.text();
  let body: TrpcAnswer['body'] = {};
  try {
    body = JSON.parse(text) as TrpcAnswer['body'];
  } catch {
    // not JSON: the test reads `text`
  }
  return { status: response.status, body, text };
}

/**
 * Starts `next start` for one test file (beforeAll) and stops it (afterAll). The build must exist:
 * `npm test` builds before it runs vitest; alone, run `npm run build` first.
 */
export function useHttpServer(prefix: string, env: Record<string, string> = {}): HttpServer {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `pipeloom-${prefix}-`));
  const dataDir = path.join(tmp, 'data');
  let child: ChildProcess | undefined;
  let output = '';
  const server: HttpServer = {
    url: '',
    dataDir,
    log: () => output,
    query: async (procedure, input) =>
      answer(await fetch(`${server.url}/api/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`)),
    mutate: async (procedure, input, headers = {}) =>
      answer(
        await fetch(`${server.url}/api/trpc/${procedure}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(input ?? null),
        }),
      ),
  };
  beforeAll(async () => {
    if (!existsSync(path.join(projectRoot, '.next', 'BUILD_ID'))) throw new Error('No production build: run `npm run build` first (npm test does).');
    const port = await freePort();
    child = spawn(process.execPath, [path.join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-H', '127.0.0.1', '-p', String(port)], {
      cwd: projectRoot,
      env: { ...withoutPipeloomSettings(process.env), PIPELOOM_DATA_DIR: dataDir, PIPELOOM_WORKERS: '1', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    server.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${server.url}/api/v1/datasets`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`next start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(tmp, { recursive: true, force: true });
  });
  return server;
}

/** The environment without PIPELOOM_* (other test files in this process set theirs). */
function withoutPipeloomSettings(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('PIPELOOM_')));
}

/** What no answer to a client may hold: a stack frame, an absolute server path, a module folder. */
export function expectPlain(text: string, context = ''): void {
  expect(text, `${context}: a stack frame`).not.toMatch(/\n\s+at [^\n]+:\d+/);
  expect(text, `${context}: an absolute path`).not.toMatch(new RegExp(`${escape(projectRoot)}|${escape(os.tmpdir())}/pipeloom|node_modules`));
  expect(text, `${context}: an internal error name`).not.toMatch(/TypeError|ReferenceError|SqliteError|Maximum call stack/);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
