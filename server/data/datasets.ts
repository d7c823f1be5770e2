import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { and, desc, eq, getTableColumns } from 'drizzle-orm';
import { datasetIdSchema } from '../../lib/ids';
import { DEFAULT_IMAGE_SIZE } from '../../lib/image';
import type { ColumnStats } from '../../lib/stats';
import type { ColumnSchema } from '../../lib/table';
import { datasetDetails, datasets } from '../../drizzle/schema';
import type { IngestReport } from '../../runtime/ingest/file';
import { parseIngestOptionsText, uploadFormat, type IngestOptionsText, type IngestOptionValues } from '../../runtime/ingest/options';
import { datasetArtifactKey } from '../../nodes/dataset/uploaded-dataset';
import { getDb } from '../db';
import { ArtifactStore } from '../engine/artifact-store';
import { artifactsDir, getEngine } from '../engine/instance';
import { TaskFailed } from '../engine/protocol';
import { DISK_FULL_MESSAGE, isDiskFull, publicErrorMessage } from '../errors';
import { RequestError } from '../http/guard';
import { uploadsDir } from '../../runtime/paths';

export function maxUploadBytes(): number {
  return (Number(process.env.PIPELOOM_MAX_UPLOAD_MB) || 200) * 2 ** 20;
}

const { workspaceId: _workspace, ...listedColumns } = getTableColumns(datasets);

/** A dataset as lists show it: small fields only (its schema, statistics and report come with getDataset). */
export type DatasetListItem = Omit<typeof datasets.$inferSelect, 'workspaceId'>;

export interface DatasetSummary extends DatasetListItem {
  columns: ColumnSchema[];
  stats: ColumnStats[];
  report: IngestReport;
}

export type { IngestReport };

/** A workspace's datasets, newest first. */
export function listDatasets(workspaceId: string): DatasetListItem[] {
  return getDb().select(listedColumns).from(datasets).where(eq(datasets.workspaceId, workspaceId)).orderBy(desc(datasets.createdAt)).all();
}

const inWorkspace = (workspaceId: string, id: string) => and(eq(datasets.workspaceId, workspaceId), eq(datasets.id, id));

/** A dataset of the workspace with its schema, statistics and read report; undefined when the workspace has none by that id. */
export function getDataset(workspaceId: string, id: string): DatasetSummary | undefined {
  const row = getDb().select().from(datasets).innerJoin(datasetDetails, eq(datasetDetails.datasetId, datasets.id)).where(inWorkspace(workspaceId, id)).get();
  if (!row) return undefined;
  const details = row.dataset_details;
  const { workspaceId: _inWorkspace, ...dataset } = row.datasets;
  return {
    ...dataset,
    columns: JSON.parse(details.columns) as ColumnSchema[],
    stats: JSON.parse(details.stats) as ColumnStats[],
    report: JSON.parse(details.report) as IngestReport,
  };
}

/**
 * Deletes a workspace's dataset (its id checked by shape first); false when it has none. The stored
 * table and its details go with the last workspace holding them.
 */
export function deleteDataset(workspaceId: string, id: string): boolean {
  if (!datasetIdSchema.safeParse(id).success) return false;
  const db = getDb();
  const lastHolder = db.transaction((tx) => {
    if (tx.delete(datasets).where(inWorkspace(workspaceId, id)).run().changes === 0) return null;
    const held = tx.select({ id: datasets.id }).from(datasets).where(eq(datasets.id, id)).limit(1).get() !== undefined;
    if (!held) tx.delete(datasetDetails).where(eq(datasetDetails.datasetId, id)).run();
    return !held;
  });
  if (lastHolder === null) return false;
  if (lastHolder) new ArtifactStore(artifactsDir()).remove(datasetArtifactKey(id));
  return true;
}

/** The stored table's details when some workspace already holds it (the same file, read the same way). */
function storedDetails(id: string) {
  return getDb().select().from(datasetDetails).where(eq(datasetDetails.datasetId, id)).get();
}

/** An upload problem answered with an HTTP status and a message for the user. */
export class UploadError extends RequestError {}

/**
 * The options that decide what table a file becomes. CSV and JSON: all of them, as parsed (so the
 * identity of earlier uploads stands). Excel and images: only those that shape the table, with
 * defaults filled in, so that spelling a default out does not store the same table twice.
 */
function identityOptions(fileName: string, options: IngestOptionValues): unknown {
  const format = uploadFormat(options.format, fileName);
  if (format === 'xlsx') return { format, sheet: options.sheet ?? null, header: options.header, badRows: options.badRows };
  if (format === 'images') {
    return { format, imageSize: options.imageSize ?? DEFAULT_IMAGE_SIZE, colour: options.colour ?? 'grey', fit: options.fit ?? 'cover' };
  }
  return options;
}

