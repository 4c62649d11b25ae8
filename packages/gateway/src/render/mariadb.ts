/**
 * Everything an app's MariaDB needs as text, rendered from the model (model/deploy.ts):
 * the server config (seed 002's hardening plus binding to the internal network only), the
 * init script that creates the exporter's user, the exporter's and the dump's client files,
 * and the nightly dump and restore scripts. Pure: no I/O, no secrets in anything but the
 * client files, which the program builds inside a Pulumi secret.
 *
 * MariaDB, not MySQL 8: it is the MySQL-compatible server Debian ships (`mariadb-server`;
 * Oracle's `mysql-server` is not in Debian), so the tests run the same server the config is
 * written for, and BookStack supports it.
 */
import { GatewayError } from '../errors.js';
import type { AppDatabaseDecl, ProtectedApp } from '../model/types.js';

/** Where every container finds its secret files (Docker's convention for secrets). */
export const SECRETS_DIR = '/run/secrets';
/** MariaDB's listening port inside its network. */
export const MARIADB_PORT = 3306;
/** The exporter's MariaDB account (created by the init script). */
export const EXPORTER_USER = 'exporter';
/** Host directory under which each app's nightly dump lands (`<DUMP_DIR>/<app>/`), included in the restic backup. */
export const DUMP_DIR = '/var/backups/booxstream/dumps';
/** Host directory holding the dump scripts the backup service runs first. */
export const BACKUP_SCRIPTS_DIR = '/opt/booxstream/backup';

export { databaseNames } from '../model/names.js';
import { databaseNames } from '../model/names.js';

/** The addresses on the internal /29: .1 is Docker's bridge, then database, app, exporter. */
export function databaseAddresses(db: Pick<AppDatabaseDecl, 'subnet'>): { database: string; app: string; exporter: string } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(db.subnet);
  if (!m) throw new GatewayError('GATEWAY_ERR_BAD_INPUT', `database subnet ${JSON.stringify(db.subnet)} is not an IPv4 CIDR`);
  const base = `${m[1]}.${m[2]}.${m[3]}.`;
  const host = Number(m[4]);
  return { database: `${base}${host + 2}`, app: `${base}${host + 3}`, exporter: `${base}${host + 4}` };
}

export interface RenderedMariadbConfig {
  fileName: string;
  /** Mounted read-only at /etc/mysql/conf.d/<fileName>. */
  text: string;
  /** The settings, as `SHOW VARIABLES` reports them once in effect (what the real-server test checks). */
  expectVariables: Record<string, string>;
}

const SIZE_BYTES: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** The server config: seed 002's "InnoDB buffer pool 256M", "Slow query logging", `skip-show-database`, and bound to the internal network. */
export function renderMariadbConfig(app: Pick<ProtectedApp, 'name'>, db: AppDatabaseDecl): RenderedMariadbConfig {
  const { database } = databaseAddresses(db);
  const size = /^(\d+)([KMG])$/.exec(db.bufferPool);
  if (!size) throw new GatewayError('GATEWAY_ERR_BAD_INPUT', `bufferPool ${JSON.stringify(db.bufferPool)} is not a size`);
  const lines = [
    `# ${app.name}'s MariaDB, rendered by @booxstream/gateway from the gateway model. Edit the model, not this file.`,
    '[mariadbd]',
    '# Only the internal network (no route out, shared with the app alone); never 0.0.0.0.',
    `bind-address = ${database}`,
    `port = ${MARIADB_PORT}`,
    '# Accounts are matched by address; no DNS lookups on connect.',
    'skip-name-resolve',
    '# SHOW DATABASES is refused to accounts without the SHOW DATABASES privilege.',
    'skip-show-database',
    '# No LOAD DATA LOCAL: a compromised client cannot make the server read its files.',
    'local-infile = 0',
    `innodb_buffer_pool_size = ${db.bufferPool}`,
    '# Slow queries go to a file in the data directory (the root filesystem is read-only).',
    'slow_query_log = 1',
    'slow_query_log_file = slow.log',
    `long_query_time = ${db.longQuerySeconds}`,
    'max_connections = 50',
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_unicode_ci',
    '',
  ];
  return {
    fileName: databaseNames(app).configFile,
    text: lines.join('\n'),
    expectVariables: {
      bind_address: database,
      skip_name_resolve: 'ON',
      skip_show_database: 'ON',
      local_infile: 'OFF',
      innodb_buffer_pool_size: String(Number(size[1]) * SIZE_BYTES[size[2]!]!),
      slow_query_log: 'ON',
      long_query_time: `${db.longQuerySeconds}.000000`,
      character_set_server: 'utf8mb4',
    },
  };
}

/**
 * Sourced (not executed: mode 0444) by the MariaDB image's entrypoint from
 * /docker-entrypoint-initdb.d on first start, where `docker_process_sql` is defined. Creates
 * the exporter's account with the password from its secret file, so the script itself holds
 * no secret. Monitoring privileges only: no SELECT on the app's data.
 */
export function renderExporterUserInit(app: Pick<ProtectedApp, 'name'>, db: AppDatabaseDecl): string {
  const { exporter } = databaseAddresses(db);
  return [
    '# shellcheck shell=bash',
    `# ${app.name}'s database: the Prometheus exporter's account. Rendered by @booxstream/gateway.`,
    `exporter_password="$(cat "\${SECRETS_DIR:-${SECRETS_DIR}}/exporter_password")"`,
    'docker_process_sql <<SQL',
    `CREATE USER IF NOT EXISTS '${EXPORTER_USER}'@'${exporter}' IDENTIFIED BY '\${exporter_password}' WITH MAX_USER_CONNECTIONS 3;`,
    `GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO '${EXPORTER_USER}'@'${exporter}';`,
    'SQL',
    'unset exporter_password',
    '',
  ].join('\n');
}

