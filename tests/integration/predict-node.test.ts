/** Batch scoring: the Predict node adds predictions to a table, agrees with the deployed route, and downloads as CSV. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge, irisGraph, node, useTempDataDir } from '../support/pipeloom';
import { FIRST_WORKSPACE_ID } from '../../server/auth/workspaces';
import { ownerRequest } from '../support/accounts';

const temp = useTempDataDir('predict-node', 1);
type Instance = typeof import('../../server/engine/instance');
let instance: Instance;

beforeAll(async () => {
  instance = await import('../../server/engine/instance');
});

afterAll(async () => {
  await instance?.shutdownEngine();
  temp.cleanup();
});

describe('Predict node', () => {
  it('scores every row, agrees with the deployed model, and exports the rows as CSV', async () => {
    const graph = irisGraph();
    graph.nodes.push(node('score', 'evaluate.predict'));
    graph.edges.push(edge('train', 'model', 'score', 'model'), edge('data', 'table', 'score', 'table'));
    const engine = instance.getEngine();
    const started = await engine.start(graph, { workspaceId: FIRST_WORKSPACE_ID });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    expect(await engine.waitFor(started.runId)).toBe('succeeded');

    const { GET } = await import('../../app/api/v1/runs/[runId]/steps/[nodeId]/csv/route');
    const response = await GET(await ownerRequest('http://localhost/x'), { params: Promise.resolve({ runId: started.runId, nodeId: 'score' }) });
    expect(response.status).toBe(200);
    const lines = (await response.text()).trim().split('\r\n');
    const header = lines[0].split(',');
    expect(header).toEqual([
      'sepal_length_cm',
      'sepal_width_cm',
      'petal_length_cm',
      'petal_width_cm',
      'species',
      'predicted_species',
      'probability_setosa',
      'probability_versicolor',
      'probability_virginica',
    ]);
    expect(lines).toHaveLength(151);
    const rows = lines.slice(1).map((l) => l.split(','));
    const correct = rows.filter((r) => r[4] === r[5]).length;
    expect(correct / rows.length).toBeGreaterThan(0.9);

    // The same rows through the deployed route give the same classes.
    const { predict } = await import('../../server/serving/predict');
    const served = await predict('iris', {
      rows: rows.slice(0, 20).map((r) => ({ sepal_length_cm: r[0], sepal_width_cm: r[1], petal_length_cm: r[2], petal_width_cm: r[3] })),
    });
    expect(served.predictions.map((p) => p.predicted)).toEqual(rows.slice(0, 20).map((r) => r[5]));
  });

  it('compile names a column the new rows lack', () => {
    const graph = irisGraph();
    graph.nodes.push(node('drop', 'cleaning.select-columns', { columns: ['petal_width_cm'] }), node('score', 'evaluate.predict'));
    graph.edges.push(edge('data', 'table', 'drop', 'table'), edge('drop', 'table', 'score', 'table'), edge('train', 'model', 'score', 'model'));
    const result = instance.getEngine().compile(graph, FIRST_WORKSPACE_ID);
    expect(result.errors).toEqual([expect.objectContaining({ nodeId: 'score', code: 'unknown-column', message: expect.stringContaining('petal_width_cm') })]);
  });

  it('a step without a table output has no CSV', async () => {
    const { GET } = await import('../../app/api/v1/runs/[runId]/steps/[nodeId]/csv/route');
    const response = await GET(await ownerRequest('http://localhost/x'), { params: Promise.resolve({ runId: 'nope', nodeId: 'score' }) });
    expect(response.status).toBe(404);
  });
});
