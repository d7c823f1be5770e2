import { fitPca, projectPca, type PcaState } from '../ml/pca';
import type { FitContext, StatefulStep } from '../recipe';
import type { Column, Table } from '../../lib/table';
import { numberColumn, refuseTarget, replaceColumns } from './columns';

export interface PcaParams {
  /** Numeric columns to combine; empty means every numeric column except the target. */
  columns: string[];
  /** How many component columns to make (pc_1 … pc_k). */
  components: number;
  /** Keep the chosen columns beside the components (otherwise the components replace them). */
  keepOriginal: boolean;
  /** Standardize each column (training mean 0, spread 1) before PCA, so columns in big units do not dominate. */
  scale: boolean;
}

export interface PcaStepState {
  /** Per chosen column, in order: the training mean (fills missing values) and the spread divided by (1 when not scaling). */
  columns: { name: string; mean: number; std: number }[];
  pca: PcaState;
}

export const PCA_MAX_COMPONENTS = 50;

export function pcaColumnName(index: number): string {
  return `pc_${index + 1}`;
}

export function pcaColumnNames(components: number): string[] {
  return Array.from({ length: components }, (_, i) => pcaColumnName(i));
}

function chosenColumns(table: Table, params: PcaParams, context: FitContext): string[] {
  if (params.columns.length > 0) return [...new Set(params.columns)];
  return table.columns.filter((c) => c.type === 'number' && c.name !== context.target).map((c) => c.name);
}

/** The chosen columns as a rows×d matrix of (x - mean) / std; a missing value counts as the mean (0). */
function prepared(table: Table, columns: PcaStepState['columns']): Float64Array {
  const d = columns.length;
  const data = new Float64Array(table.rowCount * d);
  columns.forEach((s, j) => {
    const values = numberColumn(table, s.name, 'PCA').values;
    for (let r = 0; r < table.rowCount; r++) {
      const v = values[r];
      data[r * d + j] = Number.isNaN(v) ? 0 : (v - s.mean) / s.std;
    }
  });
  return data;
}

/**
 * Principal components of numeric columns: learned from the training rows (missing values count as
 * the column's training mean), applied as pc_1 … pc_k number columns that replace the chosen ones.
 */
export const pcaStep: StatefulStep<PcaParams, PcaStepState> = {
  kind: 'pca',
  columns: (params) => [...params.columns, ...pcaColumnNames(params.components)],
  derivesFrom: (state) => state.columns.map((c) => c.name),
  fit(table, params, context) {
    const names = chosenColumns(table, params, context);
    refuseTarget(names, context.target, 'PCA');
    if (names.length < 2) throw new Error(`PCA needs at least 2 numeric columns to combine, not ${names.length}.`);
    if (!Number.isInteger(params.components) || params.components < 1 || params.components > Math.min(names.length, PCA_MAX_COMPONENTS)) {
      throw new Error(`PCA: components must be a whole number from 1 to ${Math.min(names.length, PCA_MAX_COMPONENTS)}, not ${params.components}.`);
    }
    if (table.rowCount < 1) throw new Error('PCA needs at least one training row.');
    const columns = names.map((name) => {
      const values = numberColumn(table, name, 'PCA').values;
      let n = 0;
      let mean = 0;
      let m2 = 0;
      for (const v of values) {
        if (Number.isNaN(v)) continue;
        n++;
        const delta = v - mean;
        mean += delta / n;
        m2 += delta * (v - mean);
      }
      // A column with no training value at all contributes nothing (filled with 0 everywhere).
      if (n === 0) return { name, mean: 0, std: 1 };
      const std = params.scale && n > 1 ? Math.sqrt(m2 / n) : 0;
      return { name, mean, std: std > 0 ? std : 1 };
    });
    const pca = fitPca({ data: prepared(table, columns), rows: table.rowCount, cols: names.length }, params.components);
    return { columns, pca };
  },
  transform(table, state, params) {
    const made = pcaColumnNames(state.pca.components.length);
    const chosen = new Set(state.columns.map((c) => c.name));
    for (const name of made) {
      if (table.columns.some((c) => c.name === name && !(chosen.has(name) && !params.keepOriginal))) {
        throw new Error(`PCA: the table already has a column "${name}".`);
      }
    }
    const projected = projectPca({ data: prepared(table, state.columns), rows: table.rowCount, cols: state.columns.length }, state.pca);
    const k = projected.cols;
    const pcs = made.map((name, c): Column => {
      const values = new Float64Array(table.rowCount);
      for (let r = 0; r < table.rowCount; r++) values[r] = projected.data[r * k + c];
      return { name, type: 'number', values };
    });
    // The components go where the first chosen column was; the other chosen columns go (unless kept).
    const first = state.columns[0].name;
    const replacements = new Map<string, Column[]>();
    for (const s of state.columns) {
      const column = table.columns.find((c) => c.name === s.name)!;
      const kept = params.keepOriginal ? [column] : [];
      replacements.set(s.name, s.name === first ? [...kept, ...pcs] : kept);
    }
    return replaceColumns(table, replacements);
  },
};
