import { expect, test, type Page } from '@playwright/test';
import { OWNER, SIGNED_OUT, signUpThroughForm, submitAuthForm } from './accounts';
import { connect, drop } from './canvas';

/**
 * Accounts and workspaces as people meet them: the owner's work, a second account that sees none
 * of it, a wrong password, and a member removed while their page is open. One story, in order.
 */
test.describe.configure({ mode: 'serial' });

const SECOND = { name: 'Sam Second', email: 'sam@e2e.example', password: 'another long passphrase here' };
const PIPELINE = 'Owner only pipeline';
let graphId = '';
let secondState: Awaited<ReturnType<import('@playwright/test').BrowserContext['storageState']>> | undefined;

test('the owner builds and runs a small pipeline in their workspace', async ({ page, request }) => {
  // A dataset of the owner's, to be sure the second account does not see it.
  const upload = await request.post('/api/v1/datasets?filename=owner-secret.csv', { data: 'a,b\n1,2\n3,4\n', headers: { 'Content-Type': 'text/csv' } });
  expect(upload.status()).toBeLessThan(300);

  await page.goto('/');
  await expect(page.getByTestId('signed-in-as')).toContainText(OWNER.email);
  await page.getByLabel('New pipeline name').fill(PIPELINE);
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  graphId = new URL(page.url()).pathname.split('/').pop()!;

  const data = await drop(page, 'dataset.sample', 40, 120);
  const split = await drop(page, 'split.train-test', 320, 60);
  const model = await drop(page, 'model.decision-tree', 320, 360);
  const train = await drop(page, 'train.train', 600, 200);
  const evaluate = await drop(page, 'evaluate.evaluate', 900, 120);
  await connect(page, data, 'table', split, 'table');
  await connect(page, split, 'split', train, 'split');
  await connect(page, model, 'model', train, 'model');
  await connect(page, train, 'model', evaluate, 'model');
  await connect(page, split, 'split', evaluate, 'split');
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);
  // Wine and a decision tree, which no other spec uses: every step of this run is computed, and no other spec finds it in the cache.
  await data.click();
  await page.locator('#param-dataset').selectOption('wine');
  await split.click();
  // Once the split is wired, the target is picked from the table's real columns.
  await expect(page.locator('select#param-target')).toBeVisible();
  await page.locator('#param-target').selectOption('cultivar');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(page.getByTestId('node-problem')).toHaveCount(0);

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(evaluate.locator('[data-status]')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('run-status')).toHaveText('succeeded');
  await expect(page.getByTestId('metric-accuracy')).toHaveText(/%$/);
});

test('a second account signs up into its own empty workspace and cannot see the owner\'s pipelines, datasets or models', async ({ browser }) => {
  expect(graphId).not.toBe('');
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByRole('link', { name: 'Create one' }).click();
  await expect(page).toHaveURL(/\/sign-up$/);
  await expect(page.getByText('gets a workspace of its own, empty')).toBeVisible();
  const signedUp = await signUpThroughForm(page, SECOND, 'Create account');
  expect(signedUp.status()).toBe(200);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('signed-in-as')).toContainText(SECOND.name);
  await expect(page.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText("Sam's workspace (owner)");
  await expect(page.getByLabel('Workspace', { exact: true }).locator('option')).toHaveCount(1);

  await expect(page.getByTestId('graph-list')).toContainText('No pipelines yet');
  await expect(page.getByTestId('graph-list')).not.toContainText(PIPELINE);
  await page.getByRole('link', { name: 'Datasets', exact: true }).click();
  await expect(page.getByTestId('dataset-list')).toContainText('No uploads yet.');
  await expect(page.getByTestId('dataset-list')).not.toContainText('owner-secret');
  await page.getByRole('link', { name: 'Models', exact: true }).click();
  await expect(page.getByText('No saved models yet')).toBeVisible();
  await expect(page.locator('main')).not.toContainText(PIPELINE);

  // The owner's pipeline, opened by its address: not found, as if it did not exist; nothing of it shows.
  for (const url of [`/graphs/${graphId}`, `/graphs/${graphId}/runs`]) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(404);
    await expect(page.getByTestId('not-found')).toBeVisible();
    await expect(page.locator('main')).not.toContainText(PIPELINE);
    await expect(page.locator('.react-flow__node')).toHaveCount(0);
  }
  const api = await context.request.get(`/api/trpc/graphs.get?input=${encodeURIComponent(JSON.stringify({ id: graphId }))}`);
  expect(api.status()).toBe(404);

  secondState = await context.storageState();
  await context.close();
});

test('a wrong password is refused with the same plain message as an unknown email', async ({ browser }) => {
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await expect(page.getByLabel('Password')).toHaveAttribute('autocomplete', 'current-password');
  const refusal = async (email: string, password: string) => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    const response = await submitAuthForm(page, 'Sign in');
    expect(response.status()).toBe(401);
    const shown = page.getByTestId('auth-error');
    // The message takes the focus, so a screen reader reads it out.
    await expect(shown).toBeFocused();
    return shown.textContent();
  };
  const wrongPassword = await refusal(OWNER.email, 'not the password at all');
  expect(wrongPassword).toBe('Invalid email or password');
  expect(await refusal('nobody@e2e.example', 'not the password at all')).toBe(wrongPassword);
  await expect(page).toHaveURL(/\/sign-in$/);

  // The right password signs in; Sign out ends that session (the owner's other sessions stay).
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  expect((await submitAuthForm(page, 'Sign in')).status()).toBe(200);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('signed-in-as')).toContainText(OWNER.name);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto('/models');
  await expect(page).toHaveURL(/\/sign-in$/);
  await context.close();
});

