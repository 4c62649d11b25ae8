import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, GatewayError } from '../errors.js';
import { planAppDeployment } from '../render/app-containers.js';
import { EXAMPLE_GATEWAY_PATH, loadExampleGateway } from './load.js';
import { assertUniqueNames, NameCollisionError } from './names.js';
import { appDeploy, type DerivedProblem, withAppDefaults } from './deploy.js';
import { validateGateway } from './validate.js';

/** The example as plain data, and its BookStack entry to break. */
function example(): { doc: Record<string, any>; bookstack: Record<string, any> } {
  const doc = yaml.load(readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8'), { schema: yaml.JSON_SCHEMA }) as Record<string, any>;
  return { doc, bookstack: (doc['apps'] as Record<string, any>[]).find((a) => a['name'] === 'bookstack')! };
}

function issuesOf(input: unknown): string[] {
  try {
    validateGateway(input);
  } catch (err) {
    if (err instanceof GatewayConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected validateGateway to throw');
}

describe('the deploy section', () => {
  it('fills its defaults: memory, health-check timings, the database buffer pool and slow-query threshold', () => {
    const app = loadExampleGateway().apps.find((a) => a.name === 'bookstack')!;
    expect(app.deploy!.container).toMatchObject({ memoryMb: 512, healthCheck: { interval: '30s', timeout: '5s', startPeriod: '60s', retries: 3 } });
    expect(app.deploy!.database).toMatchObject({ name: 'bookstack', bufferPool: '256M', longQuerySeconds: 2, memoryMb: 512, exporter: { port: 9104 } });
    expect(loadExampleGateway().apps.find((a) => a.name === 'affine')!.deploy).toBeUndefined();
  });

  it('names every bad field at once', () => {
    const { doc, bookstack } = example();
    const c = bookstack['deploy']['container'];
    c['image'] = { pull: 'lscr.io/linuxserver/bookstack:latest' };
    c['env']['DB_PASSWORD'] = 'hunter2';
    delete c['healthCheck'];
    delete c['relax']['reason'];
    c['relax']['capabilities'].push('SYS_ADMIN');
    bookstack['deploy']['database']['subnet'] = '10.0.0.0/30';
    bookstack['deploy']['database']['image'] = 'mariadb:10.11';
    expect(issuesOf(doc)).toEqual([
      'apps[2].deploy.container.image.pull: must be pinned by digest (repo[:tag]@sha256:<64 hex>), got "lscr.io/linuxserver/bookstack:latest"',
      'apps[2].deploy.container.env.DB_PASSWORD: looks like a credential: declare it under secrets (given as a file), never as a plain env value',
      'apps[2].deploy.container.healthCheck: is required: every deployed container declares how Docker knows it is healthy',
      'apps[2].deploy.container.relax.reason: is required',
      'apps[2].deploy.container.relax.capabilities[6]: must be one capability name (not ALL or SYS_ADMIN)',
      'apps[2].deploy.database.image: must be pinned by digest (repo[:tag]@sha256:<64 hex>), got "mariadb:10.11"',
      'apps[2].deploy.database.subnet: must be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29',
    ]);
  });

  it('refuses secret names the database generates itself, and env the database sets', () => {
    const { doc, bookstack } = example();
    bookstack['deploy']['container']['secrets'].push({ name: 'db_password', env: 'OTHER_FILE' });
    bookstack['deploy']['container']['env']['DB_HOST'] = 'elsewhere';
    expect(issuesOf(doc)).toEqual([
      'apps[2].deploy.database.appEnv.host: DB_HOST is also set by the container; the program sets it from the database',
      'apps[2].deploy.container.secrets[1].name: db_password is reserved for the database',
    ]);
  });

  it('fills the database name from the app name (- as _) and the subnet from the app index', () => {
    const { doc, bookstack } = example();
    delete bookstack['deploy']['database']['subnet'];
    doc['apps'].push({ ...structuredClone(bookstack), name: 'team-wiki', hostname: 'wiki.kevinvdb.dev', upstream: 'http://192.168.1.202:6876', authentik: { name: 'Wiki', slug: 'wiki' } });
    const apps = validateGateway(doc).apps;
    expect(apps[2]!.deploy!.database).toMatchObject({ name: 'bookstack', subnet: '172.30.12.0/29' });
    expect(apps[3]!.deploy!.database).toMatchObject({ name: 'team_wiki', subnet: '172.30.13.0/29' });
    // Defaults of the container's own fields, and a secret's format.
    expect(apps[3]!.deploy!.container).toMatchObject({ volumes: [{ name: 'config', path: '/config', backup: true }], secrets: [{ format: 'laravel-key' }] });
  });

  it('refuses a default database name or subnet that breaks the rule a written one keeps', () => {
    const { doc, bookstack } = example();
    bookstack['name'] = '9-lives';
    delete bookstack['deploy']['database']['name'];
    expect(issuesOf(doc)).toEqual([
      `apps[2].deploy.database.name: must be set: the default from the app's name ("9_lives") would have to be a lowercase identifier (letters, digits, _), at most 32 characters`,
    ]);
    // 246 apps before it would put the default past 172.30.255.0: checked on the function, not with 247 apps.
    const declared = example().bookstack['deploy'];
    delete declared['database']['subnet'];
    const problems: DerivedProblem[] = [];
    withAppDefaults(appDeploy.parse(declared), 'wiki', 246, problems);
    expect(problems).toEqual([
      { path: ['database', 'subnet'], message: 'must be set: the default for this app ("172.30.256.0/29") would have to be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29' },
    ]);
  });

  it('names the field of each refused rule', () => {
    const cases: [string, (d: Record<string, any>) => void, string[]][] = [
      ['both pull and build', (d) => (d.container.image.build = { context: '.', dockerfile: 'Dockerfile' }), ['container.image: must have exactly one of pull or build']],
      ['neither pull nor build', (d) => (d.container.image = {}), ['container.image: must have exactly one of pull or build']],
      ['build without dockerfile', (d) => (d.container.image = { build: { context: '.' } }), ['container.image.build.dockerfile: is required']],
      ['port missing', (d) => delete d.container.port, ['container.port: is required']],
      ['port out of range', (d) => (d.container.port = 70000), ['container.port: must be an integer between 1 and 65535, got 70000']],
      ['env name', (d) => (d.container.env['1TZ'] = 'x'), ['container.env.1TZ: must be a valid environment variable name']],
      ['env value', (d) => (d.container.env['TZ'] = 3), ['container.env.TZ: must be a string, got 3']],
      ['credential-looking env', (d) => (d.container.env['API_TOKEN'] = 'x'), ['container.env.API_TOKEN: looks like a credential: declare it under secrets (given as a file), never as a plain env value']],
      ['secret name', (d) => (d.container.secrets[0].name = 'App-Key'), ['container.secrets[0].name: must be lowercase letters, digits or _']],
      [
        'duplicate secret names',
        (d) => d.container.secrets.push({ name: 'app_key', env: 'FILE__OTHER' }),
        ['container.secrets[1].name: duplicates "app_key"'],
      ],
      ['secret env name', (d) => (d.container.secrets[0].env = 'FILE-APP-KEY'), ['container.secrets[0].env: must be a valid environment variable name']],
      [
        'secret env already in env',
        (d) => (d.container.secrets[0].env = 'TZ'),
        ["container.secrets[0].env: must not already be in env (TZ carries the secret file's path)"],
      ],
      ['secret format', (d) => (d.container.secrets[0].format = 'uuid'), ['container.secrets[0].format: must be one of "password", "laravel-key", got "uuid"']],
      ['volume name', (d) => (d.container.volumes[0].name = 'Config'), ['container.volumes[0].name: must be lowercase letters, digits or inner hyphens']],
      ['volume path', (d) => (d.container.volumes[0].path = 'config'), ['container.volumes[0].path: must be an absolute path']],
      ['volume backup', (d) => (d.container.volumes[0].backup = 'yes'), ['container.volumes[0].backup: must be true or false, got "yes"']],
      ['health-check test', (d) => (d.container.healthCheck.test = ['curl', 'http://127.0.0.1/']), ['container.healthCheck.test: must be an exec-form list starting with CMD or CMD-SHELL']],
      ['health-check duration', (d) => (d.container.healthCheck.interval = '1 minute'), ["container.healthCheck.interval: must be a duration such as '30s'"]],
      ['health-check retries', (d) => (d.container.healthCheck.retries = 0), ['container.healthCheck.retries: must be an integer between 1 and 20, got 0']],
      ['container memory', (d) => (d.container.memoryMb = 32), ['container.memoryMb: must be an integer between 64 and 65536, got 32']],
      ['capability ALL', (d) => (d.container.relax.capabilities = ['ALL']), ['container.relax.capabilities[0]: must be one capability name (not ALL or SYS_ADMIN)']],
      ['tmpfs path', (d) => (d.container.relax.tmpfs = { run: 'rw' }), ['container.relax.tmpfs.run: must map an absolute path to mount options']],
      ['engine', (d) => (d.database.engine = 'postgres'), ["database.engine: must be 'mariadb'"]],
      ['database name', (d) => (d.database.name = 'Book-Stack'), ['database.name: must be a lowercase identifier (letters, digits, _), at most 32 characters']],
      ['subnet prefix', (d) => (d.database.subnet = '172.30.10.0/12'), ['database.subnet: must be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29']],
      ['subnet octet', (d) => (d.database.subnet = '172.300.10.0/29'), ['database.subnet: must be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29']],
      ['subnet odd base', (d) => (d.database.subnet = '172.30.10.1/29'), ['database.subnet: must be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29']],
      ['buffer pool', (d) => (d.database.bufferPool = '256MB'), ["database.bufferPool: must be a size such as '256M'"]],
      ['slow-query threshold', (d) => (d.database.longQuerySeconds = 0), ['database.longQuerySeconds: must be an integer between 1 and 3600, got 0']],
      ['exporter image', (d) => (d.database.exporter.image = 'prom/mysqld-exporter:v0.14.0'), ['database.exporter.image: must be pinned by digest (repo[:tag]@sha256:<64 hex>), got "prom/mysqld-exporter:v0.14.0"']],
      ['exporter missing', (d) => delete d.database.exporter, ['database.exporter: is required']],
      ['appEnv name', (d) => (d.database.appEnv.host = 'DB HOST'), ['database.appEnv.host: must be a valid environment variable name']],
      ['appEnv incomplete', (d) => delete d.database.appEnv.passwordFile, ['database.appEnv.passwordFile: is required']],
      ['database memory', (d) => (d.database.memoryMb = 64), ['database.memoryMb: must be an integer between 128 and 65536, got 64']],
      [
        "appEnv clashing with a secret's env",
        (d) => (d.database.appEnv.passwordFile = 'FILE__APP_KEY'),
        ['database.appEnv.passwordFile: FILE__APP_KEY is also set by the container; the program sets it from the database'],
      ],
      ['reserved secret name', (d) => d.container.secrets.push({ name: 'exporter_password', env: 'FILE__X' }), ['container.secrets[1].name: exporter_password is reserved for the database']],
      ['deploy not an object', (d) => (d.container = 'bookstack'), ['container: must be an object, got "bookstack"']],
    ];
    for (const [rule, mutate, expected] of cases) {
      const { doc, bookstack } = example();
      mutate(bookstack['deploy']);
      expect(issuesOf(doc), rule).toEqual(expected.map((e) => `apps[2].deploy.${e}`));
    }
  });

  it('accepts credential env names that carry a file path, and database secret names without a database', () => {
    const { doc, bookstack } = example();
    bookstack['deploy']['container']['env']['FILE__DB_PASSWORD_X'] = '/run/secrets/x';
    bookstack['deploy']['container']['env']['SMTP_PASSWORD_FILE'] = '/run/secrets/smtp';
    delete bookstack['deploy']['database'];
    bookstack['deploy']['container']['secrets'].push({ name: 'db_password', env: 'FILE__DB_PASSWORD' });
    expect(validateGateway(doc).apps[2]!.deploy!.container.secrets.map((s) => s.name)).toEqual(['app_key', 'db_password']);
  });

  it('refuses unknown keys with the nearest known one, like the rest of the model', () => {
    const { doc, bookstack } = example();
    const d = bookstack['deploy'];
    d['databse'] = d['database'];
    d['container']['helthCheck'] = {};
    d['container']['volumes'][0]['bakup'] = false;
    d['database']['bufferpool'] = '1G';
    let issues: { path: string; message: string; suggestion?: string }[] = [];
    try {
      validateGateway(doc);
    } catch (err) {
      issues = (err as GatewayConfigError).issues.map((i) => ({ ...i }));
    }
    expect(issues.map((i) => [i.path, i.suggestion])).toEqual([
      ['apps[2].deploy.container.volumes[0].bakup', 'backup'],
      ['apps[2].deploy.container.helthCheck', 'healthCheck'],
      ['apps[2].deploy.database.bufferpool', 'bufferPool'],
      ['apps[2].deploy.databse', 'database'],
    ]);
    expect(issues[3]!.message).toBe('is not a known field (known: container, database)');
  });

  it("drops an empty relaxation list (it relaxes nothing), keeping the reason", () => {
    const { doc, bookstack } = example();
    bookstack['deploy']['container']['relax']['capabilities'] = [];
    bookstack['deploy']['container']['relax']['tmpfs'] = {};
    expect(validateGateway(doc).apps[2]!.deploy!.container.relax).toEqual({ reason: expect.stringMatching(/^linuxserver/), user: 'root' });
  });

  it("refuses a Docker name two apps would share (an app named like another's database)", () => {
    const { doc, bookstack } = example();
    doc['apps'].push({ ...bookstack, name: 'bookstack-db', hostname: 'wiki.kevinvdb.dev', authentik: { name: 'Wiki', slug: 'wiki' } });
    const gateway = validateGateway(doc);
    expect(() => assertUniqueNames(gateway)).toThrow(NameCollisionError);
    expect(() => assertUniqueNames(gateway)).toThrow(/Docker container 'bookstack-db': apps\[2\] \(bookstack\) and apps\[3\] \(bookstack-db\)/);
  });

  it('deploys an app only on the VM its upstream points at', () => {
    const app = loadExampleGateway().apps.find((a) => a.name === 'bookstack')!;
    expect(() => planAppDeployment(app, app.deploy!, '192.168.1.250')).toThrow(GatewayError);
    expect(() => planAppDeployment(app, app.deploy!, '192.168.1.250')).toThrow(/must point at the VM it is deployed on \(192\.168\.1\.250\)/);
  });
});
