import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { graphSchema, type GraphFile } from '../lib/graph';
import { projectRoot } from '../runtime/paths';

/**
 * The templates gallery: graph files in `templates/` (the one graph format) that also carry a
 * paragraph on the business question they answer. Each runs as is on the sample datasets.
 */
export interface Template {
  /** The file's name without `.json`. */
  id: string;
  name: string;
  description: string;
  graph: GraphFile;
}

export const templateIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'not a template id');
const descriptionSchema = z.object({ description: z.string().trim().min(1).max(2000) });

function templatesDir(): string {
  return path.join(/*turbopackIgnore: true*/ projectRoot(), 'templates');
}

let cached: Template[] | undefined;

/** Every template, by name (read once; a file that does not parse is an error of the checkout, thrown). */
export function listTemplates(): Template[] {
  cached ??= readdirSync(templatesDir())
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const json: unknown = JSON.parse(readFileSync(path.join(templatesDir(), file), 'utf8'));
      const graph = graphSchema.parse(json);
      return { id: file.slice(0, -'.json'.length), name: graph.name, description: descriptionSchema.parse(json).description, graph };
    });
  return cached;
}

/** A template by id (checked by shape, then looked up among the listed files: never a path). */
export function findTemplate(id: string): Template | undefined {
  return templateIdSchema.safeParse(id).success ? listTemplates().find((t) => t.id === id) : undefined;
}
