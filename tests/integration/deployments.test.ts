/**
 * Deployments people can trust, on real workers: the registry (name rules, identical re-deploys,
 * roll back, undeploy), the guardrail, the predict contract, the OpenAPI document and batch scoring.
 */
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { GraphFile } from '../../lib/graph';
import { stepsOf } from '../support/engine-harness';
import { edge, irisGraph, node, trainAndEvaluate, withParams } from '../support/pipeloom';
import { useTestServer } from '../support/server';
import { ownerRequest } from '../support/accounts';

const server = useTestServer('deployments', 2, { warmWorkers: true });

type Handler = (request: Request, context: { params: Promise<{ name: string }> }) => Promise<Response>;
const route = async (path: string): Promise<{ GET?: Handler; POST?: Handler }> => import(/* @vite-ignore */ `../../app/api/v1/models/[name]/${path}`);

const IRIS_ROW = { sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 };

/** Runs a saved pipeline as the editor's Run does; the run's status and its steps. */
async function run(graphId: string) {
  const started = await server.caller.runs.start({ graphId });
  if (!started.ok) throw new Error(`compile failed: ${JSON.stringify(started.errors)}`);
  const status = await server.instance.getEngine().waitFor(started.runId);
  return { status, steps: stepsOf(server.db, started.runId) };
}

async function call(path: 'predict/route' | 'route' | 'openapi.json/route' | 'batch/route', name: string, init: RequestInit = {}, query = '') {
  const handlers = await route(path);
  const url = `http://localhost/api/v1/models/${name}${path === 'route' ? '' : `/${path.replace('/route', '')}`}${query}`;
  const handler = (init.method === 'POST' ? handlers.POST : handlers.GET)!;
  return handler(await ownerRequest(url, init), { params: Promise.resolve({ name }) });
}

async function predict(name: string, rows: unknown[], query = '') {
  const response = await call('predict/route', name, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows }) }, query);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const entry = async (name: string) => (await server.caller.deployments.list()).find((d) => d.name === name)!;

