import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore, decodeArtifact, encodeArtifact } from '../../server/engine/artifact-store';

let dir: string;
let store: ArtifactStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pipeloom-artifacts-'));
  store = new ArtifactStore(path.join(dir, 'artifacts'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function sample() {
  return {
    table: {
      rowCount: 3,
      columns: [
        { name: 'x', type: 'number', values: new Float64Array([1.5, Number.NaN, -2]) },
        { name: 'c', type: 'category', codes: new Int32Array([0, -1, 2]), categories: ['a', 'b', 'c'] },
      ],
    },
    // Odd byte lengths before 8-byte-aligned arrays force padding.
    bytes: new Uint8Array([1, 2, 3]),
    halves: new Float32Array([0.5, -1.25, 3]),
    weights: { data: new Uint8Array([255, 0, 7, 9, 11]), more: [new Float64Array([Math.PI]), new Int32Array([-7])] },
    plain: { text: 'hello', list: [1, 'two', null], flag: true },
  };
}

describe('ArtifactStore', () => {
  it('round-trips nested objects with typed arrays, keeping their types and values', () => {
    const value = sample();
    store.write('k1', { table: value, other: { n: 42 } });
    expect(store.has('k1')).toBe(true);
    const back = store.read('k1', 'table') as ReturnType<typeof sample>;
    expect(back).toEqual(value);
    expect(back.table.columns[0].values).toBeInstanceOf(Float64Array);
    expect(Number.isNaN((back.table.columns[0].values as Float64Array)[1])).toBe(true);
    expect(back.table.columns[1].codes).toBeInstanceOf(Int32Array);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.halves).toBeInstanceOf(Float32Array);
    expect(back.weights.more[0]).toBeInstanceOf(Float64Array);
    expect(back.weights.more[1]).toBeInstanceOf(Int32Array);
    expect(store.read('k1', 'other')).toEqual({ n: 42 });
  });

  it('round-trips typed arrays that are views into a larger buffer', () => {
    const big = new Float64Array([1, 2, 3, 4, 5, 6]);
    const bytes = new Uint8Array([9, 8, 7, 6, 5]);
    store.write('views', { out: { middle: big.subarray(2, 5), tail: bytes.subarray(3) } });
    const back = store.read('views', 'out') as { middle: Float64Array; tail: Uint8Array };
    expect(Array.from(back.middle)).toEqual([3, 4, 5]);
    expect(Array.from(back.tail)).toEqual([6, 5]);
  });

  it('pads the binary so every typed array starts 8-byte aligned', () => {
    const { json, binary } = encodeArtifact({ a: new Uint8Array(3), b: new Float64Array([1, 2]), c: new Uint8Array(1), d: new Float32Array([7]) });
    const refs = JSON.parse(json) as Record<string, { $typed: string; offset: number; length: number }>;
    expect(refs.a).toEqual({ $typed: 'Uint8Array', offset: 0, length: 3 });
    expect(refs.b.offset).toBe(8);
    expect(refs.c.offset).toBe(24);
    expect(refs.d.offset).toBe(32);
    expect(binary.byteLength).toBe(36);
    const back = decodeArtifact(json, binary) as { b: Float64Array; d: Float32Array };
    expect(Array.from(back.b)).toEqual([1, 2]);
    expect(Array.from(back.d)).toEqual([7]);
  });

  it('is write-once: a second write under the same key keeps the first', () => {
    store.write('same', { out: { version: 1, data: new Float64Array([1]) } });
    store.write('same', { out: { version: 2, data: new Float64Array([2]) } });
    expect(store.read('same', 'out')).toEqual({ version: 1, data: new Float64Array([1]) });
    // No temporary folders are left behind.
    expect(readdirSync(store.root)).toEqual(['same']);
  });

  it('gives a clear error for a missing artifact or port', () => {
    expect(store.has('nope')).toBe(false);
    expect(() => store.read('nope', 'table')).toThrow('Artifact nope/table is missing from the artifact store.');
    store.write('k', { table: 1 });
    expect(() => store.read('k', 'model')).toThrow(/k\/model is missing/);
  });

  it('readAsync reads the same values without blocking, with the same error for a missing one', async () => {
    const value = { table: { rowCount: 3, values: new Float64Array([1.5, NaN, -2]), codes: new Int32Array([0, -1, 1]) } };
    store.write('async', value);
    expect(await store.readAsync('async', 'table')).toEqual(store.read('async', 'table'));
    await expect(store.readAsync('async', 'nope')).rejects.toThrow('Artifact async/nope is missing from the artifact store.');
  });

  it('remove deletes an artifact', () => {
    store.write('gone', { out: [1, 2] });
    store.remove('gone');
    expect(store.has('gone')).toBe(false);
    expect(() => store.read('gone', 'out')).toThrow(/missing/);
  });
});
