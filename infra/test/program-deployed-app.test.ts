/**
 * The example stack's BookStack entry, deployed under Pulumi mocks: every container's options
 * (hardening and its one declared relaxation, networks, the `internal` database network,
 * health checks, published ports), generated secrets reaching containers only as files, and
 * no generated value anywhere outside a secret (inputs as a preview shows them, outputs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_HARDENING, loadExampleGateway, renderExporterUserInit, renderMariadbConfig } from '@booxstream/gateway';
import { runExample } from './example-run.js';
import { fakeImageId, fakeSecret, isSecret, isSecretInput, plain, type ProgramRun, type RecordedResource } from './pulumi-mocks.js';

const CONTAINER = 'docker:index/container:Container';
const NETWORK = 'docker:index/network:Network';
const VOLUME = 'docker:index/volume:Volume';
const gateway = loadExampleGateway();
const bookstack = gateway.apps.find((a) => a.name === 'bookstack')!;
const db = bookstack.deploy!.database!;
/** What the mocked random resources generated. */
const GENERATED = {
  db_password: fakeSecret('bookstack-db_password'),
  db_root_password: fakeSecret('bookstack-db_root_password'),
  exporter_password: fakeSecret('bookstack-exporter_password'),
  app_key: `base64:${Buffer.from(fakeSecret('bookstack-app_key')).toString('base64')}`,
};

let run: ProgramRun;
let cleanup: () => void = () => undefined;
const container = (name: string) => run.get(CONTAINER, `${name}-container`);
const uploads = (r: RecordedResource) => Object.fromEntries((plain(r.inputs['uploads']) as { file: string; content: string; permissions: string }[]).map((u) => [u.file, u]));

beforeAll(async () => {
  ({ run, cleanup } = await runExample());
}, 60_000);
afterAll(() => cleanup());

describe('networks', () => {
  it("the database's network is internal (no route out) with a fixed subnet; the app's backend is a plain bridge", () => {
    expect(run.get(NETWORK, 'bookstack-db-network').inputs).toMatchObject({ name: 'bookstack-db', driver: 'bridge', internal: true, ipamConfigs: [{ subnet: '172.30.10.0/29' }] });
    expect(run.get(NETWORK, 'bookstack-backend-network').inputs).toMatchObject({ name: 'bookstack-backend', driver: 'bridge', internal: false });
    expect(run.get(NETWORK, 'bookstack-backend-network').inputs['ipamConfigs']).toBeUndefined();
  });

  it('only BookStack and the exporter share the database network; the database is on nothing else and publishes nothing', () => {
    const nets = (name: string) => (container(name).inputs['networksAdvanced'] as { name: string; ipv4Address?: string }[]).map((n) => `${n.name}${n.ipv4Address ? `@${n.ipv4Address}` : ''}`);
    expect(nets('bookstack-db')).toEqual(['bookstack-db@172.30.10.2']);
    expect(nets('bookstack')).toEqual(['bookstack-backend', 'bookstack-db@172.30.10.3']);
    expect(nets('bookstack-db-exporter')).toEqual(['bookstack-db@172.30.10.4', 'bookstack-backend']);
    expect(container('bookstack-db').inputs['ports']).toEqual([]);
    const sharing = run.resources.filter((r) => r.type === CONTAINER && JSON.stringify(r.inputs['networksAdvanced'] ?? []).includes('"bookstack-db"'));
    expect(sharing.map((r) => r.name).sort()).toEqual(['bookstack-container', 'bookstack-db-container', 'bookstack-db-exporter-container']);
  });

  it("publishes the app on the VM's LAN address at the upstream's port, and the exporter's metrics port", () => {
    expect(container('bookstack').inputs['ports']).toEqual([{ internal: 80, external: 6875, ip: '192.168.1.202', protocol: 'tcp' }]);
    expect(container('bookstack-db-exporter').inputs['ports']).toEqual([{ internal: 9104, external: 9104, ip: '192.168.1.202', protocol: 'tcp' }]);
    expect(run.outputs['metricsTargets']).toEqual([{ name: 'bookstack-db', address: '192.168.1.202:9104', metricsPath: '/metrics' }]);
    const [hook] = run.outputs['backupHooks'] as { extraExecStartPre: string[]; include: Record<string, string>; files: { path: string; content: string }[] }[];
    expect(hook!.extraExecStartPre).toEqual(['/opt/booxstream/backup/dump-bookstack-db.sh']);
    expect(hook!.include).toEqual({ 'bookstack-db': '/var/backups/booxstream/dumps/bookstack' });
    expect(hook!.files[0]!.content).toContain('--single-transaction');
  });
});