test('a member removed by the owner is told so by the page they have open, and taken back to their own workspace', async ({ page, browser }) => {
  expect(secondState).toBeDefined();
  const members = (owner: Page) => owner.getByRole('table', { name: 'Members' });

  // The owner adds the second account as a viewer on the Members page.
  await page.goto('/');
  await page.getByRole('link', { name: 'Members', exact: true }).click();
  await expect(page).toHaveURL(/\/workspace$/);
  await expect(page.getByRole('region', { name: 'Roles' })).toContainText('Viewer');
  await page.getByRole('form', { name: 'Add a member' }).getByLabel('Email').fill('nobody-yet@e2e.example');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByTestId('members-notice')).toContainText('ask them to create one first');
  await page.getByRole('form', { name: 'Add a member' }).getByLabel('Email').fill(SECOND.email);
  await page.getByRole('form', { name: 'Add a member' }).getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByTestId('members-notice')).toContainText(`Added ${SECOND.email} as viewer`);
  await expect(members(page).getByTestId(`member-${SECOND.email}`)).toContainText(SECOND.name);
  await expect(page.getByLabel(`Role of ${SECOND.email}`)).toHaveValue('viewer');

  // The second account switches to the owner's workspace and opens the pipeline: view only.
  const context = await browser.newContext({ storageState: secondState });
  const second = await context.newPage();
  await second.goto('/');
  const switcher = second.getByLabel('Workspace', { exact: true });
  await expect(switcher.locator('option')).toHaveCount(2);
  await switcher.selectOption({ label: 'My workspace (viewer)' });
  await expect(switcher.locator('option:checked')).toHaveText('My workspace (viewer)');
  await expect(second.getByTestId('graph-list')).toContainText(PIPELINE);
  await expect(second.getByRole('button', { name: 'New pipeline' })).toHaveCount(0);
  await second.getByRole('link', { name: PIPELINE }).click();
  await expect(second.getByTestId('view-only')).toHaveText('View only');
  await expect(second.locator('.react-flow__node')).toHaveCount(5);
  await expect(second.getByRole('button', { name: 'Run', exact: true })).toHaveCount(0);
  await expect(second.getByLabel('Node palette')).toHaveCount(0);
  // The split's settings show, and cannot be changed.
  await second.locator('.react-flow__node').nth(1).click();
  await expect(second.locator('#param-testFraction')).toBeDisabled();

  // A link to the pipeline opened while another workspace is active opens it in its own workspace
  // (its pickers then list that workspace's datasets, as its runs read them).
  const pipelineUrl = second.url();
  await second.goto('/');
  await switcher.selectOption({ label: "Sam's workspace (owner)" });
  await expect(switcher.locator('option:checked')).toHaveText("Sam's workspace (owner)");
  await second.goto(pipelineUrl);
  await expect(second.getByTestId('view-only')).toHaveText('View only');
  await expect(switcher.locator('option:checked')).toHaveText('My workspace (viewer)');

  // The owner removes them while the pipeline is open on their screen.
  page.once('dialog', (dialog) => void dialog.accept());
  await members(page).getByTestId(`member-${SECOND.email}`).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('members-notice')).toContainText('Removed');
  await expect(members(page).getByTestId(`member-${SECOND.email}`)).toHaveCount(0);

  // Their next step on the open page is refused, and the page says why. (The page may say so even
  // before: it checks membership again when its window comes to the front; the banner then covers
  // the link, so the click is forced.)
  await second.getByRole('link', { name: 'Pipelines', exact: true }).click({ force: true });
  const banner = second.getByTestId('workspace-refused');
  await expect(banner).toContainText('You are not a member of this workspace (any more)');
  await expect(second.getByRole('alertdialog')).toBeVisible();
  await banner.getByRole('button', { name: 'Go to my workspaces' }).click();
  await expect(second.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText("Sam's workspace (owner)");
  await expect(second.getByTestId('graph-list')).toContainText('No pipelines yet');
  await expect(second.getByTestId('workspace-refused')).toHaveCount(0);
  await context.close();
});

test('an editor whose role the owner lowers to viewer is told why their next change is refused', async ({ page, browser }) => {
  expect(secondState).toBeDefined();
  await page.goto('/workspace');
  const add = page.getByRole('form', { name: 'Add a member' });
  await add.getByLabel('Email').fill(SECOND.email);
  await add.getByLabel('Role').selectOption('editor');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByTestId('members-notice')).toContainText(`Added ${SECOND.email} as editor`);

  // As an editor, the second account opens the pipeline to change it.
  const context = await browser.newContext({ storageState: secondState });
  const second = await context.newPage();
  await second.goto('/');
  await second.getByLabel('Workspace', { exact: true }).selectOption({ label: 'My workspace (editor)' });
  await second.getByRole('link', { name: PIPELINE }).click();
  await expect(second.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(second.getByRole('button', { name: 'Run', exact: true })).toBeVisible();
  await expect(second.getByTestId('view-only')).toHaveCount(0);

  // The owner lowers the role while the editor is open; the next change is refused, and the page says why.
  await page.getByLabel(`Role of ${SECOND.email}`).selectOption('viewer');
  await expect(page.getByLabel(`Role of ${SECOND.email}`)).toHaveValue('viewer');
  await second.getByLabel('Pipeline name').fill('Renamed by a viewer');
  const notice = second.getByTestId('refusal-notice');
  await expect(notice).toContainText('As a viewer of this workspace you cannot create, change, run or deploy');
  await expect(second.getByTestId('save-status')).toContainText('Not saved');
  // The header learns the new role.
  await expect(second.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText('My workspace (viewer)');
  await context.close();

  // Nothing changed: the owner still sees the pipeline under its name.
  await page.goto('/');
  await expect(page.getByTestId('graph-list')).toContainText(PIPELINE);
});
