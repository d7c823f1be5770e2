/**
 * A full disk in embedded mode, on a real 64 MB tmpfs holding the database and the artifacts (as
 * root, like CI); elsewhere SQLite's max_page_count makes the database full instead. Every run
 * reaches a final state with the reason in plain words, a cancel still wins, nothing half-written
 * stays behind, and a restart sweeps what killed writers left.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { LocalWorkerPool } from '../../server/engine/local-pool';
import { DISK_FULL_MESSAGE } from '../../server/errors';
import { eventsOf, stepsOf, waitUntil } from '../support/engine-harness';
import { irisGraph, useTempDataDir, withParams } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';
import { ownerRequest, callerAs, theOwner } from '../support/accounts';

const temp = useTempDataDir('disk-full', 2);
process.env.PIPELOOM_DB = path.join(temp.dataDir, 'pipeloom.db');
mkdirSync(temp.dataDir, { recursive: true });
/** 'tmpfs' when the data folder could be mounted as a small tmpfs (root), else the database's page limit stands in for the disk. */
const mode = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', temp.dataDir], { stdio: 'ignore' }).status === 0 ? 'tmpfs' : 'page-limit';
const artifacts = path.join(temp.dataDir, 'artifacts');

type Db = typeof import('../../server/db');
type Instance = typeof import('../../server/engine/instance');
let db: Db;
let instance: Instance;
const fillers: string[] = [];

beforeAll(async () => {
  db = await import('../../server/db');
  instance = await import('../../server/engine/instance');
  await (instance.getEngine().queue as LocalWorkerPool).ready();
  // Signed up before any test fills the disk.
  await theOwner();
});

afterAll(async () => {
  await instance?.shutdownEngine();
  db?.getDb().$client.close();
  if (mode === 'tmpfs') spawnSync('umount', ['-l', temp.dataDir]);
  temp.cleanup();
});

/**
 * Fills the disk to the last block (tmpfs), or stops the database from growing (page limit). SQLite
 * first writes into the slack of its log file, which needs no new blocks: the log is emptied first,
 * so the very next write needs the disk.
 */
