import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Where Pipeloom keeps its database and artifacts (PIPELOOM_DATA_DIR, default ./data). */
export function dataDir(): string {
  const dir = path.resolve(/*turbopackIgnore: true*/ process.env.PIPELOOM_DATA_DIR ?? path.join(process.cwd(), 'data'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where step outputs live (PIPELOOM_ARTIFACTS: a shared volume in cluster mode), default <data dir>/artifacts. */
export function artifactsDir(): string {
  return process.env.PIPELOOM_ARTIFACTS ?? path.join(dataDir(), 'artifacts');
}

/** The project root: migrations, samples and the worker entry are found from here. */
export function projectRoot(): string {
  return process.env.PIPELOOM_ROOT ?? process.cwd();
}
