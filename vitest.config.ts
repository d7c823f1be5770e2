import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { 'server-only': path.join(import.meta.dirname, 'tests/support/empty-module.ts') } },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/security/**/*.test.ts', '{lib,runtime,server,nodes}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests start worker processes; two files at once is what 2 cores can carry.
    maxWorkers: 2,
    root: import.meta.dirname,
  },
});