/**
 * Streams an upload to a temporary file (hashing it on the way, stopping at the size limit), then
 * has a worker parse it, with the options as the request wrote them. The dataset appears in the list
 * only once it is complete; the same file uploaded twice is stored once.
 */
export async function receiveUpload(
  workspaceId: string,
  body: WebReadableStream<Uint8Array>,
  fileName: string,
  optionsText: IngestOptionsText,
): Promise<{ dataset: DatasetSummary; existing: boolean }> {
  const options = parseIngestOptionsText(optionsText);
  if (!options.success) throw new UploadError(400, `Upload options: ${options.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const engine = getEngine();
  const uploads = uploadsDir();
  mkdirSync(uploads, { recursive: true });
  const temp = path.join(uploads, `${randomUUID()}.upload`);
  const limit = maxUploadBytes();
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      Readable.fromWeb(body),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          if (bytes > limit) {
            return done(new UploadError(413, `The file is larger than the upload limit of ${Math.round(limit / 2 ** 20)} MB (PIPELOOM_MAX_UPLOAD_MB).`));
          }
          hash.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(temp),
    ).catch((error: unknown) => {
      throw isDiskFull(error) ? new UploadError(507, DISK_FULL_MESSAGE) : error;
    });
    if (bytes === 0) throw new UploadError(400, 'The file is empty.');
    // The options are part of the identity: the same bytes parsed differently are a different table.
    const id = createHash('sha256').update(hash.digest('hex')).update(JSON.stringify(identityOptions(fileName, options.data))).digest('hex').slice(0, 32);
    const known = getDataset(workspaceId, id);
    if (known) return { dataset: known, existing: true };
    const name = fileName.replace(/\.(csv|tsv|txt|json|xlsx|xlsm|zip)$/i, '') || 'dataset';
    const store = new ArtifactStore(artifactsDir());
    const stored = storedDetails(id);
    if (stored && store.has(datasetArtifactKey(id))) {
      // Another workspace uploaded the same file, read the same way: this one gets its own row for the one stored table.
      const rowCount = (getDb().select({ rowCount: datasets.rowCount }).from(datasets).where(eq(datasets.id, id)).limit(1).get()?.rowCount ?? 0);
      const columns = JSON.parse(stored.columns) as ColumnSchema[];
      getDb()
        .insert(datasets)
        .values({ id, workspaceId, name, fileName, rowCount, columnCount: columns.length, sourceBytes: bytes, storedBytes: store.sizeOf(datasetArtifactKey(id)) })
        .onConflictDoNothing()
        .run();
      return { dataset: getDataset(workspaceId, id)!, existing: false };
    }
    let summary: Record<string, unknown> | null;
    try {
      summary = await engine.runDetached('system.ingest-upload', { ...options.data, upload: path.basename(temp), fileName, maxBytes: limit }, datasetArtifactKey(id));
    } catch (error) {
      // A worker's message is written for people (paths cut); anything else is told plainly.
      const diskFull = isDiskFull(error) || (error instanceof TaskFailed && error.message === DISK_FULL_MESSAGE);
      throw new UploadError(diskFull ? 507 : 422, error instanceof TaskFailed ? error.message : publicErrorMessage(error));
    }
    if (!summary) throw new UploadError(500, 'The upload was parsed but produced no summary.');
    const report = summary.report as IngestReport;
    const storedBytes = store.sizeOf(datasetArtifactKey(id));
    const columns = summary.columns as ColumnSchema[];
    try {
      getDb().transaction((tx) => {
        const inserted = tx
          .insert(datasets)
          .values({
            id,
            workspaceId,
            name,
            fileName,
            rowCount: Number(summary.rowCount),
            columnCount: columns.length,
            sourceBytes: bytes,
            storedBytes,
          })
          .onConflictDoNothing()
          .run();
        if (inserted.changes > 0) {
          tx.insert(datasetDetails)
            .values({ datasetId: id, columns: JSON.stringify(columns), stats: JSON.stringify(summary.stats), report: JSON.stringify(report) })
            .onConflictDoNothing()
            .run();
        }
      });
    } catch (error) {
      // Not in the database, so nothing would ever remove its table: remove it now.
      if (!getDb().select({ id: datasets.id }).from(datasets).where(eq(datasets.id, id)).limit(1).get()) store.remove(datasetArtifactKey(id));
      if (isDiskFull(error)) throw new UploadError(507, DISK_FULL_MESSAGE);
      throw error;
    }
    return { dataset: getDataset(workspaceId, id)!, existing: false };
  } finally {
    rmSync(temp, { force: true });
  }
}
