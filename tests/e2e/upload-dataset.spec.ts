import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { connect, drop } from './canvas';

/** Iris as European Excel writes it: ';' separators, decimal commas, an id column, and one broken row. */
function europeanIris(): string {
  const [header, ...rows] = readFileSync('samples/datasets/iris.csv', 'utf8').trim().split(/\r?\n/);
  const lines = [`flower_id;${header.split(',').join(';')}`];
  rows.forEach((row, i) => {
    const cells = row.split(',');
    lines.push([`F${1000 + i}`, ...cells.slice(0, 4).map((v) => v.replace('.', ',')), cells[4]].join(';'));
    if (i === 10) lines.push('F-broken;5,0;3,1');
  });
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

test('upload a CSV, see its problems and preview, clean it, train on it', async ({ page }) => {
  await page.goto('/datasets');
  await page.getByLabel('Dataset file').setInputFiles({ name: 'iris-eu.csv', mimeType: 'text/csv', buffer: Buffer.from(europeanIris()) });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-message')).toContainText('150 rows, 1 bad rows skipped');
  await expect(page.getByTestId('upload-problems')).toContainText('13');
  const detail = page.getByTestId('dataset-detail');
  await expect(detail).toContainText('separator ";"');
  await expect(page.getByTestId('column-stats')).toContainText('sepal_length_cm');
  await expect(page.getByTestId('column-stats').locator('tr', { hasText: 'petal_width_cm' })).toContainText('number');
  await expect(page.getByTestId('row-preview')).toContainText('F1000');
  await expect(page.getByTestId('row-preview')).toContainText('5.1');
  // The preview renders only what is in view, and fetches more as it scrolls.
  await page.getByTestId('row-preview').evaluate((el) => (el.scrollTop = 140 * 28));
  await expect(page.getByTestId('row-preview')).toContainText('F1140');

  await page.goto('/');
  await page.getByLabel('New pipeline name').fill('Uploaded iris');
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\//);
  const data = await drop(page, 'dataset.uploaded', 20, 120);
  const select = await drop(page, 'cleaning.select-columns', 280, 120);
  const split = await drop(page, 'split.train-test', 540, 60);
  const model = await drop(page, 'model.logistic-regression', 540, 340);
  const train = await drop(page, 'train.train', 800, 200);
  const evaluate = await drop(page, 'evaluate.evaluate', 1060, 120);
  await connect(page, data, 'table', select, 'table');
  await connect(page, select, 'table', split, 'table');
  await connect(page, split, 'split', train, 'split');
  await connect(page, model, 'model', train, 'model');
  await connect(page, train, 'model', evaluate, 'model');
  await connect(page, split, 'split', evaluate, 'split');
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);

  await data.click();
  await page.locator('#param-dataset').selectOption({ label: 'iris-eu (150 rows)' });
  // The id column is free text to a model: compile says so on Train until it is dropped.
  await expect(train.getByTestId('node-problem')).toContainText('flower_id');
  await select.click();
  await select.page().getByLabel('flower_id').check();
  await expect(page.getByTestId('node-problem')).toHaveCount(0);
  await train.click();
  await page.locator('#param-epochs').fill('80');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(evaluate.locator('[data-status]')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const accuracy = Number((await page.getByTestId('metric-accuracy').textContent())!.replace('%', ''));
  expect(accuracy).toBeGreaterThanOrEqual(85);

  // Each finished step previews what it produced.
  await select.click();
  const preview = page.getByTestId('output-preview');
  await expect(preview).toContainText('150 rows × 5 columns');
  await expect(preview).not.toContainText('flower_id');
  await split.click();
  await expect(preview).toContainText('Test rows');
});
