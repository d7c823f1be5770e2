import Papa from 'papaparse';
import type { Column, Table } from '../../lib/table';

const MISSING = new Set(['', 'na', 'n/a', 'null', '?', 'nan']);

export function isMissing(raw: string): boolean {
  return MISSING.has(raw.trim().toLowerCase());
}

/** A column of raw strings → a typed column: numeric when every present value is a number. */
export function typedColumn(name: string, raw: string[]): Column {
  const values = new Float64Array(raw.length);
  let numeric = true;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    if (isMissing(s)) {
      values[i] = NaN;
      continue;
    }
    const v = Number(s.trim());
    if (!Number.isFinite(v)) {
      numeric = false;
      break;
    }
    values[i] = v;
  }
  if (numeric) return { name, type: 'number', values };
  const dictionary = new Map<string, number>();
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i].trim();
    if (isMissing(s)) {
      codes[i] = -1;
      continue;
    }
    let code = dictionary.get(s);
    if (code === undefined) {
      code = dictionary.size;
      dictionary.set(s, code);
    }
    codes[i] = code;
  }
  return { name, type: 'category', codes, categories: [...dictionary.keys()] };
}

/** Parses CSV text with a header row into a typed table; throws with the line number of a broken row. */
export function parseCsv(text: string): Table {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true });
  const fatal = parsed.errors.find((e) => e.type !== 'Delimiter');
  if (fatal) throw new Error(`CSV problem at line ${(fatal.row ?? 0) + 1}: ${fatal.message}`);
  const [header, ...rows] = parsed.data;
  if (!header || header.length === 0) throw new Error('The CSV file has no header row.');
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new Error(`CSV line ${i + 2} has ${row.length} fields; the header has ${header.length}.`);
    }
  });
  const columns = header.map((name, c) => typedColumn(name.trim(), rows.map((row) => row[c])));
  return { rowCount: rows.length, columns };
}
