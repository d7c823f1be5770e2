import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { OWNER, SIGNED_OUT, signUpThroughForm } from './accounts';

/**
 * A pipeline's history as people meet it: two params changed, the version list, the first version
 * compared with now (the changed steps outlined on the canvas) and restored; two people editing one
 * pipeline, where the second save is refused with who changed what instead of overwriting it, and
 * "Keep mine as a new version" then saves; a deleted pipeline in the trash, restored, deleted for good;
 * a duplicate. Its own pipelines and its own member account: nothing is shared with other specs.
 */
test.describe.configure({ mode: 'serial' });

const EDITOR = { name: 'Ana Lima', email: 'ana.lima@versions.e2e.example', password: 'an editor passphrase' };

/** A copy of the iris example under a name of this spec's, made as a program would; its id. */
async function irisPipeline(request: APIRequestContext, name: string): Promise<string> {
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as { name: string };
  graph.name = name;
  const created = await request.post('/api/trpc/graphs.create', { data: { graph } });
  expect(created.status()).toBe(200);
  return (await created.json()).result.data.id as string;
}

/** Sets a step's param in the inspector and waits for the autosave. */
async function setParam(page: Page, nodeId: string, param: string, value: string) {
  await page.locator(`.react-flow__node[data-id="${nodeId}"]`).click();
  await page.locator(`#param-${param}`).fill(value);
}

async function paramOf(page: Page, nodeId: string, param: string): Promise<string> {
  await page.locator(`.react-flow__node[data-id="${nodeId}"]`).click();
  return page.locator(`#param-${param}`).inputValue();
}

