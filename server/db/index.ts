import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../drizzle/schema';
import { dataDir, projectRoot } from '../../runtime/paths';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** What a synchronous transaction callback is given. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const globalForDb = globalThis as unknown as { pipeloomDb?: Map<string, Db> };

/** One handle per database file per process (kept on globalThis so hot reload reuses it); migrated on open. */
export function getDb(file = process.env.PIPELOOM_DB ?? path.join(dataDir(), 'pipeloom.db')): Db {
  globalForDb.pipeloomDb ??= new Map();
  let db = globalForDb.pipeloomDb.get(file);
  if (!db) {
    const client = new Database(file);
    client.pragma('journal_mode = WAL');
    client.pragma('busy_timeout = 5000');
    db = drizzle(client, { schema }) as Db;
    // Migrations run in one transaction, where SQLite ignores a change of foreign_keys: a migration that
    // rebuilds a table (drop, then rename the copy) would otherwise cascade-delete its children's rows.
    client.pragma('foreign_keys = OFF');
    migrate(db, { migrationsFolder: path.join(projectRoot(), 'drizzle', 'migrations') });
    const broken = client.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) console.error(`Pipeloom: ${broken.length} row(s) of the database refer to rows that do not exist after migrating`, broken.slice(0, 3));
    client.pragma('foreign_keys = ON');
    globalForDb.pipeloomDb.set(file, db);
  }
  return db;
}

export { schema };
