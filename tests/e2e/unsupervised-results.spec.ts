import { expect, test } from '@playwright/test';
import { connect, drop } from './canvas';

test('k-means and PCA from the palette: the Results tab and the Runs page draw the elbow chart and the 2-D map', async ({ page }, testInfo) => {
  await page.goto('/');
  await page.getByLabel('New pipeline name').fill('E2E clusters and map');
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);

  const data = await drop(page, 'dataset.sample', 40, 200);
  const split = await drop(page, 'split.train-test', 300, 200);
  const kmeans = await drop(page, 'model.kmeans', 300, 40);
  const pca = await drop(page, 'model.pca', 300, 440);
  const trainClusters = await drop(page, 'train.train', 600, 60);
  const trainMap = await drop(page, 'train.train', 600, 400);
  const evaluateClusters = await drop(page, 'evaluate.evaluate', 900, 60);
  const evaluateMap = await drop(page, 'evaluate.evaluate', 900, 400);

  await connect(page, data, 'table', split, 'table');
  for (const [model, train, evaluate] of [
    [kmeans, trainClusters, evaluateClusters],
    [pca, trainMap, evaluateMap],
  ]) {
    await connect(page, split, 'split', train, 'split');
    await connect(page, model, 'model', train, 'model');
    await connect(page, train, 'model', evaluate, 'model');
    await connect(page, split, 'split', evaluate, 'split');
  }
  await expect(page.locator('.react-flow__edge')).toHaveCount(9);
  await split.click();
  // The target picker becomes a list of columns once compile has told the editor what they are.
  await expect(page.locator('select#param-target')).toBeVisible();
  await page.locator('#param-target').selectOption('species');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  for (const node of [evaluateClusters, evaluateMap]) {
    await expect(node.locator('[data-status]')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  }
  const panel = page.getByTestId('run-panel');
  await expect(page.getByTestId('run-status')).toHaveText('succeeded');

  // k-means: silhouette with its meaning, sizes, the elbow with the chosen k ringed, clusters × species.
  expect(Number(await panel.getByTestId('metric-silhouette').textContent())).toBeGreaterThan(0.3);
  await expect(panel).toContainText('near 1 = tight, well-separated groups');
  await expect(panel.getByRole('img', { name: /^Elbow chart/ })).toBeVisible();
  await expect(panel.getByTestId('elbow-chart').locator('circle')).toHaveCount(10 + 1);
  await expect(panel.getByTestId('elbow-chosen')).toContainText('your k = 3');
  await expect(panel.getByTestId('cluster-sizes').locator('rect')).toHaveCount(3);
  await expect(panel.getByTestId('cluster-crosstab')).toContainText('setosa');

  // PCA: variance bars and running total, the test share, the map coloured by species.
  await expect(panel.getByTestId('variance-chart').locator('rect')).toHaveCount(2);
  await expect(panel.getByTestId('metric-test-explained')).toHaveText(/^\d+\.\d%$/);
  const scatter = panel.getByTestId('pca-scatter');
  await expect(scatter.getByRole('img', { name: /^Map of the test rows/ })).toBeVisible();
  const testRows = Number(await panel.getByTestId('projection-metrics').getByTestId('metric-test-rows').textContent());
  await expect(scatter.locator('circle')).toHaveCount(testRows);
  await expect(panel.getByTestId('pca-scatter-legend').locator('li')).toHaveText(['setosa', 'versicolor', 'virginica']);
  await page.screenshot({ path: testInfo.outputPath('unsupervised-results.png'), fullPage: true });
  await testInfo.attach('unsupervised-results', { path: testInfo.outputPath('unsupervised-results.png'), contentType: 'image/png' });

  // The Runs page sums the run up by its first Evaluate step, and reopens it with the same charts.
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await expect(page.getByTestId('run-row-metric')).toHaveText(/^(silhouette 0\.\d{3}|\d+\.\d% of variance kept)$/);
  await page.getByTestId('run-row').click();
  const details = page.getByTestId('run-details');
  await expect(details.getByTestId('elbow-chart')).toBeVisible();
  await expect(details.getByTestId('pca-scatter')).toBeVisible();
});
