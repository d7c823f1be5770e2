import path from 'node:path';
import { existsSync } from 'node:fs';
import { tableRows, tableSchema, takeRows, type CellValue, type ColumnSchema, type Table } from '../../lib/table';
import { applyRecipe } from '../../runtime/recipe';
import { isFoldsArtifact, isSplitArtifact, type RecipeData } from '../../nodes/recipe-data';
import type { NodeDefinition } from '../../nodes/define';
import { ArtifactStore } from '../engine/artifact-store';
import { artifactsDir } from '../engine/instance';

export const PREVIEW_ROWS = 50;

export interface TablePreview {
  label: string;
  rowCount: number;
  columns: ColumnSchema[];
  rows: Record<string, CellValue>[];
  /** The step's table output, downloadable whole as CSV. */
  downloadable: boolean;
}

function previewOf(label: string, table: Table, downloadable = false): TablePreview {
  return { label, rowCount: table.rowCount, columns: tableSchema(table), rows: tableRows(table, PREVIEW_ROWS), downloadable };
}

/**
 * The first rows of what a finished step produced: a Table output, or each part of a Split (with its
 * fitted preprocessing applied, as a model sees them). Preprocessing that waits for the split is
 * listed, since the table rows shown are not yet transformed.
 */
export async function stepOutputPreview(kind: NodeDefinition, outputKey: string): Promise<{ tables: TablePreview[]; pendingSteps: string[] } | null> {
  const store = new ArtifactStore(artifactsDir());
  if (!existsSync(path.join(store.root, outputKey))) return null;
  const tables: TablePreview[] = [];
  const pendingSteps: string[] = [];
  for (const port of kind.outputs) {
    if (!['Table', 'Split', 'Folds'].includes(port.type)) continue;
    const artifact = (await store.readAsync(outputKey, port.name)) as RecipeData;
    if (isSplitArtifact(artifact)) {
      const prepared = (part: Table) => applyRecipe(artifact.recipe, takeRows(part, firstRows(part)));
      tables.push(
        { ...previewOf('Training rows', prepared(artifact.train)), rowCount: artifact.train.rowCount },
        { ...previewOf('Validation rows', prepared(artifact.validation)), rowCount: artifact.validation.rowCount },
        { ...previewOf('Test rows', prepared(artifact.test)), rowCount: artifact.test.rowCount },
      );
    } else if (isFoldsArtifact(artifact)) {
      tables.push(previewOf(`Rows (cut into ${artifact.folds.length} folds)`, artifact.table));
    } else {
      tables.push(previewOf(port.label, artifact.table, tables.length === 0));
      pendingSteps.push(...artifact.recipe.map((r) => r.kind));
    }
  }
  return tables.length ? { tables, pendingSteps } : null;
}

function firstRows(table: Table): number[] {
  return Array.from({ length: Math.min(PREVIEW_ROWS, table.rowCount) }, (_, r) => r);
}
