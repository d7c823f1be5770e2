#!/usr/bin/env node
// The `pipeloom` command: registers tsx so the TypeScript CLI runs without a build step.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The engine finds migrations, sample datasets and the worker entry from here, whatever the cwd.
process.env.PIPELOOM_ROOT ??= root;

register();
await import('../cli/main.ts');
