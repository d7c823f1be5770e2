import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import { expectPlain, inWorkspace, useHttpServer, type HttpAccount, type HttpClient, type TrpcAnswer } from '../support/http-server';
import { irisGraph, withParams } from '../support/pipeloom';
import { makeZip } from '../support/zip';
import { ACTORS, PROCEDURES, ROUTES, type Actor, type Outcome, type Row } from './authorization-matrix';
import { procedures, routes } from './surface';

/**
 * Every procedure and every route, called over HTTP against `next start` as each actor of the table
 * in authorization-matrix.ts, with real ids of workspace A: the outcome must be the table's. A
 * refusal answers 401, 403 or 404 with no data and changes nothing in the database (every table,
 * read before and after); an allowed call succeeds, and what the outsider and the intruder are
 * allowed answers nothing of A.
 */
const server = useHttpServer('security-matrix');

/** What workspace A holds (made in beforeAll): every call names these, so an allowed call reaches real things. */
interface WorkspaceA {
  id: string;
  name: string;
  graph: GraphFile;
  graphId: string;
  runId: string;
  datasetId: string;
  modelId: string;
  deployment: string;
  /** A viewer of A whom the manage calls add, change and remove (so that the viewer and editor keep their roles). */
  spare: HttpAccount;
  /** An account outside A that the sharing calls share A's pipeline with (never one of the actors: a share would let it see the pipeline). */
  sharee: HttpAccount;
}

let A: WorkspaceA;
const accounts = {} as Record<Exclude<Actor, 'anonymous'>, HttpAccount>;
const as = (actor: Actor): HttpClient => server.as(actor === 'anonymous' ? null : accounts[actor]);

/** Iris minus its Deploy step (deployments are made with models.deploy here). */
function pipeline(name: string, epochs = 60): GraphFile {
  const graph = withParams(irisGraph(), 'train', { epochs });
  return { ...graph, name, nodes: graph.nodes.filter((n) => n.id !== 'deploy'), edges: graph.edges.filter((e) => e.target !== 'deploy') };
}

function data<T>(answer: TrpcAnswer, what: string): T {
  if (answer.status !== 200 || !answer.body.result) throw new Error(`${what}: ${answer.status} ${answer.text}`);
  return answer.body.result.data as T;
}

/** Waits (as the owner) until the run has ended; its final status. */
async function settled(runId: string): Promise<string> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const { run } = data<{ run: { status: string } }>(await server.query('runs.get', { runId }), 'runs.get');
    if (!['running', 'queued'].includes(run.status)) return run.status;
  }
  throw new Error(`run ${runId} did not end`);
}

async function runToEnd(graphId: string): Promise<string> {
  const started = data<{ ok: boolean; runId: string }>(await server.mutate('runs.start', { graphId }), 'runs.start');
  expect(started.ok).toBe(true);
  expect(await settled(started.runId)).toBe('succeeded');
  return started.runId;
}

let uploads = 0;
/** A small CSV uploaded to A as the owner (each with its own content, so each is a new dataset); its id. */
async function upload(fileName = 'throwaway.csv'): Promise<string> {
  uploads++;
  const response = await server.fetch(`/api/v1/datasets?filename=${fileName}`, { method: 'POST', body: `x,y,label\n1,${uploads},a\n2,3,b\n3,1,a\n` });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { dataset: { id: string } }).dataset.id;
}

async function throwawayGraph(): Promise<string> {
  return data<{ id: string }>(await server.mutate('graphs.create', { name: 'throwaway' }), 'graphs.create').id;
}

/** A throwaway pipeline of A moved to its trash by the owner: its id. */
async function trashedGraph(): Promise<string> {
  const id = await throwawayGraph();
  data(await server.mutate('graphs.delete', { id }), 'graphs.delete');
  return id;
}

