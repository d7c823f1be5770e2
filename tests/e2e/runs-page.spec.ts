import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext } from '@playwright/test';

type Graph = { name: string; nodes: { id: string; params: Record<string, unknown> }[] };

function irisGraph(name: string, params: Record<string, Record<string, unknown>>): Graph {
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as Graph;
  graph.name = name;
  for (const node of graph.nodes) Object.assign(node.params, params[node.id] ?? {});
  return graph;
}

async function mutate(request: APIRequestContext, procedure: string, input: unknown) {
  const response = await request.post(`/api/trpc/${procedure}`, { data: input });
  expect(response.status(), procedure).toBe(200);
  return (await response.json()).result.data;
}

/** Starts a run of the saved graph and waits until it has finished; returns its id. */
async function runToEnd(request: APIRequestContext, graphId: string): Promise<string> {
  const started = await mutate(request, 'runs.start', { graphId });
  expect(started.ok, JSON.stringify(started.errors)).toBe(true);
  const runId: string = started.runId;
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ runId }))}`);
        return (await response.json()).result.data.run.status;
      },
      { timeout: 120_000, intervals: [500] },
    )
    .toMatch(/^(succeeded|failed|cancelled|interrupted)$/);
  return runId;
}

test('the Runs page lists every run, reopens one as it was, and compares two side by side', async ({ page, request }) => {
  // A seed of its own: no earlier test (or repeat of this one) has trained this model already.
  const seed = 1000 + Math.floor(Math.random() * 1_000_000);
  const graph = irisGraph('Runs page', { train: { seed }, deploy: { modelName: 'iris-runs-page' } });
  const { id } = await mutate(request, 'graphs.create', { graph });
  const first = await runToEnd(request, id);
  for (const node of graph.nodes) if (node.id === 'train') node.params.learningRate = 0.2;
  await mutate(request, 'graphs.save', { id, graph });
  const second = await runToEnd(request, id);

  // From the editor's toolbar.
  await page.goto(`/graphs/${id}`);
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/graphs/${id}/runs$`));
  await expect(page.getByRole('heading', { name: 'Runs of “Runs page”' })).toBeVisible();

  // Newest first, each with its status, duration, backend, test accuracy and reused steps.
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-run-id', second);
  await expect(rows.nth(1)).toHaveAttribute('data-run-id', first);
  for (const row of [rows.nth(0), rows.nth(1)]) {
    await expect(row.getByTestId('run-row-status')).toHaveText('succeeded');
    await expect(row.getByTestId('run-row-metric')).toHaveText(/^accuracy \d+\.\d%$/);
    await expect(row).toContainText(/\d+(\.\d)? s|\d+ ms|\d+ min/);
  }
  // The second run changed only the learning rate: data, split and model were reused; train, evaluate and deploy ran.
  await expect(rows.nth(0)).toContainText('3 of 6');

  // Open the first run: what the Results tab showed, and the params each step ran with.
  await rows.nth(1).getByRole('button').click();
  await expect(page).toHaveURL(new RegExp(`\\?run=${first}$`));
  const details = page.getByTestId('run-details');
  await expect(details.getByTestId('run-status')).toHaveText('succeeded');
  await expect(details.getByTestId('confusion-matrix')).toContainText('setosa');
  await expect(details.getByRole('img', { name: 'Loss', exact: true })).toBeVisible();
  await expect(details.getByTestId('metric-accuracy')).toHaveText(/%$/);
  const params = details.getByTestId('run-params');
  await expect(params).toContainText('learningRate = 0.05');
  await expect(params).toContainText('testFraction = 0.3');

  // Tick both: side by side, with the one param that differs above them.
  await rows.nth(0).getByRole('checkbox').check();
  await expect(page.getByText('Tick one more run')).toBeVisible();
  await rows.nth(1).getByRole('checkbox').check();
  const comparison = page.getByTestId('run-comparison');
  await expect(comparison).toBeVisible();
  await expect(page.getByTestId('run-details')).toHaveCount(0);
  const differences = comparison.getByTestId('param-difference');
  await expect(differences).toHaveCount(1);
  // A is the earlier run.
  await expect(differences.locator('td')).toHaveText(['Train train', 'learningRate', '0.05', '0.2']);
  await expect(comparison.getByTestId('run-panel')).toHaveCount(2);
  for (const side of ['compare-a', 'compare-b']) {
    const column = comparison.getByTestId(side);
    await expect(column.getByTestId('run-status')).toHaveText('succeeded');
    await expect(column.getByTestId('confusion-matrix')).toBeVisible();
    await expect(column.getByRole('img', { name: 'Loss', exact: true })).toBeVisible();
  }

  // The selection is in the address: a reload shows the same comparison.
  await page.reload();
  await expect(page.getByTestId('run-comparison').getByTestId('param-difference')).toHaveCount(1);
  await page.getByRole('link', { name: '← Back to the editor' }).click();
  await expect(page).toHaveURL(new RegExp(`/graphs/${id}$`));
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
});

test("a step that fails at run time shows its error in plain words (no stack), live and on the Runs page", async ({ page, request }) => {
  // Compiles, but at run time 0.1% of 50 rows per class leaves no test rows.
  const graph = irisGraph('Broken split', { split: { testFraction: 0.001 }, deploy: { modelName: 'iris-never' } });
  const { id } = await mutate(request, 'graphs.create', { graph });

  // Keep both workers busy with long trainings, so the split fails while the editor watches the run live
  // (after it read the run's snapshot): the failure's details must still reach the panel.
  const blocker = await mutate(request, 'graphs.create', { graph: irisGraph('Blocker', { train: { epochs: 8000 }, deploy: { modelName: 'iris-blocker' } }) });
  const blockers: string[] = [];
  for (let i = 0; i < 2; i++) {
    const started = await mutate(request, 'runs.start', { graphId: blocker.id });
    expect(started.ok).toBe(true);
    blockers.push(started.runId);
  }
  for (const runId of blockers) {
    await expect
      .poll(async () => {
        const response = await request.get(`/api/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ runId }))}`);
        const steps: { nodeId: string; status: string }[] = (await response.json()).result.data.steps;
        return steps.find((s) => s.nodeId === 'train')?.status;
      })
      .toBe('running');
  }

  await page.goto(`/graphs/${id}`);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const panel = page.getByTestId('run-panel');
  await expect(panel.getByTestId('run-status')).toHaveText('running');
  await expect(page.getByTestId('node-split')).toHaveAttribute('data-status', 'queued');
  await expect(panel.getByTestId('step-failure')).toHaveCount(0);
  for (const runId of blockers) expect(await mutate(request, 'runs.cancel', { runId })).toEqual({ cancelled: true });
  await expect(panel.getByTestId('run-status')).toHaveText('failed', { timeout: 120_000 });
  const failure = panel.getByTestId('step-failure');
  await expect(failure).toContainText('Split failed:');
  await expect(failure).toContainText('leaves no test rows');
  // Plain words only: the stack (with the server's paths) stays in the server's records.
  await expect(failure).not.toContainText(/\bat .*:\d+/);
  await expect(failure.getByText('Technical details')).toHaveCount(0);

  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('run-row-status')).toHaveText('failed');
  await expect(row.getByTestId('run-row-metric')).toHaveText('—');
  await row.click();
  const reopened = page.getByTestId('run-details').getByTestId('step-failure');
  await expect(reopened).toContainText('leaves no test rows');
  await expect(reopened).not.toContainText(/\bat .*:\d+/);
});
