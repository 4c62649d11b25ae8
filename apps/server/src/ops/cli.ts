/**
 * `pnpm backup [--init]` and `pnpm restore [snapshot] (--stop-cmd CMD --start-cmd CMD --ready-url URL | --server-stopped)`.
 *
 * Environment: DATA_DIR as the server reads it; restic's own RESTIC_REPOSITORY,
 * RESTIC_PASSWORD or RESTIC_PASSWORD_FILE; BACKUP_TEXTFILE_DIR (node exporter textfile
 * directory, unset = none), BACKUP_KEEP_LAST [10], BACKUP_CHECK_SUBSET [10%], BACKUP_INCLUDE
 * (name=path,… of directories other apps dumped into, e.g. `bookstack-db=/var/backups/bookstack`).
 * Exit 0 on success; 1 with one line `backup failed (CODE) step: message` otherwise.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { parseConfig } from '../config.js';
import { directorySource, runBackup, sqliteSource, type BackupSource } from './backup.js';
import { BackupError } from './errors.js';
import { runRestore } from './restore.js';

const sh = promisify(execFile);

function includes(raw: string | undefined): BackupSource[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new BackupError('BACKUP_ERR_HOOK', 'BACKUP_INCLUDE', `expected name=path, got ${JSON.stringify(entry)}`);
    return directorySource(entry.slice(0, eq).trim(), entry.slice(eq + 1).trim());
  });
}

function hook(cmd: string | undefined): () => Promise<void> {
  return async () => {
    if (cmd) await sh('sh', ['-c', cmd], { timeout: 120_000 });
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  // Only the server's own variables go to its parser (it refuses misspelt ones).
  const dataDir = parseConfig(env).dataDir;
  try {
    if (command === 'backup') {
      const { values } = parseArgs({ args: rest, options: { init: { type: 'boolean', default: false } } });
      const result = await runBackup({
        env,
        sources: [sqliteSource(dataDir), ...includes(env['BACKUP_INCLUDE'])],
        stagingDir: env['BACKUP_STAGING_DIR'] || join(dataDir, '.backup-staging'),
        textfileDir: env['BACKUP_TEXTFILE_DIR'] || null,
        keepLast: env['BACKUP_KEEP_LAST'] ? Number(env['BACKUP_KEEP_LAST']) : 10,
        checkSubset: env['BACKUP_CHECK_SUBSET'] || '10%',
        init: values.init,
      });
      console.log(`backup ok: snapshot ${result.snapshotId.slice(0, 8)}, ${result.snapshots} kept, ${result.durationSeconds.toFixed(1)} s`);
      return 0;
    }
    if (command === 'restore') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          'stop-cmd': { type: 'string' },
          'start-cmd': { type: 'string' },
          'ready-url': { type: 'string' },
          'server-stopped': { type: 'boolean', default: false },
        },
      });
      if (!values['stop-cmd'] && !values['server-stopped']) {
        console.error('restore replaces the live database: stop the server first and pass --server-stopped, or give --stop-cmd/--start-cmd (e.g. "docker stop booxstream")');
        return 2;
      }
      const result = await runRestore({
        env,
        dataDir,
        snapshot: positionals[0] ?? 'latest',
        stop: hook(values['stop-cmd']),
        start: hook(values['start-cmd']),
        ...(values['ready-url'] ? { baseUrl: values['ready-url'] } : {}),
      });
      console.log(`restore ok: snapshot ${result.snapshot.short_id} (${result.snapshot.time}) is in ${dataDir}; the previous database is in ${result.previous ?? '(there was none)'}`);
      return 0;
    }
    console.error('usage: backup [--init] | restore [snapshot|latest] (--server-stopped | --stop-cmd CMD --start-cmd CMD [--ready-url URL])');
    return 2;
  } catch (e) {
    if (e instanceof BackupError) {
      console.error(`${command} failed (${e.code}) ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('ops/cli.ts') || process.argv[1]?.endsWith('ops.js')) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
