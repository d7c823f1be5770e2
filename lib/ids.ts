import { z } from 'zod';

/**
 * The shapes of the ids a request may name. Every id from outside is checked against one of these
 * before it reaches the database or the disk, so a path ("../..") or a 300-character string is
 * refused as plainly malformed instead of being looked up.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_32 = /^[0-9a-f]{32}$/;
/** A node param naming a dataset or a saved model: its id, or empty while none is chosen. */
export const HEX_ID_OR_EMPTY = /^([0-9a-f]{32})?$/;

/** A pipeline (graph) id: a UUID. */
export const graphIdSchema = z.string().regex(UUID, 'not a pipeline id');
/** A workspace id: a UUID. */
export const workspaceIdSchema = z.string().regex(UUID, 'not a workspace id');
/** A user (account) id, as better-auth makes them: 32 letters and digits. */
export const userIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a user id');
/** A run id: a UUID. */
export const runIdSchema = z.string().regex(UUID, 'not a run id');
/** An uploaded dataset's id: 32 hex digits (a hash of its bytes and parse options). */
export const datasetIdSchema = z.string().regex(HEX_32, 'not a dataset id');
/** A saved model's id: the 32-hex-digit cache key of the step that trained it. */
export const savedModelIdSchema = z.string().regex(HEX_32, 'not a saved model id');
/** A deployment's name, as it appears in the predict URL. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const MODEL_NAME_RULE = 'use 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit';

/** The deployment name a pipeline's name makes (a Deploy step left without one): "Iris Classifier v2" → "iris-classifier-v2". */
export function deploymentNameOf(pipelineName: string): string {
  const slug = pipelineName
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'model';
}

/** A node of a graph (or a part of one, `<node>#<part>`): up to 200 characters, no control characters. */
export const nodeIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'at most 200 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
