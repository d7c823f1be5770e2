import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphEdge, GraphFile, GraphNode } from '../../lib/graph';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

/**
 * A fresh data dir and SQLite file for one test file. Call it before importing any server module:
 * paths and the DB are read from the environment when first used.
 */
export function useTempDataDir(prefix: string, workers = 2): { dataDir: string; dbFile: string; cleanup(): void } {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `pipeloom-${prefix}-`));
  const dataDir = path.join(tmp, 'data');
  const dbFile = path.join(tmp, 'pipeloom.db');
  process.env.PIPELOOM_DATA_DIR = dataDir;
  process.env.PIPELOOM_DB = dbFile;
  process.env.PIPELOOM_WORKERS = String(workers);
  return { dataDir, dbFile, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

export function irisGraph(): GraphFile {
  return JSON.parse(readFileSync(path.join(projectRoot, 'examples', 'iris-classifier.json'), 'utf8')) as GraphFile;
}

/** A deep copy of `graph` with one node's params merged with `params`. */
export function withParams(graph: GraphFile, nodeId: string, params: Record<string, unknown>): GraphFile {
  const copy = structuredClone(graph);
  const node = copy.nodes.find((n) => n.id === nodeId);
  if (!node) throw new Error(`no node ${nodeId}`);
  node.params = { ...node.params, ...params };
  return copy;
}

export function node(id: string, type: string, params: Record<string, unknown> = {}): GraphNode {
  return { id, type, typeVersion: 1, params, position: { x: 0, y: 0 } };
}

export function edge(source: string, sourceHandle: string, target: string, targetHandle: string): GraphEdge {
  return { id: `${source}.${sourceHandle}->${target}.${targetHandle}`, source, sourceHandle, target, targetHandle };
}

/** A model trained on a split and judged on its test rows: split → Train ← model, then Train → Evaluate ← split. */
export function trainAndEvaluate(ids: { split: string; model: string; train: string; evaluate: string }): GraphEdge[] {
  return [
    edge(ids.split, 'split', ids.train, 'split'),
    edge(ids.model, 'model', ids.train, 'model'),
    edge(ids.train, 'model', ids.evaluate, 'model'),
    edge(ids.split, 'split', ids.evaluate, 'split'),
  ];
}
