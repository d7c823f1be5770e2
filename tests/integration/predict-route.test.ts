import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphFile } from '../../lib/graph';
import type { MetricsArtifact, SplitArtifact } from '../../runtime/artifacts';
import { irisGraph, useTempDataDir, withParams } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';
import { ownerRequest } from '../support/accounts';

// Server modules read PIPELOOM_DATA_DIR / PIPELOOM_DB when first used: set them before importing.
const temp = useTempDataDir('predict', 2);

type Handler = (request: Request, context: { params: Promise<{ name: string }> }) => Promise<Response>;
let POST: Handler;
let GET: Handler;
let instance: typeof import('../../server/engine/instance');
let db: typeof import('../../server/db');

const LABELS = ['setosa', 'versicolor', 'virginica'];
const INPUTS = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'];
/** One clear-cut flower of each species (rows 1, 64 and 101 of iris.csv). */
const ROWS = [
  { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 },
  { sepal_length_cm: 6.1, sepal_width_cm: 2.9, petal_length_cm: 4.7, petal_width_cm: 1.4 },
  { sepal_length_cm: 6.3, sepal_width_cm: 3.3, petal_length_cm: 6.0, petal_width_cm: 2.5 },
];

/** The step rows of each finished run, by node id. */
const runs: { runId: string; steps: Record<string, { cacheKey: string; status: string }> }[] = [];

async function runToEnd(graph: GraphFile) {
  const engine = instance.getEngine();
  const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  expect(await engine.waitFor(started.runId)).toBe('succeeded');
  const rows = db.getDb().select().from(db.schema.runSteps).all().filter((s) => s.runId === started.runId);
  runs.push({ runId: started.runId, steps: Object.fromEntries(rows.map((s) => [s.nodeId, s])) });
}

beforeAll(async () => {
  instance = await import('../../server/engine/instance');
  db = await import('../../server/db');
  ({ POST } = await import('../../app/api/v1/models/[name]/predict/route'));
  ({ GET } = await import('../../app/api/v1/models/[name]/route'));
  // Version 1, then version 2 trained with another learning rate (a different model, same inputs).
  await runToEnd(irisGraph());
  await runToEnd(withParams(irisGraph(), 'train', { learningRate: 0.2 }));
});

afterAll(async () => {
  await instance?.shutdownEngine();
  db?.getDb().$client.close();
  temp.cleanup();
});

interface Prediction {
  predicted: string;
  probabilities: Record<string, number>;
}
interface PredictBody {
  model: string;
  version: number;
  task: string;
  target: string;
  predictions: Prediction[];
  ignoredColumns?: string[];
  error?: { message: string; field?: string };
}

