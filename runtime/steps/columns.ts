import { isValueColumn, type Column, type DictionaryColumn, type Table, type ValueColumn } from '../../lib/table';

/** Helpers the recipe steps share: finding a named column of the right kind, or a clear error. */

export function findColumn(table: Table, name: string, step: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new Error(`${step}: column "${name}" is not in the table.`);
  return column;
}

export function numberColumn(table: Table, name: string, step: string): ValueColumn {
  const column = findColumn(table, name, step);
  if (column.type !== 'number' || !isValueColumn(column)) throw new Error(`${step} needs a numeric column, but "${name}" is ${column.type}.`);
  return column;
}

export function dictionaryColumn(table: Table, name: string, step: string, types: readonly string[] = ['category', 'text']): DictionaryColumn {
  const column = findColumn(table, name, step);
  if (isValueColumn(column) || !types.includes(column.type)) throw new Error(`${step} needs a ${types.join(' or ')} column, but "${name}" is ${column.type}.`);
  return column;
}

/** Steps that change a column's type (or make new columns) refuse the target instead of silently skipping it. */
export function refuseTarget(names: readonly string[], target: string, step: string): void {
  if (names.includes(target)) throw new Error(`${step}: "${target}" is the target column, which preprocessing never changes. Remove it from this step.`);
}

/**
 * Each value column named in `scales` (the fits name numeric ones) as (x - center) / scale (standardize, min-max, robust scale);
 * the other columns as they are, missing values staying missing.
 */
export function rescaleColumns(table: Table, scales: ReadonlyMap<string, { center: number; scale: number }>): Table {
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((column) => {
      const s = scales.get(column.name);
      if (!s || !isValueColumn(column)) return column;
      return { ...column, values: Float64Array.from(column.values, (v) => (v - s.center) / s.scale) };
    }),
  };
}

/** The present values of a numeric column, sorted ascending. */
export function presentSorted(values: Float64Array): Float64Array {
  return values.filter((v) => !Number.isNaN(v)).sort();
}

/** Linear interpolation between closest ranks (numpy's default, R type 7) on sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Numbers by value ("-5" before "2" before "10"); other labels alphabetically, digit runs by value ("2: low" before "10: high"). */
export function naturalOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The labels the rows actually use (a table cut from a bigger one keeps the whole dictionary). */
export function usedLabels(column: DictionaryColumn): string[] {
  const used = new Uint8Array(column.categories.length);
  for (const code of column.codes) if (code >= 0) used[code] = 1;
  return column.categories.filter((_, code) => used[code]);
}

/** The table with some columns replaced (by name) by zero or more columns, in place. */
export function replaceColumns(table: Table, replacements: Map<string, Column[]>): Table {
  return { rowCount: table.rowCount, columns: table.columns.flatMap((c) => replacements.get(c.name) ?? [c]) };
}
