import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { resolveInside } from '../paths';

/** Artifact keys: letters, digits, '-' and '_' (hashes, `dataset-<id>`, `<hash>-<run>`). */
const ARTIFACT_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

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
    return path.join(this.root, 'checkpoints', key);
  }

  has(key: string): boolean {
    return existsSync(this.folder(key));
  }

  write(key: string, outputs: Record<string, unknown>): void {
    const target = this.folder(key);
    if (existsSync(target)) return;
    const temp = path.join(this.root, `.tmp-${key}-${randomUUID()}`);
    mkdirSync(temp, { recursive: true });
    for (const [port, value] of Object.entries(outputs)) {
      const { json, binary } = encodeArtifact(value);
      writeFileSync(path.join(temp, `${port}.json`), json);
      writeFileSync(path.join(temp, `${port}.bin`), binary);
    }
    try {
      renameSync(temp, target);
    } catch (error) {
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
    const dir = path.join(this.root, 'checkpoints');
    mkdirSync(dir, { recursive: true });
    const temp = path.join(dir, `.tmp-${key}-${randomUUID()}`);
    writeFileSync(temp, Buffer.concat([head, Buffer.from(json), binary]));
    renameSync(temp, this.checkpointFile(key));
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