test('two params changed, compared with the first version (changed steps outlined), then version 1 restored', async ({ page, request }) => {
  const graphId = await irisPipeline(request, 'Versioned iris pipeline');
  await page.goto(`/graphs/${graphId}`);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  await setParam(page, 'split', 'testFraction', '0.25');
  await setParam(page, 'train', 'learningRate', '0.01');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  await page.getByRole('button', { name: 'Versions', exact: true }).click();
  const panel = page.getByRole('complementary', { name: 'Versions' });
  const rows = panel.getByRole('list', { name: 'Version list' }).getByTestId('version-row');
  // The two edits, one person's within two minutes, are one version after the first.
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Version 2 autosave');
  await expect(rows.first()).toContainText(`${OWNER.name} · never ran`);
  await expect(rows.first()).toContainText('test fraction 0.3 → 0.25; learning rate 0.05 → 0.01');
  await expect(rows.last()).toContainText('Version 1');
  await expect(rows.last()).toContainText('created');
  await expect(page.locator('[data-diff]')).toHaveCount(0);

  await panel.getByRole('button', { name: 'Compare version 1 with now' }).click();
  const diff = panel.getByTestId('version-diff');
  await expect(diff).toContainText('learning rate 0.05 → 0.01');
  await expect(diff).toContainText('Train (train): Learning rate 0.05 → 0.01');
  await expect(diff).toContainText('Split (split): Test fraction 0.3 → 0.25');
  // Exactly the two changed steps are outlined, as changed.
  await expect(page.locator('[data-diff]')).toHaveCount(2);
  await expect(page.getByTestId('node-split')).toHaveAttribute('data-diff', 'changed');
  await expect(page.getByTestId('node-train')).toHaveAttribute('data-diff', 'changed');

  await panel.getByRole('button', { name: 'Restore version 1' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Restore version 1?' });
  await expect(confirm).toContainText('nothing is lost');
  await confirm.getByRole('button', { name: 'Restore' }).click();
  await expect(confirm).toHaveCount(0);
  // The canvas shows version 1 again, as a new version; nothing is outlined any more.
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('Version 3');
  await expect(rows.first()).toContainText('restored version 1');
  await expect(page.locator('[data-diff]')).toHaveCount(0);
  expect(await paramOf(page, 'train', 'learningRate')).toBe('0.05');
  expect(await paramOf(page, 'split', 'testFraction')).toBe('0.3');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  // And so it is saved: the same after a reload.
  await page.reload();
  expect(await paramOf(page, 'train', 'learningRate')).toBe('0.05');
  expect(await paramOf(page, 'split', 'testFraction')).toBe('0.3');
});

test('two people edit one pipeline: the second save is refused with what changed, never overwriting; "Keep mine as a new version" then saves', async ({ page, request, browser }) => {
  const graphId = await irisPipeline(request, 'Pipeline edited by two');
  // An editor member of the owner's workspace: an account of their own, added on the Members page's procedure.
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const ana = await context.newPage();
  await ana.goto('/sign-up');
  expect((await signUpThroughForm(ana, EDITOR, 'Create account')).status()).toBe(200);
  await expect(ana).toHaveURL(/\/$/);
  const addAs = async (role: 'viewer' | 'editor') => {
    const added = await request.post('/api/trpc/workspaces.addMember', { data: { email: EDITOR.email, role } });
    expect(added.status()).toBe(200);
  };

  // As a viewer first: the history to look at and compare, nothing to restore or name.
  await addAs('viewer');
  await ana.goto(`/graphs/${graphId}`);
  await expect(ana.getByTestId('view-only')).toHaveText('View only');
  await ana.getByRole('button', { name: 'Versions', exact: true }).click();
  const anaPanel = ana.getByRole('complementary', { name: 'Versions' });
  await anaPanel.getByRole('button', { name: 'Compare version 1 with now' }).click();
  await expect(anaPanel.getByTestId('version-diff')).toContainText('no changes');
  await expect(anaPanel.getByRole('button', { name: 'Restore version 1' })).toHaveCount(0);
  await expect(anaPanel.getByRole('button', { name: 'Save version…' })).toHaveCount(0);

  await addAs('editor');
  await ana.reload();
  await expect(ana.getByTestId('save-status')).toHaveText('All changes saved');
  await page.goto(`/graphs/${graphId}`);
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  // The owner saves a change; Ana, with nothing unsaved, is told who changed what.
  await setParam(page, 'train', 'learningRate', '0.02');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(ana.getByTestId('others-change')).toContainText(`${OWNER.name} changed this pipeline (learning rate 0.05 → 0.02).`);

  // Ana edits the version she opened anyway: her save is refused, saying who changed what.
  await setParam(ana, 'split', 'testFraction', '0.2');
  const conflict = ana.getByTestId('save-conflict');
  await expect(conflict).toHaveText(
    new RegExp(`^${OWNER.name} changed this pipeline since you opened it \\(learning rate 0\\.05 → 0\\.02\\)\\. Reload to see their version, or keep yours as a new version\\.`),
  );
  await expect(ana.getByTestId('save-status')).toHaveText('Not saved: someone else saved first');
  await expect(ana.getByTestId('others-change')).toHaveCount(0);
  // Nothing was overwritten: the owner's change stands, Ana's is not saved.
  await page.reload();
  expect(await paramOf(page, 'train', 'learningRate')).toBe('0.02');
  expect(await paramOf(page, 'split', 'testFraction')).toBe('0.3');

  // Ana keeps hers as a new version: saved over the owner's, which stays in the history.
  await conflict.getByRole('button', { name: 'Keep mine as a new version' }).click();
  await expect(conflict).toHaveCount(0);
  await expect(ana.getByTestId('save-status')).toHaveText('All changes saved');
  // The owner is told, and reloads to Ana's graph.
  const told = page.getByTestId('others-change');
  await expect(told).toContainText(`${EDITOR.name} changed this pipeline (test fraction 0.3 → 0.2; learning rate 0.02 → 0.05).`);
  await told.getByRole('button', { name: 'Reload' }).click();
  await expect(told).toHaveCount(0);
  expect(await paramOf(page, 'split', 'testFraction')).toBe('0.2');
  expect(await paramOf(page, 'train', 'learningRate')).toBe('0.05');
  await page.getByRole('button', { name: 'Versions', exact: true }).click();
  const rows = page.getByRole('complementary', { name: 'Versions' }).getByTestId('version-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText(EDITOR.name);
  await expect(rows.nth(1)).toContainText(`${OWNER.name} · never ran`);
  await expect(rows.nth(1)).toContainText('learning rate 0.05 → 0.02');
  await context.close();
});

test('a deleted pipeline goes to the trash for 30 days: restored from there, then deleted for good after a confirmation; a duplicate opens', async ({ page, request }) => {
  const name = 'Pipeline for the trash';
  await irisPipeline(request, name);
  await page.goto('/');
  const list = page.getByTestId('graph-list');
  const trash = page.getByTestId('trash-list');
  page.once('dialog', (dialog) => void dialog.accept());
  await list.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'in the trash' })).toHaveText(`“${name}” is in the trash: restore it there within 30 days. Trash`);
  await expect(list.getByRole('link', { name })).toHaveCount(0);
  const row = trash.getByRole('listitem').filter({ hasText: name });
  await expect(row).toContainText(`deleted by ${OWNER.name} on`);
  await expect(row).toContainText(`deleted for good on ${new Date(Date.now() + 30 * 24 * 3600 * 1000).toLocaleDateString('en-US')}`);

  await row.getByRole('button', { name: `Restore ${name}` }).click();
  await expect(row).toHaveCount(0);
  await expect(list.getByRole('link', { name })).toHaveCount(1);

  // Deleted again, then for good: the confirmation names it.
  page.once('dialog', (dialog) => void dialog.accept());
  await list.getByRole('button', { name: `Delete ${name}` }).click();
  await row.getByRole('button', { name: `Delete ${name} forever` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Delete “${name}” forever?` });
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Delete forever' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(row).toHaveCount(0);
  await expect(list.getByRole('link', { name })).toHaveCount(0);

  // A duplicate of another pipeline opens as a copy, beside it in the list.
  await list.getByRole('button', { name: 'Duplicate Versioned iris pipeline' }).click();
  await expect(page).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  await expect(page.getByLabel('Pipeline name')).toHaveValue('Copy of Versioned iris pipeline');
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
});

test('a run names the version it ran: the Runs page links to it, compared with the pipeline now', async ({ page, request }) => {
  const graphId = await irisPipeline(request, 'Pipeline run from a version');
  await page.goto(`/graphs/${graphId}`);
  // A test fraction no other spec uses: this run computes its own steps.
  await setParam(page, 'split', 'testFraction', '0.27');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');
  await page.getByRole('button', { name: 'Run up to here' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('succeeded', { timeout: 120_000 });
  // Changed after the run: a version of its own (the run's version stays as it ran).
  await setParam(page, 'train', 'learningRate', '0.03');
  await expect(page.getByTestId('save-status')).toHaveText('All changes saved');

  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await page.getByTestId('run-row').getByRole('link', { name: 'version 2' }).click();
  await expect(page).toHaveURL(new RegExp(`/graphs/${graphId}\\?compare=\\d+$`));
  const panel = page.getByRole('complementary', { name: 'Versions' });
  await expect(panel.getByTestId('version-diff')).toContainText('learning rate 0.05 → 0.03');
  await expect(panel.getByTestId('version-row').filter({ hasText: 'Version 2' })).toContainText('ran 1 time');
  await expect(page.locator('[data-diff]')).toHaveCount(1);
  await expect(page.getByTestId('node-train')).toHaveAttribute('data-diff', 'changed');
});
