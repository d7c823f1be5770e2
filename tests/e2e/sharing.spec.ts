import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { OWNER, SIGNED_OUT, signUpThroughForm, submitAuthForm } from './accounts';

/**
 * Teams and sharing as people meet them, in order: the owner invites a colleague as a viewer, who
 * signs up through the link and finds the pipeline read-only; promoted to editor, they change it and
 * the owner sees the change; a "make a copy" link gives a third account a copy in its own workspace,
 * a pipeline shared with that account by email opens read-only under a banner, and the revoked link
 * is a clear page. Invites that cannot be used (revoked, expired, used, for another email) say why;
 * the owner reads it all in the audit log.
 */
test.describe.configure({ mode: 'serial' });

const COLLEAGUE = { name: 'Cleo Colleague', email: 'cleo@e2e.example', password: 'a colleague passphrase' };
const THIRD = { name: 'Theo Third', email: 'theo@e2e.example', password: 'a third long passphrase' };
const PIPELINE = 'Shared iris pipeline';
let graphId = '';
let colleagueState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;
let thirdState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;
let copyLink = '';

async function asAccount(browser: Browser, state: Awaited<ReturnType<BrowserContext['storageState']>> | undefined): Promise<{ context: BrowserContext; page: Page }> {
  expect(state).toBeDefined();
  const context = await browser.newContext({ storageState: state });
  return { context, page: await context.newPage() };
}

