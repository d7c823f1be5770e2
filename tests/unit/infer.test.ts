import { describe, expect, it } from 'vitest';
import {
  inferColumnType,
  isMissing,
  parseBoolean,
  parseDate,
  parseNumber,
  parseNumberBytes,
  stringColumnType,
} from '../../runtime/ingest/infer';

describe('missing markers', () => {
  it.each(['', ' ', '\t', '  \t ', 'NA', 'na', 'Na', 'N/A', 'n/a', 'null', 'NULL', 'Null', '?', 'NaN', 'nan', 'NAN', ' NA ', '\tnull '])(
    '%j is missing',
    (value) => expect(isMissing(value)).toBe(true),
  );

  it.each(['0', 'none', 'N', 'nil', '??', 'n.a.', 'NA1', '-', 'nulls', 'false'])('%j is a value', (value) => expect(isMissing(value)).toBe(false));
});

describe('numbers', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['-1', -1],
    ['+2', 2],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['5.', 5],
    ['-0.125', -0.125],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['2.5e+2', 250],
    ['  42  ', 42],
    ['007', 7],
    ['0.1', 0.1],
    ['123456789.123456789', 123456789.123456789],
    ['9007199254740993', 9007199254740993],
    ['1e300', 1e300],
    ['4.9e-324', 4.9e-324],
  ])('%j is %d', (text, value) => expect(parseNumber(text)).toBe(value));

  it('is exactly what Number() gives, for many random decimals', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 5000; i++) {
      const text = ((random() - 0.5) * 10 ** Math.floor(random() * 12)).toFixed(Math.floor(random() * 9));
      expect(parseNumber(text), text).toBe(Number(text));
    }
  });

  it.each(['', 'abc', '1.2.3', '1,5', '1 000', '1,000', '0x10', 'Infinity', '-inf', 'e5', '1e', '1e+', '--1', '+-1', '.', '-', '1-2', '12a', '$5', '5%'])(
    '%j is not a number with "." decimals',
    (text) => expect(parseNumber(text)).toBeNull(),
  );

  it('decimal commas: "1,5" is 1.5; "1.5" is then not a number (no thousands separators either way)', () => {
    expect(parseNumber('1,5', ',')).toBe(1.5);
    expect(parseNumber('-0,25', ',')).toBe(-0.25);
    expect(parseNumber('3', ',')).toBe(3);
    expect(parseNumber('1,5e2', ',')).toBe(150);
    expect(parseNumber('1.5', ',')).toBeNull();
    expect(parseNumber('1.234,5', ',')).toBeNull();
    // Long mantissas take the slow path, with the comma swapped for Number().
    expect(parseNumber('0,12345678901234567890', ',')).toBe(0.1234567890123456789);
  });

  it('works on a byte range inside a larger buffer', () => {
    const bytes = new TextEncoder().encode('xx12.5yy');
    expect(parseNumberBytes(bytes, 2, 6)).toBe(12.5);
    expect(Number.isNaN(parseNumberBytes(bytes, 1, 6))).toBe(true);
  });
});

describe('booleans', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['yes', true],
    ['YES', true],
    ['false', false],
    ['False', false],
    ['no', false],
    ['No', false],
    [' yes ', true],
  ])('%j is %s', (text, value) => expect(parseBoolean(text)).toBe(value));

  it.each(['0', '1', 't', 'f', 'y', 'n', 'on', 'off', 'yess', 'truth', ''])('%j is not a boolean', (text) => expect(parseBoolean(text)).toBeNull());
});