async function predict(name: string, body: unknown, query = ''): Promise<{ status: number; body: PredictBody }> {
  const request = await ownerRequest(`http://localhost/api/v1/models/${name}/predict${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const response = await POST(request, { params: Promise.resolve({ name }) });
  expect(response.headers.get('content-type')).toContain('application/json');
  return { status: response.status, body: (await response.json()) as PredictBody };
}

async function describeModel(name: string) {
  const response = await GET(await ownerRequest(`http://localhost/api/v1/models/${name}`), { params: Promise.resolve({ name }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectBadRequest(result: { status: number; body: PredictBody }, field: string | undefined, message: RegExp | string) {
  expect(result.status).toBe(400);
  expect(result.body.error?.field).toBe(field);
  expect(result.body.error?.message).toMatch(message);
  expect(result.body.predictions).toBeUndefined();
}

describe('GET /api/v1/models/[name]', () => {
  it('describes the latest version: input columns with types, labels, target', async () => {
    const { status, body } = await describeModel('iris');
    expect(status).toBe(200);
    expect(body).toMatchObject({ model: 'iris', version: 2, task: 'classification', target: 'species', labels: LABELS });
    expect(body.inputColumns).toEqual(INPUTS.map((name) => expect.objectContaining({ name, type: 'number' })));
    expect(new Date(String(body.deployedAt)).getTime()).not.toBeNaN();
  });

  it('answers 404 for an unknown model', async () => {
    const { status, body } = await describeModel('no-such-model');
    expect(status).toBe(404);
    expect(body).toEqual({ error: { message: expect.stringContaining('no-such-model'), field: 'name' } });
  });
});

describe('POST /api/v1/models/[name]/predict', () => {
  it('predicts a class with probabilities that sum to 1 for valid rows', async () => {
    const { status, body } = await predict('iris', { rows: ROWS });
    expect(status).toBe(200);
    expect(body).toMatchObject({ model: 'iris', version: 2, task: 'classification', target: 'species' });
    expect(body.ignoredColumns).toBeUndefined();
    expect(body.predictions.map((p) => p.predicted)).toEqual(LABELS);
    for (const p of body.predictions) {
      expect(Object.keys(p.probabilities)).toEqual(LABELS);
      const values = Object.values(p.probabilities);
      for (const v of values) expect(v).toBeGreaterThanOrEqual(0);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      // The predicted class is the most probable one.
      expect(p.probabilities[p.predicted]).toBe(Math.max(...values));
    }
  });

  it('accepts numeric strings ("5.1") and answers exactly as for numbers', async () => {
    const asNumbers = await predict('iris', { rows: ROWS });
    const asStrings = await predict('iris', { rows: ROWS.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, ` ${v} `]))) });
    expect(asStrings.status).toBe(200);
    expect(asStrings.body.predictions).toEqual(asNumbers.body.predictions);
  });

  it('refuses a row with a column not sent, naming the column', async () => {
    const { petal_width_cm: _dropped, ...partial } = ROWS[0];
    expectBadRequest(await predict('iris', { rows: [ROWS[1], partial] }), 'petal_width_cm', /rows\[1\]\.petal_width_cm is not sent.*"petal_width_cm"/);
  });

  it('refuses a non-numeric string in a numeric column, naming the column', async () => {
    expectBadRequest(await predict('iris', { rows: [{ ...ROWS[0], sepal_width_cm: 'wide' }] }), 'sepal_width_cm', /sepal_width_cm must be a number, got "wide"/);
    expectBadRequest(await predict('iris', { rows: [{ ...ROWS[0], sepal_width_cm: '   ' }] }), 'sepal_width_cm', /sepal_width_cm/);
    expectBadRequest(await predict('iris', { rows: [{ ...ROWS[0], sepal_width_cm: true }] }), 'sepal_width_cm', /must be a number/);
  });

  it('refuses null values', async () => {
    expectBadRequest(await predict('iris', { rows: [{ ...ROWS[0], petal_length_cm: null }] }), 'petal_length_cm', /petal_length_cm is missing/);
  });

  it('refuses empty rows, a body without rows, rows that are not objects, and a body that is not JSON', async () => {
    expectBadRequest(await predict('iris', { rows: [] }), 'rows', /"rows" is empty/);
    expectBadRequest(await predict('iris', {}), 'rows', /\{"rows": \[/);
    expectBadRequest(await predict('iris', { rows: 'all of them' }), 'rows', /\{"rows": \[/);
    expectBadRequest(await predict('iris', [ROWS[0]]), 'rows', /\{"rows": \[/);
    expectBadRequest(await predict('iris', { rows: [ROWS[0], [5.1, 3.5, 1.4, 0.2]] }), 'rows[1]', /rows\[1\] must be an object/);
    expectBadRequest(await predict('iris', '{"rows": [{"sepal_length_cm": 5.1,'), undefined, /not valid JSON/);
    expectBadRequest(await predict('iris', ''), undefined, /not valid JSON/);
  });

  it('answers 404 for an unknown model or version', async () => {
    const unknown = await predict('no-such-model', { rows: ROWS });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.message).toContain('no-such-model');
    const noVersion = await predict('iris', { rows: ROWS }, '?version=3');
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.error?.message).toContain('no version 3');
  });

  it('?version=1 answers with the first deployment; no version means the latest', async () => {
    const v1 = await predict('iris', { rows: ROWS }, '?version=1');
    const v2 = await predict('iris', { rows: ROWS }, '?version=2');
    const latest = await predict('iris', { rows: ROWS });
    expect([v1.status, v2.status, latest.status]).toEqual([200, 200, 200]);
    expect(v1.body.version).toBe(1);
    expect(v2.body.version).toBe(2);
    expect(latest.body).toEqual(v2.body);
    // Two different models (trained with different learning rates) answer differently.
    expect(v1.body.predictions.map((p) => p.probabilities)).not.toEqual(v2.body.predictions.map((p) => p.probabilities));
  });

  it('refuses a version that is not a whole number from 1', async () => {
    for (const version of ['abc', '0', '-1', '1.5', '']) {
      const result = await predict('iris', { rows: ROWS }, `?version=${version}`);
      expect(result.status, version).toBe(400);
      expect(result.body.error, version).toMatchObject({ field: 'version' });
    }
  });

  it('ignores unknown fields and reports them in ignoredColumns', async () => {
    const plain = await predict('iris', { rows: ROWS });
    const extra = await predict('iris', { rows: ROWS.map((row, i) => ({ ...row, colour: 'blue', id: i, ...(i === 0 ? { species: 'virginica' } : {}) })) });
    expect(extra.status).toBe(200);
    expect([...(extra.body.ignoredColumns ?? [])].sort()).toEqual(['colour', 'id', 'species']);
    // The target sent along (even a wrong one) changes nothing.
    expect(extra.body.predictions).toEqual(plain.body.predictions);
  });

  it('PARITY: on the raw test rows the route answers exactly what Evaluate computed in the run', async () => {
    const { ArtifactStore } = await import('../../server/engine/artifact-store');
    const { tableRows } = await import('../../lib/table');
    const store = new ArtifactStore(path.join(temp.dataDir, 'artifacts'));
    for (const [i, run] of runs.entries()) {
      const version = i + 1;
      const evaluation = store.read(run.steps.evaluate.cacheKey, 'metrics') as MetricsArtifact;
      const split = store.read(run.steps.split.cacheKey, 'split') as SplitArtifact;
      expect(split.test.rowCount).toBe(45);
      const rows = tableRows(split.test).map(({ [split.target]: _target, ...features }) => features);
      expect(Object.keys(rows[0]).sort()).toEqual([...INPUTS].sort());

      const { status, body } = await predict('iris', { rows }, `?version=${version}`);
      expect(status, `version ${version}`).toBe(200);
      expect(body.version).toBe(version);
      expect(body.predictions.map((p) => p.predicted)).toEqual(evaluation.predictions.predicted);
      const expected = evaluation.predictions.probabilities!;
      expect(expected).toHaveLength(rows.length);
      body.predictions.forEach((p, r) => {
        LABELS.forEach((label, c) => {
          expect(Math.abs(p.probabilities[label] - expected[r][c]), `row ${r} ${label}`).toBeLessThanOrEqual(1e-6);
        });
      });
    }
  });
});
