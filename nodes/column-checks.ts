import { pendingStepNaming } from '../runtime/recipe';
import type { ColumnSchema, ColumnType, TableSchema } from '../lib/table';
import type { TableArtifact } from '../runtime/artifacts';
import type { ConfigureProblem } from './define';

/** Compile checks the column nodes share. */

const KIND_WORDS: Record<ColumnType, string> = {
  number: 'numbers',
  category: 'categories',
  text: 'free text',
  date: 'dates',
  boolean: 'yes/no values',
};

/**
 * The column of that name the schema promises: one it lists, or one of a family a fitted step will
 * make (One-hot encode's "color=red"), whose exact names only the fit knows.
 */
export function schemaColumn(table: TableSchema, name: string): ColumnSchema | undefined {
  const column = table.columns.find((c) => c.name === name);
  if (column) return column;
  const family = table.families?.find((f) => name.startsWith(f.prefix) && name.length > f.prefix.length);
  return family && { name, type: family.type };
}

/**
 * One problem per named column that is not in the table, or whose type is not one of `allowed`
 * (`hint` explains what to do about a wrong type).
 */
export function columnProblems(table: TableSchema, names: readonly string[], field: string, allowed: readonly ColumnType[], hint = ''): ConfigureProblem[] {
  return names.flatMap((name): ConfigureProblem[] => {
    const column = schemaColumn(table, name);
    if (!column) return [{ field, code: 'unknown-column', message: `Column "${name}" is not in the table.` }];
    if (!allowed.includes(column.type)) {
      const wanted = allowed.map((t) => KIND_WORDS[t]).join(' or ');
      return [{ field, message: `Column "${name}" holds ${KIND_WORDS[column.type]}, not ${wanted}.${hint ? ` ${hint}` : ''}` }];
    }
    return [];
  });
}

/** The category columns an encoding step (Ordinal encode, One-hot encode) names: at least one, each a category. */
export function categoryColumnProblems(table: TableSchema, names: readonly string[]): ConfigureProblem[] {
  if (names.length === 0) return [{ field: 'columns', message: 'Choose the category columns to encode.' }];
  return columnProblems(table, names, 'columns', ['category'], 'Only categories can be encoded (free text that is really a set of labels can become a category with Change type).');
}

/**
 * For nodes that change the table right away (not at the split): each named column must be in the
 * rows as they are now, and no earlier preprocessing step, which is only applied at the split, may
 * name it, nor a name this node gives (it would then find a column this node renamed or changed).
 */
export function assertDirectColumns(input: TableArtifact, names: readonly string[], label: string, newNames: readonly string[] = []): void {
  const pending = pendingStepNaming(input.recipe, [...names, ...newNames]);
  if (pending) {
    throw new Error(
      `${label}: column "${pending.column}" is used by an earlier "${pending.kind}" step, which is applied at the split, after this node. Place ${label} before that step.`,
    );
  }
  for (const name of names) {
    if (!input.table.columns.some((c) => c.name === name)) throw new Error(`${label}: column "${name}" is not in the table.`);
  }
}
