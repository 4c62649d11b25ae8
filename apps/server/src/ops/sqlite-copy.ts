/**
 * A consistent copy of a live SQLite database with SQLite's online backup API (better-sqlite3's
 * `db.backup()`), never a raw copy of the file: the server keeps writing in WAL mode while the
 * copy runs, and the API restarts or copies pages so the result is one point in time.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BackupError } from './errors.js';

/** `PRAGMA integrity_check` of a closed database file; throws BACKUP_ERR_INTEGRITY unless `ok`. */
export function checkIntegrity(file: string, step: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((t) => t !== 'ok');
    if (problems.length > 0) throw new BackupError('BACKUP_ERR_INTEGRITY', step, `${file} fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`);
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError('BACKUP_ERR_INTEGRITY', step, `${file} is not a readable SQLite database: ${(e as Error).message}`, { cause: e });
  } finally {
    db?.close();
  }
}

/** Copies the database at `source` to `target` (which must not exist) and checks the copy. */
export async function copySqlite(source: string, target: string): Promise<void> {
  if (!existsSync(source)) throw new BackupError('BACKUP_ERR_NO_DATABASE', 'sqlite copy', `no database at ${source} (is DATA_DIR right?)`);
  let db: Database.Database | undefined;
  try {
    // Read-write open (not readonly): a WAL database opened read-only needs its -shm file to exist.
    db = new Database(source, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    await db.backup(target);
  } catch (e) {
    const msg = (e as Error).message;
    const code = /SQLITE_FULL|database or disk is full|ENOSPC|no space/i.test(msg) ? 'BACKUP_ERR_DISK_FULL' : 'BACKUP_ERR_SQLITE';
    throw new BackupError(code, 'sqlite copy', `copying ${source}: ${msg}`, { cause: e });
  } finally {
    db?.close();
  }
  // A single self-contained file in the snapshot, whatever mode the source ran in.
  const copy = new Database(target);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  checkIntegrity(target, 'sqlite copy');
}
