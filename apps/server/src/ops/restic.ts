/**
 * The restic command line, run as a child process with the caller's environment: restic reads
 * RESTIC_REPOSITORY, RESTIC_PASSWORD / RESTIC_PASSWORD_FILE (and any backend credentials) itself,
 * so secrets never appear in an argument list or a log line here.
 */
import { execFile } from 'node:child_process';
import { BackupError } from './errors.js';

export type Env = Record<string, string | undefined>;

export interface ResticResult {
  stdout: string;
  stderr: string;
}

/** The last lines of restic's stderr, for an error message (restic never prints the password). */
function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Maps restic's failure text to a coded error. restic 0.14 exits 1 for all of these; its
 * messages are stable across 0.12–0.17.
 */
export function classifyResticFailure(step: string, stderr: string, env: Env): BackupError {
  const repo = env['RESTIC_REPOSITORY'] ?? '(unset)';
  if (/wrong password or no key found/i.test(stderr)) {
    return new BackupError('BACKUP_ERR_WRONG_PASSWORD', step, `the restic password does not open the repository ${repo} (wrong RESTIC_PASSWORD or RESTIC_PASSWORD_FILE)`);
  }
  if (/no space left on device|disk quota exceeded/i.test(stderr)) {
    return new BackupError('BACKUP_ERR_DISK_FULL', step, `no space left while writing to ${repo}: ${tail(stderr, 2)}`);
  }
  if (/connection refused|no such host|timeout|network is unreachable|dial tcp|permission denied/i.test(stderr)) {
    return new BackupError('BACKUP_ERR_REPOSITORY_UNREACHABLE', step, `cannot reach the restic repository ${repo}: ${tail(stderr, 2)}`);
  }
  if (/Is there a repository at the following location|unable to open config file.*(no such file|not exist)|repository does not exist/is.test(stderr)) {
    return new BackupError('BACKUP_ERR_NO_REPOSITORY', step, `no restic repository at ${repo} (create it once with \`pnpm backup --init\`)`);
  }
  if (/Fatal: repository contains errors|ciphertext verification failed|invalid data returned|error loading (index|snapshot)|load <(snapshot|index)|pack .* (damaged|contains errors)|unable to load|decoding/i.test(stderr)) {
    return new BackupError('BACKUP_ERR_REPOSITORY_DAMAGED', step, `the restic repository ${repo} is damaged: ${tail(stderr, 3)}`);
  }
  return new BackupError('BACKUP_ERR_RESTIC', step, `restic failed: ${tail(stderr)}`);
}

export interface Restic {
  run(step: string, args: string[], opts?: { timeoutMs?: number }): Promise<ResticResult>;
  readonly env: Env;
}

/** A restic runner bound to an environment. `binary` is `restic` on PATH unless told otherwise. */
export function restic(env: Env, binary = 'restic'): Restic {
  if (!env['RESTIC_REPOSITORY'] && !env['RESTIC_REPOSITORY_FILE']) {
    throw new BackupError('BACKUP_ERR_NO_REPOSITORY_CONFIG', 'repository', 'set RESTIC_REPOSITORY (e.g. /srv/backups/booxstream or sftp:user@host:/backups) to say where backups go');
  }
  if (!env['RESTIC_PASSWORD'] && !env['RESTIC_PASSWORD_FILE'] && !env['RESTIC_PASSWORD_COMMAND']) {
    throw new BackupError('BACKUP_ERR_NO_PASSWORD', 'repository', 'set RESTIC_PASSWORD_FILE (or RESTIC_PASSWORD) to the repository password');
  }
  const childEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  return {
    env,
    run(step, args, opts = {}) {
      return new Promise((resolve, reject) => {
        // --no-cache: the container's root is read-only and the repositories are small.
        execFile(binary, ['--no-cache', ...args], { env: childEnv, timeout: opts.timeoutMs ?? 30 * 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
              reject(new BackupError('BACKUP_ERR_RESTIC', step, `the restic binary (${binary}) is not installed`));
            } else reject(classifyResticFailure(step, `${stderr}\n${err.message}`, env));
            return;
          }
          resolve({ stdout, stderr });
        });
      });
    },
  };
}

export interface Snapshot {
  id: string;
  short_id: string;
  time: string;
  paths: string[];
  tags?: string[];
  hostname: string;
}

export async function listSnapshots(r: Restic, tag: string): Promise<Snapshot[]> {
  const { stdout } = await r.run('snapshots', ['snapshots', '--json', '--tag', tag]);
  return (JSON.parse(stdout) as Snapshot[] | null) ?? [];
}