function fillDisk(): void {
  const client = db.getDb().$client;
  client.pragma('wal_checkpoint(TRUNCATE)');
  if (mode === 'page-limit') {
    client.pragma(`max_page_count = ${client.pragma('page_count', { simple: true }) as number}`);
    return;
  }
  const file = path.join(temp.dataDir, `filler-${fillers.length}`);
  fillers.push(file);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(2 ** 20, 1);
  try {
    for (let size = chunk.length; size >= 4096; ) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        size /= 2;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function freeDisk(): void {
  if (mode === 'page-limit') db.getDb().$client.pragma('max_page_count = 1073741823');
  for (const file of fillers.splice(0)) rmSync(file, { force: true });
}

/** Iris with a Train of about 7 s that saves a checkpoint every 2 s; its own seed, so nothing of it is cached. */
function longIris(seed: number, modelName: string): GraphFile {
  return withParams(withParams(irisGraph(), 'train', { epochs: 3000, batchSize: 128, seed }), 'deploy', { modelName });
}

async function startRun(graph: GraphFile): Promise<string> {
  const started = await instance.getEngine().start(graph, { workspaceId: FIRST_WORKSPACE_ID });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  return started.runId;
}

const runRow = (runId: string) => db.getDb().select().from(db.schema.runs).all().find((r) => r.id === runId)!;
const unfinishedSteps = (runId: string) => Object.values(stepsOf(db, runId)).filter((s) => ['pending', 'queued', 'running'].includes(s.status));
/** Half-written artifacts and checkpoints. */
const tempEntries = () => [...readdirSync(artifacts), ...(existsSync(path.join(artifacts, 'checkpoints')) ? readdirSync(path.join(artifacts, 'checkpoints')) : [])].filter((n) => n.startsWith('.tmp-'));

describe(`a full disk (${mode})`, () => {
  /** Page-limit mode: the database refuses a run's end until it may grow again; once the engine has stopped the trainings, make room. */
  async function roomForTheEnd(): Promise<void> {
    if (mode !== 'page-limit') return;
    await waitUntil('the trainings to stop', async () => (await instance.getEngine().queue.workers()).every((w) => w.busyWith.length === 0), 30_000, 50);
    freeDisk();
  }

  it('a run in progress when the disk fills ends failed with the reason: no step left running, nothing half-written', async () => {
    const engine = instance.getEngine();
    const runId = await startRun(longIris(11, 'disk-a'));
    const checkpoint = () => path.join(artifacts, 'checkpoints', stepsOf(db, runId).train.cacheKey);
    await waitUntil('Train running with a checkpoint', () => stepsOf(db, runId).train.status === 'running' && existsSync(checkpoint()), 90_000);

    fillDisk();
    await roomForTheEnd();
    expect(await engine.waitFor(runId)).toBe('failed');
    // tmpfs: written while the disk was still full (the disk reserve made room for it).
    expect(runRow(runId).status).toBe('failed');
    expect(unfinishedSteps(runId)).toEqual([]);
    const train = stepsOf(db, runId).train;
    expect(train.status).toBe('failed');
    // Whoever noticed first (the engine saving progress, or the worker saving a checkpoint), the reason is the same.
    expect([runRow(runId).error, train.error]).toContain(DISK_FULL_MESSAGE);
    for (const id of ['evaluate', 'deploy']) expect(stepsOf(db, runId)[id].status, id).toBe('skipped');
    expect(eventsOf(db, runId).at(-1)).toMatchObject({ kind: 'run', payload: { status: 'failed' } });
    expect(tempEntries()).toEqual([]);
    expect(existsSync(checkpoint())).toBe(false);
    freeDisk();
  });

  it('a cancel while the disk is full wins; new work is refused in plain words; runs work again once there is room', async () => {
    const engine = instance.getEngine();
    const runId = await startRun(longIris(12, 'disk-b'));
    await waitUntil('Train running', () => stepsOf(db, runId).train.status === 'running', 90_000);

    fillDisk();
    expect(engine.cancel(runId)).toBe(true);
    await roomForTheEnd();
    expect(await engine.waitFor(runId)).toBe('cancelled');
    expect(runRow(runId).status).toBe('cancelled');
    expect(unfinishedSteps(runId)).toEqual([]);
    expect(stepsOf(db, runId).train.status).toBe('cancelled');
    if (mode === 'tmpfs') expect(runRow(runId).error).toBe(DISK_FULL_MESSAGE);
    expect(tempEntries()).toEqual([]);

    if (mode === 'tmpfs') {
      freeDisk();
      fillDisk();
      const { POST: trpc } = await import('../../app/api/trpc/[trpc]/route');
      const created = await trpc(
        await ownerRequest('http://localhost/api/trpc/graphs.create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'on a full disk' }) }),
      );
      expect(created.status).toBe(503);
      expect((await created.json()).error.message).toBe(DISK_FULL_MESSAGE);
      const { POST: upload } = await import('../../app/api/v1/datasets/route');
      const uploaded = await upload(await ownerRequest('http://localhost/api/v1/datasets?filename=small.csv', { method: 'POST', body: 'a,b\n1,2\n3,4\n', duplex: 'half' } as RequestInit));
      expect(uploaded.status).toBe(507);
      expect((await uploaded.json()).error.message).toBe(DISK_FULL_MESSAGE);
      expect(readdirSync(path.join(artifacts, 'uploads'))).toEqual([]);
      expect(tempEntries()).toEqual([]);
    }
    freeDisk();

    const again = await startRun(withParams(irisGraph(), 'deploy', { modelName: 'disk-again' }));
    expect(await engine.waitFor(again)).toBe('succeeded');
  });

  it('at start-up, temporary files left by killed writers and checkpoints no unfinished run owns are removed; a cancelled run is not resumed', async () => {
    const engine = instance.getEngine();
    const { getDb, schema } = db;
    const hourAgo = new Date(Date.now() - 3600_000);
    const plant = (file: string, folder = false) => {
      mkdirSync(path.dirname(file), { recursive: true });
      if (folder) {
        mkdirSync(file);
        writeFileSync(path.join(file, 'table.bin'), 'half');
      } else writeFileSync(file, 'half');
      return file;
    };
    const staleOutput = plant(path.join(artifacts, '.tmp-deadbeef-1'), true);
    utimesSync(staleOutput, hourAgo, hourAgo);
    const staleCheckpoint = plant(path.join(artifacts, 'checkpoints', '.tmp-deadbeef-2'));
    utimesSync(staleCheckpoint, hourAgo, hourAgo);
    const staleUpload = plant(path.join(artifacts, 'uploads', '00000000-0000-0000-0000-000000000000.upload'));
    utimesSync(staleUpload, hourAgo, hourAgo);
    // Being written right now by some worker: kept.
    const fresh = plant(path.join(artifacts, '.tmp-cafe-3'), true);
    const orphan = plant(path.join(artifacts, 'checkpoints', 'a'.repeat(32)));

    // A run cancelled by a server that died before the run ended: its training's checkpoint goes with it.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const insertRun = (id: string, cancelRequestedAt: number | null) => {
      getDb()
        .insert(schema.runs)
        .values({ id, workspaceId: FIRST_WORKSPACE_ID, document: JSON.stringify(irisGraph()), status: 'running', ownerPid: deadPid, startedAt: Date.now(), cancelRequestedAt })
        .run();
      for (const n of irisGraph().nodes) {
        const status = ['data', 'split', 'model'].includes(n.id) ? 'done' : n.id === 'train' ? 'running' : 'pending';
        getDb().insert(schema.runSteps).values({ runId: id, nodeId: n.id, nodeType: n.type, status, cacheKey: `${n.id}`.padEnd(32, '0') }).run();
      }
    };
    const cancelledId = randomUUID();
    insertRun(cancelledId, Date.now());
    const cancelledCheckpoint = plant(path.join(artifacts, 'checkpoints', 'train'.padEnd(32, '0')));

    expect(engine.recoverRuns()).toEqual([]);

    expect(existsSync(staleOutput)).toBe(false);
    expect(existsSync(staleCheckpoint)).toBe(false);
    expect(existsSync(staleUpload)).toBe(false);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(runRow(cancelledId)).toMatchObject({ status: 'cancelled' });
    expect(unfinishedSteps(cancelledId)).toEqual([]);
    expect(stepsOf(db, cancelledId).train).toMatchObject({ status: 'cancelled', message: 'Cancelled.' });
    expect(existsSync(cancelledCheckpoint)).toBe(false);
    rmSync(fresh, { recursive: true });
  });

  it("the Workers page's disk use sorts the artifact folder by what the database says each part is", async () => {
    const { POST: upload } = await import('../../app/api/v1/datasets/route');
    const uploaded = await upload(await ownerRequest('http://localhost/api/v1/datasets?filename=tiny.csv', { method: 'POST', body: 'a,b\n1,x\n2,y\n3,x\n', duplex: 'half' } as RequestInit));
    expect(uploaded.status).toBe(201);
    const checkpoint = path.join(artifacts, 'checkpoints', 'c'.repeat(32));
    writeFileSync(checkpoint, Buffer.alloc(5000));
    const caller = await callerAs(await theOwner());
    const disk = await caller.workers.disk();
    rmSync(checkpoint);
    // The runs above cached outputs, saved their trained models and published deployments.
    for (const key of ['datasets', 'cachedOutputs', 'savedModels', 'deployments', 'database'] as const) expect(disk[key], key).toBeGreaterThan(0);
    expect(disk.checkpoints).toBe(5000);
    expect(disk.cachedOutputsCap).toBe(5120 * 2 ** 20);
    const { stdout } = spawnSync('du', ['-sb', '--exclude=checkpoints', artifacts], { encoding: 'utf8' });
    const walked = disk.datasets + disk.cachedOutputs + disk.savedModels + disk.deployments + disk.temp + disk.other;
    // du also counts the folders themselves (4 KB each on most file systems): the files alone are a little less.
    expect(walked).toBeLessThanOrEqual(Number(stdout.split('\t')[0]));
    expect(walked).toBeGreaterThan(Number(stdout.split('\t')[0]) * 0.5);
    expect(disk.free).toBeGreaterThan(0);
    if (mode === 'tmpfs') expect(disk.size).toBe(64 * 2 ** 20);
  });
});
