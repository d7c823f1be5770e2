import { randomUUID } from 'node:crypto';
import type { GraphFile } from '../../lib/graph';
import { graphs } from '../../drizzle/schema';
import { getDb } from '../db';

/** A new pipeline in a workspace holding `graph` as given (the caller has authorized 'edit' there); its id. */
export function createPipeline(workspaceId: string, graph: GraphFile): string {
  const id = randomUUID();
  getDb().insert(graphs).values({ id, workspaceId, name: graph.name, document: JSON.stringify(graph), updatedAt: Date.now() }).run();
  return id;
}
