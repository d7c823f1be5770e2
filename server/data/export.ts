import { cellValue, type Table } from '../../lib/table';
import { isFoldsArtifact, isSplitArtifact, type RecipeData } from '../../nodes/recipe-data';
import type { TableArtifact } from '../../runtime/artifacts';
import { datasetArtifactKey } from '../../nodes/dataset/uploaded-dataset';
import { ArtifactStore } from '../engine/artifact-store';
import { artifactsDir } from '../engine/instance';
import { and, eq } from 'drizzle-orm';
import { runs, runSteps } from '../../drizzle/schema';
import { nodeKinds } from '../../nodes';
import { getDb } from '../db';
import { getDataset } from './datasets';

const ROWS_PER_CHUNK = 2000;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A table as CSV text, produced a chunk of rows at a time so a big table never becomes one string. */
export function tableCsvStream(table: Table): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let row = -1;
  return new ReadableStream({
    pull(controller) {
      if (row === -1) {
        controller.enqueue(encoder.encode(table.columns.map((c) => csvField(c.name)).join(',') + '\r\n'));
        row = 0;
        return;
      }
      if (row >= table.rowCount) return controller.close();
      const end = Math.min(table.rowCount, row + ROWS_PER_CHUNK);
      let text = '';
      for (; row < end; row++) text += table.columns.map((c) => csvField(cellValue(c, row))).join(',') + '\r\n';
      controller.enqueue(encoder.encode(text));
    },
  });
}

/** Cached tables by dataset id (content, the same in every workspace holding it): paging through a big table must not read it from disk per page. */
const cache = new Map<string, Table>();
const CACHE_SIZE = 2;

/** A workspace's dataset as a table; undefined when the workspace holds none by that id. */
export async function loadDatasetTable(workspaceId: string, id: string): Promise<Table | undefined> {
  if (!getDataset(workspaceId, id)) return undefined;
  const hit = cache.get(id);
  if (hit) return hit;
  const { table } = (await new ArtifactStore(artifactsDir()).readAsync(datasetArtifactKey(id), 'table')) as TableArtifact;
  cache.set(id, table);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return table;
}

export function forgetDatasetTable(id: string): void {
  cache.delete(id);
}

export async function datasetCsvStream(workspaceId: string, id: string): Promise<{ stream: ReadableStream<Uint8Array>; fileName: string } | undefined> {
  const dataset = getDataset(workspaceId, id);
  const table = await loadDatasetTable(workspaceId, id);
  if (!dataset || !table) return undefined;
  return { stream: tableCsvStream(table), fileName: `${dataset.name}.csv` };
}

/** The workspace a run belongs to; undefined when there is no such run. */
export function runWorkspace(runId: string): string | undefined {
  return getDb().select({ workspaceId: runs.workspaceId }).from(runs).where(eq(runs.id, runId)).get()?.workspaceId;
}

/** The first Table output of a finished step, as CSV (the rows as that step produced them). */
export async function stepTableCsv(runId: string, nodeId: string): Promise<{ stream: ReadableStream<Uint8Array>; fileName: string } | undefined> {
  const step = getDb()
    .select()
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), eq(runSteps.nodeId, nodeId)))
    .get();
  const kind = step ? nodeKinds.get(step.nodeType) : undefined;
  const port = kind?.outputs.find((p) => p.type === 'Table');
  if (!step || !kind || !port || (step.status !== 'done' && step.status !== 'cached')) return undefined;
  const store = new ArtifactStore(artifactsDir());
  if (!store.has(step.cacheKey)) return undefined;
  const artifact = (await store.readAsync(step.cacheKey, port.name)) as RecipeData;
  // A fitted step placed after a split passes the Split on: there is no one table to download.
  if (isSplitArtifact(artifact) || isFoldsArtifact(artifact)) return undefined;
  const { table } = artifact;
  return { stream: tableCsvStream(table), fileName: `${nodeId.replace(/[^\w.-]+/g, '_')}.csv` };
}
