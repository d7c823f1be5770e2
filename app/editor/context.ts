'use client';
import { createContext, useContext } from 'react';
import type { PortType } from '../../lib/ports';
import type { CatalogEntry } from '../../lib/catalog';
import type { RunView } from './run-state';

export interface NodeProblem {
  code: string;
  field?: string;
  message: string;
}

export interface EditorContextValue {
  /** The pipeline open in the editor (its inspector's pickers list what its workspace has). */
  graphId: string;
  kinds: Map<string, CatalogEntry>;
  portColors: Record<PortType, string>;
  /** `nodeId:port` → the type an output that passes on its input's type carries now (as wired). */
  passedTypes: Record<string, PortType>;
  problems: Record<string, NodeProblem[]>;
  run: RunView | null;
  /** Before a run: for each step, whether the next run will run it, and why. */
  forecast: Record<string, { willRun: boolean; reason: string }>;
  /** While the Versions panel compares: the nodes on the canvas whose params changed, and those added. */
  diffMarks: Record<string, DiffMark>;
}

export type DiffMark = 'changed' | 'added';

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditor(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) throw new Error('useEditor must be used inside the editor.');
  return value;
}

/** What a canvas node carries: the graph file's node fields (React Flow keeps id and position). */
export interface PipelineNodeData extends Record<string, unknown> {
  kind: string;
  typeVersion: number;
  params: Record<string, unknown>;
}
