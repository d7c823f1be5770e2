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

/** Where uploads wait, streamed to disk, until a worker has parsed them. */
export function uploadsDir(): string {
  return path.join(artifactsDir(), 'uploads');
}

/** An upload's temporary file by its name (`<uuid>.upload`), never outside the uploads folder. */
export function uploadFile(name: string): string {
  if (!UPLOAD_NAME.test(name)) throw new PathEscapeError();
  return resolveInside(uploadsDir(), name);
}

export const UPLOAD_NAME = /^[0-9a-f-]{36}\.upload$/;

/** The project root: migrations, samples and the worker entry are found from here. */
export function projectRoot(): string {
  return process.env.PIPELOOM_ROOT ?? process.cwd();
}

/** A path built from outside input left its folder ("../", an absolute part, a NUL byte). */
export class PathEscapeError extends Error {
  constructor() {
    super('That name does not stay inside its folder.');
  }
}

/**
 * `base` joined with `parts`, refused when the result is not strictly inside `base`: the one check
 * every path built from an id, a key or a file name goes through before it touches the disk.
 */
export function resolveInside(base: string, ...parts: string[]): string {
  if (parts.some((part) => part.includes('\0'))) throw new PathEscapeError();
  const root = path.resolve(base);
  const target = path.resolve(root, ...parts);
  const relative = path.relative(root, target);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) throw new PathEscapeError();
  return target;
}