let moves = 0;
/** The owner moves a step of A's pipeline (a save that changes it): its changes after revision 0 are then not none. */
async function movedByOwner(): Promise<void> {
  moves++;
  const graph = { ...A.graph, nodes: A.graph.nodes.map((n, i) => (i === 0 ? { ...n, position: { x: n.position.x + moves, y: n.position.y } } : n)) };
  data(await server.mutate('graphs.save', { id: A.graphId, graph }), 'graphs.save');
}

/** The first version of A's pipeline (A as made). */
async function firstVersionOfA(): Promise<number> {
  const versions = data<{ id: number; number: number }[]>(await server.query('versions.list', { id: A.graphId }), 'versions.list');
  return versions.find((v) => v.number === 1)!.id;
}

let throwawayModels = 0;
/** A saved model of A besides A.modelId: a pipeline trained with other epochs. */
async function throwawayModel(): Promise<string> {
  throwawayModels++;
  const graphId = data<{ id: string }>(await server.mutate('graphs.create', { graph: pipeline('throwaway model', 60 + throwawayModels) }), 'graphs.create').id;
  await runToEnd(graphId);
  const models = data<{ id: string; graphId: string }[]>(await server.query('models.list'), 'models.list');
  return models.find((m) => m.graphId === graphId)!.id;
}

/** An API key of A made by the owner, for a revoke call; its id. */
async function throwawayKey(): Promise<string> {
  return data<{ apiKey: { id: string } }>(await server.mutate('apiKeys.create', { name: 'throwaway key', deployments: [A.deployment] }), 'apiKeys.create').apiKey.id;
}

let invitations = 0;
/** A fresh pending invite of A (made by the owner) for `email`: its id and the link's token. */
async function invite(email: string): Promise<{ id: string; token: string }> {
  invitations++;
  const made = data<{ token: string; invite: { id: string } }>(await server.mutate('invites.create', { email, role: 'viewer' }), 'invites.create');
  return { id: made.invite.id, token: made.token };
}

/** A fresh share link (made by the owner) of a pipeline of A: its id and token. */
async function shareLink(graphId: string, mode: 'view' | 'copy'): Promise<{ id: string; token: string }> {
  return data<{ id: string; token: string }>(await server.mutate('sharing.createLink', { graphId, mode }), 'sharing.createLink');
}

let describedLink: Promise<{ id: string; token: string }> | undefined;

/** The spare account a member of A with this role (addMember changes the role of a member). */
async function spareIs(role: 'viewer' | null): Promise<void> {
  const members = data<{ members: { userId: string }[] }>(await server.query('workspaces.members'), 'workspaces.members').members;
  const isMember = members.some((m) => m.userId === A.spare.user.id);
  if (role) data(await server.mutate('workspaces.addMember', { email: A.spare.user.email, role }), 'addMember');
  else if (isMember) data(await server.mutate('workspaces.removeMember', { userId: A.spare.user.id }), 'removeMember');
}

interface Answer {
  status: number;
  text: string;
}

/**
 * A subscription over SSE, as the browser's EventSource opens it: read until its first event that is
 * more than "connected" (a data event, the refusal, or its end), then abort. tRPC answers a
 * subscription with 200 and a stream whatever happens: a refusal is its `serialized-error` event,
 * whose status is the call's.
 */
