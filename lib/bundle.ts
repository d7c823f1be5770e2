import { z } from 'zod';
import { graphSchema } from './graph';
import { datasetIdSchema } from './ids';
import { SAMPLE_DATASET_IDS } from './samples';

/**
 * A bundle (`NAME.pipeloom.zip`): a pipeline that travels between servers. `pipeloom.json` holds the
 * graph as saved (every node's kind and typeVersion, unknown kinds included), the version of the
 * Pipeloom that wrote it and the datasets the graph reads, by content; with "include data" each
 * uploaded dataset's table rides along as `data/<id>.csv`. Nothing else: no account, key, email or
 * server path is ever written.
 */
export const BUNDLE_FORMAT = 'pipeloom-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_EXTENSION = '.pipeloom.zip';
export const BUNDLE_MANIFEST = 'pipeloom.json';

/** Where an embedded dataset's table lies in the archive. */
export const bundleDataFile = (datasetId: string) => `data/${datasetId}.csv`;

const hash = z.string().regex(/^[0-9a-f]{32}([0-9a-f]{32})?$/, 'not a content hash');
const count = z.number().int().nonnegative();
/** A dataset's name as shown (and offered as an upload's file name): no control characters. */
const name = z.string().max(200).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const bundleDatasetSchema = z.discriminatedUnion('source', [
  /** A sample that ships with Pipeloom: matched by id, checked by content hash. */
  z.object({ source: z.literal('sample'), id: z.enum(SAMPLE_DATASET_IDS), name, contentHash: hash }),
  /** An upload: its id is its content hash (the file's bytes and the options it was read with). */
  z.object({
    source: z.literal('uploaded'),
    id: datasetIdSchema,
    name,
    contentHash: hash,
    rowCount: count,
    columnCount: count,
    /** The size of the file it was uploaded as. */
    bytes: count,
    /** In the bundle as `data/<id>.csv`. */
    embedded: z.boolean(),
  }),
]);

export const bundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  appVersion: z.string().max(50),
  graph: graphSchema,
  datasets: z.array(bundleDatasetSchema).max(100),
});

export type BundleManifest = z.infer<typeof bundleManifestSchema>;
export type BundleDataset = z.infer<typeof bundleDatasetSchema>;

/** A file name for a pipeline's bundle: its name in lower-case words joined by '-'. */
export function bundleFileName(graphName: string): string {
  const slug = graphName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return `${slug || 'pipeline'}${BUNDLE_EXTENSION}`;
}
