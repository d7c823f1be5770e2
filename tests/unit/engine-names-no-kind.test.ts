/**
 * The engine and the routers know node kinds only through the kinds map and what each kind
 * declares (sideEffect, deploymentName, judgesModel…): no kind's id appears in their code, and
 * none imports a kind's file. A new kind that publishes or judges then needs no engine change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeKinds } from '../../nodes';

const ROOT = path.join(import.meta.dirname, '../..');
const FOLDERS = ['server/engine', 'server/api/routers'];

const sources = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ file: path.join(folder, file), text: readFileSync(path.join(ROOT, folder, file), 'utf8') })),
);

describe('the engine and the routers name no node kind', () => {
  it('reads some sources', () => expect(sources.length).toBeGreaterThan(10));

  it.each([...nodeKinds.keys()])('%s is named nowhere', (type) => {
    const naming = sources.filter(({ text }) => text.includes(`'${type}'`) || text.includes(`"${type}"`) || text.includes(`\`${type}\``));
    expect(naming.map((s) => s.file)).toEqual([]);
  });

  it("imports only the kinds map and the contract from nodes/, never a kind's file", () => {
    const kindImports = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/from '((?:\.\.\/)+nodes\/[^']+)'/g)].map((m) => m[1]).filter((target) => !/nodes\/(index|define)$/.test(target)).map((target) => `${file}: ${target}`),
    );
    expect(kindImports).toEqual([]);
  });
});
