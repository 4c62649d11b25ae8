/**
 * The backup schedule on the VM as systemd units, rendered from plain values (pure; the
 * BackupSchedule component copies them over SSH). A timer rather than cron: `Persistent=true`
 * runs a backup missed while the VM was off at the next boot, the journal keeps each run's
 * output, and `systemd-analyze verify` checks the files offline.
 *
 * The service runs `pnpm backup`'s bundle (`node dist/ops.js backup`) in a one-off container of
 * the server's own image: the same code and restic as the server, the data volume shared with
 * `--volumes-from` (SQLite's backup API works across processes on the same files), nothing
 * installed on the host but Docker. Other apps add steps with `extraExecStartPre` (a database
 * dump into a directory) and `include` (that directory, copied into the snapshot).
 */

export interface BackupUnitsInput {
  /** Unit base name. [unitName='booxstream-backup'] */
  readonly unitName?: string;
  /** systemd OnCalendar expression. [onCalendar='*-*-* 02:00:00'] (seed 002: daily at 2:00) */
  readonly onCalendar?: string;
  /** The server container whose volumes the backup reads. */
  readonly serverContainer: string;
  /** The server image (tag or digest). */
  readonly image: string;
  /** DATA_DIR inside the container. */
  readonly dataDir: string;
  /** restic repository as seen inside the backup container (a mounted path or a remote URL). */
  readonly repository: string;
  /** Host directory mounted at the repository path, for a local repository; null for a remote one. */
  readonly repositoryHostDir: string | null;
  /** Host file holding the restic password (root-only); mounted read-only. */
  readonly passwordFile: string;
  /** Host file of extra `KEY=value` lines for remote backends (S3/B2 keys); optional. */
  readonly environmentFile?: string;
  /** The node exporter's textfile directory on the host. */
  readonly textfileDir: string;
  /** [keepLast=10] */
  readonly keepLast?: number;
  /** Extra directories to include, `name → host path` (e.g. a MariaDB dump directory). [include={}] */
  readonly include?: Readonly<Record<string, string>>;
  /** Commands run before the backup (dumps). [extraExecStartPre=[]] */
  readonly extraExecStartPre?: readonly string[];
  /** Absolute path of the docker CLI. [docker='/usr/bin/docker'] */
  readonly docker?: string;
}

export interface RenderedBackupUnits {
  serviceName: string;
  timerName: string;
  service: string;
  timer: string;
}

const SECRET_IN_CONTAINER = '/run/secrets/restic-password';
const TEXTFILE_IN_CONTAINER = '/textfile';

function quote(arg: string): string {
  // systemd's own quoting: double quotes, with backslash and quote escaped.
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderBackupUnits(input: BackupUnitsInput): RenderedBackupUnits {
  const unit = input.unitName ?? 'booxstream-backup';
  const docker = input.docker ?? '/usr/bin/docker';
  const include = Object.entries(input.include ?? {});
  const args = [
    docker, 'run', '--rm', '--name', unit,
    '--volumes-from', `${input.serverContainer}:rw`,
    '--read-only', '--tmpfs', '/tmp:rw,noexec,nosuid,nodev,size=64m',
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true',
    '--user', '1000:1000',
    '-v', `${input.passwordFile}:${SECRET_IN_CONTAINER}:ro`,
    '-v', `${input.textfileDir}:${TEXTFILE_IN_CONTAINER}:rw`,
    ...(input.repositoryHostDir !== null ? ['-v', `${input.repositoryHostDir}:${input.repository}:rw`] : []),
    ...include.flatMap(([name, path]) => ['-v', `${path}:/include/${name}:ro`]),
    ...(input.environmentFile ? ['--env-file', input.environmentFile] : []),
    '-e', `DATA_DIR=${input.dataDir}`,
    '-e', `RESTIC_REPOSITORY=${input.repository}`,
    '-e', `RESTIC_PASSWORD_FILE=${SECRET_IN_CONTAINER}`,
    '-e', `BACKUP_TEXTFILE_DIR=${TEXTFILE_IN_CONTAINER}`,
    '-e', `BACKUP_KEEP_LAST=${input.keepLast ?? 10}`,
    ...(include.length > 0 ? ['-e', `BACKUP_INCLUDE=${include.map(([name]) => `${name}=/include/${name}`).join(',')}`] : []),
    '--entrypoint', 'node', input.image, 'dist/ops.js', 'backup',
  ];
  const service = [
    '[Unit]',
    'Description=BooxStream encrypted backup (restic)',
    'Documentation=https://github.com/booxstream/booxstream#backups',
    'Requires=docker.service',
    'After=docker.service network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    ...(input.extraExecStartPre ?? []).map((c) => `ExecStartPre=${c}`),
    `ExecStart=${args.map(quote).join(' ')}`,
    'TimeoutStartSec=2h',
    // A backup must not starve the relay.
    'Nice=10',
    'IOSchedulingClass=idle',
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Daily BooxStream backup (${input.onCalendar ?? '*-*-* 02:00:00'})`,
    '',
    '[Timer]',
    `OnCalendar=${input.onCalendar ?? '*-*-* 02:00:00'}`,
    // Run a backup missed while the VM was off as soon as it is back.
    'Persistent=true',
    'RandomizedDelaySec=5m',
    `Unit=${unit}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { serviceName: `${unit}.service`, timerName: `${unit}.timer`, service, timer };
}
