/**
 * The rendered database config and scripts against a real MariaDB (Debian's `mariadbd`), a
 * real restic and the real mysqld exporter. The server runs inside a network namespace this
 * test creates, holding the database's internal-network address on a veth whose other end
 * is a second namespace with the exporter's address (the internal network, in miniature): so
 * "bound only to its network" and "the exporter's account works from the exporter's address"
 * are observed, not assumed. Test-only overrides (data dir, socket, pid file, `user=root` because tests run as
 * root) come after the rendered file in an options file that `!include`s it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExampleGateway } from '../src/model/load.js';
import { exporterCommand } from '../src/render/app-containers.js';
import {
  databaseAddresses,
  EXPORTER_USER,
  MARIADB_PORT,
  renderClientOptions,
  renderDumpScript,
  renderExporterUserInit,
  renderMariadbConfig,
  renderRestoreScript,
} from '../src/render/mariadb.js';

const run = promisify(execFile);
const gateway = loadExampleGateway();
const app = gateway.apps.find((a) => a.deploy?.database !== undefined)!;
const db = app.deploy!.database!;
const addr = databaseAddresses(db);
const rendered = renderMariadbConfig(app, db);
const appPassword = randomBytes(18).toString('hex');
const exporterPassword = randomBytes(18).toString('hex');

let dir: string;
let ns: string;
/** The other side of the internal network: where the app and the exporter connect from. */
let peer: string;
let server: ChildProcess | undefined;
let exporter: ChildProcess | undefined;
let socket: string;

/** Runs the real client; `-N -B`: tab-separated rows, no header. */
async function sql(query: string, opts: { user?: string; password?: string; viaNs?: string; database?: string } = {}): Promise<string[][]> {
  const conn = opts.viaNs !== undefined ? ['-h', opts.viaNs, '-P', '3306', '--connect-timeout=3'] : [`--socket=${socket}`];
  // The database's own address is reached from the peer namespace; anything else from inside the database's.
  const from = opts.viaNs === addr.database ? peer : ns;
  const auth = opts.user !== undefined ? ['-u', opts.user, `-p${opts.password ?? ''}`] : ['-u', 'root'];
  const args = ['--no-defaults', ...conn, ...auth, '-N', '-B', ...(opts.database ? [opts.database] : []), '-e', query];
  const [cmd, argv] = opts.viaNs !== undefined ? ['ip', ['netns', 'exec', from, 'mariadb', ...args]] : ['mariadb', args];
  const { stdout } = await run(cmd, argv as string[], { timeout: 10_000 });
  return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

async function waitForServer(deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      await sql('SELECT 1');
      return;
    } catch (error) {
      if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`mariadbd exited with ${server.exitCode}: ${readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000)}`);
      if (Date.now() > until) throw new Error(`mariadbd did not answer within ${deadlineMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-mariadb-'));
  chmodSync(dir, 0o755);
  socket = join(dir, 'mariadb.sock');
  const tag = `${process.pid}${randomBytes(2).toString('hex')}`;
  ns = `bsdb${tag}`;
  peer = `bsdbp${tag}`;
  for (const n of [ns, peer]) {
    await run('ip', ['netns', 'add', n]);
    await run('ip', ['-n', n, 'link', 'set', 'lo', 'up']);
  }
  await run('ip', ['link', 'add', 'vdb', 'netns', ns, 'type', 'veth', 'peer', 'name', 'vpeer', 'netns', peer]);
  await run('ip', ['-n', ns, 'addr', 'add', `${addr.database}/29`, 'dev', 'vdb']);
  await run('ip', ['-n', peer, 'addr', 'add', `${addr.exporter}/29`, 'dev', 'vpeer']);
  await run('ip', ['-n', ns, 'link', 'set', 'vdb', 'up']);
  await run('ip', ['-n', peer, 'link', 'set', 'vpeer', 'up']);

  writeFileSync(join(dir, rendered.fileName), rendered.text);
  writeFileSync(
    join(dir, 'test.cnf'),
    [
      `!include ${join(dir, rendered.fileName)}`,
      '# test-only overrides, after the rendered file',
      '[mariadbd]',
      `datadir = ${join(dir, 'data')}`,
      `socket = ${socket}`,
      `pid-file = ${join(dir, 'mariadbd.pid')}`,
      `log-error = ${join(dir, 'error.log')}`,
      `tmpdir = ${dir}`,
      'user = root',
      'innodb_log_file_size = 8M',
      '',
    ].join('\n'),
  );
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${join(dir, 'data')}`,
    '--user=root',
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
    '--skip-name-resolve',
  ], { timeout: 30_000 });
  server = spawn('ip', ['netns', 'exec', ns, 'mariadbd', `--defaults-file=${join(dir, 'test.cnf')}`], { stdio: 'ignore' });
  await waitForServer(20_000);

  // What the MariaDB image's entrypoint does with MARIADB_DATABASE / MARIADB_USER / MARIADB_PASSWORD_FILE.
  await sql(`CREATE DATABASE \`${db.name}\`; CREATE USER '${db.name}'@'%' IDENTIFIED BY '${appPassword}'; GRANT ALL ON \`${db.name}\`.* TO '${db.name}'@'%';`);
  // Another database on the same server that the app must not learn about.
  await sql('CREATE DATABASE unrelated_secret_db');
  // The rendered init script, sourced the way the entrypoint sources initdb.d/*.sh.
  mkdirSecrets();
  const init = join(dir, 'init.sh');
  writeFileSync(init, renderExporterUserInit(app, db));
  await run('bash', ['-c', `set -eu; docker_process_sql() { mariadb --no-defaults --socket='${socket}' -u root; }; SECRETS_DIR='${join(dir, 'secrets')}'; . '${init}'`], { timeout: 10_000 });
}, 60_000);

