/**
 * The generated CSV the data benchmarks read (ingest, preview-scroll): `rows` rows x 20 columns
 * (8 decimal, 6 integer and 6 categorical; 5% of cells missing as '' or NA), deterministic (seed 42),
 * about 127 bytes a row.
 */
import { createWriteStream, statSync } from 'node:fs';
import { createRng } from '../../lib/rng';

const CATEGORIES = [
  ['red', 'green', 'blue', 'yellow', 'black'],
  ['north', 'south', 'east', 'west'],
  Array.from({ length: 50 }, (_, i) => `store_${i}`),
  ['basic', 'plus', 'premium'],
  Array.from({ length: 200 }, (_, i) => `sku${1000 + i}`),
  ['a', 'b'],
];

/** Writes the CSV to `file`; returns its size in bytes. */
export async function generateCsv(file: string, rows: number): Promise<number> {
  const random = createRng(42);
  const header = [
    ...Array.from({ length: 8 }, (_, i) => `x${i}`),
    ...Array.from({ length: 6 }, (_, i) => `n${i}`),
    ...Array.from({ length: 6 }, (_, i) => `c${i}`),
  ].join(',');
  const out = createWriteStream(file);
  const write = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', resolve)));
  await write(header + '\n');
  let block: string[] = [];
  const cell = (make: () => string) => {
    const r = random();
    return r < 0.04 ? '' : r < 0.05 ? 'NA' : make();
  };
  for (let r = 0; r < rows; r++) {
    const fields: string[] = [];
    for (let i = 0; i < 8; i++) fields.push(cell(() => ((random() - 0.5) * 2000 * (i + 1) ** -1).toFixed(4)));
    for (let i = 0; i < 6; i++) fields.push(cell(() => String(Math.floor(random() * 10 ** (2 + (i % 4))))));
    for (let i = 0; i < 6; i++) fields.push(cell(() => CATEGORIES[i][Math.floor(random() * CATEGORIES[i].length)]));
    block.push(fields.join(','));
    if (block.length === 10_000) {
      await write(block.join('\n') + '\n');
      block = [];
    }
  }
  if (block.length > 0) await write(block.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return statSync(file).size;
}
