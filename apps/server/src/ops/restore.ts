/**
 * `pnpm restore`: bring a snapshot back without ever losing the data in place.
 *
 *   1. restore the snapshot into a fresh directory inside DATA_DIR (same filesystem: the swap is a rename)
 *   2. PRAGMA integrity_check on the restored database        — failure: nothing was touched
 *   3. stop the server (hook)
 *   4. move the current database aside (.pre-restore-<time>/), move the restored one in
 *   5. start the server (hook) and wait for /readyz            — failure: swap back, start again
 *
 * The previous database stays in `.pre-restore-<time>/` until the owner removes it.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE } from '../db/database.js';
import { BackupError } from './errors.js';
import { listSnapshots, restic, type Env, type Snapshot } from './restic.js';
import { HISTORY_DIR, SNAPSHOT_TAG } from './backup.js';
import { checkIntegrity } from './sqlite-copy.js';

export interface RestoreOptions {
  env: Env;
  dataDir: string;
  /** A snapshot id (or its prefix) or `latest`. [snapshot='latest'] */
  snapshot?: string;
  /** Name of the source inside the snapshot (see sqliteSource). [source='booxstream'] */
  source?: string;
  /** Stops the server; resolves once it no longer writes the database. */
  stop(): Promise<void>;
  /** Starts the server; may return the base URL it listens on (the ready check uses it). */
  start(): Promise<string | void>;
  /** Base URL for /readyz when `start` returns none. */
  baseUrl?: string;
  /** [readyTimeoutMs=60000] */
  readyTimeoutMs?: number;
  now?: () => Date;
}

export interface RestoreResult {
  snapshot: Snapshot;
  /** Where the database that was in place went; null when there was none. */
  previous: string | null;
}

const SIDE_FILES = ['', '-wal', '-shm'] as const;
/** A restore swaps the database (with its WAL files) and the history segments together. */
const HISTORY = HISTORY_DIR;

function pickSnapshot(all: Snapshot[], wanted: string): Snapshot {
  if (all.length === 0) throw new BackupError('BACKUP_ERR_NO_SNAPSHOT', 'restore', 'the repository holds no BooxStream snapshot');
  if (wanted === 'latest') return [...all].sort((a, b) => a.time.localeCompare(b.time)).pop()!;
  const hits = all.filter((s) => s.id.startsWith(wanted));
  if (hits.length !== 1) throw new BackupError('BACKUP_ERR_NO_SNAPSHOT', 'restore', `${hits.length === 0 ? 'no' : 'more than one'} snapshot matches ${JSON.stringify(wanted)}`);
  return hits[0]!;
}

async function waitReady(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new BackupError('BACKUP_ERR_NOT_READY', 'start', `${baseUrl}/readyz did not answer 2xx within ${timeoutMs} ms (${last})`);
}

function moveDb(fromDir: string, toDir: string): boolean {
  let moved = false;
  if (existsSync(join(fromDir, HISTORY))) {
    mkdirSync(toDir, { recursive: true });
    renameSync(join(fromDir, HISTORY), join(toDir, HISTORY));
    moved = true;
  }
  for (const suffix of SIDE_FILES) {
    const f = join(fromDir, DB_FILE + suffix);
    if (existsSync(f)) {
      mkdirSync(toDir, { recursive: true });
      renameSync(f, join(toDir, DB_FILE + suffix));
      moved = true;
    }
  }
  return moved;
}

export async function runRestore(opts: RestoreOptions): Promise<RestoreResult> {
  const stamp = (opts.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, '-');
  const r = restic(opts.env);
  const snapshot = pickSnapshot(await listSnapshots(r, SNAPSHOT_TAG), opts.snapshot ?? 'latest');
  mkdirSync(opts.dataDir, { recursive: true });
  const fresh = join(opts.dataDir, `.restore-${stamp}`);
  const previous = join(opts.dataDir, `.pre-restore-${stamp}`);
  try {
    await r.run('restic restore', ['restore', snapshot.id, '--target', fresh]);
    const restoredDir = join(fresh, snapshot.paths[0] ?? '', opts.source ?? 'booxstream');
    if (!existsSync(join(restoredDir, DB_FILE))) {
      throw new BackupError('BACKUP_ERR_NO_SNAPSHOT', 'restore', `snapshot ${snapshot.short_id} holds no ${opts.source ?? 'booxstream'}/${DB_FILE}`);
    }
    checkIntegrity(join(restoredDir, DB_FILE), 'integrity check');

    try {
      await opts.stop();
    } catch (e) {
      throw new BackupError('BACKUP_ERR_HOOK', 'stop', `stopping the server failed: ${(e as Error).message}`, { cause: e });
    }
    const hadPrevious = moveDb(opts.dataDir, previous);
    try {
      // The restored database and history go in as one (moveDb moves both).
      moveDb(restoredDir, opts.dataDir);
      const url = (await opts.start()) ?? opts.baseUrl;
      if (url) await waitReady(url, opts.readyTimeoutMs ?? 60_000);
    } catch (e) {
      // Put the previous database back and bring the server up on it.
      await opts.stop().catch(() => undefined);
      for (const suffix of SIDE_FILES) rmSync(join(opts.dataDir, DB_FILE + suffix), { force: true });
      rmSync(join(opts.dataDir, HISTORY), { recursive: true, force: true });
      if (hadPrevious) moveDb(previous, opts.dataDir);
      rmSync(previous, { recursive: true, force: true });
      await opts.start().catch(() => undefined);
      if (e instanceof BackupError) throw e;
      throw new BackupError('BACKUP_ERR_HOOK', 'start', `starting the server on the restored data failed: ${(e as Error).message}`, { cause: e });
    }
    return { snapshot, previous: hadPrevious ? previous : null };
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

/** Leftover `.restore-*` directories from an interrupted run (the CLI lists them). */
export function leftoverRestores(dataDir: string): string[] {
  return existsSync(dataDir) ? readdirSync(dataDir).filter((n) => n.startsWith('.restore-')) : [];
}
