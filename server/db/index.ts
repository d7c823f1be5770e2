import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../drizzle/schema';
import { dataDir, projectRoot } from '../../runtime/paths';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const globalForDb = globalThis as unknown as { pipeloomDb?: Map<string, Db> };

/** One handle per database file per process (kept on globalThis so hot reload reuses it); migrated on open. */
export function getDb(file = process.env.PIPELOOM_DB ?? path.join(dataDir(), 'pipeloom.db')): Db {
  globalForDb.pipeloomDb ??= new Map();
  let db = globalForDb.pipeloomDb.get(file);
  if (!db) {
    const client = new Database(file);
    client.pragma('journal_mode = WAL');
    client.pragma('busy_timeout = 5000');
    client.pragma('foreign_keys = ON');
    db = drizzle(client, { schema }) as Db;
    migrate(db, { migrationsFolder: path.join(projectRoot(), 'drizzle', 'migrations') });
    globalForDb.pipeloomDb.set(file, db);
  }
  return db;
}

export { schema };