/** `[client]` options file (a secret: it holds a password). */
export function renderClientOptions(opts: { user: string; password: string; host?: string; port?: number; socket?: string }): string {
  if (!/^[A-Za-z0-9]+$/.test(opts.password)) throw new GatewayError('GATEWAY_ERR_BAD_INPUT', 'client option passwords must be alphanumeric (no quoting in option files)');
  return [
    '[client]',
    `user = ${opts.user}`,
    `password = ${opts.password}`,
    ...(opts.host !== undefined ? [`host = ${opts.host}`] : []),
    ...(opts.port !== undefined ? [`port = ${opts.port}`] : []),
    ...(opts.socket !== undefined ? [`socket = ${opts.socket}`] : []),
    '',
  ].join('\n');
}

/**
 * The nightly dump, run on the VM before restic's backup (the backup schedule's pre-backup
 * hook). `--single-transaction` gives a consistent InnoDB snapshot without locking the app
 * out; the file appears only when the dump completed (write to a partial file, check the
 * completion line, rename), so restic never stores half a dump as if it were whole.
 */
export function renderDumpScript(app: Pick<ProtectedApp, 'name'>, db: AppDatabaseDecl): string {
  const names = databaseNames(app);
  return [
    '#!/bin/sh',
    `# Nightly dump of ${app.name}'s database into the restic backup set. Rendered by @booxstream/gateway.`,
    '# DB_EXEC and DB_DEFAULTS_FILE may be overridden (tests run it against a local server).',
    'set -eu',
    `DEST="\${BACKUP_DUMP_DIR:-${DUMP_DIR}/${app.name}}"`,
    `DB_EXEC="\${DB_EXEC-docker exec -i ${names.container}}"`,
    `DB_DEFAULTS_FILE="\${DB_DEFAULTS_FILE:-${SECRETS_DIR}/dump.cnf}"`,
    'umask 077',
    'mkdir -p "$DEST"',
    `partial="$DEST/.${names.dumpFile}.partial"`,
    `$DB_EXEC mariadb-dump --defaults-extra-file="$DB_DEFAULTS_FILE" --single-transaction --quick --routines --triggers --events --hex-blob --skip-dump-date ${db.name} > "$partial"`,
    '# mariadb-dump writes this line last: without it the dump stopped midway.',
    `if ! tail -n 1 "$partial" | grep -q '^-- Dump completed'; then echo "dump of ${db.name} incomplete" >&2; rm -f "$partial"; exit 1; fi`,
    `mv "$partial" "$DEST/${names.dumpFile}"`,
    '',
  ].join('\n');
}

/** Loads a dump (restored from restic) back into the database. */
export function renderRestoreScript(app: Pick<ProtectedApp, 'name'>, db: AppDatabaseDecl): string {
  const names = databaseNames(app);
  return [
    '#!/bin/sh',
    `# Restore ${app.name}'s database from a dump: restic restore latest --target /tmp/r, then run this with the restored ${names.dumpFile}.`,
    '# Stop the app first (docker stop) so it does not write while the dump loads.',
    'set -eu',
    `SRC="\${1:-${DUMP_DIR}/${app.name}/${names.dumpFile}}"`,
    `DB_EXEC="\${DB_EXEC-docker exec -i ${names.container}}"`,
    `DB_DEFAULTS_FILE="\${DB_DEFAULTS_FILE:-${SECRETS_DIR}/dump.cnf}"`,
    'test -s "$SRC" || { echo "no dump at $SRC" >&2; exit 1; }',
    `$DB_EXEC mariadb --defaults-extra-file="$DB_DEFAULTS_FILE" ${db.name} < "$SRC"`,
    '',
  ].join('\n');
}

/**
 * What the monitoring stack's Prometheus scrapes for this app's database: the exporter's
 * published port on the VM. The shape of the monitoring renderer's `apps` entries
 * (`AppMetricsInput`: job `app-<name>`).
 */
export interface DatabaseScrapeTarget {
  name: string;
  /** `host:port` as Prometheus reaches it. */
  address: string;
  metricsPath: '/metrics';
}

export function databaseScrapeTarget(app: Pick<ProtectedApp, 'name'>, db: AppDatabaseDecl, vmAddress: string): DatabaseScrapeTarget {
  return { name: databaseNames(app).container, address: `${vmAddress}:${db.exporter.port}`, metricsPath: '/metrics' };
}

/**
 * How the nightly backup takes this database along: the backup schedule (the monitoring
 * stack's restic service, `extraExecStartPre` + `include`) runs the dump script first and
 * includes the dump directory in the same snapshot. `files` are what must be on the VM.
 */
export interface DatabaseBackupHook {
  files: { path: string; content: string; mode: '0755' }[];
  extraExecStartPre: string[];
  include: Record<string, string>;
}

export function databaseBackupHook(app: Pick<ProtectedApp, 'name'>, db: AppDatabaseDecl): DatabaseBackupHook {
  const names = databaseNames(app);
  const script = `${BACKUP_SCRIPTS_DIR}/${names.dumpScript}`;
  return {
    files: [{ path: script, content: renderDumpScript(app, db), mode: '0755' }],
    extraExecStartPre: [script],
    include: { [names.container]: `${DUMP_DIR}/${app.name}` },
  };
}
