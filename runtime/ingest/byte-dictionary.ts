/** A dictionary of byte strings, so that a string column holds codes and no JS string per cell. */

export class ByteDictionary {
  private table: Int32Array = new Int32Array(64).fill(-1);
  private mask = 63;
  private arena = new Uint8Array(1024);
  private arenaUsed = 0;
  offsets = new Int32Array(16);
  lengths = new Int32Array(16);
  counts = new Int32Array(16);
  private hashes = new Int32Array(16);
  size = 0;

  /** The code of bytes[start, end), added when new; counts each call. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const length = end - start;
    const table = this.table;
    let slot = h & this.mask;
    for (;;) {
      const code = table[slot];
      if (code < 0) break;
      if (this.hashes[code] === h && this.lengths[code] === length) {
        const arena = this.arena;
        let k = this.offsets[code];
        let i = start;
        while (i < end && arena[k] === bytes[i]) {
          i++;
          k++;
        }
        if (i === end) {
          this.counts[code]++;
          return code;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    const code = this.size++;
    if (code === this.offsets.length) this.growEntries();
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.offsets[code] = this.arenaUsed;
    this.lengths[code] = length;
    this.hashes[code] = h;
    this.counts[code] = 1;
    this.arenaUsed += length;
    table[slot] = code;
    if (this.size * 2 > this.mask) this.rehash();
    return code;
  }

  private growEntries(): void {
    const n = this.offsets.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.counts = grow(this.counts);
    this.hashes = grow(this.hashes);
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let code = 0; code < this.size; code++) {
      let slot = this.hashes[code] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = code;
    }
    this.table = table;
    this.mask = mask;
  }

  bytesOf(code: number): Uint8Array {
    return this.arena.subarray(this.offsets[code], this.offsets[code] + this.lengths[code]);
  }
}
