import { expect, test } from '@playwright/test';
import { connect, drop } from './canvas';

test('from an empty canvas to a deployed Iris model answering predictions', async ({ page, request }, testInfo) => {
  await page.goto('/');
  await page.getByLabel('New pipeline name').fill('E2E iris');
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  const graphUrl = page.url();

  const data = await drop(page, 'dataset.sample', 40, 120);
  const split = await drop(page, 'split.train-test', 320, 60);
  const model = await drop(page, 'model.logistic-regression', 320, 360);
  const train = await drop(page, 'train.train', 600, 200);
  const evaluate = await drop(page, 'evaluate.evaluate', 900, 60);
  const deploy = await drop(page, 'deploy.deploy', 900, 380);

  // A wrong connection is refused, and the editor says why.
  await connect(page, data, 'table', train, 'model');
  await expect(page.getByTestId('editor-hint')).toContainText('expects an untrained model design');
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);

  await connect(page, data, 'table', split, 'table');
  await connect(page, split, 'split', train, 'split');
  await connect(page, model, 'model', train, 'model');
  await connect(page, train, 'model', evaluate, 'model');
  await connect(page, split, 'split', evaluate, 'split');
  await connect(page, train, 'model', deploy, 'model');
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);

  // Parameters through the inspector form.
  await split.click();
  // Once the split is wired, the target is picked from the table's real columns.
  await expect(page.locator('select#param-target')).toBeVisible();
  await page.locator('#param-target').selectOption('species');
  await page.locator('#param-testFraction').fill('0.3');
  await train.click();
  await page.locator('#param-epochs').fill('-3');
  await expect(page.getByTestId('field-error-epochs')).toContainText('at least 1');
  await expect(train.getByTestId('node-problem')).toBeVisible();
  await page.locator('#param-epochs').fill('150');
  await expect(page.getByTestId('field-error-epochs')).toHaveCount(0);
  await deploy.click();
  await page.locator('#param-modelName').fill('iris-e2e');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(page.getByTestId('node-problem')).toHaveCount(0);

  // Record every status and progress bar the canvas shows while the run is live.
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    const record = () => {
      document.querySelectorAll<HTMLElement>('[data-status]').forEach((el) => {
        const list = (seen[el.dataset.testid ?? ''] ??= []);
        if (list.at(-1) !== el.dataset.status) list.push(el.dataset.status!);
        if (el.querySelector('[role=progressbar]') && !list.includes('progressbar')) list.push('progressbar');
      });
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    (window as unknown as { seenStatuses: typeof seen }).seenStatuses = seen;
  });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  for (const node of [data, split, model, train, evaluate, deploy]) {
    await expect(node.locator('[data-status]')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  }
  const trainId = await train.getAttribute('data-id');
  const seen = await page.evaluate((id) => (window as unknown as { seenStatuses: Record<string, string[]> }).seenStatuses[`node-${id}`], trainId);
  expect(seen).toEqual(expect.arrayContaining(['running', 'progressbar', 'done']));
  expect(seen.indexOf('running')).toBeLessThan(seen.indexOf('done'));
  await expect(train.getByTestId('node-sparkline')).toBeVisible();
  await expect(page.getByTestId('run-status')).toHaveText('succeeded');
  await expect(page.getByTestId('run-panel').getByRole('img', { name: 'Loss', exact: true })).toBeVisible();

  const accuracyText = await page.getByTestId('metric-accuracy').textContent();
  const accuracy = Number(accuracyText!.replace('%', '')) / 100;
  expect(accuracy).toBeGreaterThanOrEqual(0.85);
  const matrix = page.getByTestId('confusion-matrix');
  await expect(matrix).toContainText('setosa');
  await expect(page.getByTestId('run-panel')).toContainText('Published “iris-e2e” version 1');
  await page.screenshot({ path: testInfo.outputPath('iris-run.png'), fullPage: true });
  await testInfo.attach('iris-run', { path: testInfo.outputPath('iris-run.png'), contentType: 'image/png' });

  // Reload: the graph, its parameters and the finished run are all still there.
  await page.reload();
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);
  await expect(train.locator('[data-status]')).toHaveAttribute('data-status', 'done');
  await page.getByRole('button', { name: 'results' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('succeeded');
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  await page.locator('.react-flow__node').nth(3).click();
  await expect(page.locator('#param-epochs')).toHaveValue('150');

  // Before the next run, the canvas says what will run and why: only what an edit touches.
  await expect(data.getByTestId('node-forecast')).toHaveText('next run: reused from cache');
  await page.locator('#param-epochs').fill('160');
  await expect(train.getByTestId('node-forecast')).toHaveText('next run: runs — epochs changed');
  await expect(evaluate.getByTestId('node-forecast')).toHaveText('next run: runs — upstream Train changed');
  await expect(split.getByTestId('node-forecast')).toHaveText('next run: reused from cache');
  await expect(deploy.getByTestId('node-forecast')).toHaveText('next run: runs — it publishes its model as a new version');
  await page.locator('#param-epochs').fill('150');
  await expect(train.getByTestId('node-forecast')).toHaveText('next run: reused from cache');

  // The deployed model answers over HTTP.
  const response = await request.post('/api/v1/models/iris-e2e/predict', {
    data: { rows: [{ sepal_length_cm: 5.1, sepal_width_cm: 3.5, petal_length_cm: 1.4, petal_width_cm: 0.2 }] },
  });
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.predictions[0].predicted).toBe('setosa');
  expect(Object.keys(body.predictions[0].probabilities)).toEqual(['setosa', 'versicolor', 'virginica']);
  const bad = await request.post('/api/v1/models/iris-e2e/predict', { data: { rows: [{ sepal_length_cm: 5.1 }] } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.field).toBe('sepal_width_cm');

  // The workers that trained it, with their backend.
  await page.goto('/workers');
  await expect(page.getByTestId('workers-table')).toContainText('wasm');

  await page.goto('/');
  await expect(page.getByTestId('graph-list')).toContainText('E2E iris');
  await page.goto(graphUrl);
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
});
