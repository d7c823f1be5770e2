import type { StatefulStep } from '../recipe';
import { isValueColumn, type Column, type Table, type ValueColumn } from '../../lib/table';
import { findColumn, refuseTarget, replaceColumns } from './columns';

export interface DatePartsParams {
  /** The date column to take apart. */
  column: string;
  /** Also the hour of day (0–23), for dates with times. */
  hour: boolean;
  /** Keep the date column itself beside its parts. */
  keepOriginal: boolean;
}

export interface DatePartsState {
  column: string;
}

export const DATE_PARTS = ['year', 'month', 'day', 'weekday', 'hour'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** The parts made, in column order: year, month (1–12), day (1–31), weekday (1 = Monday … 7 = Sunday), hour. */
export function datePartsMade(params: Pick<DatePartsParams, 'hour'>): DatePart[] {
  return DATE_PARTS.filter((p) => p !== 'hour' || params.hour);
}

export function datePartColumn(column: string, part: DatePart): string {
  return `${column}_${part}`;
}

function partOf(ms: number, part: DatePart): number {
  if (Number.isNaN(ms)) return NaN;
  const d = new Date(ms);
  if (part === 'year') return d.getUTCFullYear();
  if (part === 'month') return d.getUTCMonth() + 1;
  if (part === 'day') return d.getUTCDate();
  if (part === 'weekday') return ((d.getUTCDay() + 6) % 7) + 1;
  return d.getUTCHours();
}

/** Whether any present value has a time of day other than midnight (UTC). */
export function hasTimes(values: Float64Array): boolean {
  for (const v of values) if (!Number.isNaN(v) && v % 86_400_000 !== 0) return true;
  return false;
}

function dateColumn(table: Table, name: string): ValueColumn {
  const column = findColumn(table, name, 'Date parts');
  if (column.type !== 'date' || !isValueColumn(column)) throw new Error(`Date parts needs a date column, but "${name}" is ${column.type}.`);
  return column;
}

export function datePartsTable(table: Table, params: DatePartsParams): Table {
  const column = dateColumn(table, params.column);
  for (const part of datePartsMade(params)) {
    const name = datePartColumn(params.column, part);
    if (table.columns.some((c) => c.name === name)) throw new Error(`Date parts: the table already has a column "${name}".`);
  }
  const parts = datePartsMade(params).map(
    (part): Column => ({ name: datePartColumn(params.column, part), type: 'number', values: Float64Array.from(column.values, (v) => partOf(v, part)) }),
  );
  return replaceColumns(table, new Map([[params.column, params.keepOriginal ? [column, ...parts] : parts]]));
}

/**
 * A date → year, month, day, weekday (and hour) number columns, in UTC. Nothing is learned; it is a
 * recipe step so a deployed model takes the date itself and takes it apart the same way.
 */
export const datePartsStep: StatefulStep<DatePartsParams, DatePartsState> = {
  kind: 'date-parts',
  columns: (params) => [params.column, ...datePartsMade(params).map((p) => datePartColumn(params.column, p))],
  derivesFrom: (state) => [state.column],
  fit(table, params, context) {
    refuseTarget([params.column], context.target, 'Date parts');
    dateColumn(table, params.column);
    return { column: params.column };
  },
  transform: (table, _state, params) => datePartsTable(table, params),
};
