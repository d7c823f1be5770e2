import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * Checks that secrets handed out once (invite and share link tokens) are not stored in clear: neither
 * the SQLite file nor its write-ahead log holds one, nor its random part past the `prefix` that says
 * what it is; each one's SHA-256 is there (so the search reads the bytes where it would be).
 */
export function expectOnlyHashesStored(dbFile: string, secrets: string[], prefix: number): void {
  const files = [dbFile, `${dbFile}-wal`].filter((f) => existsSync(f));
  expect(files).toContain(dbFile);
  const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
  for (const secret of secrets) {
    expect(bytes.includes(Buffer.from(createHash('sha256').update(secret).digest('hex'))), 'its hash').toBe(true);
    expect(bytes.includes(Buffer.from(secret)), 'the whole secret').toBe(false);
    expect(bytes.includes(Buffer.from(secret.slice(prefix))), 'its random part').toBe(false);
  }
}