describe('containers', () => {
  const names = ['bookstack', 'bookstack-db', 'bookstack-db-exporter'];

  it('every container is hardened: no-new-privileges, read-only root with tmpfs /tmp and /var/tmp, all capabilities dropped, health-checked, bounded', () => {
    for (const name of names) {
      const c = container(name).inputs;
      expect(c, name).toMatchObject({
        name,
        readOnly: true,
        securityOpts: ['no-new-privileges:true'],
        restart: 'unless-stopped',
        logDriver: 'json-file',
        logOpts: { 'max-size': '10m', 'max-file': '3' },
        wait: true,
      });
      expect(c['tmpfs'], name).toMatchObject(CONTAINER_HARDENING.tmpfs);
      expect((c['capabilities'] as { drops: string[] }).drops, name).toEqual(['ALL']);
      expect((c['healthcheck'] as { tests: string[] }).tests[0], name).toMatch(/^CMD/);
      expect(c['memory'], name).toBeGreaterThan(0);
      expect(container(name).opts.deleteBeforeReplace, name).toBe(true);
    }
  });

  it('runs the database and the exporter as non-root with no capability at all', () => {
    expect(container('bookstack-db').inputs).toMatchObject({ user: '999:999', capabilities: { drops: ['ALL'] } });
    expect(container('bookstack-db-exporter').inputs).toMatchObject({ user: '65534:65534', capabilities: { drops: ['ALL'] } });
    expect(container('bookstack-db').inputs['capabilities']).not.toHaveProperty('adds');
  });

  it("relaxes BookStack's container exactly as its model entry declares, and no further", () => {
    const relax = bookstack.deploy!.container.relax!;
    const c = container('bookstack').inputs;
    expect(c['user']).toBe(relax.user);
    expect(c['capabilities']).toEqual({ drops: ['ALL'], adds: [...relax.capabilities!] });
    expect(c['tmpfs']).toEqual({ ...CONTAINER_HARDENING.tmpfs, ...relax.tmpfs });
    expect(c['readOnly']).toBe(true);
  });

  it('checks health the way each image can: BookStack /status, MariaDB its own script, the exporter its metrics', () => {
    expect(container('bookstack').inputs['healthcheck']).toEqual({ tests: ['CMD', 'curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1:80/status'], interval: '30s', timeout: '5s', startPeriod: '60s', retries: 3 });
    expect((container('bookstack-db').inputs['healthcheck'] as { tests: string[] }).tests).toEqual(['CMD', 'healthcheck.sh', '--innodb_initialized']);
    expect((container('bookstack-db-exporter').inputs['healthcheck'] as { tests: string[] }).tests).toContain('http://127.0.0.1:9104/metrics');
  });

  it('pulls images by their pinned digest and runs exactly that image', () => {
    for (const [name, ref] of [['bookstack', (bookstack.deploy!.container.image as { pull: string }).pull], ['bookstack-db', db.image], ['bookstack-db-exporter', db.exporter.image]] as const) {
      expect(run.get('docker:index/remoteImage:RemoteImage', `${name}-image`).inputs).toMatchObject({ name: ref, keepLocally: true });
      expect(container(name).inputs['image']).toBe(fakeImageId(ref));
    }
  });

  it('starts the app and the exporter only after the database (which waits for healthy)', () => {
    for (const name of ['bookstack', 'bookstack-db-exporter']) {
      expect((container(name).opts.dependsOn as { __name?: string }[]).map((d) => d.__name)).toEqual(['bookstack-db-container']);
    }
  });

  it('delivers the rendered database config and the exporter-user init script as files', () => {
    const files = uploads(container('bookstack-db'));
    expect(files['/etc/mysql/conf.d/bookstack-db.cnf']?.content).toBe(renderMariadbConfig(bookstack, db).text);
    expect(files['/docker-entrypoint-initdb.d/50-bookstack-exporter-user.sh']).toEqual({ file: '/docker-entrypoint-initdb.d/50-bookstack-exporter-user.sh', content: renderExporterUserInit(bookstack, db), permissions: '0444' });
    const volumes = (container('bookstack-db').inputs['volumes'] as { containerPath: string; volumeName: string }[]).map((v) => `${v.volumeName}:${v.containerPath}`);
    expect(volumes).toEqual(['bookstack-db-data:/var/lib/mysql', 'bookstack-db-secrets:/run/secrets', 'bookstack-db-conf:/etc/mysql/conf.d', 'bookstack-db-initdb:/docker-entrypoint-initdb.d']);
  });

  it('keeps the data volumes on destroy, not the ones the program rewrites', () => {
    for (const v of ['bookstack-config-volume', 'bookstack-db-data-volume']) expect(run.get(VOLUME, v).opts.retainOnDelete, v).toBe(true);
    for (const v of ['bookstack-secrets-volume', 'bookstack-db-conf-volume']) expect(run.get(VOLUME, v).opts.retainOnDelete, v).toBeUndefined();
  });
});

