import { z } from 'zod';
import type { TableSchema } from '../../lib/table';
import type { TableArtifact } from '../../runtime/artifacts';
import { assertDirectColumns } from '../column-checks';
import { defineNode, type ConfigureProblem } from '../define';

export interface Rename {
  from: string;
  to: string;
}

/**
 * "age: years, city: town" → [{age→years}, {city→town}]. Pairs are separated by commas, semicolons or
 * line breaks; within a pair the first colon separates the old name from the new one.
 */
export function parseRenames(text: string): { renames: Rename[]; problems: string[] } {
  const renames: Rename[] = [];
  const problems: string[] = [];
  for (const piece of text.split(/[,;\n]/)) {
    if (piece.trim() === '') continue;
    const colon = piece.indexOf(':');
    if (colon < 0) {
      problems.push(`"${piece.trim()}" has no colon: write the old name, a colon, then the new name (age: years).`);
      continue;
    }
    const from = piece.slice(0, colon).trim();
    const to = piece.slice(colon + 1).trim();
    if (!from || !to) problems.push(`"${piece.trim()}" needs a name on both sides of the colon (age: years).`);
    else renames.push({ from, to });
  }
  if (renames.length === 0 && problems.length === 0) problems.push('Write at least one rename, like "age: years".');
  return { renames, problems };
}

/** Problems of renames against the table: unknown or repeated old names, and names that would clash. */
export function renameProblems(table: Pick<TableSchema, 'columns'>, renames: Rename[]): ConfigureProblem[] {
  const problems: ConfigureProblem[] = [];
  const seen = new Set<string>();
  for (const { from } of renames) {
    if (!table.columns.some((c) => c.name === from)) problems.push({ field: 'renames', code: 'unknown-column', message: `Column "${from}" is not in the table.` });
    else if (seen.has(from)) problems.push({ field: 'renames', message: `"${from}" is renamed twice.` });
    seen.add(from);
  }
  if (problems.length > 0) return problems;
  const names = renamed(table.columns.map((c) => c.name), renames);
  const clashes = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  return clashes.map((n) => ({ field: 'renames', message: `Two columns would be called "${n}": choose another new name.` }));
}

/** Every rename applies at once, so two columns may swap names. */
function renamed(names: string[], renames: Rename[]): string[] {
  return names.map((n) => renames.find((r) => r.from === n)?.to ?? n);
}

export const renameColumns = defineNode({
  type: 'cleaning.rename-columns',
  version: 1,
  category: 'cleaning',
  label: 'Rename columns',
  description: 'Gives columns new names, for clearer results and for the names a deployed model expects in its requests.',
  inputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  outputs: [{ name: 'table', type: 'Table', label: 'Table' }],
  params: z.object({
    renames: z
      .string()
      .default('')
      .meta({
        title: 'Renames',
        description: 'Old name, colon, new name; separate pairs with commas. Example: "age: years, city: town". Names holding a comma or colon cannot be renamed here.',
      }),
  }),
  configure({ params, inputs }) {
    const table = inputs.table?.table;
    if (!table) return { outputs: {} };
    const parsed = parseRenames(params.renames);
    const problems: ConfigureProblem[] = parsed.problems.map((message) => ({ field: 'renames', message }));
    problems.push(...renameProblems(table, parsed.renames));
    if (problems.length > 0) return { outputs: {}, problems };
    const columns = table.columns.map((c) => ({ ...c, name: parsed.renames.find((r) => r.from === c.name)?.to ?? c.name }));
    const target = table.target === undefined ? undefined : (parsed.renames.find((r) => r.from === table.target)?.to ?? table.target);
    return { outputs: { table: { type: 'Table', table: { ...table, columns, ...(target === undefined ? {} : { target }) } } } };
  },
  async run({ inputs, params }) {
    const input = inputs.table as TableArtifact;
    const { renames, problems } = parseRenames(params.renames);
    const invalid = [...problems, ...renameProblems(input.table, renames).map((p) => p.message)];
    if (invalid.length > 0) throw new Error(`Rename columns: ${invalid.join(' ')}`);
    assertDirectColumns(
      input,
      renames.map((r) => r.from),
      'Rename columns',
      renames.map((r) => r.to),
    );
    const columns = input.table.columns.map((c) => ({ ...c, name: renames.find((r) => r.from === c.name)?.to ?? c.name }));
    const table: TableArtifact = { table: { rowCount: input.table.rowCount, columns }, recipe: input.recipe };
    return { table };
  },
});
