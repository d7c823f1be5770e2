/**
 * Cell parsing and column type inference for uploaded tables (pure: no I/O, usable in the browser).
 *
 * The rules, applied to every present (non-missing) value of a column:
 * - missing: '', whitespace, NA, N/A, null, ?, NaN (case-insensitive, surrounding whitespace ignored);
 * - number: every present value is a plain decimal number: optional sign, digits with one decimal
 *   separator ('.' or, with decimal ',', a comma; not both), optional exponent (1e-3). No thousands
 *   separators, no hex, no Infinity. 0 and 1 stay numbers;
 * - date: every present value is YYYY-MM-DD or YYYY/MM/DD, optionally followed by 'T' or a space and
 *   HH:MM[:SS[.fraction]] and an optional zone (Z, +HH:MM, +HHMM). No zone means UTC. Day-first or
 *   month-first forms (1/2/2024) are ambiguous and are not dates (they stay strings);
 * - boolean: every present value is true/false/yes/no (case-insensitive);
 * - otherwise strings: text (free text, one dictionary entry per distinct value) when there are more
 *   than 20 present values and more than half of them are distinct, or when values average 30 or more
 *   characters and most contain a space; otherwise category.
 * A column with no present value at all is a number column (all missing).
 *
 * The byte-level functions (…Bytes) work on raw file bytes without building strings; the string
 * functions are the same rules for callers holding strings.
 */
import type { ColumnType } from '../../lib/table';

export type Decimal = '.' | ',';

const SPACE = 0x20;
const QUOTE_MARK = 0x3f; // ?
const SLASH = 0x2f;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const COMMA = 0x2c;
const COLON = 0x3a;
const ZERO = 0x30;

/** The missing-value markers (compared case-insensitively after trimming). */
export const MISSING_MARKERS = ['', 'na', 'n/a', 'null', '?', 'nan'] as const;
/** The words a boolean column may hold (case-insensitive). */
export const BOOLEAN_WORDS = { true: true, yes: true, false: false, no: false } as const;

/** Above this many present values, a column whose values are mostly distinct is free text. */
export const TEXT_MIN_ROWS = 20;
/** Values this long on average (with spaces) are free text whatever their count. */
export const TEXT_MIN_MEAN_LENGTH = 30;

// ---------------------------------------------------------------------------------------------
// Byte-level parsing (the ingest hot path)

/** Whitespace for trimming: ASCII controls (tab, CR, LF…) and space. */
export function isBlankByte(b: number): boolean {
  return b <= SPACE;
}

const lower = (b: number) => b | 0x20;

/** Whether bytes[start, end) (already trimmed) is a missing-value marker. */
export function isMissingBytes(bytes: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0) return true;
  if (n > 4) return false;
  const a = lower(bytes[start]);
  if (n === 1) return bytes[start] === QUOTE_MARK;
  if (n === 2) return a === 0x6e && lower(bytes[start + 1]) === 0x61; // na
  if (n === 3) {
    if (a !== 0x6e) return false;
    const b = bytes[start + 1];
    const c = lower(bytes[start + 2]);
    return (b === SLASH && c === 0x61) || (lower(b) === 0x61 && c === 0x6e); // n/a, nan
  }
  return a === 0x6e && lower(bytes[start + 1]) === 0x75 && lower(bytes[start + 2]) === 0x6c && lower(bytes[start + 3]) === 0x6c; // null
}

const MAX_EXACT = 2 ** 53;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const latin1 = (bytes: Uint8Array, start: number, end: number): string => {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
};

