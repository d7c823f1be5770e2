import { parseGraph, type GraphFile } from '../lib/graph';
import { nodeKinds } from '../nodes';
import { workspaceCompileEnv } from '../server/data/env';
import { FIRST_WORKSPACE_ID } from '../server/auth/workspaces';
import { compile, type CompileError, type PlanStep } from '../server/engine/compile';

/** A problem with the file itself (before compile): unreadable, not JSON, or not a graph. */
export interface FileError {
  code: 'unreadable-file' | 'malformed-json' | 'invalid-graph';
  message: string;
}

export type CliError = CompileError | FileError;

export type Checked = { ok: true; graph: GraphFile; plan: PlanStep[] } | { ok: false; errors: CliError[] };

/**
 * What `pipeloom validate` and `run` decide about a graph file's text (`file` names it in messages):
 * not JSON, not a graph, or the compile errors; else the plan. Never throws on any text.
 */
export function checkGraphText(text: string, file: string): Checked {
  const parsed = checkGraphShape(text, file);
  if (!parsed.ok) return parsed;
  // The CLI is the local administrator: it works in the first workspace (the owner's, with everything stored before accounts).
  const result = compile(parsed.graph, nodeKinds, workspaceCompileEnv(FIRST_WORKSPACE_ID));
  return result.ok ? { ok: true, graph: parsed.graph, plan: result.plan } : { ok: false, errors: result.errors };
}

/** A graph file's text as a graph (not compiled: a step of an unknown kind is kept), or why it is none. */
export function checkGraphShape(text: string, file: string): { ok: true; graph: GraphFile } | { ok: false; errors: FileError[] } {
  let json: unknown;
  try {
    // Editors on Windows may start a UTF-8 file with a byte-order mark, which JSON does not allow.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, errors: [{ code: 'malformed-json', message: `${file} is not valid JSON: ${(error as Error).message}` }] };
  }
  const parsed = parseGraph(json);
  if (!parsed.ok) return { ok: false, errors: parsed.problems.map((message) => ({ code: 'invalid-graph' as const, message })) };
  return { ok: true, graph: parsed.graph };
}
