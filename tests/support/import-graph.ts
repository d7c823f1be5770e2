/**
 * The project's import graph, read with the TypeScript scanner (no type checking, so it is fast),
 * and the checks over it: which layer may import which, and import cycles. Everything but
 * scanProject is a pure function over edges, so the checks can be tried on made-up graphs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import arrow: `from` (a repo-relative path) imports `to` at `line`. */
export interface ImportEdge {
  from: string;
  line: number;
  to: string;
}

export interface ImportSite {
  specifier: string;
  line: number;
}

/**
 * Every module specifier in a file with its line: imports (`import type` too: a type import is
 * still an arrow), export-from, dynamic import() and import types (`typeof import('…')`).
 * preProcessFile only scans tokens, several times faster than a full parse.
 */
export function importSites(text: string): ImportSite[] {
  return ts.preProcessFile(text, true, false).importedFiles.map(({ fileName, pos }) => ({ specifier: fileName, line: text.slice(0, pos).split('\n').length }));
}

/**
 * The file a relative specifier names (repo-relative, posix), trying it as written, then .ts, .tsx
 * and an index file; undefined when nothing matches. Bare specifiers (packages, node:) give null:
 * they are not part of the project's graph.
 */
export function resolveSpecifier(importer: string, specifier: string, isFile: (file: string) => boolean): string | null | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return null;
  const base = path.posix.join(path.posix.dirname(importer), specifier);
  return [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`].find(isFile);
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** `file:line specifier` for relative specifiers that name no file: the graph would miss them. */
  unresolved: string[];
}

/** Reads every .ts/.tsx file under `folders` (relative to `root`) and resolves its relative imports. */
export function scanProject(root: string, folders: readonly string[]): ImportGraph {
  const isFile = (file: string) => statSync(path.join(root, file), { throwIfNoEntry: false })?.isFile() ?? false;
  const files = folders.flatMap((folder) =>
    readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.tsx?$/.test(file))
      .map((file) => path.posix.join(folder, file.split(path.sep).join('/'))),
  );
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const from of files) {
    for (const { specifier, line } of importSites(readFileSync(path.join(root, from), 'utf8'))) {
      const to = resolveSpecifier(from, specifier, isFile);
      if (to) edges.push({ from, line, to });
      else if (to === undefined) unresolved.push(`${from}:${line} ${specifier}`);
    }
  }
  return { files, edges, unresolved };
}

/** The layers a layer must not import (issue #12): app → server → nodes → runtime → lib, app skipping nodes and runtime. */
export const FORBIDDEN_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  nodes: ['server', 'app'],
  runtime: ['nodes', 'server', 'app'],
  lib: ['nodes', 'server', 'app'],
  app: ['nodes', 'runtime'],
};

const layerOf = (file: string) => file.split('/')[0];

/** One message per wrong arrow, naming the importing file and line and the imported file. */
export function ruleViolations(edges: readonly ImportEdge[], forbidden = FORBIDDEN_IMPORTS): string[] {
  return edges.flatMap(({ from, line, to }) => {
    const [fromLayer, toLayer] = [layerOf(from), layerOf(to)];
    return forbidden[fromLayer]?.includes(toLayer) ? [`${from}:${line} imports ${to} (${fromLayer}/ must not import ${toLayer}/)`] : [];
  });
}

/**
 * One message per import cycle: each strongly connected component (Tarjan) of two or more files,
 * or a file importing itself, reported as its shortest cycle through its first file, e.g.
 * `a.ts:3 → b.ts:7 → a.ts`, plus the component's other files when it is bigger than that cycle.
 */
export function importCycles(edges: readonly ImportEdge[]): string[] {
  const out = new Map<string, ImportEdge[]>();
  for (const edge of edges) out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const { to } of out.get(file) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      components.push(component.sort());
    }
  };
  for (const file of out.keys()) if (!index.has(file)) connect(file);

  return components
    .filter((component) => component.length > 1 || (out.get(component[0]) ?? []).some((e) => e.to === component[0]))
    .map((component) => {
      const cycle = shortestCycle(component[0], new Set(component), out);
      const chain = `${cycle.map((e) => `${e.from}:${e.line}`).join(' → ')} → ${component[0]}`;
      const others = component.filter((file) => !cycle.some((e) => e.from === file));
      return others.length > 0 ? `${chain} (same knot: ${others.join(', ')})` : chain;
    });
}

/** Breadth-first from `start` back to itself, inside one component: the arrows of a shortest cycle. */
function shortestCycle(start: string, component: ReadonlySet<string>, out: ReadonlyMap<string, ImportEdge[]>): ImportEdge[] {
  const reachedBy = new Map<string, ImportEdge>();
  const queue = [start];
  for (const file of queue) {
    for (const edge of out.get(file) ?? []) {
      if (!component.has(edge.to)) continue;
      if (edge.to === start) {
        const cycle = [edge];
        while (cycle[0].from !== start) cycle.unshift(reachedBy.get(cycle[0].from)!);
        return cycle;
      }
      if (!reachedBy.has(edge.to)) {
        reachedBy.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  throw new Error(`${start} is in a component with no cycle back to it`);
}
