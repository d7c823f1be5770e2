import { expect, test, type Locator, type Page } from '@playwright/test';
import { connect, drop } from './canvas';

/** A new, empty pipeline. */
async function newPipeline(page: Page, name: string) {
  await page.goto('/');
  await page.getByLabel('New pipeline name').fill(name);
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
}

/** Runs the pipeline; while Train runs its loss curve grows on the node, then the evaluation shows. */
async function runAndWatch(page: Page, train: Locator, evaluate: Locator) {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // Live: the sparkline appears on the Train node before the run is over.
  await expect(train.getByTestId('node-sparkline')).toBeVisible({ timeout: 120_000 });
  await expect(evaluate.locator('[data-status]')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('run-status')).toHaveText('succeeded');
  const panel = page.getByTestId('run-panel');
  await expect(panel.getByText(/learning curves/)).toBeVisible();
  return panel;
}

test('a CNN on the 8x8 digits from the palette: live loss curve, accuracy and a 10-class confusion matrix', async ({ page }) => {
  await newPipeline(page, 'E2E digits CNN');
  const data = await drop(page, 'dataset.sample', 40, 200);
  const normalize = await drop(page, 'features.image-normalize', 280, 200);
  const split = await drop(page, 'split.train-test', 520, 120);
  const cnn = await drop(page, 'model.cnn', 520, 380);
  const train = await drop(page, 'train.train', 780, 240);
  const evaluate = await drop(page, 'evaluate.evaluate', 1040, 160);
  await connect(page, data, 'table', normalize, 'table');
  await connect(page, normalize, 'table', split, 'table');
  await connect(page, split, 'split', train, 'split');
  await connect(page, cnn, 'model', train, 'model');
  await connect(page, train, 'model', evaluate, 'model');
  await connect(page, split, 'split', evaluate, 'split');
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);

  await data.click();
  await page.locator('#param-dataset').selectOption('digits_8x8');
  await train.click();
  await page.locator('#param-epochs').fill('12');
  await expect(page.getByTestId('node-problem')).toHaveCount(0);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  const panel = await runAndWatch(page, train, evaluate);
  const accuracy = Number((await panel.getByTestId('metric-accuracy').textContent())!.replace('%', ''));
  expect(accuracy).toBeGreaterThanOrEqual(90);
  const confusion = panel.getByTestId('confusion-matrix');
  await expect(confusion.locator('tbody tr')).toHaveCount(10);
});

test('a text classifier on support tickets from the palette: tokenize, transformer, live curve, confusion matrix', async ({ page }) => {
  await newPipeline(page, 'E2E ticket classifier');
  // Two rows, so every step fits the canvas.
  const data = await drop(page, 'dataset.sample', 10, 40);
  const select = await drop(page, 'cleaning.select-columns', 250, 40);
  const tokenize = await drop(page, 'features.tokenize', 490, 40);
  const split = await drop(page, 'split.train-test', 730, 40);
  const model = await drop(page, 'model.transformer', 250, 330);
  const train = await drop(page, 'train.train', 490, 330);
  const evaluate = await drop(page, 'evaluate.evaluate', 730, 330);
  await connect(page, data, 'table', select, 'table');
  await connect(page, select, 'table', tokenize, 'table');
  await connect(page, tokenize, 'table', split, 'table');
  await connect(page, split, 'split', train, 'split');
  await connect(page, model, 'model', train, 'model');
  await connect(page, train, 'model', evaluate, 'model');
  await connect(page, split, 'split', evaluate, 'split');
  await expect(page.locator('.react-flow__edge')).toHaveCount(7);

  await data.click();
  await page.locator('#param-dataset').selectOption('support_tickets');
  // The ticket id is free text a model cannot read: drop it.
  await select.click();
  await page.getByLabel('ticket_id').check();
  await tokenize.click();
  // A list of columns once compile has told the editor what they are.
  await expect(page.locator('select#param-column')).toBeVisible();
  await page.locator('#param-column').selectOption('text');
  // The split's target is left empty: the last column, category.
  await train.click();
  await page.locator('#param-epochs').fill('8');
  await expect(page.getByTestId('node-problem')).toHaveCount(0);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  const panel = await runAndWatch(page, train, evaluate);
  const accuracy = Number((await panel.getByTestId('metric-accuracy').textContent())!.replace('%', ''));
  expect(accuracy).toBeGreaterThanOrEqual(90);
  await expect(panel.getByTestId('confusion-matrix').locator('tbody tr')).toHaveCount(4);
});
