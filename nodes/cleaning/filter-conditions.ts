import { z } from 'zod';
import { parseDate } from '../../runtime/ingest/infer';
import { isValueColumn, type Column, type ColumnType } from '../../lib/table';

/**
 * Filter rows' conditions: {column, operator, value}, with the operators that fit each column type.
 * Pure (no table needed to check one), so compile and run judge a condition the same way.
 */

export const OPERATORS = [
  'equals',
  'not-equals',
  'less',
  'less-or-equal',
  'greater',
  'greater-or-equal',
  'between',
  'one-of',
  'contains',
  'starts-with',
  'is-true',
  'is-false',
  'is-missing',
  'is-not-missing',
] as const;
export type Operator = (typeof OPERATORS)[number];

const EMPTINESS = { 'is-missing': 'is empty', 'is-not-missing': 'is not empty' } as const;
const LABEL_OPERATORS = { equals: 'is', 'not-equals': 'is not', 'one-of': 'is one of', contains: 'contains', 'starts-with': 'starts with', ...EMPTINESS } as const;

/** The operators that fit each column type, in menu order, with their words for that type. */
export const OPERATORS_BY_TYPE: Record<ColumnType, Partial<Record<Operator, string>>> = {
  number: { equals: '=', 'not-equals': '≠', less: '<', 'less-or-equal': '≤', greater: '>', 'greater-or-equal': '≥', between: 'is between', ...EMPTINESS },
  category: LABEL_OPERATORS,
  text: LABEL_OPERATORS,
  date: {
    less: 'is before',
    greater: 'is after',
    between: 'is between',
    'less-or-equal': 'is on or before',
    'greater-or-equal': 'is on or after',
    equals: 'is',
    'not-equals': 'is not',
    ...EMPTINESS,
  },
  boolean: { 'is-true': 'is true', 'is-false': 'is false', ...EMPTINESS },
};

/** Words for an operator before a column is chosen. */
const GENERIC_LABELS: Record<Operator, string> = {
  equals: 'is (=)',
  'not-equals': 'is not (≠)',
  less: '< / is before',
  'less-or-equal': '≤ / is on or before',
  greater: '> / is after',
  'greater-or-equal': '≥ / is on or after',
  between: 'is between',
  'one-of': 'is one of',
  contains: 'contains',
  'starts-with': 'starts with',
  'is-true': 'is true',
  'is-false': 'is false',
  'is-missing': 'is empty',
  'is-not-missing': 'is not empty',
};

const NO_VALUE: Operator[] = ['is-true', 'is-false', 'is-missing', 'is-not-missing'];

export const conditionSchema = z.object({
  column: z.string().default('').meta({ title: 'Column', widget: 'column', emptyLabel: 'choose a column' }),
  operator: z
    .enum(OPERATORS)
    .default('equals')
    .meta({ title: 'Condition', enumLabels: GENERIC_LABELS, optionsByColumnType: { field: 'column', options: OPERATORS_BY_TYPE } }),
  value: z
    .string()
    .default('')
    .meta({
      title: 'Value',
      description: 'Numbers like 3.5, dates like 2024-03-01; for "is one of", labels separated by commas. "contains" and "starts with" ignore upper and lower case.',
      visibleWhen: { field: 'operator', notIn: NO_VALUE },
    }),
  to: z.string().default('').meta({ title: 'And', description: 'The upper end of the range (included).', visibleWhen: { field: 'operator', in: ['between'] } }),
});
export type Condition = z.output<typeof conditionSchema>;

/** A condition ready to test rows: bounds as numbers (dates as ms since 1970 UTC), labels, or text. */
export type ParsedCondition =
  | { operator: 'is-true' | 'is-false' | 'is-missing' | 'is-not-missing' }
  | { operator: 'ordered'; low: number; high: number; lowIncluded: boolean; highIncluded: boolean; negate: boolean }
  | { operator: 'labels'; labels: Set<string>; negate: boolean }
  | { operator: 'contains' | 'starts-with'; text: string };

export type ConditionProblem = { field: 'column' | 'operator' | 'value' | 'to'; message: string };

const KIND_WORDS: Record<ColumnType, string> = { number: 'numbers', category: 'categories', text: 'free text', date: 'dates', boolean: 'yes/no values' };

function parseBound(type: ColumnType, text: string, field: 'value' | 'to'): number | ConditionProblem {
  const trimmed = text.trim();
  if (trimmed === '') return { field, message: field === 'value' ? 'give the value to compare with.' : 'give the upper end of the range.' };
  if (type === 'date') {
    const ms = parseDate(trimmed);
    return ms ?? { field, message: `"${trimmed}" is not a date: write dates as 2024-03-01 (or 2024-03-01T14:30 with a time).` };
  }
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : { field, message: `"${trimmed}" is not a number: write numbers like 3.5.` };
}

