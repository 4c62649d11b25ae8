/**
 * Opens `${dataDir}/booxstream.db` (WAL), brings its schema up to date and
 * checks it can be read and written (else `DatabaseUnusableError`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { asUnusable, verifyDatabase } from './health.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export const DB_FILE = 'booxstream.db';

export function openDatabase(dataDir: string): Db {
  const path = join(dataDir, DB_FILE);
  let db: Db | null = null;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    verifyDatabase(db, path);
    return db;
  } catch (err) {
    db?.close();
    throw asUnusable(err, path);
  }
}

/** Applies the migrations after the database's `user_version`, each in its own transaction. */
export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this server knows (${MIGRATIONS.length}); refusing to run an older server on it`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}
