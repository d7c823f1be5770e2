/** Columnar tables: one typed array per column, plus the schema that flows through compile. */
export const COLUMN_TYPES = ['number', 'category', 'text', 'date', 'boolean'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
/** Stored as Float64Array (NaN = missing): dates as milliseconds since 1970 UTC, booleans as 0/1. */
export type ValueColumnType = 'number' | 'date' | 'boolean';
/** Stored as codes into a dictionary (-1 = missing): categories, and free text (one entry per distinct text). */
export type DictionaryColumnType = 'category' | 'text';
export type Task = 'classification' | 'regression';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** Numeric columns: whether every present value is a whole number, and how many distinct values (when known). */
  integer?: boolean;
  distinct?: number;
  /** A step fitted on the training rows may drop it (Feature selection): which ones, only the fit knows. */
  droppable?: boolean;
}

/**
 * Columns a step makes once fitted on the training rows, so their names are known only then (One-hot
 * encode: "color" → "color=red", "color=blue"…): zero or more columns named `<prefix><label>`.
 */
export interface ColumnFamily {
  prefix: string;
  type: ColumnType;
  /** The column they are made from. */
  from: string;
}

/** What compile knows about a table before any row exists. */
export interface TableSchema {
  columns: ColumnSchema[];
  /** Declared once (at the split) and carried downstream with the data. */
  target?: string;
  task?: Task;
  /** Columns whose names are known only once a step is fitted (see ColumnFamily). */
  families?: ColumnFamily[];
}

export type ValueColumn = {
  name: string;
  type: ValueColumnType;
  values: Float64Array;
  /** A boolean column's words as its data wrote them (the false one, the true one: "No", "Yes"): its labels as a class. */
  words?: readonly [string, string];
};
export type DictionaryColumn = { name: string; type: DictionaryColumnType; codes: Int32Array; categories: string[] };
export type Column = ValueColumn | DictionaryColumn;

export function isValueColumn(column: Column): column is ValueColumn {
  return 'values' in column;
}

export interface Table {
  rowCount: number;
  columns: Column[];
}

/** Column schema with the facts task inference needs (whole numbers, distinct count). */
export function tableSchema(table: Table): ColumnSchema[] {
  return table.columns.map((c): ColumnSchema => {
    if (!isValueColumn(c)) return { name: c.name, type: c.type, distinct: c.categories.length };
    if (c.type !== 'number') return { name: c.name, type: c.type };
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
  if (column.type !== 'number') return 'classification';
  return column.integer && column.distinct !== undefined && column.distinct <= MAX_CLASSES ? 'classification' : 'regression';
}

/** Class label of each row as text (numbers printed plainly, booleans in the words of their data); null when missing. */
export function labelOf(column: Column, row: number): string | null {
  const v = cellValue(column, row);
  if (v === null) return null;
  return typeof v === 'boolean' && isValueColumn(column) && column.words ? column.words[Number(v)] : String(v);
}

/** Class ids for rows, by position in `labels`; -1 for a missing or unknown label. */
export function classCodes(column: Column, labels: string[]): Int32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  const out = new Int32Array(isValueColumn(column) ? column.values.length : column.codes.length);
  for (let r = 0; r < out.length; r++) {
    const label = labelOf(column, r);
    out[r] = label === null ? -1 : (index.get(label) ?? -1);
  }
  return out;
}

/** Numeric target values as Float64Array (regression). */
export function numericValues(column: Column): Float64Array {
  if (column.type !== 'number' || !isValueColumn(column)) throw new Error(`Column "${column.name}" is not numeric.`);
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
    if (isValueColumn(column)) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = column.values[rows[i]];
      return { ...column, values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = column.codes[rows[i]];
    return { ...column, codes };
  });
  return { rowCount: n, columns };
}

export function dropColumns(table: Table, names: string[]): Table {
  return { rowCount: table.rowCount, columns: table.columns.filter((c) => !names.includes(c.name)) };
}

export type CellValue = number | string | boolean | null;

/** A cell as plain JSON: a number, a label or text, an ISO date, true/false, or null when missing. */
export function cellValue(column: Column, row: number): CellValue {
  if (isValueColumn(column)) {
    const v = column.values[row];
    if (Number.isNaN(v)) return null;
    if (column.type === 'boolean') return v !== 0;
    if (column.type === 'date') return formatDate(v);
    return v;
  }
  const code = column.codes[row];
  return code < 0 ? null : column.categories[code];
}

/** 2024-03-01 for midnight UTC, else the full ISO timestamp. */
export function formatDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** Rows as plain JSON objects, from `offset`, at most `limit` of them. */
export function tableRows(table: Table, limit = table.rowCount, offset = 0): Record<string, CellValue>[] {
  const out: Record<string, CellValue>[] = [];
  const end = Math.min(table.rowCount, offset + limit);
  for (let r = offset; r < end; r++) {
    const row: Record<string, CellValue> = {};
    for (const column of table.columns) row[column.name] = cellValue(column, r);
    out.push(row);
  }
  return out;
}
