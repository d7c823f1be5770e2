/**
 * Import rules (#12): the layers are app → server → nodes → runtime → lib. nodes/ never imports
 * server/ or app/; runtime/ and lib/ never import nodes/, server/ or app/; app/ never imports
 * nodes/ or runtime/; and no source file takes part in an import cycle. A wrong arrow fails here
 * naming the importing file and line and the imported file.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importSites, resolveSpecifier, ruleViolations, scanProject, type ImportEdge } from '../support/import-graph';

// tests/ and bench/ are not layers: they may import anything, so they are not scanned as importers.
const FOLDERS = ['app', 'server', 'nodes', 'runtime', 'lib', 'cli', 'drizzle'];
const graph = scanProject(path.join(import.meta.dirname, '../..'), FOLDERS);

describe('import rules', () => {
  it('scans the source folders', () => {
    expect(graph.files.length).toBeGreaterThan(150);
    expect(graph.edges.length).toBeGreaterThan(500);
  });

  // A relative import the resolver cannot follow would be an arrow this test never sees.
  it('resolves every relative import', () => expect(graph.unresolved).toEqual([]));

  it('imports only down the layers', () => expect(ruleViolations(graph.edges)).toEqual([]));

  // Type-only imports are kept: counting them finds no cycle that value imports alone do not,
  // so there is nothing harmless to excuse, and a type cycle still ties two files' changes together.
  it('has no import cycles', () => expect(importCycles(graph.edges)).toEqual([]));
});

describe('the import checker itself', () => {
  const edge = (from: string, line: number, to: string): ImportEdge => ({ from, line, to });

  it('finds every kind of specifier with its line', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export { c } from './c';",
      "export * from './d';",
      "const e = await import('./e');",
      "type F = typeof import('./f');",
      "import './g.css';",
      "import z from 'zod';",
    ].join('\n');
    expect(importSites(text)).toEqual(
      ['./a', './b', './c', './d', './e', './f', './g.css', 'zod'].map((specifier, i) => ({ specifier, line: i + 1 })),
    );
  });

  it('resolves relative specifiers to files and skips packages', () => {
    const files = new Set(['lib/table.ts', 'app/page.tsx', 'runtime/training/networks/index.ts']);
    const isFile = (file: string) => files.has(file);
    expect(resolveSpecifier('runtime/a.ts', '../lib/table', isFile)).toBe('lib/table.ts');
    expect(resolveSpecifier('app/x/b.tsx', '../page', isFile)).toBe('app/page.tsx');
    expect(resolveSpecifier('runtime/training/c.ts', './networks', isFile)).toBe('runtime/training/networks/index.ts');
    expect(resolveSpecifier('runtime/a.ts', './missing', isFile)).toBeUndefined();
    expect(resolveSpecifier('runtime/a.ts', 'node:fs', isFile)).toBeNull();
  });

  it('names a wrong arrow by file and line', () => {
    const edges = [edge('nodes/train/train.ts', 12, 'server/engine/x.ts'), edge('app/page.tsx', 3, 'lib/y.ts'), edge('server/z.ts', 4, 'nodes/index.ts')];
    expect(ruleViolations(edges)).toEqual(['nodes/train/train.ts:12 imports server/engine/x.ts (nodes/ must not import server/)']);
  });

  it('reports each cycle as its chain of files', () => {
    const edges = [
      edge('lib/a.ts', 1, 'lib/b.ts'),
      edge('lib/b.ts', 2, 'lib/c.ts'),
      edge('lib/c.ts', 3, 'lib/a.ts'),
      edge('lib/c.ts', 4, 'lib/d.ts'),
      edge('lib/d.ts', 5, 'lib/b.ts'),
      edge('lib/e.ts', 6, 'lib/e.ts'),
      edge('lib/e.ts', 7, 'lib/a.ts'),
    ];
    expect(importCycles(edges).sort()).toEqual([
      'lib/a.ts:1 → lib/b.ts:2 → lib/c.ts:3 → lib/a.ts (same knot: lib/d.ts)',
      'lib/e.ts:6 → lib/e.ts',
    ]);
    expect(importCycles(edges.filter((e) => e.from !== 'lib/c.ts' && e.from !== 'lib/e.ts'))).toEqual([]);
  });
});
