/**
 * Whether the database can really be used: a quick integrity check and a write
 * at start (the server refuses to start otherwise, with an exit status per kind
 * of failure), and a read plus a write for each readiness probe, cached briefly
 * so that probes, which anyone may send, cannot become a write flood.
 */
import type { Db } from './database.js';

/** Why the database cannot be used; `exitCode` is what the process exits with (sysexits.h). */
export type DatabaseFailure = 'corrupt' | 'unwritable';
export const DATABASE_EXIT_CODES: Readonly<Record<DatabaseFailure, number>> = {
  /** EX_DATAERR: the file is damaged or not an SQLite database; restore a backup. */
  corrupt: 65,
  /** EX_IOERR: the file or its directory cannot be opened, read or written (read-only, full, permissions). */
  unwritable: 74,
};

export class DatabaseUnusableError extends Error {
  override readonly name = 'DatabaseUnusableError';
  constructor(
    readonly failure: DatabaseFailure,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`database ${path} ${failure === 'corrupt' ? 'is damaged' : 'cannot be written'}: ${message}`, options);
  }

  get exitCode(): number {
    return DATABASE_EXIT_CODES[this.failure];
  }
}

/** Sorts an SQLite (or file system) error into corrupt or unwritable; null for anything else. */
export function classifyDatabaseError(err: unknown): DatabaseFailure | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (/^SQLITE_(READONLY|IOERR|CANTOPEN|FULL|PERM|AUTH)/.test(code) || ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EEXIST'].includes(code)) return 'unwritable';
  return null;
}

/** Reads every page of the devices table and writes the probe row; throws the SQLite error. */
function probe(db: Db, now: number): void {
  db.prepare('SELECT count(*) FROM devices').get();
  db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(now);
}

/** At start: `PRAGMA quick_check` then the probe. Throws {@link DatabaseUnusableError}. */
export function verifyDatabase(db: Db, path: string): void {
  let check: unknown[];
  try {
    check = db.pragma('quick_check') as unknown[];
  } catch (err) {
    throw asUnusable(err, path);
  }
  const problems = check.map((row) => Object.values(row as Record<string, unknown>)[0]).filter((v) => v !== 'ok');
  if (problems.length > 0) throw new DatabaseUnusableError('corrupt', path, `integrity check: ${problems.slice(0, 3).join('; ')}`);
  try {
    probe(db, Date.now());
  } catch (err) {
    throw asUnusable(err, path);
  }
}

/** Wraps an error from opening or checking the database; others pass through unchanged. */
export function asUnusable(err: unknown, path: string): unknown {
  if (err instanceof DatabaseUnusableError) return err;
  const failure = classifyDatabaseError(err);
  return failure === null ? err : new DatabaseUnusableError(failure, path, (err as Error).message, { cause: err });
}

export type Readiness = { readonly ok: true } | { readonly ok: false; readonly failure: DatabaseFailure | 'error'; readonly message: string };

/** The readiness probe's answer, recomputed at most every `cacheMs`. */
export class DatabaseReadiness {
  #last: { at: number; result: Readiness } | null = null;

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 1000,
  ) {}

  check(now = Date.now()): Readiness {
    if (this.#last && now - this.#last.at < this.cacheMs) return this.#last.result;
    let result: Readiness;
    try {
      probe(this.db, now);
      result = { ok: true };
    } catch (err) {
      result = { ok: false, failure: classifyDatabaseError(err) ?? 'error', message: (err as Error).message };
    }
    this.#last = { at: now, result };
    return result;
  }
}