/**
 * A plain decimal number in bytes[start, end) (trimmed), or NaN when the bytes are not one.
 * Exact: digits worth less than 2^53 and a power of ten within 1e±22 are computed directly
 * (one correctly rounded operation, as in Clinger's fast path); anything else goes through Number().
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number, decimal: Decimal = '.'): number {
  let i = start;
  if (i >= end) return NaN;
  let negative = false;
  const first = bytes[i];
  if (first === MINUS) {
    negative = true;
    i++;
  } else if (first === PLUS) i++;
  const separator = decimal === ',' ? COMMA : DOT;
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  let d = 0;
  while (i < end && (d = bytes[i] - ZERO) >= 0 && d <= 9) {
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < end && bytes[i] === separator) {
    i++;
    while (i < end && (d = bytes[i] - ZERO) >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      exponent--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (bytes[i] | 0x20) === 0x65) {
    // e / E
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
      expNegative = bytes[i] === MINUS;
      i++;
    }
    let e = 0;
    let expDigits = 0;
    while (i < end && (d = bytes[i] - ZERO) >= 0 && d <= 9) {
      if (e < 100000) e = e * 10 + d;
      expDigits++;
      i++;
    }
    if (expDigits === 0) return NaN;
    exponent += expNegative ? -e : e;
  }
  if (i !== end) return NaN;
  let value: number;
  // While the digits read stay below 2^53 every step above was exact.
  if (mantissa <= MAX_EXACT && exponent >= -22 && exponent <= 22) {
    value = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
  } else {
    // Rare: many digits or a large exponent; Number() rounds correctly.
    let text = latin1(bytes, start, end);
    if (decimal === ',') text = text.replace(',', '.');
    value = Number(text);
    if (!Number.isFinite(value)) return NaN;
    return value;
  }
  return negative ? -value : value;
}

function twoDigits(bytes: Uint8Array, i: number): number {
  const a = bytes[i] - ZERO;
  const b = bytes[i + 1] - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAY_MS = 86_400_000;

/**
 * An ISO date or date-time in bytes[start, end) (trimmed) as ms since 1970 UTC, or NaN.
 * YYYY-MM-DD | YYYY/MM/DD, then optionally [T| ]HH:MM[:SS[.fff…]] and Z | ±HH:MM | ±HHMM.
 */
export function parseDateBytes(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 10) return NaN;
  let year = 0;
  for (let k = 0; k < 4; k++) {
    const d = bytes[start + k] - ZERO;
    if (d < 0 || d > 9) return NaN;
    year = year * 10 + d;
  }
  const sep = bytes[start + 4];
  if ((sep !== MINUS && sep !== SLASH) || bytes[start + 7] !== sep) return NaN;
  const month = twoDigits(bytes, start + 5);
  const day = twoDigits(bytes, start + 8);
  if (month < 1 || month > 12 || day < 1) return NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return NaN;
  let ms = daysFromCivil(year, month, day) * DAY_MS;
  if (n === 10) return ms;
  // Time of day.
  let i = start + 10;
  const t = bytes[i];
  if ((t !== 0x54 && t !== 0x74 && t !== SPACE) || end - i < 6) return NaN; // T, t or space, then HH:MM
  i++;
  const hour = twoDigits(bytes, i);
  if (hour < 0 || hour > 23 || bytes[i + 2] !== COLON) return NaN;
  const minute = twoDigits(bytes, i + 3);
  if (minute < 0 || minute > 59) return NaN;
  i += 5;
  let second = 0;
  let fraction = 0;
  if (i < end && bytes[i] === COLON) {
    if (end - i < 3) return NaN;
    second = twoDigits(bytes, i + 1);
    if (second < 0 || second > 59) return NaN;
    i += 3;
    if (i < end && (bytes[i] === DOT || bytes[i] === COMMA)) {
      i++;
      let scale = 100;
      const fractionStart = i;
      let d = 0;
      while (i < end && (d = bytes[i] - ZERO) >= 0 && d <= 9) {
        fraction += d * scale;
        scale /= 10;
        i++;
      }
      if (i === fractionStart) return NaN;
      fraction = Math.floor(fraction);
    }
  }
  ms += hour * 3_600_000 + minute * 60_000 + second * 1000 + fraction;
  if (i === end) return ms;
  // Zone.
  const z = bytes[i];
  if ((z === 0x5a || z === 0x7a) && i + 1 === end) return ms; // Z
  if (z !== PLUS && z !== MINUS) return NaN;
  const zoneHours = twoDigits(bytes, i + 1);
  let zoneMinutes: number;
  if (end - i === 6 && bytes[i + 3] === COLON) zoneMinutes = twoDigits(bytes, i + 4);
  else if (end - i === 5) zoneMinutes = twoDigits(bytes, i + 3);
  else if (end - i === 3) zoneMinutes = 0;
  else return NaN;
  if (zoneHours < 0 || zoneHours > 23 || zoneMinutes < 0 || zoneMinutes > 59) return NaN;
  const offset = (zoneHours * 60 + zoneMinutes) * 60_000;
  return z === PLUS ? ms - offset : ms + offset;
}

