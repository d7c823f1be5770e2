import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { sessionCookie, TEST_PASSWORD } from './accounts';
import { projectRoot } from './pipeloom';
import { freePort } from './redis';

/** The production server (`next start` on the build `npm test` made first), on loopback, with its own data folder. */
export interface HttpServer extends HttpClient {
  url: string;
  dataDir: string;
  /** Everything the server printed (its log: where stacks belong). */
  log(): string;
  /**
   * The first account of the server, signed up over HTTP when it came up: the owner of the first
   * workspace. `query`, `mutate` and `fetch` of the server itself act as this account.
   */
  owner: HttpAccount;
  /** The same calls without any cookie: a visitor who is not signed in. */
  anonymous: HttpClient;
  /** The same calls as `account` (null: anonymous). */
  as(account: HttpAccount | null): HttpClient;
  /** Signs up over HTTP (POST /api/auth/sign-up/email, as the sign-up page does), waiting out the sign-up rate limit. */
  signUp(name: string, email: string, password?: string): Promise<HttpAccount>;
  /** Signs in over HTTP: a new session of an existing account. */
  signIn(email: string, password?: string): Promise<HttpAccount>;
}

/** tRPC and raw requests, each carrying one account's cookie (or none). */
export interface HttpClient {
  /** tRPC over HTTP as the browser calls it: queries by GET, mutations by POST. */
  query(procedure: string, input?: unknown): Promise<TrpcAnswer>;
  mutate(procedure: string, input?: unknown, headers?: Record<string, string>): Promise<TrpcAnswer>;
  /** fetch() of a path on the server (`/api/...`), with the account's cookie added to the headers. */
  fetch(pathname: string, init?: RequestInit): Promise<Response>;
}

/** A signed-in account and the Cookie header its requests carry (its session, and a workspace it switched to). */
export interface HttpAccount {
  user: { id: string; name: string; email: string };
  cookie: string;
}

/** The account acting in `workspaceId`, as after workspaces.switch (the cookie it sets is added to the account's). */
export function inWorkspace(account: HttpAccount, workspaceId: string): HttpAccount {
  const others = account.cookie
    .split('; ')
    .filter((c) => c && !c.startsWith('pipeloom-workspace='))
    .join('; ');
  return { ...account, cookie: `${others}; pipeloom-workspace=${workspaceId}` };
}

export interface TrpcAnswer {
  status: number;
  body: { result?: { data: unknown }; error?: { message: string; data?: { code?: string; field?: string; httpStatus?: number } } };
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

/** How long a sign-up or sign-in waits out better-auth's per-address limit (3 per 10 s) before it gives up. */
const RATE_LIMIT_PATIENCE_MS = 60_000;

/**
 * Starts `next start` for one test file (beforeAll) and stops it (afterAll), then signs up its first
 * account (the owner). The build must exist: `npm test` builds before it runs vitest; alone, run
 * `npm run build` first.
 */
export function useHttpServer(prefix: string, env: Record<string, string> = {}): HttpServer {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `pipeloom-${prefix}-`));
  const dataDir = path.join(tmp, 'data');
  let child: ChildProcess | undefined;
  let output = '';
  const clientFor = (account: () => HttpAccount | null): HttpClient => {
    const withCookie = (headers?: HeadersInit): Headers => {
      const all = new Headers(headers);
      const cookie = account()?.cookie;
      if (cookie) all.set('cookie', all.has('cookie') ? `${cookie}; ${all.get('cookie')}` : cookie);
      return all;
    };
    const client: HttpClient = {
      fetch: (pathname, init = {}) => fetch(`${server.url}${pathname}`, { ...init, headers: withCookie(init.headers) }),
      query: async (procedure, input) => answer(await client.fetch(`/api/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`)),
      mutate: async (procedure, input, headers = {}) =>
        answer(await client.fetch(`/api/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input ?? null) })),
    };
    return client;
  };
  /** POST to one of better-auth's sign-in/sign-up endpoints, waiting out its rate limit (429 with Retry-After). */
  const authPost = async (endpoint: string, body: Record<string, string>): Promise<HttpAccount> => {
    const deadline = Date.now() + RATE_LIMIT_PATIENCE_MS;
    for (;;) {
      const response = await fetch(`${server.url}/api/auth/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status === 429 && Date.now() < deadline) {
        const seconds = Number(response.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000 + 100));
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw new Error(`${endpoint} for ${body.email} failed: ${response.status} ${text}`);
      const { user } = JSON.parse(text) as { user: HttpAccount['user'] };
      const cookie = sessionCookie(response.headers);
      if (!cookie) throw new Error(`${endpoint} for ${body.email} set no session cookie`);
      return { user: { id: user.id, name: user.name, email: user.email }, cookie };
    }
  };
  const server: HttpServer = {
    url: '',
    dataDir,
    log: () => output,
    owner: undefined as unknown as HttpAccount,
    ...clientFor(() => server.owner),
    anonymous: clientFor(() => null),
    as: (account) => clientFor(() => account),
    signUp: (name, email, password = TEST_PASSWORD) => authPost('sign-up/email', { name, email, password }),
    signIn: (email, password = TEST_PASSWORD) => authPost('sign-in/email', { email, password }),
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
      // better-auth's health endpoint answers without a session (every Pipeloom route wants one).
      const up = await fetch(`${server.url}/api/auth/ok`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`next start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    server.owner = await server.signUp('Test Owner', 'owner@example.com');
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    // Its worker processes may still be writing a moment after it exits: retry while a folder fills again.
    rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
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
