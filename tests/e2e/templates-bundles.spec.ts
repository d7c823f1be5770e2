import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { makeZip } from '../support/zip';

// Only this spec opens the diabetes forest and the Seattle forecast templates: no cached step is shared with another spec.
test('a template opens as a new pipeline, runs as is, exports as a bundle and imports as another new pipeline', async ({ page }, testInfo) => {
  await page.goto('/');
  const template = page.getByTestId('template-predict-a-number');
  await expect(template).toContainText('How far will a patient');
  await expect(template.getByRole('img')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('templates-gallery.png'), fullPage: true });
  await testInfo.attach('templates-gallery', { path: testInfo.outputPath('templates-gallery.png'), contentType: 'image/png' });
  await template.getByRole('button', { name: 'Use this template' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  const firstUrl = page.url();
  await expect(page.getByLabel('Pipeline name')).toHaveValue('Predict a number: diabetes progression');
  await expect(page.locator('.react-flow__node')).toHaveCount(5);

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('succeeded', { timeout: 120_000 });
  await expect(page.locator('[data-status="done"]')).toHaveCount(5);
  await page.getByTestId('node-evaluate').click();
  await page.getByRole('button', { name: 'results' }).click();
  const r2 = Number(await page.getByTestId('metric-r2').first().textContent());
  expect(r2).toBeGreaterThan(0.2);

  // Export: the datasets it reads are listed first; a sample travels by name and content hash.
  await page.getByRole('button', { name: 'Export' }).click();
  await expect(page.getByTestId('export-datasets')).toContainText('diabetes: a sample');
  await page.screenshot({ path: testInfo.outputPath('export.png') });
  await testInfo.attach('export', { path: testInfo.outputPath('export.png'), contentType: 'image/png' });
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: /Download predict-a-number-diabetes-progression\.pipeloom\.zip/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('predict-a-number-diabetes-progression.pipeloom.zip');
  const file = testInfo.outputPath('bundle.pipeloom.zip');
  await download.saveAs(file);
  expect(readFileSync(file).subarray(0, 2).toString('latin1')).toBe('PK');

  // Import it as a new pipeline: everything it reads is here, so it opens at once.
  await page.goto('/');
  await page.getByLabel('Import graph file').setInputFiles(file);
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  expect(page.url()).not.toBe(firstUrl);
  await expect(page.getByLabel('Pipeline name')).toHaveValue('Predict a number: diabetes progression');
  await expect(page.locator('.react-flow__node')).toHaveCount(5);
  // The same steps on the same data: the next run reuses them all.
  await expect(page.getByTestId('node-forecast').first()).toHaveText('next run: reused from cache');

  // An empty editor offers the templates too, filling its canvas.
  await page.goto('/');
  await page.getByLabel('New pipeline name').fill('E2E from the empty canvas');
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  await page.getByTestId('empty-canvas-templates').getByTestId('template-forecast-time-series').getByRole('button', { name: 'Use this template' }).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
  await expect(page.getByTestId('empty-canvas-templates')).toHaveCount(0);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(page.getByTestId('node-problem')).toHaveCount(0);
});

test('a bundle from a newer server imports with a visible placeholder that keeps its connections, and says so', async ({ page }, testInfo) => {
  const graph = {
    version: 1,
    name: 'E2E from the future',
    nodes: [
      { id: 'data', type: 'dataset.sample', typeVersion: 1, params: { dataset: 'wine' }, position: { x: 0, y: 100 } },
      { id: 'magic', type: 'features.quantum-embedding', typeVersion: 3, params: { qubits: 5 }, position: { x: 320, y: 100 } },
    ],
    edges: [{ id: 'e1', source: 'data', sourceHandle: 'table', target: 'magic', targetHandle: 'table' }],
  };
  const bundle = makeZip([{ name: 'pipeloom.json', data: JSON.stringify({ format: 'pipeloom-bundle', formatVersion: 1, appVersion: '9.0.0', graph, datasets: [] }) }]);
  await page.goto('/');
  await page.getByLabel('Import graph file').setInputFiles({ name: 'future.pipeloom.zip', mimeType: 'application/zip', buffer: bundle });
  const notice = page.getByTestId('import-notice');
  await expect(notice).toContainText('Step “magic” is a features.quantum-embedding (version 3)');
  await notice.getByRole('link', { name: 'E2E from the future' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  const placeholder = page.getByTestId('node-magic');
  await expect(placeholder.getByTestId('placeholder-node')).toHaveText('Missing kind features.quantum-embedding v3: kept as is, cannot run');
  await expect(placeholder.getByTestId('node-problem')).toContainText('Unknown node type "features.quantum-embedding"');
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('placeholder.png') });
  await testInfo.attach('placeholder', { path: testInfo.outputPath('placeholder.png'), contentType: 'image/png' });
});
