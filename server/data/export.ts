import { cellValue, type Table } from '../../lib/table';
import type { TableArtifact } from '../../nodes/artifacts';
import { datasetArtifactKey } from '../../nodes/dataset/uploaded-dataset';
import { ArtifactStore } from '../engine/artifact-store';
import { artifactsDir } from '../engine/instance';
import { getDataset } from './datasets';

const ROWS_PER_CHUNK = 2000;

function csvField(value: unknown): string {
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

/** Cached tables by dataset id: paging through a big table must not read it from disk per page. */
const cache = new Map<string, Table>();
const CACHE_SIZE = 2;

export function loadDatasetTable(id: string): Table | undefined {
  const hit = cache.get(id);
  if (hit) return hit;
  if (!getDataset(id)) return undefined;
  const { table } = new ArtifactStore(artifactsDir()).read(datasetArtifactKey(id), 'table') as TableArtifact;
  cache.set(id, table);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return table;
}

export function forgetDatasetTable(id: string): void {
  cache.delete(id);
}

export function datasetCsvStream(id: string): { stream: ReadableStream<Uint8Array>; fileName: string } | undefined {
  const dataset = getDataset(id);
  const table = loadDatasetTable(id);
  if (!dataset || !table) return undefined;
  return { stream: tableCsvStream(table), fileName: `${dataset.name}.csv` };
}
