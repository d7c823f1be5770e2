import path from 'node:path';
import { expect, type Page, type Response } from '@playwright/test';

/** The account the first-start spec makes on the fresh server: the owner of the first workspace. */
export const OWNER = { name: 'Olivia Owner', email: 'owner@e2e.example', password: 'correct horse battery staple' };

/** Where the first-start spec keeps the owner's signed-in browser state; every other spec starts from it. */
export const OWNER_STATE = path.resolve('test-results/.auth/owner.json');

/** A browser state with no cookies: a fresh visitor, whatever the project's default state. */
export const SIGNED_OUT = { cookies: [], origins: [] };

/**
 * Submits a sign-in or sign-up form and returns the server's answer. better-auth allows 3 sign-ins
 * (and 3 sign-ups) per 10 s from one address: a 429 is waited out (its X-Retry-After) and the form
 * sent again, so the specs do not depend on how fast the ones before them signed in.
 */
export async function submitAuthForm(page: Page, button: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/auth/') && r.request().method() === 'POST'),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
    if (response.status() !== 429 || attempt >= 3) return response;
    await expect(page.getByTestId('auth-error')).toBeVisible();
    const seconds = Number(response.headers()['x-retry-after'] ?? '10');
    await page.waitForTimeout((Math.max(1, seconds) + 1) * 1000);
  }
}

/** Fills and sends the first-start or sign-up form. */
export async function signUpThroughForm(page: Page, account: { name: string; email: string; password: string }, button: string): Promise<Response> {
  await page.getByLabel('Name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  return submitAuthForm(page, button);
}
