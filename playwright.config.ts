import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './tests/support/chromium';
import { OWNER_STATE } from './tests/e2e/accounts';

// Playwright re-reads this file in every worker: choose the port and data folder once, pass them on.
process.env.E2E_PORT ??= execFileSync(process.execPath, [
  '-e',
  "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
]).toString();
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'pipeloom-e2e-'));
const port = Number(process.env.E2E_PORT);

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 240_000,
  expect: { timeout: 20_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1800, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    // First start on the fresh data folder: the owner account, made through /setup; its signed-in state is every other spec's.
    { name: 'first-start', testMatch: /first-start\.setup\.ts$/ },
    { name: 'signed-in', testMatch: /\.spec\.ts$/, dependencies: ['first-start'], use: { storageState: OWNER_STATE } },
  ],
  webServer: {
    // The production build (`npm test` and `npm run test:e2e` build first), served as a user would run it.
    command: `npx next start -H 127.0.0.1 -p ${port}`,
    url: `http://127.0.0.1:${port}/`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: { PIPELOOM_DATA_DIR: process.env.E2E_DATA_DIR, PIPELOOM_WORKERS: '2' },
  },
});
