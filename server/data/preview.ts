import path from 'node:path';
import { existsSync } from 'node:fs';
import { tableRows, tableSchema, type CellValue, type ColumnSchema, type Table } from '../../lib/table';
import type { SplitArtifact, TableArtifact } from '../../nodes/artifacts';
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
 * The first rows of what a finished step produced: a Table output, or each part of a Split.
 * Preprocessing that waits for the split is listed, since the rows shown are not yet transformed.
 */
export async function stepOutputPreview(kind: NodeDefinition, outputKey: string): Promise<{ tables: TablePreview[]; pendingSteps: string[] } | null> {
  const store = new ArtifactStore(artifactsDir());
  if (!existsSync(path.join(store.root, outputKey))) return null;
  const tables: TablePreview[] = [];
  const pendingSteps: string[] = [];
  for (const port of kind.outputs) {
    if (port.type === 'Table') {
      const artifact = (await store.readAsync(outputKey, port.name)) as TableArtifact;
      tables.push(previewOf(port.label, artifact.table, tables.length === 0));
      pendingSteps.push(...artifact.recipe.map((r) => r.kind));
    } else if (port.type === 'Split') {
      const split = (await store.readAsync(outputKey, port.name)) as SplitArtifact;
      tables.push(previewOf('Training rows', split.train), previewOf('Validation rows', split.validation), previewOf('Test rows', split.test));
    }
  }
  return tables.length ? { tables, pendingSteps } : null;
}