async function rejection(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => new Error('expected the call to be rejected'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

async function upload(filename: string, csv: string): Promise<string> {
  const { POST } = await import('../../app/api/v1/datasets/route');
  const response = await POST(await ownerRequest(`http://localhost/api/v1/datasets?filename=${filename}`, { method: 'POST', body: csv }));
  expect(response.status).toBe(201);
  return ((await response.json()) as { dataset: { id: string } }).dataset.id;
}

/** An iris classifier left with its Deploy name empty: it deploys under its pipeline's name. */
const irisDefaultName = (): GraphFile => withParams(irisGraph(), 'deploy', { modelName: '' });

/** Another pipeline: a regression of petal width on the other columns, deploying to `name`. */
function petalWidth(name: string, replace = false): GraphFile {
  return {
    version: 1,
    name: 'Petal width',
    nodes: [
      node('data', 'dataset.sample', { dataset: 'iris' }),
      node('split', 'split.train-test', { target: 'petal_width_cm', testFraction: 0.3, validationFraction: 0 }),
      node('model', 'model.linear-regression'),
      node('train', 'train.train', { epochs: 40, learningRate: 0.05 }),
      node('evaluate', 'evaluate.evaluate'),
      node('deploy', 'deploy.deploy', { modelName: name, replace }),
    ],
    edges: [edge('data', 'table', 'split', 'table'), ...trainAndEvaluate({ split: 'split', model: 'model', train: 'train', evaluate: 'evaluate' }), edge('train', 'model', 'deploy', 'model')],
  };
}

describe('the registry: names, versions, roll back, undeploy', () => {
  let irisId = '';

  it('a Deploy name left empty is the pipeline\'s; an unchanged re-run publishes nothing ("already live as v1")', async () => {
    ({ id: irisId } = await server.caller.graphs.create({ graph: irisDefaultName() }));
    const first = await run(irisId);
    expect(first.status).toBe('succeeded');
    expect(first.steps.deploy.metrics).toMatchObject({ modelName: 'iris-classifier', version: 1, live: true });
    const again = await run(irisId);
    expect(again.status).toBe('succeeded');
    expect(again.steps.deploy).toMatchObject({ status: 'cached', message: 'Already live as v1: nothing published.' });
    const registered = await entry('iris-classifier');
    expect(registered).toMatchObject({ graphId: irisId, pipelineName: 'Iris classifier', liveVersion: 1, pinned: false, undeployedAt: null, public: false });
    expect(registered.versions).toHaveLength(1);
    expect(registered.versions[0]).toMatchObject({ version: 1, modelKey: first.steps.train.cacheKey, createdBy: server.owner.user.name, pipelineVersion: expect.any(Number) });
    expect(registered.versions[0].metrics).toMatchObject({ task: 'classification', accuracy: expect.any(Number) });
  });

  it('another pipeline deploying to that name is refused on its Deploy step, unless it says replace', async () => {
    const { id } = await server.caller.graphs.create({ graph: petalWidth('iris-classifier') });
    const refused = await run(id);
    expect(refused.status).toBe('failed');
    expect(refused.steps.deploy.status).toBe('failed');
    expect(refused.steps.deploy.error).toBe('"iris-classifier" is published by another pipeline ("Iris classifier"): choose another name, or tick "Replace" to take the name over (its callers then get this model).');
    // Its callers still get the classifier.
    expect((await predict('iris-classifier', [IRIS_ROW])).body).toMatchObject({ version: 1, task: 'classification' });

    // A model reading other columns is refused too, even from the owning pipeline.
    const { deploymentRefusal } = await import('../../server/engine/deployment-registry');
    const otherColumns = deploymentRefusal(server.db.getDb(), {
      workspaceId: server.workspaceId,
      name: 'iris-classifier',
      graphId: irisId,
      inputColumns: [{ name: 'sepal_length_cm', type: 'number' }],
      replace: false,
    });
    expect(otherColumns).toBe(
      '"iris-classifier" v1 reads sepal_length_cm (number), sepal_width_cm (number), petal_length_cm (number), petal_width_cm (number); ' +
        'this model reads sepal_length_cm (number): its callers would break. Choose another name, or tick "Replace" to publish it anyway.',
    );

    await server.caller.graphs.save({ id, graph: petalWidth('petal-width') });
    expect((await run(id)).steps.deploy.metrics).toMatchObject({ modelName: 'petal-width', version: 1 });
    // A copy of that pipeline takes the name over only with Replace.
    const copy = (replace: boolean) => withParams({ ...petalWidth('petal-width', replace), name: 'Petal width, longer' }, 'train', { epochs: 60 });
    const { id: copyId } = await server.caller.graphs.create({ graph: copy(false) });
    expect((await run(copyId)).steps.deploy.error).toMatch(/^"petal-width" is published by another pipeline \("Petal width"\)/);
    await server.caller.graphs.save({ id: copyId, graph: copy(true) });
    expect((await run(copyId)).steps.deploy.metrics).toMatchObject({ modelName: 'petal-width', version: 2, live: true });
    expect(await entry('petal-width')).toMatchObject({ graphId: copyId, pipelineName: 'Petal width, longer', liveVersion: 2 });
  });

  it('a new version goes live; roll back serves the old one (pinned: a new run does not replace it); promote brings the new one back', async () => {
    await server.caller.graphs.save({ id: irisId, graph: withParams(irisDefaultName(), 'train', { learningRate: 0.2 }) });
    const second = await run(irisId);
    expect(second.steps.deploy.metrics).toMatchObject({ modelName: 'iris-classifier', version: 2, live: true });
    const v1 = await predict('iris-classifier', [IRIS_ROW], '?version=1');
    const v2 = await predict('iris-classifier', [IRIS_ROW], '?version=2');
    expect(v1.body.predictions).not.toEqual(v2.body.predictions);
    expect((await predict('iris-classifier', [IRIS_ROW])).body.version).toBe(2);

    expect(await server.caller.deployments.rollback({ name: 'iris-classifier' })).toEqual({ name: 'iris-classifier', liveVersion: 1, pinned: true });
    const served = await predict('iris-classifier', [IRIS_ROW]);
    expect(served.body.version).toBe(1);
    expect(served.body.predictions).toEqual(v1.body.predictions);
    // The same model as v2 again, while v1 is pinned: nothing new, v1 still answers.
    const rerun = await run(irisId);
    expect(rerun.steps.deploy).toMatchObject({ status: 'cached', message: 'Already published as v2 (another version is pinned live): nothing published.' });
    expect((await predict('iris-classifier', [IRIS_ROW])).body.version).toBe(1);
    expect((await rejection(server.caller.deployments.rollback({ name: 'iris-classifier' }))).message).toBe('"iris-classifier" has no version before v1 to roll back to.');

    expect(await server.caller.deployments.promote({ name: 'iris-classifier', version: 2 })).toEqual({ name: 'iris-classifier', liveVersion: 2, pinned: false });
    expect((await predict('iris-classifier', [IRIS_ROW])).body.version).toBe(2);
    expect((await rejection(server.caller.deployments.promote({ name: 'iris-classifier', version: 9 }))).code).toBe('NOT_FOUND');
    expect((await rejection(server.caller.deployments.promote({ name: 'no-such-name', version: 1 }))).code).toBe('NOT_FOUND');

    const audit = await server.caller.audit.list({});
    const actions = audit.events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['deploy', 'deployment.rollback', 'deployment.promote']));
  });

  it('undeploy: every call answers 410 with the reason, until a version is promoted again', async () => {
    await server.caller.deployments.undeploy({ name: 'iris-classifier', reason: 'retired: use petal-width' });
    const gone = await predict('iris-classifier', [IRIS_ROW]);
    expect(gone.status).toBe(410);
    expect(gone.body.error.message).toMatch(/^Model "iris-classifier" was undeployed on \d{4}-\d\d-\d\d: retired: use petal-width\.$/);
    expect((await call('route', 'iris-classifier')).status).toBe(410);
    expect((await call('openapi.json/route', 'iris-classifier')).status).toBe(410);
    expect((await call('batch/route', 'iris-classifier', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a\n1\n' })).status).toBe(410);
    expect(await entry('iris-classifier')).toMatchObject({ undeployReason: 'retired: use petal-width', undeployedAt: expect.any(Number) });
    await server.caller.deployments.promote({ name: 'iris-classifier', version: 2 });
    expect((await predict('iris-classifier', [IRIS_ROW])).status).toBe(200);
  });
});

describe('the guardrail: a model no better than its baseline', () => {
  it('is not deployed unless the step says "deploy anyway"', async () => {
    const lines = ['x,label'];
    for (let i = 0; i < 200; i++) lines.push(`1,${i % 5 === 0 ? 'rare' : 'common'}`);
    const dataset = await upload('flat.csv', lines.join('\n'));
    const graph = (deployAnyway: boolean): GraphFile => ({
      version: 1,
      name: 'Flat',
      nodes: [
        node('data', 'dataset.uploaded', { dataset }),
        node('split', 'split.train-test', { target: 'label', testFraction: 0.3, validationFraction: 0 }),
        node('model', 'model.logistic-regression'),
        node('train', 'train.train', { epochs: 10 }),
        node('evaluate', 'evaluate.evaluate'),
        node('deploy', 'deploy.deploy', { deployAnyway }),
      ],
      edges: [edge('data', 'table', 'split', 'table'), ...trainAndEvaluate({ split: 'split', model: 'model', train: 'train', evaluate: 'evaluate' }), edge('train', 'model', 'deploy', 'model')],
    });
    const { id } = await server.caller.graphs.create({ graph: graph(false) });
    const refused = await run(id);
    expect(refused.steps.deploy.status).toBe('failed');
    expect(refused.steps.deploy.error).toMatch(/^Not deployed: The model is no better than always answering the most frequent class \(\d+\.\d%\)\. Improve it, or tick "Deploy anyway"/);
    expect((await server.caller.deployments.list()).map((d) => d.name)).not.toContain('flat');
    // The Models page's Deploy keeps the same guardrail.
    const saved = (await server.caller.models.list()).find((m) => m.graphId === id)!;
    expect((await rejection(server.caller.models.deploy({ id: saved.id, name: 'flat-saved' }))).message).toMatch(/^Not deployed: The model is no better than always answering the most frequent class/);
    expect(await server.caller.models.deploy({ id: saved.id, name: 'flat-saved', deployAnyway: true })).toMatchObject({ name: 'flat-saved', version: 1 });
    await server.caller.graphs.save({ id, graph: graph(true) });
    expect((await run(id)).steps.deploy.metrics).toMatchObject({ modelName: 'flat', version: 1 });
  });
});

describe('the predict contract, OpenAPI and batch', () => {
  /** Passengers: Sex (some empty, some NA), Age (some NA, filled by a Missing values step), Fare, Survived (Yes/No). */
  function passengersCsv(): string {
    const lines = ['Sex,Age,Fare,Survived'];
    for (let i = 0; i < 300; i++) {
      const sex = i % 17 === 0 ? '' : i % 19 === 0 ? 'NA' : i % 2 === 0 ? 'female' : 'male';
      const fare = 5 + ((i * 37) % 90);
      const survived = sex === 'female' || (sex !== 'male' && fare > 50) ? 'Yes' : 'No';
      lines.push([sex, i % 13 === 0 ? 'NA' : String(18 + (i % 50)), String(fare), survived].join(','));
    }
    return lines.join('\n');
  }

  it('reads values as an upload does, accepts what training rows could hold, warns on unseen categories, reports every problem', async () => {
    const dataset = await upload('passengers.csv', passengersCsv());
    const graph: GraphFile = {
      version: 1,
      name: 'Passengers',
      nodes: [
        node('data', 'dataset.uploaded', { dataset }),
        node('fill', 'cleaning.missing-values', { strategy: 'mean', columns: ['Age'] }),
        node('split', 'split.train-test', { target: 'Survived', testFraction: 0.25, validationFraction: 0, seed: 2 }),
        node('model', 'model.logistic-regression'),
        node('train', 'train.train', { epochs: 80, learningRate: 0.1, seed: 2 }),
        node('evaluate', 'evaluate.evaluate'),
        node('deploy', 'deploy.deploy'),
      ],
      edges: [
        edge('data', 'table', 'fill', 'table'),
        edge('fill', 'table', 'split', 'table'),
        ...trainAndEvaluate({ split: 'split', model: 'model', train: 'train', evaluate: 'evaluate' }),
        edge('train', 'model', 'deploy', 'model'),
      ],
    };
    const { id } = await server.caller.graphs.create({ graph });
    const result = await run(id);
    expect(result.status, JSON.stringify(result.steps.deploy)).toBe('succeeded');

    const row = { Sex: 'female', Age: 30, Fare: 20 };
    // An empty Sex (training rows had them), "NA" Sex and Age (missing, as at upload; Age is filled in).
    const accepted = await predict('passengers', [row, { ...row, Sex: '' }, { ...row, Sex: 'NA', Age: 'NA' }, { ...row, Sex: null, Age: null }]);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.predictions).toHaveLength(4);
    // The Yes/No target answers in the words of its data.
    expect(Object.keys(accepted.body.predictions[0].probabilities)).toEqual(['No', 'Yes']);
    expect(accepted.body.predictions[0].predicted).toBe('Yes');
    expect(accepted.body.warnings).toBeUndefined();
    // "NA" and null are the same missing value.
    expect(accepted.body.predictions[2]).toEqual(accepted.body.predictions[3]);

    const unseen = await predict('passengers', [row, { ...row, Sex: 'martian' }]);
    expect(unseen.status).toBe(200);
    expect(unseen.body.warnings).toEqual([{ row: 1, field: 'Sex', message: '"martian" is not among the categories the model learned for "Sex": answered as an unknown category.' }]);

    // Fare has no Missing values step: missing there is a problem. Every problem of every row is listed.
    const bad = await predict('passengers', [{ ...row, Fare: 'NA' }, { Sex: 'male', Fare: 'cheap' }, row]);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { row: 0, field: 'Fare', message: expect.stringMatching(/^rows\[0\]\.Fare is missing, and this model cannot fill in "Fare"/) },
      { row: 1, field: 'Age', message: expect.stringMatching(/^rows\[1\]\.Age is not sent/) },
      { row: 1, field: 'Fare', message: 'rows[1].Fare must be a number, got "cheap".' },
    ]);
    expect(bad.body.errorCount).toBe(3);
    expect(bad.body.error).toEqual({ message: expect.stringMatching(/\(3 problems in all: see "errors"\)$/), field: 'Fare' });
    const many = await predict('passengers', Array.from({ length: 150 }, () => ({ ...row, Fare: 'x', Age: 'y' })));
    expect(many.body.errors).toHaveLength(100);
    expect(many.body.errorCount).toBe(300);
  });

  it('OpenAPI 3.1 from the input schema: its schemas validate its example, and the example predicts 200', async () => {
    const response = await call('openapi.json/route', 'passengers');
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, any>;
    expect(doc.openapi).toBe('3.1.0');
    const path = doc.paths['/api/v1/models/passengers/predict'].post;
    expect(doc.components.securitySchemes.apiKey).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    // Every $ref resolves; the schemas, resolved, are JSON Schema a validator takes.
    const resolve = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(resolve);
      if (!value || typeof value !== 'object') return value;
      const ref = (value as { $ref?: string }).$ref;
      if (ref) {
        const target = ref.replace('#/components/schemas/', '');
        expect(doc.components.schemas[target], ref).toBeDefined();
        return resolve(doc.components.schemas[target]);
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    };
    const request = z.fromJSONSchema(resolve(path.requestBody.content['application/json'].schema) as never);
    const example = path.requestBody.content['application/json'].example;
    expect(request.safeParse(example).success).toBe(true);
    expect(Object.keys(example.rows[0]).sort()).toEqual(['Age', 'Fare', 'Sex']);
    // What a wrong row looks like to the same schema.
    expect(request.safeParse({ rows: [{ Sex: 'male', Age: 3 }] }).success).toBe(false);
    expect(request.safeParse({ rows: [{ ...example.rows[0], Fare: null }] }).success).toBe(false);
    expect(request.safeParse({ rows: [{ ...example.rows[0], Sex: null }] }).success).toBe(true);

    const answered = await predict('passengers', example.rows);
    expect(answered.status).toBe(200);
    const answer = z.fromJSONSchema(resolve(path.responses['200'].content['application/json'].schema) as never);
    expect(answer.safeParse(answered.body).success, JSON.stringify(answered.body)).toBe(true);
  });

  it('batch: text/csv in, text/csv out, every row answered in order; a bad row gets its problem, not an answer', async () => {
    const rows = Array.from({ length: 4500 }, (_, i) => [5 + (i % 30) / 10, 3 + (i % 7) / 10, 1 + (i % 50) / 10, (i % 25) / 10]);
    const csv = ['petal_width_cm,sepal_length_cm,extra,sepal_width_cm,petal_length_cm', ...rows.map((r, i) => `${r[3]},${r[0]},"x, ""y""",${i === 2222 ? 'NA' : r[1]},${r[2]}`)].join('\n');
    const response = await call('batch/route', 'iris-classifier', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('petal_width_cm,sepal_length_cm,extra,sepal_width_cm,petal_length_cm,predicted,probability_setosa,probability_versicolor,probability_virginica,error');
    expect(lines).toHaveLength(4501);
    expect(lines[1 + 2222]).toMatch(/^[^,]+,[^,]+,"x, ""y""",NA,[^,]+,,,,,"?rows\[2222\]\.sepal_width_cm is missing/);
    // The same answers as the JSON route, row for row.
    const sample = [0, 1999, 2000, 4499];
    const json = await predict('iris-classifier', sample.map((i) => ({ sepal_length_cm: rows[i][0], sepal_width_cm: rows[i][1], petal_length_cm: rows[i][2], petal_width_cm: rows[i][3] })));
    sample.forEach((i, k) => {
      const cells = lines[1 + i].split(',');
      expect(cells[6]).toBe(json.body.predictions[k].predicted);
      expect(Number(cells[7])).toBeCloseTo(json.body.predictions[k].probabilities.setosa, 12);
      expect(cells.at(-1)).toBe('');
    });

    const lacking = await call('batch/route', 'iris-classifier', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'sepal_length_cm,petal_width_cm\n1,2\n' });
    expect(lacking.status).toBe(400);
    expect(((await lacking.json()) as { error: { message: string } }).error.message).toBe(
      'The CSV header lacks "sepal_width_cm", "petal_length_cm": the model needs "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm".',
    );
  });
});