async function subscribe(client: HttpClient, procedure: string, input: unknown): Promise<Answer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 10_000);
  let text = '';
  try {
    const response = await client.fetch(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
    if (!response.headers.get('content-type')?.includes('text/event-stream')) return { status: response.status, text: await response.text() };
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    // A data event: tracked (its id line first) or not (its data line first, after the previous event's blank line).
    while (!/(^id: .*|^event: (serialized-error|return)|(?<=\n\n)data: .*)\n/m.test(text) || !text.endsWith('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const refusal = /^event: serialized-error\ndata: (.*)$/m.exec(text);
    const status = refusal ? ((JSON.parse(refusal[1]) as { data?: { httpStatus?: number } }).data?.httpStatus ?? 500) : response.status;
    return { status, text };
  } catch (error) {
    if (abort.signal.aborted) return { status: 0, text: `${text}\n(no event within 10 s)` };
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** How each procedure is called: its input (made before the database is read, throwaways included), and what to wait for after. */
interface ProcedureCall {
  input?(actor: Actor, expected: Outcome): unknown;
  /** After an allowed call: let what it started end, so that the next snapshots see a quiet database. */
  settle?(answer: Answer): Promise<unknown>;
  /** What of A the secret in the input (an invite's or a link's token) shows whoever holds it, by design: not a leak to the outsider. */
  shows?(): string[];
}

const CALLS: Record<string, ProcedureCall> = {
  'catalog.list': {},
  'workers.list': {},
  'workers.disk': {},
  'workspaces.current': {},
  'workspaces.create': { input: (actor) => ({ name: `${actor}'s new workspace` }) },
  'workspaces.switch': { input: () => ({ workspaceId: A.id }) },
  'workspaces.members': {},
  // The owner renames A to its own name; the outsider renames its own workspace.
  'workspaces.rename': { input: (actor) => ({ name: actor === 'owner' ? A.name : `${actor}'s renamed workspace` }) },
  'workspaces.addMember': {
    input: async (actor) => {
      await spareIs(actor === 'owner' ? null : 'viewer');
      return { email: A.spare.user.email, role: 'viewer' };
    },
  },
  'workspaces.setRole': {
    input: async () => {
      await spareIs('viewer');
      return { userId: A.spare.user.id, role: 'editor' };
    },
  },
  'workspaces.removeMember': {
    input: async () => {
      await spareIs('viewer');
      return { userId: A.spare.user.id };
    },
  },

  'graphs.list': {},
  'graphs.create': { input: (actor) => ({ name: `made by ${actor}` }) },
  'graphs.get': { input: () => ({ id: A.graphId }) },
  'graphs.save': { input: () => ({ id: A.graphId, graph: A.graph }) },
  'graphs.delete': { input: async () => ({ id: await throwawayGraph() }) },
  'graphs.check': { input: () => ({ graph: A.graph, graphId: A.graphId }) },
  'graphs.clearCache': { input: () => ({ id: A.graphId, nodeId: 'evaluate' }) },
  'graphs.trash': {},
  'graphs.restore': { input: async () => ({ id: await trashedGraph() }) },
  'graphs.deleteForever': { input: async () => ({ id: await trashedGraph() }) },
  'graphs.duplicate': { input: () => ({ id: A.graphId }) },
  // From revision 0, after a save: that save is its first event.
  'graphs.changes': {
    input: async () => {
      await movedByOwner();
      return { id: A.graphId, afterRevision: 0 };
    },
  },
  'versions.list': { input: () => ({ id: A.graphId }) },
  'versions.get': { input: async () => ({ id: A.graphId, versionId: await firstVersionOfA() }) },
  'versions.compare': { input: async () => ({ id: A.graphId, from: await firstVersionOfA(), to: null }) },
  'versions.restore': { input: async () => ({ id: A.graphId, versionId: await firstVersionOfA() }) },
  'versions.name': { input: (actor) => ({ id: A.graphId, name: `named by ${actor}` }) },

  'runs.start': {
    input: () => ({ graphId: A.graphId }),
    settle: async (answer) => expect(await settled((JSON.parse(answer.text) as { result: { data: { runId: string } } }).result.data.runId)).toBe('succeeded'),
  },
  'runs.cancel': { input: () => ({ runId: A.runId }) },
  'runs.get': { input: () => ({ runId: A.runId }) },
  'runs.output': { input: () => ({ runId: A.runId, nodeId: 'data' }) },
  'runs.listForGraph': { input: () => ({ graphId: A.graphId }) },
  'runs.events': { input: () => ({ runId: A.runId }) },

  'datasets.list': {},
  'datasets.get': { input: () => ({ id: A.datasetId }) },
  'datasets.rows': { input: () => ({ id: A.datasetId, offset: 0, limit: 10 }) },
  'datasets.delete': { input: async () => ({ id: await upload() }) },

  'deployments.list': {},
  // Private stays private (A's deployment must not answer the anonymous calls of the routes' rows).
  'deployments.setPublic': { input: () => ({ name: A.deployment, public: false }) },
  'apiKeys.list': {},
  'apiKeys.create': { input: (actor) => ({ name: `${actor}'s key`, deployments: null }) },
  'apiKeys.revoke': { input: async () => ({ id: await throwawayKey() }) },
  'models.list': {},
  'models.deploy': { input: () => ({ id: A.modelId, name: A.deployment }) },
  // Training a throwaway model is slow: only for a call that should delete it.
  'models.delete': { input: async (_actor, expected) => ({ id: expected === 'allow' ? await throwawayModel() : A.modelId }) },

  'invites.create': { input: (actor) => ({ email: `invited-by-${actor}@example.com`, role: 'viewer' }) },
  'invites.list': {},
  'invites.revoke': { input: async (actor) => ({ id: (await invite(`to-revoke-${actor}-${invitations}@example.com`)).id }) },
  'invites.describe': { input: async (actor) => ({ token: (await invite(`described-${actor}@example.com`)).token }), shows: () => [A.name] },
  // The outsider's account (the intruder's too) is invited for its own email; a member cannot be, so it holds another's.
  'invites.accept': {
    input: async (actor) => ({ token: (await invite(actor === 'intruder' || actor === 'outsider' ? accounts.outsider.user.email : `not-${actor}-${invitations}@example.com`)).token }),
    // It joined A: out again, so that its next calls are an outsider's.
    settle: async () => data(await server.mutate('workspaces.removeMember', { userId: accounts.outsider.user.id }), 'removeMember'),
    shows: () => [A.id],
  },

  'sharing.list': { input: () => ({ graphId: A.graphId }) },
  'sharing.addPerson': { input: () => ({ graphId: A.graphId, email: A.sharee.user.email, role: 'viewer' }) },
  'sharing.removePerson': {
    input: async () => {
      data(await server.mutate('sharing.addPerson', { graphId: A.graphId, email: A.sharee.user.email, role: 'viewer' }), 'sharing.addPerson');
      return { graphId: A.graphId, userId: A.sharee.user.id };
    },
  },
  'sharing.createLink': { input: () => ({ graphId: A.graphId, mode: 'view' }) },
  'sharing.revokeLink': { input: async () => ({ graphId: A.graphId, linkId: (await shareLink(A.graphId, 'view')).id }) },
  'sharing.describeLink': { input: async () => ({ token: (await (describedLink ??= shareLink(A.graphId, 'view'))).token }), shows: () => [A.graph.name] },
  // A throwaway pipeline's copy link: a copy of A's own pipeline in the outsider's workspace would carry A's pipeline name into its answers.
  'sharing.openLink': { input: async () => ({ token: (await shareLink(await throwawayGraph(), 'copy')).token }) },
  'graphs.sharedWithMe': {},
  'audit.list': { input: () => ({ limit: 50 }) },
  'templates.list': {},
  'templates.create': { input: () => ({ id: 'classify-a-table' }) },
  'bundles.preview': { input: () => ({ graphId: A.graphId }) },
  'deployments.promote': { input: () => ({ name: A.deployment, version: 1 }) },
  'deployments.rollback': { input: async (actor, expected) => ({ name: expected === 'allow' ? await throwawayDeployment(`rollback-${actor}`, 2) : A.deployment }) },
  'deployments.pin': { input: () => ({ name: A.deployment, pinned: false }) },
  'deployments.undeploy': { input: async (actor, expected) => ({ name: expected === 'allow' ? await throwawayDeployment(`undeploy-${actor}`, 1) : A.deployment, reason: 'matrix' }) },
};

let secondModel: Promise<string> | undefined;
/** A deployment name of A (made by the owner) with one version (A's model) or two (then another model, trained once): its name. */
async function throwawayDeployment(name: string, versions: 1 | 2): Promise<string> {
  data(await server.mutate('models.deploy', { id: A.modelId, name }), 'models.deploy');
  // (Trained by another pipeline: it takes the name over.)
  if (versions === 2) data(await server.mutate('models.deploy', { id: await (secondModel ??= throwawayModel()), name, replace: true }), 'models.deploy');
  return name;
}

const IRIS_ROW = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

/** How each route (but better-auth's and tRPC's own) is called, with A's ids. */
const ROUTE_CALLS: Record<string, (client: HttpClient, actor: Actor) => Promise<Response>> = {
  'GET /api/v1/datasets': (client) => client.fetch('/api/v1/datasets'),
  'POST /api/v1/datasets': (client, actor) => client.fetch(`/api/v1/datasets?filename=${actor}.csv`, { method: 'POST', body: `x,y\n1,${actor}\n` }),
  'GET /api/v1/datasets/[id]/csv': (client) => client.fetch(`/api/v1/datasets/${A.datasetId}/csv`),
  'GET /api/v1/models/[name]': (client) => client.fetch(`/api/v1/models/${A.deployment}`),
  'POST /api/v1/models/[name]/predict': (client) =>
    client.fetch(`/api/v1/models/${A.deployment}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [IRIS_ROW] }) }),
  'GET /api/v1/runs/[runId]/steps/[nodeId]/csv': (client) => client.fetch(`/api/v1/runs/${A.runId}/steps/data/csv`),
  'GET /api/v1/audit/csv': (client) => client.fetch('/api/v1/audit/csv'),
  'GET /api/v1/graphs/[id]/bundle': (client) => client.fetch(`/api/v1/graphs/${A.graphId}/bundle?data=1`),
  // A bundle of the caller's own (nothing of A in it): the outsider imports it into its own workspace.
  'POST /api/v1/bundles': (client, actor) =>
    client.fetch('/api/v1/bundles', {
      method: 'POST',
      body: new Uint8Array(
        makeZip([
          {
            name: 'pipeloom.json',
            data: JSON.stringify({ format: 'pipeloom-bundle', formatVersion: 1, appVersion: '0.1.0', graph: { ...irisGraph(), name: `bundle of ${actor}` }, datasets: [] }),
          },
        ]),
      ),
    }),
  'GET /api/v1/models/[name]/openapi.json': (client) => client.fetch(`/api/v1/models/${A.deployment}/openapi.json`),
  'POST /api/v1/models/[name]/batch': (client) =>
    client.fetch(`/api/v1/models/${A.deployment}/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${Object.keys(IRIS_ROW).join(',')}\n${Object.values(IRIS_ROW).join(',')}\n` }),
};

/** Every table of the server's database, as rows (read-only, beside the running server). */
function snapshot(): Record<string, string> {
  const db = new Database(path.join(server.dataDir, 'pipeloom.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, JSON.stringify(db.prepare(`select * from "${name}" order by rowid`).all())]));
  } finally {
    db.close();
  }
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]);
}

/** What of A no answer to a non-member may hold. */
function secretsOfA(): string[] {
  return [A.id, A.name, A.graphId, A.graph.name, A.runId, A.datasetId, 'matrix-a.csv', A.modelId, A.deployment];
}

beforeAll(async () => {
  accounts.owner = server.owner;
  const current = data<{ active: { workspaceId: string } }>(await server.query('workspaces.current'), 'workspaces.current');
  const id = current.active.workspaceId;
  const name = 'Matrix workspace A';
  data(await server.mutate('workspaces.rename', { name }), 'rename');
  accounts.outsider = await server.signUp('Olive Outsider', 'outsider@example.com');
  const viewer = await server.signUp('Vic Viewer', 'viewer@example.com');
  const editor = await server.signUp('Eddie Editor', 'editor@example.com');
  const spare = await server.signUp('Sam Spare', 'spare@example.com');
  const sharee = await server.signUp('Shay Sharee', 'sharee@example.com');
  for (const [account, role] of [
    [viewer, 'viewer'],
    [editor, 'editor'],
    [spare, 'viewer'],
  ] as const) {
    expect(data<{ added: boolean }>(await server.mutate('workspaces.addMember', { email: account.user.email, role }), 'addMember').added).toBe(true);
  }
  // Viewer and editor switch to A as the workspace menu does (each has a workspace of its own too): the cookie it sets is what they send.
  for (const account of [viewer, editor]) {
    const switched = await server.as(account).fetch('/api/trpc/workspaces.switch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspaceId: id }) });
    expect(switched.status).toBe(200);
    expect(switched.headers.getSetCookie().join()).toContain(`pipeloom-workspace=${id}`);
  }
  accounts.viewer = inWorkspace(viewer, id);
  accounts.editor = inWorkspace(editor, id);
  accounts.intruder = inWorkspace(accounts.outsider, id);

  const graph = pipeline('Matrix pipeline A');
  const graphId = data<{ id: string }>(await server.mutate('graphs.create', { graph }), 'graphs.create').id;
  const runId = await runToEnd(graphId);
  const datasetId = await upload('matrix-a.csv');
  const models = data<{ id: string; graphId: string }[]>(await server.query('models.list'), 'models.list');
  const modelId = models.find((m) => m.graphId === graphId)!.id;
  const deployment = 'matrix-a-iris';
  data(await server.mutate('models.deploy', { id: modelId, name: deployment }), 'models.deploy');
  A = { id, name, graph, graphId, runId, datasetId, modelId, deployment, spare, sharee };
}, 240_000);

describe('the authorization table', () => {
  it('has one row for every procedure of appRouter and every route under app/api, and no other', () => {
    const procedurePaths = procedures().map((p) => p.path);
    const routeKeys = routes().flatMap((r) => r.methods.map((m) => `${m} ${r.pattern}`));
    expect(procedurePaths.filter((p) => !(p in PROCEDURES)), 'procedures without a row').toEqual([]);
    expect(Object.keys(PROCEDURES).filter((p) => !procedurePaths.includes(p)), 'rows without a procedure').toEqual([]);
    expect(routeKeys.filter((r) => !(r in ROUTES)), 'routes without a row').toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !routeKeys.includes(r)), 'rows without a route').toEqual([]);
    // Every row is called by the test: a new procedure or route needs a call here too.
    expect(procedurePaths.filter((p) => !(p in CALLS)), 'procedures without a call').toEqual([]);
    const callable = Object.entries(ROUTES).filter(([, row]) => !('public' in row) && !('procedures' in row));
    expect(callable.map(([key]) => key).filter((key) => !(key in ROUTE_CALLS)), 'routes without a call').toEqual([]);
  });
});

describe('every procedure and route, as each actor', () => {
  const procedureOf = new Map(procedures().map((p) => [p.path, p]));
  /** What each call got, by procedure or route then actor (printed after the calls with PRINT_MATRIX=1). */
  const got = new Map<string, Partial<Record<Actor, Outcome | number>>>();

  interface Entry {
    key: string;
    expected: Outcome;
    sse: boolean;
    /** Makes what the call needs (as the owner, throwaways included) and returns the call itself. */
    prepare(): Promise<() => Promise<Answer>>;
    settle?(answer: Answer): Promise<unknown>;
    shows?(): string[];
  }

  function entriesFor(actor: Actor): Entry[] {
    const client = as(actor);
    const fromProcedures = Object.entries(PROCEDURES).map(([key, row]): Entry => {
      const procedure = procedureOf.get(key)!;
      const how = CALLS[key];
      return {
        key,
        expected: row[actor],
        sse: procedure.type === 'subscription',
        settle: how.settle,
        shows: how.shows,
        prepare: async () => {
          const input = await how.input?.(actor, row[actor]);
          if (procedure.type === 'query') return () => client.query(key, input);
          if (procedure.type === 'mutation') return () => client.mutate(key, input);
          return () => subscribe(client, key, input);
        },
      };
    });
    const fromRoutes = Object.entries(ROUTE_CALLS).map(([key, send]): Entry => ({
      key,
      expected: (ROUTES[key] as Row)[actor],
      sse: false,
      prepare: async () => async () => {
        const response = await send(client, actor);
        return { status: response.status, text: await response.text() };
      },
    }));
    // Refusals first, so that what an allowed call changes cannot hide a refusal's change.
    const all = [...fromProcedures, ...fromRoutes];
    return [...all.filter((e) => e.expected !== 'allow'), ...all.filter((e) => e.expected === 'allow')];
  }

  /** What a refusal's body must be: an error and nothing else (tRPC's or a route's), or an SSE stream of only the refusal. */
  function dataIn(entry: Entry, answer: Answer): string | null {
    if (entry.sse) {
      const events = answer.text
        .split('\n\n')
        .map((e) => e.trim())
        .filter((e) => e && !/^event: (connected|serialized-error|ping)\n/.test(e));
      return events.length > 0 ? `events beside the refusal: ${events.join(' | ').slice(0, 200)}` : null;
    }
    try {
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      const keys = Object.keys(body ?? {});
      return keys.length === 1 && keys[0] === 'error' ? null : `body holds ${keys.join(', ') || 'no error'}`;
    } catch {
      return `not JSON: ${answer.text.slice(0, 100)}`;
    }
  }

  for (const actor of ACTORS) {
    it(`as ${actor}: every outcome is the table's; refusals hold no data and change nothing`, async () => {
      const problems: string[] = [];
      const logFrom = server.log().length;
      for (const entry of entriesFor(actor)) {
        const send = await entry.prepare();
        const before = snapshot();
        const answer = await send();
        const where = `${entry.key} as ${actor}`;
        got.set(entry.key, { ...got.get(entry.key), [actor]: answer.status >= 200 && answer.status < 300 && !/serialized-error/.test(answer.text) ? 'allow' : answer.status });
        try {
          expectPlain(answer.text, where);
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
        }
        if (entry.expected === 'allow') {
          const refused = entry.sse && /^event: serialized-error/m.test(answer.text);
          if (answer.status < 200 || answer.status >= 300 || refused) {
            problems.push(`${where}: expected allowed, got ${answer.status} ${answer.text.slice(0, 200)}`);
            continue;
          }
          await entry.settle?.(answer);
          if (actor === 'outsider' || actor === 'intruder') {
            const shown = entry.shows?.() ?? [];
            const leaked = secretsOfA().filter((secret) => answer.text.includes(secret) && !shown.includes(secret));
            if (leaked.length > 0) problems.push(`${where}: the answer holds A's ${leaked.join(', ')}`);
          }
        } else {
          const changed = changedTables(before, snapshot());
          if (answer.status !== entry.expected) problems.push(`${where}: expected ${entry.expected}, got ${answer.status} ${answer.text.slice(0, 200)}`);
          if (![401, 403, 404].includes(answer.status)) problems.push(`${where}: a refusal must be 401, 403 or 404, got ${answer.status}`);
          const held = dataIn(entry, answer);
          if (held) problems.push(`${where}: the refusal's ${held}`);
          if (changed.length > 0) problems.push(`${where}: refused, yet the database changed: ${changed.join(', ')}`);
        }
      }
      // An internal failure is logged by the tRPC endpoint and by every route ("... failed"): none of these calls is one.
      for (const line of server.log().slice(logFrom).split('\n').filter((l) => / failed\b/.test(l))) problems.push(`the server logged: ${line.slice(0, 200)}`);
      expect(problems).toEqual([]);
    });
  }

  afterAll(() => {
    if (!process.env.PRINT_MATRIX) return;
    const lines = [...got].map(([key, outcomes]) => `${key.padEnd(48)} ${ACTORS.map((a) => String(outcomes[a] ?? '-').padEnd(10)).join('')}`);
    console.log(`${''.padEnd(48)} ${ACTORS.map((a) => a.padEnd(10)).join('')}\n${lines.join('\n')}`);
  });
});

describe("better-auth's endpoints (public)", () => {
  it('an anonymous GET /api/auth/get-session answers without data and sets no cookie; each signed-in actor gets its own session only', async () => {
    const anonymous = await server.anonymous.fetch('/api/auth/get-session');
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toBeNull();
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    for (const actor of ACTORS.filter((a) => a !== 'anonymous')) {
      const response = await as(actor).fetch('/api/auth/get-session');
      expect(response.status, actor).toBe(200);
      const text = await response.text();
      const body = JSON.parse(text) as { user: { id: string } };
      expect(body.user.id, actor).toBe(accounts[actor as Exclude<Actor, 'anonymous'>].user.id);
      const others = Object.values(accounts).filter((a) => a.user.id !== body.user.id);
      for (const other of others) expect(text, `${actor} sees ${other.user.email}`).not.toContain(other.user.id);
    }
  });

  it('an anonymous sign-in with a wrong password: 401, no session cookie, nothing stored', async () => {
    const before = snapshot();
    const response = await server.anonymous.fetch('/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'viewer@example.com', password: 'not the password' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie().filter((c) => /session_token=[^;]/.test(c))).toEqual([]);
    expect(changedTables(before, snapshot())).toEqual([]);
  });
});

describe("a viewer's preview", () => {
  it('reaches the first rows only: a page beyond them is refused with 403, and nothing changes', async () => {
    const before = snapshot();
    const answer = await as('viewer').query('datasets.rows', { id: A.datasetId, offset: 1000, limit: 10 });
    expect(answer.status).toBe(403);
    expect(answer.body.result).toBeUndefined();
    expect(changedTables(before, snapshot())).toEqual([]);
    expect((await as('editor').query('datasets.rows', { id: A.datasetId, offset: 1000, limit: 10 })).status).toBe(200);
  });
});

describe('what the server shows every signed-in user', () => {
  it("workers.list, asked by the outsider while A's run is on a worker, names none of A's runs or steps", async () => {
    // A run whose training step lasts a while: the pipeline retrained with more epochs.
    const graphId = data<{ id: string }>(await server.mutate('graphs.create', { graph: pipeline('Matrix slow run', 1500) }), 'graphs.create').id;
    const { runId } = data<{ runId: string }>(await server.mutate('runs.start', { graphId }), 'runs.start');
    const shown = new Set<string>();
    let overlapped = 0;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && shown.size === 0; await new Promise((r) => setTimeout(r, 50))) {
      const { workers } = data<{ workers: { busyWith: { runId: string; nodeId: string }[] }[] }>(await as('outsider').query('workers.list'), 'workers.list');
      for (const busy of workers.flatMap((w) => w.busyWith)) if (busy.runId === runId) shown.add(`run ${busy.runId}, step ${busy.nodeId}`);
      const snapshot = data<{ run: { status: string }; steps: { nodeId: string; status: string }[] }>(await server.query('runs.get', { runId }), 'runs.get');
      if (snapshot.steps.some((s) => s.nodeId === 'train' && s.status === 'running')) overlapped++;
      if (!['running', 'queued'].includes(snapshot.run.status)) break;
    }
    // Ended before the next test reads the database (a cancel settles a moment later).
    await server.mutate('runs.cancel', { runId });
    await settled(runId);
    // The outsider asked while A's training step ran (else this proves nothing).
    expect(overlapped).toBeGreaterThan(0);
    expect([...shown], "A's run in the outsider's workers.list").toEqual([]);
  });
});
