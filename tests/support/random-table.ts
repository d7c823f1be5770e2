import { createRng } from '../../lib/rng';
import type { Table } from '../../lib/table';

/**
 * A table with a bit of everything preprocessing meets: numbers with missing cells and very different
 * spreads (x, y), a category with missing cells (kind), messy text (note), dates (when), a 1x2 grey
 * image with missing pixels (px_0_0, px_0_1: lib/image.ts's convention) and a binary target (label), seeded.
 */
export function randomTable(seed: number, rows = 160): Table {
  const rng = createRng(seed);
  const x = new Float64Array(rows);
  const y = new Float64Array(rows);
  const kind = new Int32Array(rows);
  const label = new Int32Array(rows);
  const when = new Float64Array(rows);
  const note = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i] = rng() < 0.1 ? NaN : rng() * 100 - 30;
    y[i] = rng() < 0.2 ? NaN : Math.exp(rng() * 3);
    kind[i] = rng() < 0.15 ? -1 : Math.floor(rng() * 3);
    label[i] = i % 2;
    when[i] = rng() < 0.1 ? NaN : Date.UTC(2020, 0, 1) + Math.floor(rng() * 2000) * 86_400_000;
    note[i] = Math.floor(rng() * 4);
  }
  // From a generator of their own, so the other columns are what they were before pixels were added.
  const pixelRng = createRng(seed + 1_000_003);
  const pixel = () => Float64Array.from({ length: rows }, () => (pixelRng() < 0.05 ? NaN : Math.round(pixelRng() * 255)));
  const [px00, px01] = [pixel(), pixel()];
  return {
    rowCount: rows,
    columns: [
      { name: 'x', type: 'number', values: x },
      { name: 'y', type: 'number', values: y },
      { name: 'kind', type: 'category', codes: kind, categories: ['a', 'b', 'c'] },
      { name: 'note', type: 'text', codes: note, categories: ['Late  delivery!', 'late delivery', 'Refund, please', 'REFUND please?'] },
      { name: 'when', type: 'date', values: when },
      { name: 'px_0_0', type: 'number', values: px00 },
      { name: 'px_0_1', type: 'number', values: px01 },
      { name: 'label', type: 'category', codes: label, categories: ['no', 'yes'] },
    ],
  };
}
