import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import JSZip from 'jszip';
import path from 'node:path';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_MANIFEST,
  bundleDataFile,
  bundleManifestSchema,
  type BundleDataset,
  type BundleManifest,
} from '../lib/bundle';
import type { GraphFile } from '../lib/graph';
import { nodeKinds } from '../nodes';
import { upgradeGraph } from '../nodes/define';
import { sampleDatasetInfo } from '../runtime/ingest/samples';
import { projectRoot } from '../runtime/paths';
import { readZip, ZipRefused } from '../runtime/zip';
import { deleteDataset, getDataset, maxUploadBytes, receiveUpload } from './data/datasets';
import { workspaceCompileEnv } from './data/env';
import { loadDatasetTable, tableCsvStream } from './data/export';
import { insertGraph } from './data/versions';
import { getDb } from './db';
import { compile } from './engine/compile';
import { RequestError } from './http/guard';

/** A bundle that cannot be imported: answered 400 (413 when too large) with a plain message. */
export class BundleRefused extends RequestError {}

/** The most files a bundle may hold: its manifest and one table per dataset. */
const MAX_BUNDLE_FILES = 101;

/** The largest manifest read: the graph and the dataset list, no more than a tRPC request may carry. */
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;

/** The largest bundle accepted, packed and unpacked: the upload limit (PIPELOOM_MAX_UPLOAD_MB). */
export const maxBundleBytes = maxUploadBytes;

function appVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The datasets a graph reads in a workspace, as a bundle lists them. Found by compiling it and
 * noting each dataset the nodes ask the workspace for, so no node kind is named here.
 */
export function datasetsOf(workspaceId: string, graph: GraphFile): BundleDataset[] {
  const env = workspaceCompileEnv(workspaceId);
  const asked = new Set<string>();
  compile(graph, nodeKinds, { ...env, dataset: (id) => (asked.add(id), env.dataset(id)) });
  const found: BundleDataset[] = [];
  for (const id of asked) {
    const sample = sampleDatasetInfo(id);
    const uploaded = sample ? undefined : getDataset(workspaceId, id);
    if (sample) found.push({ source: 'sample', id: id as Extract<BundleDataset, { source: 'sample' }>['id'], name: id, contentHash: sample.contentHash });
    else if (uploaded) {
      const { name, rowCount, columnCount, sourceBytes } = uploaded;
      found.push({ source: 'uploaded', id, name, contentHash: id, rowCount, columnCount, bytes: sourceBytes, embedded: false });
    }
  }
  return found;
}

/** Every entry's time in a bundle: the same pipeline and data make the same bytes. */
const ENTRY_DATE = new Date(Date.UTC(1980, 0, 1));

/**
 * A pipeline's bundle (the caller has authorized it: view, and download for `includeData`), as a
 * stream: each embedded table is written as CSV and deflated while the archive is read, never whole in memory.
 */
export async function exportBundle(workspaceId: string, graph: GraphFile, options: { includeData: boolean }): Promise<Readable> {
  const datasets = datasetsOf(workspaceId, graph);
  const zip = new JSZip();
  const tables: [string, ReturnType<typeof tableCsvStream>][] = [];
  for (const dataset of datasets) {
    const table = options.includeData && dataset.source === 'uploaded' ? await loadDatasetTable(workspaceId, dataset.id) : undefined;
    if (!table || dataset.source !== 'uploaded') continue;
    dataset.embedded = true;
    tables.push([bundleDataFile(dataset.id), tableCsvStream(table)]);
  }
  const manifest: BundleManifest = { format: BUNDLE_FORMAT, formatVersion: BUNDLE_FORMAT_VERSION, appVersion: appVersion(), graph, datasets };
  zip.file(BUNDLE_MANIFEST, JSON.stringify(manifest, null, 2), { date: ENTRY_DATE });
  for (const [name, csv] of tables) zip.file(name, Readable.fromWeb(csv as WebReadableStream<Uint8Array>), { date: ENTRY_DATE });
  // JSZip's stream is an older kind of Node stream: wrapped, it is one the web Response and pipeline() take.
  return new Readable().wrap(zip.generateNodeStream({ type: 'nodebuffer', streamFiles: true, compression: 'DEFLATE', compressionOptions: { level: 6 } }));
}

export interface ImportedDataset {
  name: string;
  source: BundleDataset['source'];
  /** matched: already here (same content); imported: from the bundle's data; missing: upload it (the step says so). */
  status: 'matched' | 'imported' | 'missing';
  rowCount?: number;
  columnCount?: number;
}

export interface ImportResult {
  graphId: string;
  name: string;
  datasets: ImportedDataset[];
  /** Steps of kinds (or versions) this Pipeloom does not have: kept as placeholders. */
  placeholders: { nodeId: string; type: string; typeVersion: number }[];
}