describe('generated secrets', () => {
  it('are generated by @pulumi/random: alphanumeric passwords and a Laravel app key', () => {
    for (const s of ['db_password', 'db_root_password', 'exporter_password']) {
      expect(run.get('random:index/randomPassword:RandomPassword', `bookstack-${s}`).inputs).toMatchObject({ length: 32, special: false });
    }
    expect(run.get('random:index/randomBytes:RandomBytes', 'bookstack-app_key').inputs).toMatchObject({ length: 32 });
  });

  it('reach the containers as files whose paths are in the env, never as env values', () => {
    const env = (name: string) => Object.fromEntries((container(name).inputs['envs'] as string[]).map((e) => e.split(/=(.*)/s).slice(0, 2)));
    expect(env('bookstack')).toMatchObject({
      DB_HOST: '172.30.10.2',
      DB_PORT: '3306',
      DB_DATABASE: 'bookstack',
      DB_USERNAME: 'bookstack',
      FILE__DB_PASSWORD: '/run/secrets/db_password',
      FILE__APP_KEY: '/run/secrets/app_key',
      APP_URL: 'https://bookstack.kevinvdb.dev',
    });
    expect(env('bookstack-db')).toEqual({
      MARIADB_DATABASE: 'bookstack',
      MARIADB_USER: 'bookstack',
      MARIADB_PASSWORD_FILE: '/run/secrets/db_password',
      MARIADB_ROOT_PASSWORD_FILE: '/run/secrets/db_root_password',
    });
    // Envs are plain (visible in a preview) precisely because they hold no secret.
    for (const name of names()) expect(isSecretInput(container(name).inputs['envs']), name).toBe(false);

    const app = uploads(container('bookstack'));
    expect(app['/run/secrets/db_password']).toEqual({ file: '/run/secrets/db_password', content: GENERATED.db_password, permissions: '0444' });
    expect(app['/run/secrets/app_key']?.content).toBe(GENERATED.app_key);
    const dbFiles = uploads(container('bookstack-db'));
    expect(dbFiles['/run/secrets/db_root_password']?.content).toBe(GENERATED.db_root_password);
    expect(dbFiles['/run/secrets/dump.cnf']?.content).toBe(`[client]\nuser = bookstack\npassword = ${GENERATED.db_password}\n`);
    expect(uploads(container('bookstack-db-exporter'))['/run/secrets/my.cnf']?.content).toBe(
      `[client]\nuser = exporter\npassword = ${GENERATED.exporter_password}\nhost = 172.30.10.2\nport = 3306\n`,
    );
    // The app never receives the root or exporter passwords.
    expect(JSON.stringify(plain(container('bookstack').inputs['uploads']))).not.toContain(GENERATED.db_root_password);
  });

  it('stay secret everywhere a preview or the state would show them, and never reach outputs', async () => {
    const values = Object.values(GENERATED);
    for (const r of run.resources) {
      const leaks = findOutsideSecrets(r.inputs, values);
      expect(leaks, `${r.type}::${r.name}`).toEqual([]);
    }
    for (const name of names()) expect(await isSecret(container(name).props['uploads']), name).toBe(true);
    const outputs = JSON.stringify(run.outputs);
    for (const v of values) expect(outputs).not.toContain(v);
    expect(run.outputs['deployedContainers']).toEqual({ bookstack: ['bookstack-db', 'bookstack', 'bookstack-db-exporter'] });
  });
});

function names(): string[] {
  return ['bookstack', 'bookstack-db', 'bookstack-db-exporter'];
}

/** Paths of plain (not secret-wrapped) strings containing any of `values`. */
function findOutsideSecrets(value: unknown, values: string[], path = ''): string[] {
  if (isSecretInput(value)) return [];
  if (typeof value === 'string') return values.some((v) => value.includes(v)) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findOutsideSecrets(v, values, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findOutsideSecrets(v, values, `${path}.${k}`));
  return [];
}
