/**
 * `pnpm backup`: stage a consistent copy of every source, send it to the restic repository,
 * keep the last N snapshots, verify a sample of the repository's data, and publish the success
 * time for the node exporter's textfile collector. A failure at any step leaves no new snapshot
 * (restic writes a snapshot only after all its data is stored) and the previous timestamp in place.
 *
 * Other apps add their data with a `BackupSource`: BooxStream's is the SQLite copy; a database
 * app adds a dump (e.g. `mariadb-dump` into a directory) as `directorySource`, or its own stage().
 */
import { cpSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DB_FILE } from '../db/database.js';
import { BackupError } from './errors.js';
import { restic, type Env } from './restic.js';
import { copySqlite } from './sqlite-copy.js';

/** One thing a backup carries, staged under `<staging>/<name>/`. */
export interface BackupSource {
  /** Directory name inside the snapshot: `[a-z0-9-]+`, unique. */
  readonly name: string;
  /** Writes a consistent copy of the data into `dir` (created empty for it). */
  stage(dir: string): Promise<void>;
}

/** The frame history's segment files, beside the database (apps/server/README.md, History). */
export const HISTORY_DIR = 'history';

/**
 * BooxStream's data: the database, copied online with SQLite's backup API, then the history
 * segments hard-linked (same filesystem, no copy). Segments are append-only and indexed after
 * their bytes are written, so segments taken after the database hold every byte its index
 * names; bytes appended later are unindexed tails, which the history store ignores.
 */
export function sqliteSource(dataDir: string, name = 'booxstream'): BackupSource {
  return {
    name,
    async stage(dir) {
      await copySqlite(join(dataDir, DB_FILE), join(dir, DB_FILE));
      linkTree(join(dataDir, HISTORY_DIR), join(dir, HISTORY_DIR));
    },
  };
}

function linkTree(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) linkTree(src, join(to, entry.name));
    else if (entry.isFile()) {
      try {
        linkSync(src, join(to, entry.name));
      } catch (e) {
        // Pruned between listing and linking: its rows are gone from the copy's future, skip it.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
}

/** A directory another step has already made consistent (a database dump written just before). */
export function directorySource(name: string, path: string): BackupSource {
  return {
    name,
    async stage(dir) {
      if (!existsSync(path)) throw new BackupError('BACKUP_ERR_NO_DATABASE', `stage ${name}`, `${path} does not exist`);
      cpSync(path, dir, { recursive: true });
    },
  };
}

/** The textfile the node exporter serves; the alert BackupTooOld reads its first gauge. */
export const BACKUP_TEXTFILE = 'booxstream_backup.prom';
export const SNAPSHOT_TAG = 'booxstream';

export interface BackupOptions {
  /** The process environment: RESTIC_REPOSITORY, RESTIC_PASSWORD(_FILE), backend credentials. */
  env: Env;
  sources: BackupSource[];
  /** Emptied, filled and removed by each run. Same filesystem as the data keeps the copy cheap. */
  stagingDir: string;
  /** The node exporter's `--collector.textfile.directory`; null = do not publish. */
  textfileDir: string | null;
  /** [keepLast=10] (seed 002) */
  keepLast?: number;
  /** `restic check --read-data-subset` argument; null skips the check. [checkSubset='10%'] */
  checkSubset?: string | null;
  /** `restic init` when there is no repository yet. [init=false] */
  init?: boolean;
  now?: () => Date;
}

export interface BackupResult {
  snapshotId: string;
  snapshots: number;
  durationSeconds: number;
}

const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function runBackup(opts: BackupOptions): Promise<BackupResult> {
  const now = opts.now ?? (() => new Date());
  const started = now().getTime();
  const names = new Set<string>();
  for (const s of opts.sources) {
    if (!SOURCE_NAME.test(s.name) || names.has(s.name)) throw new BackupError('BACKUP_ERR_HOOK', 'sources', `bad or duplicate source name ${JSON.stringify(s.name)}`);
    names.add(s.name);
  }
  const r = restic(opts.env);
  // `restic backup` opens the repository (password, reachability) before it writes anything,
  // so only --init asks first; each restic start costs its key derivation (~0.5 s).
  if (opts.init) {
    try {
      await r.run('repository', ['cat', 'config']);
    } catch (e) {
      if (!(e instanceof BackupError && e.code === 'BACKUP_ERR_NO_REPOSITORY')) throw e;
      await r.run('init', ['init']);
    }
  }

  const staging = resolve(opts.stagingDir);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    for (const s of opts.sources) {
      const dir = join(staging, s.name);
      mkdirSync(dir);
      await s.stage(dir);
    }
    const out = await r.run('restic backup', ['backup', '--json', '--tag', SNAPSHOT_TAG, staging]);
    const summary = out.stdout
      .split('\n')
      .filter((l) => l.includes('"summary"'))
      .map((l) => JSON.parse(l) as { snapshot_id?: string })
      .pop();
    if (!summary?.snapshot_id) throw new BackupError('BACKUP_ERR_RESTIC', 'restic backup', 'restic reported no snapshot id');
    const forget = await r.run('forget', ['forget', '--json', '--tag', SNAPSHOT_TAG, '--keep-last', String(opts.keepLast ?? 10), '--prune']);
    if (opts.checkSubset !== null) await r.run('check', ['check', `--read-data-subset=${opts.checkSubset ?? '10%'}`]);
    const snapshots = keptSnapshots(forget.stdout);
    const finished = now().getTime();
    const result = { snapshotId: summary.snapshot_id, snapshots, durationSeconds: (finished - started) / 1000 };
    if (opts.textfileDir !== null) writeTextfile(opts.textfileDir, finished, result);
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Snapshots `forget --json` kept (its first line is the JSON array; --prune prints text after it). */
function keptSnapshots(stdout: string): number {
  const line = stdout.split('\n').find((l) => l.startsWith('['));
  if (!line) throw new BackupError('BACKUP_ERR_RESTIC', 'forget', 'restic forget printed no JSON');
  return (JSON.parse(line) as { keep: unknown[] | null }[]).reduce((n, g) => n + (g.keep?.length ?? 0), 0);
}

/** Write-then-rename in the same directory: the collector never reads a half-written file. */
export function writeTextfile(dir: string, finishedMs: number, result: BackupResult): void {
  mkdirSync(dir, { recursive: true });
  const body =
    '# HELP booxstream_backup_last_success_timestamp_seconds Unix time the last successful backup finished.\n' +
    '# TYPE booxstream_backup_last_success_timestamp_seconds gauge\n' +
    `booxstream_backup_last_success_timestamp_seconds ${Math.floor(finishedMs / 1000)}\n` +
    '# HELP booxstream_backup_last_duration_seconds Duration of the last successful backup.\n' +
    '# TYPE booxstream_backup_last_duration_seconds gauge\n' +
    `booxstream_backup_last_duration_seconds ${result.durationSeconds}\n` +
    '# HELP booxstream_backup_snapshots Snapshots kept in the repository after the last backup.\n' +
    '# TYPE booxstream_backup_snapshots gauge\n' +
    `booxstream_backup_snapshots ${result.snapshots}\n`;
  const tmp = join(dir, `.${BACKUP_TEXTFILE}.${process.pid}.tmp`);
  writeFileSync(tmp, body, { mode: 0o644 });
  renameSync(tmp, join(dir, BACKUP_TEXTFILE));
}