/** 1 for true/yes, 0 for false/no (case-insensitive), -1 otherwise. */
export function parseBooleanBytes(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 2 || n > 5) return -1;
  const a = lower(bytes[start]);
  const b = lower(bytes[start + 1]);
  if (n === 2) return a === 0x6e && b === 0x6f ? 0 : -1; // no
  const c = lower(bytes[start + 2]);
  if (n === 3) return a === 0x79 && b === 0x65 && c === 0x73 ? 1 : -1; // yes
  const d = lower(bytes[start + 3]);
  if (n === 4) return a === 0x74 && b === 0x72 && c === 0x75 && d === 0x65 ? 1 : -1; // true
  return a === 0x66 && b === 0x61 && c === 0x6c && d === 0x73 && lower(bytes[start + 4]) === 0x65 ? 0 : -1; // false
}

// ---------------------------------------------------------------------------------------------
// The same rules on strings

const encoder = new TextEncoder();

function trimmedBytes(value: string): Uint8Array {
  const bytes = encoder.encode(value);
  let start = 0;
  let end = bytes.length;
  while (start < end && bytes[start] <= SPACE) start++;
  while (end > start && bytes[end - 1] <= SPACE) end--;
  return bytes.subarray(start, end);
}

export function isMissing(value: string): boolean {
  const b = trimmedBytes(value);
  return isMissingBytes(b, 0, b.length);
}

/** The number a cell holds, or null when it is not a plain decimal number (see the rules above). */
export function parseNumber(value: string, decimal: Decimal = '.'): number | null {
  const b = trimmedBytes(value);
  const v = parseNumberBytes(b, 0, b.length, decimal);
  return Number.isNaN(v) ? null : v;
}

/** ms since 1970 UTC of an ISO date/date-time, or null. */
export function parseDate(value: string): number | null {
  const b = trimmedBytes(value);
  const v = parseDateBytes(b, 0, b.length);
  return Number.isNaN(v) ? null : v;
}

export function parseBoolean(value: string): boolean | null {
  const b = trimmedBytes(value);
  const v = parseBooleanBytes(b, 0, b.length);
  return v < 0 ? null : v === 1;
}

/** What the text/category rule needs about a string column. */
export interface StringStats {
  /** Present (non-missing) values. */
  present: number;
  /** Distinct present values. */
  distinct: number;
  /** Mean length of present values, in characters (bytes for the byte-level ingest). */
  meanLength: number;
  /** Share of present values containing a space. */
  spacedFraction: number;
}

/** Free text or a category (see the rules at the top of this file). */
export function stringColumnType(stats: StringStats): 'text' | 'category' {
  if (stats.present > TEXT_MIN_ROWS && stats.distinct * 2 > stats.present) return 'text';
  if (stats.present > 0 && stats.meanLength >= TEXT_MIN_MEAN_LENGTH && stats.spacedFraction > 0.5) return 'text';
  return 'category';
}

/** The inferred type of a column of raw cells (the same rules the file ingest applies). */
export function inferColumnType(values: readonly string[], options: { decimal?: Decimal } = {}): ColumnType {
  const decimal = options.decimal ?? '.';
  const present: string[] = [];
  for (const raw of values) if (!isMissing(raw)) present.push(raw.trim());
  if (present.every((v) => parseNumber(v, decimal) !== null)) return 'number';
  if (present.every((v) => parseDate(v) !== null)) return 'date';
  if (present.every((v) => parseBoolean(v) !== null)) return 'boolean';
  let length = 0;
  let spaced = 0;
  for (const v of present) {
    length += v.length;
    if (v.includes(' ')) spaced++;
  }
  return stringColumnType({
    present: present.length,
    distinct: new Set(present).size,
    meanLength: length / present.length,
    spacedFraction: spaced / present.length,
  });
}
