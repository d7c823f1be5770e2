import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { resolveInside } from '../../runtime/paths';

/** Artifact keys: letters, digits, '-' and '_' (hashes, `dataset-<id>`, `<hash>-<run>`). */
const ARTIFACT_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Folders in the store that hold no artifact: checkpoints, and uploads waiting for a worker (runtime/paths uploadsDir). */
const CHECKPOINTS = 'checkpoints';
const UPLOADS = 'uploads';
/** Artifacts and checkpoints are written under this prefix, then renamed into place. */
const TEMP_PREFIX = '.tmp-';

export interface StoreUsage {
  /** Bytes of each artifact, by key. */
  artifacts: Map<string, number>;
  checkpoints: number;
  /** Half-written artifacts and checkpoints, and uploads waiting to be parsed. */
  temp: number;
}

type TypedArray = Float64Array | Float32Array | Int32Array | Uint8Array;
const TYPED = { Float64Array, Float32Array, Int32Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;

/**
 * Step outputs on disk: `<root>/<key>/<port>.json` holds the value with each typed array replaced by
 * a reference into `<port>.bin`, so columns and weights are written and read as raw bytes.
 * A step's outputs appear all at once (written to a temporary folder, then renamed), so a reader
 * never sees half an artifact and a step completed twice keeps the first result.
 */
export class ArtifactStore {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** A key's folder: keys are flat names (hashes, `dataset-<id>`), never paths. */
  private folder(key: string): string {
    if (!ARTIFACT_KEY.test(key)) throw new Error(`"${key.slice(0, 80)}" is not an artifact key.`);
    return resolveInside(this.root, key);
  }

  private checkpointFile(key: string): string {
    this.folder(key);
    return path.join(this.root, CHECKPOINTS, key);
  }

  has(key: string): boolean {
    return existsSync(this.folder(key));
  }

  write(key: string, outputs: Record<string, unknown>): void {
    const target = this.folder(key);
    if (existsSync(target)) return;
    const temp = path.join(this.root, `${TEMP_PREFIX}${key}-${randomUUID()}`);
    try {
      mkdirSync(temp, { recursive: true });
      for (const [port, value] of Object.entries(outputs)) {
        const { json, binary } = encodeArtifact(value);
        writeFileSync(path.join(temp, `${port}.json`), json);
        writeFileSync(path.join(temp, `${port}.bin`), binary);
      }
      renameSync(temp, target);
    } catch (error) {
      // A failed write (the disk is full) leaves nothing half-written behind.
      rmSync(temp, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
  }

  /** Same as read, without blocking the event loop on big files (the web server's readers use it). */
  async readAsync(key: string, port: string): Promise<unknown> {
    const dir = this.folder(key);
    const [json, binary] = await Promise.all([readFile(path.join(dir, `${port}.json`), 'utf8'), readFile(path.join(dir, `${port}.bin`))]).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new Error(`Artifact ${key}/${port} is missing from the artifact store.`);
        throw error;
      },
    );
    return decodeArtifact(json, binary);
  }

  read(key: string, port: string): unknown {
    const dir = this.folder(key);
    const file = path.join(dir, `${port}.json`);
    if (!existsSync(file)) throw new Error(`Artifact ${key}/${port} is missing from the artifact store.`);
    return decodeArtifact(readFileSync(file, 'utf8'), readFileSync(path.join(dir, `${port}.bin`)));
  }

  /** A stored value without its binary part (typed arrays stay references): a cheap read of its small fields. */
  readJson(key: string, port: string): unknown {
    const file = path.join(this.folder(key), `${port}.json`);
    if (!existsSync(file)) throw new Error(`Artifact ${key}/${port} is missing from the artifact store.`);
    return JSON.parse(readFileSync(file, 'utf8'));
  }

  remove(key: string): void {
    rmSync(this.folder(key), { recursive: true, force: true });
  }

  /** A step's latest checkpoint, replaced atomically (one file: JSON length, JSON, bytes). */
  saveCheckpoint(key: string, value: unknown): void {
    const { json, binary } = encodeArtifact(value);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(Buffer.byteLength(json));
    const dir = path.join(this.root, CHECKPOINTS);
    mkdirSync(dir, { recursive: true });
    const temp = path.join(dir, `${TEMP_PREFIX}${key}-${randomUUID()}`);
    try {
      writeFileSync(temp, Buffer.concat([head, Buffer.from(json), binary]));
      renameSync(temp, this.checkpointFile(key));
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  loadCheckpoint(key: string): unknown | null {
    const file = this.checkpointFile(key);
    if (!existsSync(file)) return null;
    const bytes = readFileSync(file);
    const length = bytes.readUInt32LE(0);
    return decodeArtifact(bytes.subarray(4, 4 + length).toString('utf8'), bytes.subarray(4 + length));
  }

  clearCheckpoint(key: string): void {
    rmSync(this.checkpointFile(key), { force: true });
  }

  /** Bytes on disk of one step's outputs. */
  sizeOf(key: string): number {
    const dir = this.folder(key);
    if (!existsSync(dir)) return 0;
    return readdirSync(dir).reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);
  }

  /**
   * Removes what failed or killed writers left behind: temporary files and folders (and uploads)
   * not touched for `graceMs` (a writer at work keeps touching its own), and every checkpoint that
   * `keepCheckpoint` does not claim for an unfinished step. Returns how many entries it removed.
   */
  sweep(options: { graceMs: number; keepCheckpoint(key: string): boolean }): number {
    const cutoff = Date.now() - options.graceMs;
    let removed = 0;
    const remove = (file: string) => {
      rmSync(file, { recursive: true, force: true });
      removed++;
    };
    const stale = (file: string) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < cutoff;
    for (const name of listFolder(this.root)) {
      if (name.startsWith(TEMP_PREFIX) && stale(path.join(this.root, name))) remove(path.join(this.root, name));
    }
    const uploads = path.join(this.root, UPLOADS);
    for (const name of listFolder(uploads)) if (stale(path.join(uploads, name))) remove(path.join(uploads, name));
    const checkpoints = path.join(this.root, CHECKPOINTS);
    for (const name of listFolder(checkpoints)) {
      const file = path.join(checkpoints, name);
      if (name.startsWith(TEMP_PREFIX) ? stale(file) : !options.keepCheckpoint(name)) remove(file);
    }
    return removed;
  }

  /** Bytes on disk by what they are: each artifact (by key), checkpoints, and temporary entries (uploads included). */
  async usage(): Promise<StoreUsage> {
    const usage: StoreUsage = { artifacts: new Map(), checkpoints: 0, temp: 0 };
    for (const name of await readdir(this.root).catch(() => [])) {
      if (name === CHECKPOINTS) {
        for (const entry of await readdir(path.join(this.root, CHECKPOINTS)).catch(() => [])) {
          const bytes = await bytesUnder(path.join(this.root, CHECKPOINTS, entry));
          if (entry.startsWith(TEMP_PREFIX)) usage.temp += bytes;
          else usage.checkpoints += bytes;
        }
        continue;
      }
      const bytes = await bytesUnder(path.join(this.root, name));
      if (name === UPLOADS || name.startsWith(TEMP_PREFIX)) usage.temp += bytes;
      else usage.artifacts.set(name, bytes);
    }
    return usage;
  }
}

function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Bytes of a file, or of everything under a folder (0 for what vanished meanwhile). */
async function bytesUnder(file: string): Promise<number> {
  const info = await lstat(file).catch(() => null);
  if (!info?.isDirectory()) return info?.size ?? 0;
  const names = await readdir(file).catch(() => []);
  return (await Promise.all(names.map((n) => bytesUnder(path.join(file, n))))).reduce((a, b) => a + b, 0);
}

function isTyped(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && value.constructor.name in TYPED;
}

export function encodeArtifact(value: unknown): { json: string; binary: Buffer } {
  const chunks: Buffer[] = [];
  let size = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (!isTyped(v)) return v;
    const pad = (8 - (size % 8)) % 8;
    if (pad) chunks.push(Buffer.alloc(pad));
    size += pad;
    const offset = size;
    chunks.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    size += v.byteLength;
    return { $typed: v.constructor.name, offset, length: v.length };
  });
  return { json, binary: Buffer.concat(chunks, size) };
}

export function decodeArtifact(json: string, binary: Buffer): unknown {
  // One aligned copy of the bytes; every typed array views into it.
  const bytes = new Uint8Array(binary.byteLength);
  bytes.set(binary);
  return JSON.parse(json, (_key, v: unknown) => {
    if (v && typeof v === 'object' && '$typed' in v) {
      const ref = v as { $typed: TypedName; offset: number; length: number };
      const Ctor = TYPED[ref.$typed];
      return new Ctor(bytes.buffer, ref.offset, ref.length);
    }
    return v;
  });
}