function mkdirSecrets(): void {
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  writeFileSync(join(secrets, 'exporter_password'), exporterPassword, { mode: 0o400 });
  writeFileSync(join(secrets, 'dump.cnf'), renderClientOptions({ user: db.name, password: appPassword, socket }), { mode: 0o400 });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

afterAll(async () => {
  await stop(exporter);
  await stop(server);
  for (const n of [ns, peer]) if (n) await run('ip', ['netns', 'del', n]).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 15_000);

describe('the rendered MariaDB config on a real server', () => {
  it('is in effect: SHOW VARIABLES reports every hardening setting', async () => {
    const names = Object.keys(rendered.expectVariables);
    const rows = await sql(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map((n) => `'${n}'`).join(',')})`);
    expect(Object.fromEntries(rows)).toEqual(rendered.expectVariables);
    expect(rendered.expectVariables['innodb_buffer_pool_size']).toBe(String(256 * 1024 * 1024));
  });

  it('listens on the internal network address only', async () => {
    expect(await sql('SELECT 1', { user: db.name, password: appPassword, viaNs: addr.database })).toEqual([['1']]);
    await expect(sql('SELECT 1', { user: db.name, password: appPassword, viaNs: '127.0.0.1' })).rejects.toThrow(/Can't connect|2002|2003/);
  });

  it('SHOW DATABASES reveals nothing to the app user', async () => {
    const tryShow = sql('SHOW DATABASES', { user: db.name, password: appPassword, viaNs: addr.database });
    await expect(tryShow).rejects.toThrow(/1227|Access denied/);
    // root still sees everything: the setting hides databases, it does not lose them.
    expect((await sql('SHOW DATABASES')).flat()).toContain('unrelated_secret_db');
  });

  it('the init script created the exporter account with monitoring privileges only', async () => {
    const grants = (await sql(`SHOW GRANTS FOR '${'exporter'}'@'${addr.exporter}'`)).flat().join('\n');
    expect(grants).toMatch(/GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON \*\.\*/);
    expect(grants).not.toMatch(/SELECT/);
    expect(renderExporterUserInit(app, db)).not.toContain(exporterPassword);
  });

  it("the real mysqld exporter logs in with the rendered client file from the exporter's address", async () => {
    const cnf = join(dir, 'secrets', 'my.cnf');
    writeFileSync(cnf, renderClientOptions({ user: EXPORTER_USER, password: exporterPassword, host: addr.database, port: MARIADB_PORT }), { mode: 0o400 });
    const listen = exporterCommand().find((a) => a.startsWith('--web.listen-address='))!;
    exporter = spawn('ip', ['netns', 'exec', peer, 'prometheus-mysqld-exporter', `--config.my-cnf=${cnf}`, listen], { stdio: 'ignore' });
    const port = listen.split(':').at(-1)!;
    let metrics = '';
    for (const until = Date.now() + 10_000; Date.now() < until && !/^mysql_up 1$/m.test(metrics); await new Promise((r) => setTimeout(r, 200))) {
      metrics = await run('ip', ['netns', 'exec', peer, 'curl', '-fsS', '--max-time', '3', `http://127.0.0.1:${port}/metrics`], { timeout: 5000 }).then((r) => r.stdout, () => '');
    }
    expect(metrics).toMatch(/^mysql_up 1$/m);
    expect(metrics).toMatch(/^mysql_global_status_uptime \d+/m);
    expect(metrics).toMatch(/^mysql_global_variables_innodb_buffer_pool_size 2\.68435456e\+08$/m);
  }, 20_000);

  it('dump → restic → restore brings back the same rows', async () => {
    const asApp = { user: db.name, password: appPassword, viaNs: addr.database, database: db.name };
    await sql("CREATE TABLE pages (id INT PRIMARY KEY, title VARCHAR(200), body TEXT) ENGINE=InnoDB; INSERT INTO pages VALUES (1,'Accueil','é ü ✓'),(2,'Sauvegarde','restic'),(3,'Tab\\there','x');", asApp);
    const before = await sql('SELECT id, title, body FROM pages ORDER BY id', asApp);
    expect(before).toHaveLength(3);

    const scripts = join(dir, 'scripts');
    mkdirSync(scripts);
    writeFileSync(join(scripts, 'dump.sh'), renderDumpScript(app, db), { mode: 0o755 });
    writeFileSync(join(scripts, 'restore.sh'), renderRestoreScript(app, db), { mode: 0o755 });
    const dumps = join(dir, 'dumps');
    const env = { ...process.env, BACKUP_DUMP_DIR: dumps, DB_EXEC: '', DB_DEFAULTS_FILE: join(dir, 'secrets', 'dump.cnf') };
    await run('sh', [join(scripts, 'dump.sh')], { env, timeout: 15_000 });
    const dump = readFileSync(join(dumps, `${app.name}.sql`), 'utf8');
    expect(dump).toContain('INSERT INTO `pages`');
    expect(dump).not.toContain(appPassword);

    const restic = { ...process.env, RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: randomBytes(12).toString('hex'), RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
    await run('restic', ['init'], { env: restic, timeout: 20_000 });
    await run('restic', ['backup', '--tag', `db-${app.name}`, dumps], { env: restic, timeout: 20_000 });

    // Disaster: the database is gone and the local dump with it.
    await sql(`DROP DATABASE \`${db.name}\`; CREATE DATABASE \`${db.name}\`;`);
    rmSync(dumps, { recursive: true });
    await expect(sql('SELECT COUNT(*) FROM pages', asApp)).rejects.toThrow(/doesn't exist/);

    const target = join(dir, 'restored');
    await run('restic', ['restore', 'latest', '--tag', `db-${app.name}`, '--target', target], { env: restic, timeout: 20_000 });
    await run('sh', [join(scripts, 'restore.sh'), join(target, dumps, `${app.name}.sql`)], { env, timeout: 15_000 });
    expect(await sql('SELECT id, title, body FROM pages ORDER BY id', asApp)).toEqual(before);
  }, 60_000);

  it('the dump script refuses to publish a dump that did not complete', async () => {
    const dumps = join(dir, 'dumps-broken');
    const env = { ...process.env, BACKUP_DUMP_DIR: dumps, DB_EXEC: '', DB_DEFAULTS_FILE: join(dir, 'secrets', 'missing.cnf') };
    writeFileSync(join(dir, 'dump-broken.sh'), renderDumpScript(app, db));
    await expect(run('sh', [join(dir, 'dump-broken.sh')], { env, timeout: 15_000 })).rejects.toThrow();
    await expect(run('test', ['-e', join(dumps, `${app.name}.sql`)])).rejects.toThrow();
  });
});