/** The condition checked against the type of its column: ready to test rows, or what is wrong (naming the field). */
export function parseCondition(condition: Condition, type: ColumnType): ParsedCondition | ConditionProblem {
  const { operator } = condition;
  const words = OPERATORS_BY_TYPE[type][operator];
  if (!words) {
    const fitting = Object.values(OPERATORS_BY_TYPE[type]).map((w) => `"${w}"`).join(', ');
    return { field: 'operator', message: `"${GENERIC_LABELS[operator]}" does not fit "${condition.column}", which holds ${KIND_WORDS[type]}: choose ${fitting}.` };
  }
  if (operator === 'is-true' || operator === 'is-false' || operator === 'is-missing' || operator === 'is-not-missing') return { operator };
  if (type === 'number' || type === 'date') {
    const low = parseBound(type, condition.value, 'value');
    if (typeof low !== 'number') return low;
    if (operator !== 'between') {
      const bounds: Record<string, [number, number, boolean, boolean]> = {
        equals: [low, low, true, true],
        'not-equals': [low, low, true, true],
        less: [-Infinity, low, true, false],
        'less-or-equal': [-Infinity, low, true, true],
        greater: [low, Infinity, false, true],
        'greater-or-equal': [low, Infinity, true, true],
      };
      const [lo, hi, lowIncluded, highIncluded] = bounds[operator];
      return { operator: 'ordered', low: lo, high: hi, lowIncluded, highIncluded, negate: operator === 'not-equals' };
    }
    const high = parseBound(type, condition.to, 'to');
    if (typeof high !== 'number') return high;
    if (high < low) return { field: 'to', message: `the range from ${condition.value.trim()} to ${condition.to.trim()} is empty: give the smaller value first.` };
    return { operator: 'ordered', low, high, lowIncluded: true, highIncluded: true, negate: false };
  }
  // Categories and text.
  if (operator === 'contains' || operator === 'starts-with') {
    if (condition.value === '') return { field: 'value', message: `give the text it ${words}.` };
    return { operator, text: condition.value.toLowerCase() };
  }
  const labels = operator === 'one-of' ? condition.value.split(',').map((l) => l.trim()).filter((l) => l !== '') : [condition.value.trim()].filter((l) => l !== '');
  if (labels.length === 0) return { field: 'value', message: operator === 'one-of' ? 'give the labels, separated by commas.' : 'give the value to compare with.' };
  return { operator: 'labels', labels: new Set(labels), negate: operator === 'not-equals' };
}

export function isConditionProblem(parsed: ParsedCondition | ConditionProblem): parsed is ConditionProblem {
  return 'message' in parsed;
}

/** "age" ≥ 18, "city" is one of Oslo, Rome: for the run log. */
export function describeCondition(condition: Condition, type: ColumnType): string {
  const words = OPERATORS_BY_TYPE[type][condition.operator] ?? GENERIC_LABELS[condition.operator];
  if (NO_VALUE.includes(condition.operator)) return `"${condition.column}" ${words}`;
  if (condition.operator === 'between') return `"${condition.column}" ${words} ${condition.value.trim()} and ${condition.to.trim()}`;
  const labels = type === 'category' || type === 'text';
  return `"${condition.column}" ${words} ${labels ? JSON.stringify(condition.value) : condition.value.trim()}`;
}

/** 1 for each row that meets the condition, else 0. An empty cell meets only "is empty". */
export function conditionMask(column: Column, parsed: ParsedCondition, rowCount: number): Uint8Array {
  const mask = new Uint8Array(rowCount);
  if (isValueColumn(column)) {
    const values = column.values;
    if (parsed.operator === 'ordered') {
      const { low, high, lowIncluded, highIncluded, negate } = parsed;
      for (let r = 0; r < rowCount; r++) {
        const v = values[r];
        if (Number.isNaN(v)) continue;
        const inside = (lowIncluded ? v >= low : v > low) && (highIncluded ? v <= high : v < high);
        mask[r] = inside !== negate ? 1 : 0;
      }
      return mask;
    }
    const wanted = parsed.operator === 'is-true' ? 1 : parsed.operator === 'is-false' ? 0 : NaN;
    for (let r = 0; r < rowCount; r++) {
      const v = values[r];
      if (parsed.operator === 'is-missing') mask[r] = Number.isNaN(v) ? 1 : 0;
      else if (parsed.operator === 'is-not-missing') mask[r] = Number.isNaN(v) ? 0 : 1;
      else mask[r] = v === wanted ? 1 : 0;
    }
    return mask;
  }
  // Dictionary columns: decide once per label, then look each row's code up.
  const passes = Uint8Array.from(column.categories, (label) => {
    if (parsed.operator === 'labels') return parsed.labels.has(label) !== parsed.negate ? 1 : 0;
    if (parsed.operator === 'contains') return label.toLowerCase().includes(parsed.text) ? 1 : 0;
    if (parsed.operator === 'starts-with') return label.toLowerCase().startsWith(parsed.text) ? 1 : 0;
    return parsed.operator === 'is-not-missing' ? 1 : 0;
  });
  const missing = parsed.operator === 'is-missing' ? 1 : 0;
  for (let r = 0; r < rowCount; r++) {
    const code = column.codes[r];
    mask[r] = code < 0 ? missing : passes[code];
  }
  return mask;
}