/** Reads and checks a bundle whole (refusing with BundleRefused), before anything is written. */
export async function readBundle(bytes: Buffer): Promise<{ manifest: BundleManifest; data: Map<string, Buffer> }> {
  const limit = maxBundleBytes();
  if (bytes.length > limit) throw new BundleRefused(413, `The bundle is larger than the limit of ${Math.round(limit / 2 ** 20)} MB (PIPELOOM_MAX_UPLOAD_MB).`, 'bundle');
  let files: Map<string, Buffer>;
  try {
    files = await readZip(bytes, { maxEntries: MAX_BUNDLE_FILES, maxUnpackedBytes: limit });
  } catch (error) {
    if (error instanceof ZipRefused) throw new BundleRefused(/more than .* MB/.test(error.message) ? 413 : 400, `Not a Pipeloom bundle: ${error.message}`, 'bundle');
    throw error;
  }
  const text = files.get(BUNDLE_MANIFEST);
  if (!text) throw new BundleRefused(400, `Not a Pipeloom bundle: the archive has no ${BUNDLE_MANIFEST}.`, 'bundle');
  // The graph is what an API request may carry, no more: a huge manifest would hold the server's event loop while it parses.
  if (text.length > MAX_MANIFEST_BYTES) throw new BundleRefused(413, `The bundle's ${BUNDLE_MANIFEST} is larger than ${MAX_MANIFEST_BYTES / 2 ** 20} MB: no pipeline is that large.`, 'bundle');
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new BundleRefused(400, `The bundle's ${BUNDLE_MANIFEST} is not valid JSON (${(error as Error).message}).`, 'bundle');
  }
  const parsed = bundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || BUNDLE_MANIFEST}: ${issue.message}`);
    throw new BundleRefused(400, `The bundle's ${BUNDLE_MANIFEST} is not one this Pipeloom reads: ${problems.join('; ')}`, 'bundle');
  }
  const manifest = parsed.data;
  const data = new Map<string, Buffer>();
  for (const dataset of manifest.datasets) {
    if (dataset.source !== 'uploaded' || !dataset.embedded) continue;
    const file = files.get(bundleDataFile(dataset.id));
    if (!file) throw new BundleRefused(400, `The bundle says it holds the data of "${dataset.name}" but has no ${bundleDataFile(dataset.id)}.`, 'bundle');
    data.set(dataset.id, file);
  }
  const expected = new Set([BUNDLE_MANIFEST, ...[...data.keys()].map(bundleDataFile)]);
  const stray = [...files.keys()].find((name) => !expected.has(name));
  if (stray) throw new BundleRefused(400, `The bundle holds a file it does not list: "${stray.slice(0, 100)}".`, 'bundle');
  return { manifest, data };
}

/** The graph with every param that names dataset `from` naming `to` instead. */
function renameDataset(graph: GraphFile, from: string, to: string): GraphFile {
  return {
    ...graph,
    nodes: graph.nodes.map((node) => ({ ...node, params: Object.fromEntries(Object.entries(node.params).map(([key, value]) => [key, value === from ? to : value])) })),
  };
}

/**
 * Imports a bundle into a workspace as a new pipeline (the caller has authorized 'edit' there), its
 * first version by `authorId` (null: the CLI, the local administrator).
 * Datasets already here (same content) are used; embedded ones are read in as uploads are; the
 * others stay missing (the step asks for them). Nodes saved by an older version of their kind are
 * migrated; unknown kinds and newer versions are kept as they are, as placeholders.
 */
export async function importBundle(workspaceId: string, bytes: Buffer, authorId: string | null): Promise<ImportResult> {
  const { manifest, data } = await readBundle(bytes);
  let graph = upgradeGraph(manifest.graph, nodeKinds);
  const datasets: ImportedDataset[] = [];
  const created: string[] = [];
  try {
    for (const dataset of manifest.datasets) {
      if (dataset.source === 'sample') {
        const here = sampleDatasetInfo(dataset.id);
        datasets.push({ name: dataset.name, source: 'sample', status: here?.contentHash === dataset.contentHash ? 'matched' : 'missing' });
        continue;
      }
      const { rowCount, columnCount } = dataset;
      if (getDataset(workspaceId, dataset.id)) {
        datasets.push({ name: dataset.name, source: 'uploaded', status: 'matched', rowCount, columnCount });
        continue;
      }
      const csv = data.get(dataset.id);
      if (!csv) {
        datasets.push({ name: dataset.name, source: 'uploaded', status: 'missing', rowCount, columnCount });
        continue;
      }
      const body = Readable.toWeb(Readable.from([csv])) as WebReadableStream<Uint8Array>;
      const received = await receiveUpload(workspaceId, body, `${dataset.name}.csv`, { format: 'csv', badRows: 'refuse' });
      if (!received.existing) created.push(received.dataset.id);
      graph = renameDataset(graph, dataset.id, received.dataset.id);
      // The same table read in before (an earlier import of this bundle) is matched by its content.
      datasets.push({ name: dataset.name, source: 'uploaded', status: received.existing ? 'matched' : 'imported', rowCount: received.dataset.rowCount, columnCount: received.dataset.columnCount });
    }
  } catch (error) {
    // Nothing of a refused import stays behind.
    for (const id of created) deleteDataset(workspaceId, id);
    throw error instanceof RequestError ? new BundleRefused(error.status, `The bundle's data could not be read: ${error.message}`, 'bundle') : error;
  }
  let graphId: string;
  try {
    graphId = getDb().transaction((tx) => insertGraph(tx, workspaceId, graph, authorId));
  } catch (error) {
    for (const id of created) deleteDataset(workspaceId, id);
    throw error;
  }
  const placeholders = graph.nodes
    .filter((node) => {
      const kind = nodeKinds.get(node.type);
      return !kind || node.typeVersion > kind.version;
    })
    .map(({ id, type, typeVersion }) => ({ nodeId: id, type, typeVersion }));
  return { graphId, name: graph.name, datasets, placeholders };
}
