import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, GatewayError } from '../errors.js';
import { planAppDeployment } from '../render/app-containers.js';
import { EXAMPLE_GATEWAY_PATH, loadExampleGateway } from './load.js';
import { assertUniqueNames, NameCollisionError } from './names.js';
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
      'apps[2].deploy.database.image: must be pinned by digest (repo[:tag]@sha256:<64 hex>)',
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