/** Makes an invite on the Members page and returns its link, shown this once. */
async function invite(page: Page, email: string, role: 'viewer' | 'editor' | 'owner'): Promise<string> {
  await page.goto('/workspace');
  const form = page.getByRole('form', { name: 'Invite someone' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption(role);
  await expect(form.getByLabel('Valid for (days)')).toHaveValue('7');
  await form.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByTestId('shown-once')).toContainText(`The invite for ${email} as ${role}`);
  await expect(page.getByTestId('shown-once')).toContainText('it will not be shown again');
  const link = await page.getByLabel('New invite link').inputValue();
  expect(link).toMatch(/\/invite\/pli_[A-Za-z0-9_-]{32}$/);
  await expect(page.getByTestId(`invite-${email}`)).toContainText('Pending');
  return link;
}

test('the owner invites a colleague as a viewer; they sign up through the link and find the pipeline read-only', async ({ page, request, browser }) => {
  // A pipeline of the owner's (the iris example; nothing in this story runs it).
  const graph = JSON.parse(readFileSync('examples/iris-classifier.json', 'utf8')) as { name: string };
  graph.name = PIPELINE;
  const created = await request.post('/api/trpc/graphs.create', { data: { graph } });
  expect(created.status()).toBe(200);
  graphId = (await created.json()).result.data.id;

  const link = await invite(page, COLLEAGUE.email, 'viewer');

  // The colleague, with no account yet, opens the link: who invites them where, as what; the form is for the invited email.
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const colleague = await context.newPage();
  await colleague.goto(link);
  await expect(colleague.getByTestId('invite-summary')).toHaveText(`${OWNER.name} invited you to join My workspace as viewer.`);
  await expect(colleague.getByLabel('Email')).toHaveValue(COLLEAGUE.email);
  await expect(colleague.getByLabel('Email')).not.toBeEditable();
  await colleague.getByLabel('Name').fill(COLLEAGUE.name);
  await colleague.getByLabel('Password').fill(COLLEAGUE.password);
  expect((await submitAuthForm(colleague, 'Create account')).status()).toBe(200);

  // Signed up and accepted at once: home, in the owner's workspace, as a viewer.
  await expect(colleague).toHaveURL(/\/$/);
  await expect(colleague.getByTestId('signed-in-as')).toContainText(COLLEAGUE.name);
  await expect(colleague.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText('My workspace (viewer)');
  await colleague.getByRole('link', { name: PIPELINE }).click();
  await expect(colleague.getByTestId('view-only')).toHaveText('View only');
  await expect(colleague.locator('.react-flow__node')).toHaveCount(6);

  // Read-only: no Run, no Share, no palette; a drag does not move a step, Delete does not remove it, the inspector is disabled.
  await expect(colleague.getByRole('button', { name: 'Run', exact: true })).toHaveCount(0);
  await expect(colleague.getByRole('button', { name: 'Share', exact: true })).toHaveCount(0);
  await expect(colleague.getByLabel('Node palette')).toHaveCount(0);
  // (The step's place on the canvas is its transform: a drag on a fixed step may pan the view, which moves no step.)
  const split = colleague.locator('.react-flow__node[data-id="split"]');
  const place = () => split.evaluate((el) => (el as HTMLElement).style.transform);
  const before = await place();
  expect(before).toMatch(/translate\(/);
  const box = (await split.boundingBox())!;
  await colleague.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await colleague.mouse.down();
  await colleague.mouse.move(box.x + box.width / 2 + 160, box.y + box.height / 2 + 120, { steps: 12 });
  await colleague.mouse.up();
  expect(await place()).toBe(before);
  await split.click();
  await colleague.keyboard.press('Delete');
  await colleague.keyboard.press('Backspace');
  await expect(colleague.locator('.react-flow__node')).toHaveCount(6);
  await expect(colleague.locator('#param-testFraction')).toBeDisabled();
  await expect(colleague.locator('#param-testFraction')).toHaveValue('0.3');

  // The invite is used: the list says so, and the link no longer works.
  await page.reload();
  await expect(page.getByTestId(`invite-${COLLEAGUE.email}`)).toContainText('Accepted');
  await expect(page.getByRole('button', { name: `Revoke the invite for ${COLLEAGUE.email}` })).toHaveCount(0);
  const used = await browser.newContext({ storageState: SIGNED_OUT });
  const usedPage = await used.newPage();
  await usedPage.goto(link);
  await expect(usedPage.getByTestId('link-refused')).toContainText('This invite has been used already');
  await used.close();

  colleagueState = await context.storageState();
  await context.close();
});

test('the owner promotes the colleague to editor; the colleague changes a parameter and the owner sees it', async ({ page, browser }) => {
  await page.goto('/workspace');
  await page.getByLabel(`Role of ${COLLEAGUE.email}`).selectOption('editor');
  await expect(page.getByLabel(`Role of ${COLLEAGUE.email}`)).toHaveValue('editor');

  const { context, page: colleague } = await asAccount(browser, colleagueState);
  await colleague.goto(`/graphs/${graphId}`);
  await expect(colleague.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(colleague.getByTestId('view-only')).toHaveCount(0);
  await expect(colleague.getByRole('button', { name: 'Run', exact: true })).toBeVisible();
  await colleague.locator('.react-flow__node[data-id="split"]').click();
  await colleague.locator('#param-testFraction').fill('0.25');
  await expect(colleague.getByTestId('save-status')).toHaveText('All changes saved');
  await context.close();

  await page.goto(`/graphs/${graphId}`);
  await page.locator('.react-flow__node[data-id="split"]').click();
  await expect(page.locator('#param-testFraction')).toHaveValue('0.25');
});

test('a "make a copy" link gives a third account a copy in its own workspace; a pipeline shared with it by email opens read-only', async ({ page, browser }) => {
  await page.goto(`/graphs/${graphId}`);
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Share “${PIPELINE}”` });
  const makeLink = dialog.getByRole('form', { name: 'Make a share link' });
  await makeLink.getByLabel('Whoever opens it may').selectOption('copy');
  await makeLink.getByRole('button', { name: 'Make a link' }).click();
  await expect(dialog.getByTestId('shown-once')).toContainText('it will not be shown again');
  copyLink = await dialog.getByLabel('New share link').inputValue();
  expect(copyLink).toMatch(/\/share\/pls_[A-Za-z0-9_-]{32}$/);
  await expect(dialog.getByTestId('share-link-row')).toContainText('Make a copy');

  // A third person, signed out, opens the link: sign up first (the way back is kept), then the copy.
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const third = await context.newPage();
  await third.goto(copyLink);
  await expect(third).toHaveURL(/\/sign-in\?next=%2Fshare%2Fpls_/);
  await third.getByRole('link', { name: 'Create one' }).click();
  await expect(third).toHaveURL(/\/sign-up\?next=%2Fshare%2Fpls_/);
  expect((await signUpThroughForm(third, THIRD, 'Create account')).status()).toBe(200);
  await expect(third).toHaveURL(copyLink);
  await expect(third.getByTestId('share-summary')).toHaveText(`${OWNER.name} shared the pipeline “${PIPELINE}” for you to copy into a workspace of yours.`);
  await third.getByRole('button', { name: "Make a copy in Theo's workspace" }).click();
  await expect(third).toHaveURL(/\/graphs\/[0-9a-f-]+$/);
  expect(new URL(third.url()).pathname).not.toBe(`/graphs/${graphId}`);
  // The copy is theirs: editable, with the colleague's change in it.
  await expect(third.getByLabel('Pipeline name')).toHaveValue(`Copy of ${PIPELINE}`);
  await expect(third.getByTestId('save-status')).toHaveText('All changes saved');
  await expect(third.locator('.react-flow__node')).toHaveCount(6);
  await third.locator('.react-flow__node[data-id="split"]').click();
  await expect(third.locator('#param-testFraction')).toHaveValue('0.25');
  await expect(third.locator('#param-testFraction')).toBeEnabled();
  await third.goto('/');
  await expect(third.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText("Theo's workspace (owner)");
  await expect(third.getByTestId('graph-list')).toContainText(`Copy of ${PIPELINE}`);
  await expect(third.getByRole('heading', { name: 'Shared with me' })).toHaveCount(0);

  // The owner sees the link was opened once, and shares the pipeline itself with the third account, to view.
  await page.reload();
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(dialog.getByTestId('share-link-row')).toContainText('opened 1 time');
  const person = dialog.getByRole('form', { name: 'Share with a person' });
  await person.getByLabel('Email of their account').fill(THIRD.email);
  await person.getByLabel('They').selectOption('viewer');
  await person.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(dialog.getByRole('list', { name: 'People it is shared with' })).toContainText(`${THIRD.name} ${THIRD.email} — can view, until revoked`);

  // The third account finds it under "Shared with me", and opens it read-only under a banner that says who shared it.
  await third.reload();
  const shared = third.getByTestId('shared-list');
  await expect(shared).toContainText(PIPELINE);
  await expect(shared).toContainText(`My workspace · shared by ${OWNER.name} · you can view`);
  await shared.getByRole('link', { name: PIPELINE }).click();
  await expect(third).toHaveURL(`/graphs/${graphId}`);
  await expect(third.getByTestId('shared-banner')).toContainText(`Shared with you by ${OWNER.name} — you can view`);
  await expect(third.getByTestId('view-only')).toHaveText('View only');
  await expect(third.getByRole('button', { name: 'Run', exact: true })).toHaveCount(0);
  await expect(third.getByRole('button', { name: 'Share', exact: true })).toHaveCount(0);
  await third.locator('.react-flow__node[data-id="split"]').click();
  await expect(third.locator('#param-testFraction')).toBeDisabled();
  await third.keyboard.press('Delete');
  await expect(third.locator('.react-flow__node')).toHaveCount(6);
  // Their own workspace stays the one they work in: the pipeline is not a reason to switch.
  await expect(third.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText("Theo's workspace (owner)");

  // Edit rights through a share: the banner says so, and the editor saves.
  await person.getByLabel('Email of their account').fill(THIRD.email);
  await person.getByLabel('They').selectOption('editor');
  await person.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(dialog.getByRole('list', { name: 'People it is shared with' })).toContainText('can edit and run');
  await third.reload();
  await expect(third.getByTestId('shared-banner')).toContainText(`Shared with you by ${OWNER.name} — you can edit and run`);
  await expect(third.getByRole('button', { name: 'Run', exact: true })).toBeVisible();
  await expect(third.getByRole('button', { name: 'Share', exact: true })).toHaveCount(0);
  await expect(third.getByTestId('save-status')).toHaveText('All changes saved');

  // Stopping the share: the pipeline is gone for them.
  await dialog.getByRole('button', { name: `Stop sharing with ${THIRD.email}` }).click();
  await expect(dialog.getByRole('list', { name: 'People it is shared with' })).toContainText('Not shared with anyone');
  const gone = await third.goto(`/graphs/${graphId}`);
  expect(gone?.status()).toBe(404);

  thirdState = await context.storageState();
  await context.close();
});

test('the owner revokes the links: what a view link gave ends with it, and opening either again is a clear page', async ({ page, browser }) => {
  await page.goto(`/graphs/${graphId}`);
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog');
  // A view-only link too, valid for a week, opened by the third account: the pipeline read-only, under the banner.
  const makeLink = dialog.getByRole('form', { name: 'Make a share link' });
  await makeLink.getByLabel('Whoever opens it may').selectOption('view');
  await makeLink.getByLabel('Works').selectOption('7');
  await makeLink.getByRole('button', { name: 'Make a link' }).click();
  const viewLink = await dialog.getByLabel('New share link').inputValue();
  expect(viewLink).toMatch(/\/share\/pls_[A-Za-z0-9_-]{32}$/);
  const { context, page: third } = await asAccount(browser, thirdState);
  await third.goto(viewLink);
  await expect(third).toHaveURL(`/graphs/${graphId}`);
  await expect(third.getByTestId('shared-banner')).toContainText(`Shared with you by ${OWNER.name} — you can view, until`);
  await expect(third.getByTestId('view-only')).toHaveText('View only');
  await expect(third.getByRole('button', { name: 'Run', exact: true })).toHaveCount(0);

  const links = dialog.getByRole('list', { name: 'Share links' });
  await expect(links.getByTestId('share-link-row')).toHaveCount(2);
  await links.getByRole('button', { name: /^Revoke the make a copy link/ }).click();
  await expect(links.getByTestId('share-link-row')).toHaveCount(1);
  await links.getByRole('button', { name: /^Revoke the view only link/ }).click();
  await expect(links).toContainText('No links.');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // The view link's reader no longer sees the pipeline; both links are a clear page.
  expect((await third.goto(`/graphs/${graphId}`))?.status()).toBe(404);
  for (const link of [copyLink, viewLink]) {
    await third.goto(link);
    const refused = third.getByTestId('link-refused');
    await expect(refused.getByRole('heading', { name: 'This share link does not work' })).toBeVisible();
    await expect(refused.getByRole('alert')).toHaveText('This share link was revoked by whoever shared it: ask them for a new one.');
    await expect(third.getByRole('button', { name: /Make a copy/ })).toHaveCount(0);
  }
  await third.getByTestId('link-refused').getByRole('link', { name: 'Go to your pipelines' }).click();
  await expect(third).toHaveURL(/\/$/);
  // Still one copy: the revoked link made nothing; nothing is shared with them any more.
  await expect(third.getByTestId('graph-list').getByRole('link', { name: `Copy of ${PIPELINE}` })).toHaveCount(1);
  await expect(third.getByRole('heading', { name: 'Shared with me' })).toHaveCount(0);
  await context.close();
});

test('an invite for another email, a revoked invite and an expired invite each say why, plainly', async ({ page, browser }) => {
  const link = await invite(page, 'someone-else@e2e.example', 'editor');

  // Signed in as someone else: the invite is refused, with the way out.
  const { context, page: third } = await asAccount(browser, thirdState);
  await third.goto(link);
  await expect(third.getByRole('main').getByRole('alert')).toHaveText(
    `This invite is for someone-else@e2e.example, and you are signed in as ${THIRD.email}: sign out, then sign in or sign up with someone-else@e2e.example.`,
  );
  await expect(third.getByRole('button', { name: 'Accept the invite' })).toHaveCount(0);
  await third.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
  // Signed out, back on the invite: now the form for the invited email.
  await expect(third.getByLabel('Email')).toHaveValue('someone-else@e2e.example');
  await context.close();

  // Revoked by the owner.
  await page.getByRole('button', { name: 'Revoke the invite for someone-else@e2e.example' }).click();
  await expect(page.getByTestId('invite-someone-else@e2e.example')).toContainText('Revoked');
  const visitor = await browser.newContext({ storageState: SIGNED_OUT });
  const visitorPage = await visitor.newPage();
  await visitorPage.goto(link);
  await expect(visitorPage.getByRole('heading', { name: 'This invite cannot be used' })).toBeVisible();
  await expect(visitorPage.getByTestId('link-refused').getByRole('alert')).toHaveText('This invite was revoked by an owner of the workspace: ask them for a new one.');
  await expect(visitorPage.getByLabel('Password')).toHaveCount(0);

  // Expired: its week has passed (the clock moved on in the database: no test waits 7 days).
  const late = await invite(page, 'late@e2e.example', 'viewer');
  const db = new Database(path.join(process.env.E2E_DATA_DIR!, 'pipeloom.db'));
  try {
    db.pragma('busy_timeout = 5000');
    expect(db.prepare('UPDATE invites SET expires_at = ? WHERE email = ?').run(Date.now() - 1000, 'late@e2e.example').changes).toBe(1);
  } finally {
    db.close();
  }
  await visitorPage.goto(late);
  await expect(visitorPage.getByTestId('link-refused').getByRole('alert')).toHaveText('This invite has expired: ask an owner of the workspace for a new one.');
  await page.reload();
  await expect(page.getByTestId('invite-late@e2e.example')).toContainText('Expired');
  // Not a link at all.
  await visitorPage.goto('/invite/pli_not-a-real-token');
  await expect(visitorPage.getByTestId('link-refused').getByRole('alert')).toContainText('This invite link is not valid');
  await visitor.close();
});

test('the owner reads the audit log: filtered by what happened, a page at a time, and as CSV', async ({ page, request }) => {
  await page.goto('/workspace');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/workspace\/audit$/);
  const events = page.getByRole('table', { name: 'Audit events' });
  await expect(events).toContainText('Invited someone');
  await expect(events).toContainText(COLLEAGUE.email);
  await expect(events).toContainText('Accepted an invite');
  await expect(events).toContainText('Opened a share link');

  const filter = page.getByRole('form', { name: 'Filter the audit log' });
  // More invites than a page of the log holds (100 events), made as a program would.
  for (let i = 0; i < 100; i++) {
    const made = await request.post('/api/trpc/invites.create', { data: { email: `bulk-${i}@e2e.example`, role: 'viewer' } });
    expect(made.status()).toBe(200);
  }
  // A page at a time: the 103 invites made in this story (the colleague's, the other email's, the late one's, and the 100).
  await filter.getByLabel('What happened').selectOption({ label: 'Invited someone' });
  await filter.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByTestId('audit-event')).toHaveCount(100);
  await expect(page.getByTestId('audit-event').first()).toContainText('bulk-99@e2e.example');
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(page.getByTestId('audit-event')).toHaveCount(103);
  await expect(page.getByTestId('audit-event').last()).toContainText(COLLEAGUE.email);
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);

  await filter.getByLabel('What happened').selectOption({ label: 'Revoked a share link' });
  await filter.getByRole('button', { name: 'Filter' }).click();
  // The two links revoked: the view-only one last.
  await expect(page.getByTestId('audit-event')).toHaveCount(2);
  await expect(page.getByTestId('audit-event').first()).toContainText(`${OWNER.name} <${OWNER.email}>`);
  await expect(page.getByTestId('audit-event').first()).toContainText(`pipeline "${PIPELINE}"`);
  await expect(page.getByTestId('audit-event').first()).toContainText('view-only');
  await expect(page.getByTestId('audit-event').nth(1)).toContainText('make a copy');

  const [download] = await Promise.all([page.waitForEvent('download'), filter.getByRole('link', { name: 'Download CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
  expect(csv[0]).toBe('time,actor,action,what,subject,detail');
  expect(csv).toHaveLength(3);
  expect(csv.slice(1).every((line) => line.includes(',link.revoke,'))).toBe(true);

  // Words and dates narrow it too: today's invites of the colleague.
  await filter.getByLabel('What happened').selectOption({ label: 'Everything' });
  await filter.getByLabel('Who or what it was done to contains').fill('cleo@');
  const today = new Date();
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  await filter.getByLabel('From', { exact: true }).fill(day);
  await filter.getByLabel('To', { exact: true }).fill(day);
  await filter.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByTestId('audit-event').filter({ hasText: 'Invited someone' })).toHaveCount(1);
  await expect(page.getByTestId('audit-event').filter({ hasText: 'Revoked a share link' })).toHaveCount(0);
});