describe('dates', () => {
  const utc = (...parts: [number, number, number, number?, number?, number?, number?]) => Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3] ?? 0, parts[4] ?? 0, parts[5] ?? 0, parts[6] ?? 0);

  it.each([
    ['2024-03-01', utc(2024, 3, 1)],
    ['2024/03/01', utc(2024, 3, 1)],
    ['1969-12-31', utc(1969, 12, 31)],
    ['2000-02-29', utc(2000, 2, 29)],
    ['2024-03-01T10:20', utc(2024, 3, 1, 10, 20)],
    ['2024-03-01T10:20:30', utc(2024, 3, 1, 10, 20, 30)],
    ['2024-03-01 10:20:30', utc(2024, 3, 1, 10, 20, 30)],
    ['2024-03-01T10:20:30Z', utc(2024, 3, 1, 10, 20, 30)],
    ['2024-03-01T10:20:30.250Z', utc(2024, 3, 1, 10, 20, 30, 250)],
    ['2024-03-01T10:20:30.1234567', utc(2024, 3, 1, 10, 20, 30, 123)],
    ['2024-03-01T10:20:30+02:00', utc(2024, 3, 1, 8, 20, 30)],
    ['2024-03-01T10:20:30-0130', utc(2024, 3, 1, 11, 50, 30)],
    ['2024-03-01T10:20Z', utc(2024, 3, 1, 10, 20)],
  ])('%j', (text, ms) => {
    expect(parseDate(text)).toBe(ms);
    // The same instant as the platform's ISO parser where it accepts the form.
    if (/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(text)) expect(parseDate(text)).toBe(Date.parse(text));
  });

  it.each([
    '2024-13-01',
    '2024-02-30',
    '2023-02-29',
    '1900-02-29',
    '2024-00-10',
    '2024-01-00',
    '2024-1-5',
    '2024-01-5',
    '2024-01/05',
    '01/02/2024',
    '1/2/2024',
    '2024-03-01T25:00',
    '2024-03-01T10:60',
    '2024-03-01T10',
    '2024-03-01T10:20:61',
    '2024-03-01T10:20:30.',
    '2024-03-01T10:20+2',
    '2024-03-01x',
    '20240301',
    'March 1, 2024',
  ])('%j is not a date', (text) => expect(parseDate(text)).toBeNull());
});

describe('column types', () => {
  it('number when every present value is a number; missing markers do not count', () => {
    expect(inferColumnType(['1', '2.5', '', 'NA', '-3e2', '?'])).toBe('number');
    expect(inferColumnType(['1,5', '2,25'], { decimal: ',' })).toBe('number');
    expect(inferColumnType(['1,5', '2,25'])).toBe('category');
  });

  it('0/1 stay numbers; true/false/yes/no are booleans; mixing them is a category', () => {
    expect(inferColumnType(['0', '1', '1', '0'])).toBe('number');
    expect(inferColumnType(['yes', 'No', 'TRUE', 'false', 'NA'])).toBe('boolean');
    expect(inferColumnType(['yes', 'no', '1'])).toBe('category');
    expect(inferColumnType(['yes', 'no', 'maybe'])).toBe('category');
  });

  it('date when every present value is an ISO date', () => {
    expect(inferColumnType(['2024-01-01', '2024-01-02T10:00', 'null'])).toBe('date');
    expect(inferColumnType(['2024-01-01', 'soon'])).toBe('category');
    expect(inferColumnType(['2024-01-01', '5'])).toBe('category');
  });

  it('all missing is a number column', () => {
    expect(inferColumnType(['', 'NA', ' '])).toBe('number');
    expect(inferColumnType([])).toBe('number');
  });

  it('text when more than 20 values and more than half distinct', () => {
    const ids = Array.from({ length: 21 }, (_, i) => `T${i}`);
    expect(inferColumnType(ids)).toBe('text');
    // 20 distinct values is not enough rows to tell.
    expect(inferColumnType(ids.slice(0, 20))).toBe('category');
    // 30 values, 15 distinct: exactly half is a category.
    expect(inferColumnType(Array.from({ length: 30 }, (_, i) => `v${i % 15}`))).toBe('category');
    expect(inferColumnType(Array.from({ length: 30 }, (_, i) => `v${i % 16}`))).toBe('text');
  });

  it('text when values are long with spaces, however few', () => {
    const long = 'the app crashes whenever I export my report';
    expect(inferColumnType([long, long, 'another long sentence about the same problem'])).toBe('text');
    // Long but without spaces (e.g. hashes) stays a category.
    const hash = 'a'.repeat(40);
    expect(inferColumnType([hash, hash, hash])).toBe('category');
  });

  it('stringColumnType thresholds', () => {
    expect(stringColumnType({ present: 21, distinct: 11, meanLength: 3, spacedFraction: 0 })).toBe('text');
    expect(stringColumnType({ present: 21, distinct: 10, meanLength: 3, spacedFraction: 0 })).toBe('category');
    expect(stringColumnType({ present: 5, distinct: 1, meanLength: 30, spacedFraction: 0.6 })).toBe('text');
    expect(stringColumnType({ present: 5, distinct: 1, meanLength: 29.9, spacedFraction: 1 })).toBe('category');
    expect(stringColumnType({ present: 5, distinct: 1, meanLength: 50, spacedFraction: 0.5 })).toBe('category');
    expect(stringColumnType({ present: 0, distinct: 0, meanLength: NaN, spacedFraction: NaN })).toBe('category');
  });
});
