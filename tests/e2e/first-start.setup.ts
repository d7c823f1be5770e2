import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test as setup } from '@playwright/test';
import { OWNER, OWNER_STATE, signUpThroughForm } from './accounts';

/**
 * The first start of a fresh server: before any account exists every page leads to /setup, the
 * API refuses with a plain message, and the owner account is made through the form. The owner's
 * signed-in state is kept for every other spec.
 */
setup('a fresh server shows /setup on every page until the owner account is made through the form', async ({ page, request, browser }) => {
  for (const url of ['/', '/datasets', '/models', '/workers', '/workspace', '/graphs/5c1a2a3e-0000-4000-8000-000000000000', '/graphs/x/runs', '/sign-in', '/sign-up']) {
    await page.goto(url);
    await expect(page, `${url} leads to the first-start page`).toHaveURL(/\/setup$/);
  }
  await expect(page.getByRole('heading', { name: 'Create the owner account' })).toBeVisible();
  // The sign-in pages have a minimal header: no page links, no account bar.
  await expect(page.getByRole('navigation', { name: 'Pages' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

  // The API answers no one yet, and says what to do.
  const anonymous = await request.get('/api/trpc/graphs.list');
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error.message).toBe('Create the owner account first: open Pipeloom in a browser.');

  // The form: labelled fields with the autocomplete hints password managers use.
  await expect(page.getByLabel('Name')).toHaveAttribute('autocomplete', 'name');
  await expect(page.getByLabel('Email')).toHaveAttribute('autocomplete', 'email');
  await expect(page.getByLabel('Password')).toHaveAttribute('autocomplete', 'new-password');
  const created = await signUpThroughForm(page, OWNER, 'Create the owner account');
  expect(created.status()).toBe(200);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('signed-in-as')).toContainText(OWNER.name);
  await expect(page.getByTestId('signed-in-as')).toContainText(OWNER.email);
  await expect(page.getByLabel('Workspace', { exact: true })).toHaveValue(/.+/);
  await expect(page.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText('My workspace (owner)');
  await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible();
  await expect(page.getByTestId('graph-list')).toContainText('No pipelines yet');

  mkdirSync(path.dirname(OWNER_STATE), { recursive: true });
  await page.context().storageState({ path: OWNER_STATE });

  // With an account made, the first-start page is gone: a visitor signs in (or up) instead.
  const visitor = await browser.newContext();
  const visitorPage = await visitor.newPage();
  await visitorPage.goto('/setup');
  await expect(visitorPage).toHaveURL(/\/sign-in$/);
  await visitorPage.goto('/datasets');
  await expect(visitorPage).toHaveURL(/\/sign-in$/);
  const refused = await visitor.request.get('/api/trpc/graphs.list');
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toBe('Sign in to use Pipeloom.');
  await visitor.close();
});
