import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

test('a page reload mid-run shows the run where it is, and Cancel stops it', async ({ page, request }) => {
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8'));
  graph.name = 'Long training';
  for (const node of graph.nodes) {
    if (node.id === 'train') node.params.epochs = 8000;
    if (node.id === 'deploy') node.params.modelName = 'iris-long';
  }
  const created = await request.post('/api/trpc/graphs.create', { data: { graph } });
  expect(created.status()).toBe(200);
  const { id } = (await created.json()).result.data;

  await page.goto(`/graphs/${id}`);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const train = page.getByTestId('node-train');
  await expect(train).toHaveAttribute('data-status', 'running');
  await expect(train.getByRole('progressbar')).toBeVisible();

  await page.reload();
  await expect(train).toHaveAttribute('data-status', 'running');
  const progress = train.getByRole('progressbar');
  await expect(progress).toBeVisible();
  // Progress keeps moving after the reload: the subscription resumed from the stored events.
  const before = Number(await progress.getAttribute('aria-valuenow'));
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(before);
  await expect(page.getByTestId('node-data')).toHaveAttribute('data-status', /done|cached/);

  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(train).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('node-deploy')).toHaveAttribute('data-status', 'cancelled');
  await page.getByRole('button', { name: 'results' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('cancelled');
  const missing = await request.post('/api/v1/models/iris-long/predict', { data: { rows: [{}] } });
  expect(missing.status()).toBe(404);
});
