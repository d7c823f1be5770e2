/** Columnar tables: one typed array per column, plus the schema that flows through compile. */
export const COLUMN_TYPES = ['number', 'category'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export type Task = 'classification' | 'regression';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** Numeric columns: whether every present value is a whole number, and how many distinct values (when known). */
  integer?: boolean;
  distinct?: number;
}

/** What compile knows about a table before any row exists. */
export interface TableSchema {
  columns: ColumnSchema[];
  /** Declared once (at the split) and carried downstream with the data. */
  target?: string;
  task?: Task;
}

/** Numbers are Float64Array with NaN for missing; categories are codes into `categories` (-1 missing). */
export type Column =
  | { name: string; type: 'number'; values: Float64Array }
  | { name: string; type: 'category'; codes: Int32Array; categories: string[] };

export interface Table {
  rowCount: number;
  columns: Column[];
}

/** Column schema with the facts task inference needs (whole numbers, distinct count). */
export function tableSchema(table: Table): ColumnSchema[] {
  return table.columns.map((c): ColumnSchema => {
    if (c.type === 'category') return { name: c.name, type: c.type, distinct: c.categories.length };
    const seen = new Set<number>();
    let integer = true;
    for (const v of c.values) {
      if (Number.isNaN(v)) continue;
      if (!Number.isInteger(v)) integer = false;
      if (seen.size <= MAX_CLASSES) seen.add(v);
    }
    return { name: c.name, type: c.type, integer, distinct: seen.size };
  });
}

/** Above this many distinct whole numbers, a numeric target is taken as a quantity, not a class. */
export const MAX_CLASSES = 20;

/** 'auto' task: categories and small sets of whole numbers are classes; other numbers are quantities. */
export function inferTask(column: ColumnSchema): Task {
  if (column.type === 'category') return 'classification';
  return column.integer && column.distinct !== undefined && column.distinct <= MAX_CLASSES ? 'classification' : 'regression';
}

/** Class label of each row as text (numbers printed plainly); null when missing. */
export function labelOf(column: Column, row: number): string | null {
  const v = cellValue(column, row);
  return v === null ? null : String(v);
}

/** Class ids for rows, by position in `labels`; -1 for a missing or unknown label. */
export function classCodes(column: Column, labels: string[]): Int32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  const out = new Int32Array(column.type === 'number' ? column.values.length : column.codes.length);
  for (let r = 0; r < out.length; r++) {
    const label = labelOf(column, r);
    out[r] = label === null ? -1 : (index.get(label) ?? -1);
  }
  return out;
}

/** Numeric target values as Float64Array (regression). */
export function numericValues(column: Column): Float64Array {
  if (column.type !== 'number') throw new Error(`Column "${column.name}" is not numeric.`);
  return column.values;
}

export function getColumn(table: Table, name: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new Error(`Column "${name}" is not in the table.`);
  return column;
}

/** Rows picked by index, in the given order; category dictionaries are kept so codes stay comparable. */
export function takeRows(table: Table, rows: ArrayLike<number>): Table {
  const n = rows.length;
  const columns = table.columns.map((column): Column => {
    if (column.type === 'number') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = column.values[rows[i]];
      return { name: column.name, type: 'number', values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = column.codes[rows[i]];
    return { name: column.name, type: 'category', codes, categories: column.categories };
  });
  return { rowCount: n, columns };
}

export function dropColumns(table: Table, names: string[]): Table {
  return { rowCount: table.rowCount, columns: table.columns.filter((c) => !names.includes(c.name)) };
}

/** A cell as plain JSON: number, category label, or null when missing. */
export function cellValue(column: Column, row: number): number | string | null {
  if (column.type === 'number') {
    const v = column.values[row];
    return Number.isNaN(v) ? null : v;
  }
  const code = column.codes[row];
  return code < 0 ? null : column.categories[code];
}

export function tableRows(table: Table, limit = table.rowCount): Record<string, number | string | null>[] {
  const out: Record<string, number | string | null>[] = [];
  for (let r = 0; r < Math.min(limit, table.rowCount); r++) {
    const row: Record<string, number | string | null> = {};
    for (const column of table.columns) row[column.name] = cellValue(column, r);
    out.push(row);
  }
  return out;
}
