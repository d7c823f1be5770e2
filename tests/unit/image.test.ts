import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageShape, pixelColumnNames } from '../../lib/image';
import type { ColumnSchema } from '../../lib/table';
import { projectRoot } from '../support/pipeloom';

const numbers = (names: string[]): ColumnSchema[] => names.map((name) => ({ name, type: 'number' }));

describe('imageShape', () => {
  it('reads the bundled 8x8 digits sample as one grey 8x8 image per row', () => {
    const header = readFileSync(path.join(projectRoot, 'samples/datasets/digits_8x8.csv'), 'utf8').split('\n')[0].trim().split(',');
    const columns: ColumnSchema[] = header.map((name) => ({ name, type: name === 'digit' ? 'category' : 'number' }));
    const shape = imageShape(columns)!;
    expect(shape).toMatchObject({ height: 8, width: 8, channels: 1 });
    expect(shape.columns).toHaveLength(64);
    expect(shape.columns.slice(0, 3)).toEqual(['px_0_0', 'px_0_1', 'px_0_2']);
    expect(shape.columns[8]).toBe('px_1_0');
    expect(shape.columns).not.toContain('digit');
  });

  it('colour: px_<row>_<col>_<channel>, channel last, whatever the column order', () => {
    const names = pixelColumnNames(2, 3, 3);
    expect(names.slice(0, 4)).toEqual(['px_0_0_0', 'px_0_0_1', 'px_0_0_2', 'px_0_1_0']);
    const shuffled = [...names].reverse();
    const shape = imageShape([{ name: 'file', type: 'text' }, ...numbers(shuffled), { name: 'label', type: 'category' }])!;
    expect(shape).toEqual({ height: 2, width: 3, channels: 3, columns: names });
  });

  it('a single channel written with its channel part is one channel', () => {
    expect(imageShape(numbers(['px_0_0_0', 'px_0_1_0']))).toEqual({ height: 1, width: 2, channels: 1, columns: ['px_0_0_0', 'px_0_1_0'] });
  });

  it('undefined when pixel columns are missing, not numbers, mixed in form, or absent', () => {
    const names = pixelColumnNames(3, 3, 1);
    expect(imageShape(numbers(names.filter((n) => n !== 'px_1_1')))).toBeUndefined();
    expect(imageShape(numbers(names.slice(0, -1)))).toBeUndefined(); // px_2_2 gone: the grid is ragged
    expect(imageShape([...numbers(names.slice(1)), { name: 'px_0_0', type: 'category' }])).toBeUndefined();
    expect(imageShape(numbers([...pixelColumnNames(2, 2, 1), 'px_0_0_1']))).toBeUndefined();
    expect(imageShape(numbers(['age', 'pixel_0_0', 'px_a_b']))).toBeUndefined();
    expect(imageShape([])).toBeUndefined();
  });
});
