import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';

const RESERVE_BYTES = 4 * 2 ** 20;
const CHUNK = Buffer.alloc(2 ** 20);

/**
 * A few megabytes held on the database's disk, given back when the disk fills up: then the runs in
 * progress can still write how they ended (failed, "the disk is full") instead of staying 'running'.
 * Taken again once a run succeeds (there is room again).
 */
export class DiskReserve {
  constructor(private readonly file: string | null) {}

  /** Holds the reserve unless it is held already; best effort (no room, no reserve: nothing else depends on it). */
  ensure(): void {
    if (!this.file || existsSync(this.file)) return;
    try {
      const fd = openSync(this.file, 'wx');
      try {
        // Real bytes, not a sparse file: only written blocks are space that can be given back.
        for (let written = 0; written < RESERVE_BYTES; written += CHUNK.length) writeSync(fd, CHUNK);
      } finally {
        closeSync(fd);
      }
    } catch {
      rmSync(this.file, { force: true });
    }
  }

  /** Gives the reserve back to the disk; true when there was one to give. */
  release(): boolean {
    if (!this.file || !existsSync(this.file)) return false;
    rmSync(this.file, { force: true });
    return true;
  }
}
