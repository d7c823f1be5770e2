/**
 * The node catalog as the client sees it: data only (ports, params JSON Schema, typed param
 * metadata), never a node's behaviour, so app/ can show every kind without importing nodes/.
 */
import type { PortSpec } from './ports';

export const NODE_CATEGORIES = ['dataset', 'cleaning', 'features', 'split', 'model', 'train', 'evaluate', 'deploy'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

/** What a param's `.meta()` may say; z.toJSONSchema copies it into the params JSON Schema, where the inspector reads it. */
export interface ParamMeta {
  title?: string;
  description?: string;
  /** Shown under the inspector's "Advanced" fold. */
  advanced?: boolean;
  /** A picker instead of a plain field: one column or several of the input table, an uploaded dataset, a saved model. */
  widget?: 'column' | 'columns' | 'dataset' | 'model';
  /** An enum's values in words. */
  enumLabels?: Record<string, string>;
  /** widget 'column': what leaving it empty means, when not "the last column". */
  emptyLabel?: string;
  /** A list of objects: what one item is called ("Condition"), and the add button's words. */
  itemLabel?: string;
  addLabel?: string;
  /** An enum whose choices depend on the type of the column a sibling field names: per type, value → words. */
  optionsByColumnType?: { field: string; options: Partial<Record<string, Record<string, string>>> };
  /** Shown only while a sibling field's value is (or is not) one of these. */
  visibleWhen?: { field: string; in?: string[]; notIn?: string[] };
}

declare module 'zod' {
  // Every `.meta()` call is checked against ParamMeta.
  interface GlobalMeta extends ParamMeta {}
}

/** The client's view of a node kind (nodes/index.ts makes one per kind): never run(). */
export interface CatalogEntry {
  /** `category.kebab-name`, stable and never reused. */
  type: string;
  version: number;
  category: NodeCategory;
  label: string;
  /** Plain-language description for non-experts. */
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** The params' JSON Schema (input side: fields with defaults are optional), metadata included. */
  paramsSchema: Record<string, unknown>;
  /** Steps with side effects (deploy) are never skipped as cached. */
  sideEffect: boolean;
}

/** Whether a kind matches what someone typed in a search box: every word in its name, category, description or type. */
export function catalogMatches(kind: CatalogEntry, query: string): boolean {
  const text = `${kind.label} ${kind.category} ${kind.description} ${kind.type}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => text.includes(word));
}
