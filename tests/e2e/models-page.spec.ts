import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

test('the Models page lists a run\'s saved model with its lineage, deploys it under a name (once: the same model again publishes nothing) and deletes it', async ({ page, request }) => {
  // The Iris example without its Deploy step, with a seed of its own: nothing is reused from another test.
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as {
    name: string;
    nodes: { id: string; params: Record<string, unknown> }[];
    edges: { target: string }[];
  };
  graph.name = 'Models page e2e';
  graph.nodes = graph.nodes.filter((n) => n.id !== 'deploy');
  graph.edges = graph.edges.filter((e) => e.target !== 'deploy');
  graph.nodes.find((n) => n.id === 'train')!.params.seed = 2000 + Math.floor(Math.random() * 1_000_000);
  const created = await request.post('/api/trpc/graphs.create', { data: { graph } });
  expect(created.status()).toBe(200);
  const graphId: string = (await created.json()).result.data.id;
  const started = await request.post('/api/trpc/runs.start', { data: { graphId } });
  expect((await started.json()).result.data.ok).toBe(true);

  // The run saves its trained model; the evaluation's metrics follow when Evaluate finishes.
  type Saved = { id: string; graphId: string | null; headline: { value: number } | null };
  let saved: Saved | undefined;
  await expect
    .poll(
      async () => {
        const list = (await (await request.get('/api/trpc/models.list')).json()).result.data as Saved[];
        saved = list.find((m) => m.graphId === graphId && m.headline);
        return Boolean(saved);
      },
      { timeout: 120_000, intervals: [500] },
    )
    .toBe(true);

  await page.goto('/');
  await page.getByRole('link', { name: 'Models', exact: true }).click();
  await expect(page).toHaveURL(/\/models$/);
  const row = page.getByTestId(`saved-model-${saved!.id}`);
  await expect(row).toContainText('logistic-regression');
  await expect(row).toContainText('species (classification)');
  await expect(row).toContainText('Models page e2e');
  await expect(row).toContainText(`accuracy ${(saved!.headline!.value * 100).toFixed(1)}%`);
  await expect(row).toContainText(/iris #[0-9a-f]{8}/);
  await expect(row.getByRole('link', { name: 'run' })).toHaveAttribute('href', new RegExp(`/graphs/${graphId}/runs\\?run=`));

  // Deploy under a name: the suggestion comes from the pipeline's name; a bad name is refused before sending.
  await row.getByRole('button', { name: 'Deploy' }).click();
  const name = row.getByLabel('Deploy as');
  await expect(name).toHaveValue('models-page-e2e');
  await name.fill('Bad Name');
  await expect(row).toContainText('lower-case letters');
  await expect(row.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await name.fill('iris-from-models');
  await row.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('status')).toContainText('Published "iris-from-models" version 1');
  const deployed = page.getByRole('table', { name: 'Deployed models' });
  await expect(deployed.getByRole('row', { name: /iris-from-models/ })).toContainText('v1');

  // The same model again: it is that version already, nothing new is published.
  await row.getByRole('button', { name: 'Deploy' }).click();
  await row.getByLabel('Deploy as').fill('iris-from-models');
  await row.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('status')).toContainText('Nothing published: this model is "iris-from-models" version 1 already.');
  await expect(deployed.getByRole('row', { name: /iris-from-models/ })).toContainText('v1');
  await expect(deployed.getByRole('row', { name: /iris-from-models/ })).not.toContainText('v2');

  const body = { rows: [{ sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 }] };
  const answer = await request.post('/api/v1/models/iris-from-models/predict', { data: body });
  expect(answer.status()).toBe(200);
  expect(await answer.json()).toMatchObject({ model: 'iris-from-models', version: 1, predictions: [{ predicted: 'setosa' }] });

  // Delete (after the browser's confirmation): the row goes, the deployed versions keep answering.
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toContainText('Deleted the saved model');
  await expect(row).toHaveCount(0);
  expect((await request.post('/api/v1/models/iris-from-models/predict', { data: body })).status()).toBe(200);
});
