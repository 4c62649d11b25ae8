/**
 * The whole program on the documented example stack, under Pulumi mocks: every resource it
 * declares and the inputs that matter, checked against the gateway renderers' output and the
 * issue's requirements. Plus: secrets stay secret and never reach outputs.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadExampleGateway,
  renderAuthentikApplication,
  renderAuthentikProvider,
  renderPolicyBindings,
  renderTraefikDynamicConfig,
  renderCrowdsec,
  renderTunnelIngress,
} from '@booxstream/gateway';
import { checklistCoverage } from '../src/checklist/coverage.js';
import { ownedRules } from '../src/cloudflare/owned-rules.js';
import { sha256 } from '../src/digest.js';
import { exampleStack, type ExampleStack } from './example-stack.js';
import { fakeUuid, FAKE_IMAGE_DIGEST, isSecret, isSecretInput, plain, providerPk, runProgram, type ProgramRun } from './pulumi-mocks.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DYN = (kind: string) => `pulumi-nodejs:dynamic/authentik:${kind}`;
const T = {
  stack: 'pulumi:pulumi:Stack',
  cfProvider: 'pulumi:providers:cloudflare',
  dockerProvider: 'pulumi:providers:docker',
  tunnel: 'booxstream:gateway:TunnelIngress',
  tunnelConfig: 'pulumi-nodejs:dynamic/cloudflare:TunnelIngressRules',
  dns: 'pulumi-nodejs:dynamic/cloudflare:DnsRecord',
  app: 'booxstream:gateway:ProtectedApp',
  copy: 'command:remote:CopyToRemote',
  command: 'command:remote:Command',
  vm: 'booxstream:server:BooxStreamVm',
  image: 'docker:index/image:Image',
  volume: 'docker:index/volume:Volume',
  container: 'docker:index/container:Container',
};

/** What the example's BookStack entry deploys on the VM. */
const BOOKSTACK_DEPLOYMENT = [
  'booxstream:app:AppDeployment::bookstack-deploy',
  ...['bookstack', 'bookstack-db', 'bookstack-db-exporter'].flatMap((c) => [`${T.container}::${c}-container`, `docker:index/remoteImage:RemoteImage::${c}-image`]),
  ...['backend', 'db'].map((n) => `docker:index/network:Network::bookstack-${n}-network`),
  ...['config', 'secrets', 'db-data', 'db-secrets', 'db-conf', 'db-initdb', 'db-exporter-secrets'].map((v) => `${T.volume}::bookstack-${v}-volume`),
  'random:index/randomBytes:RandomBytes::bookstack-app_key',
  ...['db_password', 'db_root_password', 'exporter_password'].map((s) => `random:index/randomPassword:RandomPassword::bookstack-${s}`),
];

let stack: ExampleStack;
let run: ProgramRun;
let sshDir: string;
const gateway = loadExampleGateway();
const booxstream = gateway.apps[0]!;

beforeAll(async () => {
  sshDir = mkdtempSync(join(tmpdir(), 'infra-ssh-'));
  process.env['BOOXSTREAM_SSH_DIR'] = sshDir;
  stack = exampleStack({ serverSecrets: true });
  run = await runProgram(stack.config, stack.secretKeys);
}, 60_000);

afterAll(() => {
  rmSync(sshDir, { recursive: true, force: true });
  delete process.env['BOOXSTREAM_SSH_DIR'];
});

describe('the example stack declares', () => {
  it('exactly these resources', () => {
    const file = (name: string) => [`${T.copy}::${name}`, `${T.command}::${name}-check`];
    // Seed 002's layers on the VM (src/observability.ts): monitoring with Grafana files on the gateway, the backup timer.
    const observability = [
      'booxstream:monitoring:Monitoring::monitoring',
      ...file('monitoring-prometheus-config'),
      ...file('monitoring-prometheus-rules'),
      'docker:index/network:Network::monitoring-network',
      `${T.volume}::monitoring-prometheus-data`,
      'docker:index/remoteImage:RemoteImage::monitoring-node-exporter-image',
      `${T.container}::monitoring-node-exporter`,
      'docker:index/remoteImage:RemoteImage::monitoring-prometheus-image',
      `${T.container}::monitoring-prometheus`,
      ...['datasources-booxstream-yaml', 'dashboards-booxstream-yaml', 'json-booxstream-relay-json', 'json-booxstream-host-json', 'json-community-md'].flatMap((f) => file(`monitoring-grafana-${f}`)),
      'booxstream:backup:BackupSchedule::backup',
      // BookStack's database dump script, run before each backup (databaseBackupHook).
      ...file('backup-hook-0'),
      `${T.command}::backup-hook-0-mode`,
      `${T.command}::backup-password`,
      ...file('backup-service'),
      ...file('backup-timer'),
      `${T.command}::backup-enable`,
    ];
    const inventory = run.resources.map((r) => `${r.type}::${r.name}`).sort();
    const perApp = (app: string) => [
      `${T.app}::${app}`,
      `${T.copy}::traefik-file-${app}`,
      `${T.command}::traefik-file-${app}-check`,
      `${DYN('ProxyProvider')}::${app}-provider`,
      `${DYN('Application')}::${app}-application`,
      `${DYN('OutpostMembership')}::${app}-outpost-membership`,
      `${DYN('PolicyBinding')}::${app}-binding-admins`,
      `${T.dns}::${app}-cname`,
    ];
    expect(inventory).toEqual(
      [
        `${T.stack}::booxstream-example`,
        `${T.cfProvider}::cloudflare`,
        `${DYN('Flow')}::flow-authorization`,
        `${DYN('Flow')}::flow-invalidation`,
        `${DYN('Group')}::group-admins`,
        `${T.tunnel}::tunnel`,
        `${T.tunnelConfig}::tunnel-ingress`,
        ...perApp('booxstream'),
        ...perApp('affine'),
        ...perApp('bookstack'),
        // BookStack is deployed too (test/program-deployed-app.test.ts checks each of these).
        ...BOOKSTACK_DEPLOYMENT,
        `${T.vm}::booxstream-vm`,
        `${T.dockerProvider}::booxstream-vm-docker`,
        `${T.image}::booxstream-vm-image`,
        `${T.volume}::booxstream-vm-data`,
        `${T.container}::booxstream-vm-container`,
        ...observability,
        `booxstream:gateway:Crowdsec::crowdsec`,
        `${T.command}::crowdsec-bouncer-key`,
        `${T.dockerProvider}::crowdsec-docker`,
        `${T.volume}::crowdsec-crowdsec-db`,
        `${T.volume}::crowdsec-crowdsec-config`,
        `${T.container}::crowdsec-container`,
        ...renderCrowdsec(gateway.ids!).files.flatMap((f) => {
          const n = `crowdsec-${f.path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-yaml$/, '')}`;
          return [`${T.copy}::${n}`, `${T.command}::${n}-check`];
        }),
        ...['vm-hardening', 'gateway-hardening'].flatMap((h) => [
          `booxstream:host:HostHardening::${h}`,
          ...['nftables', 'nftables-confirm', 'fail2ban', 'sysctl', 'audit'].map((part) => `${T.command}::${h}-${part}`),
        ]),
      ].sort(),
    );
  });

  it('declares every resource the checklist coverage cites', () => {
    const refs = checklistCoverage.flatMap((line) => line.coveredBy.filter((c) => c.kind === 'resource').map((c) => c.ref));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [type, name] = ref.split('#') as [string, string];
      expect(() => run.get(type, name), ref).not.toThrow();
    }
  });

  it('components parent their children', () => {
    const parentName = (type: string, name: string) => (run.get(type, name).opts.parent as { __name?: string } | undefined)?.__name;
    expect(parentName(T.copy, 'traefik-file-booxstream')).toBe('booxstream');
    expect(parentName(DYN('Application'), 'affine-application')).toBe('affine');
    expect(parentName(T.tunnelConfig, 'tunnel-ingress')).toBe('tunnel');
    expect(parentName(T.container, 'booxstream-vm-container')).toBe('booxstream-vm');
    expect(parentName(T.dns, 'booxstream-cname')).toBe('booxstream');
  });
});

describe('Cloudflare', () => {
  it('the tunnel ingress resource owns only the model hostnames, keyed by hostname (the catch-all stays the live one)', () => {
    const config = run.get(T.tunnelConfig, 'tunnel-ingress');
    const rendered = renderTunnelIngress(gateway).apiBody.config.ingress;
    expect(config.inputs).toMatchObject({ accountId: '0123456789abcdef0123456789abcdef', tunnelId: gateway.tunnel.id });
    const rules = config.inputs['rules'] as Record<string, { hostname: string; service: string }>;
    expect(Object.keys(rules).sort()).toEqual(['affine.kevinvdb.dev', 'auth.kevinvdb.dev', 'bookstack.kevinvdb.dev', 'booxstream.kevinvdb.dev', 'homepage.kevinvdb.dev']);
    for (const rule of rendered.slice(0, -1)) expect(rules[rule.hostname as string]).toEqual(rule);
    // The remote config is only applied to a tunnel that reads it.
    expect(run.invokes).toContainEqual({
      token: 'cloudflare:index/getZeroTrustTunnelCloudflared:getZeroTrustTunnelCloudflared',
      inputs: { accountId: '0123456789abcdef0123456789abcdef', tunnelId: gateway.tunnel.id },
    });
  });

  it('a CNAME per app points at <tunnel-id>.cfargotunnel.com, adopting only what the stack allows', () => {
    for (const app of gateway.apps) {
      expect(run.get(T.dns, `${app.name}-cname`).inputs).toMatchObject({
        zoneId: 'fedcba9876543210fedcba9876543210',
        name: app.hostname,
        content: `${gateway.tunnel.id}.cfargotunnel.com`,
        adopt: false,
        adoptKey: 'booxstream:adopt',
      });
    }
  });

  it('the CNAME waits for the Traefik file and the authentik protection', () => {
    const deps = (run.get(T.dns, 'booxstream-cname').opts.dependsOn as { __name?: string }[]).map((d) => d.__name);
    expect(deps).toEqual(['traefik-file-booxstream-check', 'booxstream-outpost-membership', 'booxstream-binding-admins']);
  });

  it('uses an explicit provider with the API token as a secret', async () => {
    const provider = run.get(T.cfProvider, 'cloudflare');
    expect(await isSecret(provider.props['apiToken'])).toBe(true);
    expect(isSecretInput(provider.inputs['apiToken'])).toBe(true);
    expect(plain(provider.inputs['apiToken'])).toBe(stack.secrets.cloudflareApiToken);
  });
});

describe('Traefik files on the gateway', () => {
  it('copies each rendered file to the file-provider directory over SSH with the host key pinned', async () => {
    for (const app of gateway.apps) {
      const rendered = renderTraefikDynamicConfig(gateway, app);
      const copy = run.get(T.copy, `traefik-file-${app.name}`);
      expect(copy.inputs['remotePath']).toBe(`/opt/traefik/config/${app.name}.yml`);
      const source = await resolveAsset(copy.props['source']);
      expect(source).toBe(rendered.yaml);
      expect(isSecretInput(copy.inputs['connection'])).toBe(true);
      expect(plain(copy.inputs['connection'])).toEqual({
        host: '192.168.1.200',
        port: 22,
        user: 'deploy',
        hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVYQU1QTEUtZ2F0ZXdheS1ob3N0LWtleS1ub3QtcmVh',
        privateKey: stack.secrets.gatewaySshPrivateKey,
        dialErrorLimit: 4,
        perDialTimeout: 15,
      });
      expect(await isSecret(copy.props['connection'])).toBe(true);
    }
  });

  it('removes the file on destroy (CopyToRemote has no delete) and checks it landed', () => {
    const check = run.get(T.command, 'traefik-file-booxstream-check');
    expect(check.inputs['create']).toBe("test -s '/opt/traefik/config/booxstream.yml'");
    expect(check.inputs['delete']).toBe("rm -f '/opt/traefik/config/booxstream.yml'");
    expect(check.inputs['triggers']).toBeUndefined();
    expect((check.opts.dependsOn as { __name?: string }[]).map((d) => d.__name)).toEqual(['traefik-file-booxstream']);
  });
});

describe('authentik', () => {
  const flowPks = {
    authorization: fakeUuid('flow:default-provider-authorization-implicit-consent'),
    invalidation: fakeUuid('flow:default-provider-invalidation-flow'),
  };

  it('looks flows and groups up by slug and name', () => {
    expect(run.get(DYN('Flow'), 'flow-authorization').inputs['slug']).toBe('default-provider-authorization-implicit-consent');
    expect(run.get(DYN('Flow'), 'flow-invalidation').inputs['slug']).toBe('default-provider-invalidation-flow');
    expect(run.get(DYN('Group'), 'group-admins').inputs['name']).toBe('admins');
  });

  it('declares the rendered provider, application, outpost membership and group binding per app', () => {
    for (const app of gateway.apps) {
      const pk = providerPk(app.authentik.providerName);
      expect(run.get(DYN('ProxyProvider'), `${app.name}-provider`).inputs['request']).toEqual(renderAuthentikProvider(gateway, app, flowPks));
      expect(run.get(DYN('Application'), `${app.name}-application`).inputs['request']).toEqual(renderAuthentikApplication(app, pk));
      expect(run.get(DYN('OutpostMembership'), `${app.name}-outpost-membership`).inputs).toMatchObject({
        outpost: { managed: 'goauthentik.io/outposts/embedded', name: 'authentik Embedded Outpost' },
        providerPk: pk,
      });
      const [binding] = renderPolicyBindings(app, { admins: fakeUuid('group:admins') }, fakeUuid(`app:${app.authentik.slug}`));
      expect(run.get(DYN('PolicyBinding'), `${app.name}-binding-admins`).inputs['request']).toEqual(binding);
    }
  });

  it('never puts the authentik token in a resource: the providers read it from config', () => {
    for (const r of run.resources) expect(JSON.stringify(r.inputs), `${r.type}::${r.name}`).not.toContain(stack.secrets.authentikToken);
    const provider = run.get(DYN('ProxyProvider'), 'booxstream-provider').inputs['__provider'] as string;
    expect(provider).toContain('booxstream:authentikToken');
  });
});

describe('the BooxStream VM', () => {
  it('talks to Docker over ssh:// with the host key pinned, key and known_hosts written owner-only', () => {
    const provider = run.get(T.dockerProvider, 'booxstream-vm-docker');
    expect(provider.inputs['host']).toBe('ssh://deploy@192.168.1.202:22');
    // Provider inputs reach the engine JSON-encoded; the options are not secret (file paths).
    expect(isSecretInput(provider.inputs['sshOpts'])).toBe(false);
    const opts = JSON.parse(provider.inputs['sshOpts'] as string) as string[];
    expect(opts).toEqual(expect.arrayContaining(['StrictHostKeyChecking=yes', 'IdentitiesOnly=yes', `IdentityFile=${join(sshDir, 'vm_key')}`]));
    expect(readFileSync(join(sshDir, 'vm_key'), 'utf8')).toBe(stack.secrets.vmSshPrivateKey);
    expect(statSync(join(sshDir, 'vm_key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(sshDir, 'vm_known_hosts'), 'utf8')).toBe(
      '192.168.1.202 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVYQU1QTEUtdm0taG9zdC1rZXktbm90LXJlYWwuLi4u\n',
    );
    // The options name files; the key itself is not in them.
    expect(JSON.stringify(opts)).not.toContain('PRIVATE KEY');
  });

  it('builds the image from apps/server/Dockerfile with the repo root as context, without pushing or building on preview', () => {
    const image = run.get(T.image, 'booxstream-vm-image');
    expect(image.inputs).toMatchObject({
      imageName: 'booxstream-server:latest',
      skipPush: true,
      buildOnPreview: false,
      build: { context: resolvePath(REPO_ROOT), dockerfile: resolvePath(REPO_ROOT, 'apps/server/Dockerfile'), platform: 'linux/amd64' },
    });
  });

  it('runs the container hardened, healthy and with its config from the stack', () => {
    const c = run.get(T.container, 'booxstream-vm-container');
    expect(c.inputs).toMatchObject({
      name: 'booxstream',
      image: FAKE_IMAGE_DIGEST,
      restart: 'unless-stopped',
      readOnly: true,
      tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=64m' },
      capabilities: { drops: ['ALL'] },
      securityOpts: ['no-new-privileges:true'],
      user: '1000:1000',
      // The example declares ids:, so the relay's log goes to CrowdSec (program-crowdsec.test.ts).
      logDriver: 'syslog',
      ports: [
        { internal: 3001, external: 3001, ip: '192.168.1.202', protocol: 'tcp' },
        { internal: 8080, external: 8080, ip: '192.168.1.202', protocol: 'tcp' },
      ],
      volumes: [{ volumeName: 'booxstream-data', containerPath: '/data' }],
      wait: true,
    });
    const health = c.inputs['healthcheck'] as { tests: string[] };
    expect(health.tests.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(health.tests[3]).toContain("fetch('http://127.0.0.1:3001/healthz'");
    expect(isSecretInput(c.inputs['envs'])).toBe(true);
    expect(plain(c.inputs['envs'])).toEqual([
      'ADMIN_GROUPS=admins',
      'DATA_DIR=/data',
      'DEVICE_APPROVAL=manual',
      'DEVICE_PORT=8080',
      `EXTRA_TOKEN=${stack.secrets.serverSecret}`,
      'HOST=0.0.0.0',
      'LOG_LEVEL=info',
      'NODE_ENV=production',
      'PORT=3001',
      'TRUSTED_PROXIES=192.168.1.200/32',
      'WEB_ROOT=/app/web',
    ]);
  });

  it('replaces the fixed-name container and volume delete-first, and keeps the data volume on destroy', async () => {
    expect(run.get(T.container, 'booxstream-vm-container').opts.deleteBeforeReplace).toBe(true);
    expect(run.get(T.volume, 'booxstream-vm-data').opts).toMatchObject({ deleteBeforeReplace: true, retainOnDelete: true });
    // With a server secret set, the whole env list is secret.
    expect(await isSecret(run.get(T.container, 'booxstream-vm-container').props['envs'])).toBe(true);
  });
});

describe('monitoring and backups on the VM', () => {
  it("scrape BookStack's database exporter and take its dump into the nightly backup", async () => {
    const config = await resolveAsset(run.get(T.copy, 'monitoring-prometheus-config').props['source']);
    expect(config).toContain('job_name: app-bookstack-db');
    expect(config).toContain('192.168.1.202:9104');
    const service = await resolveAsset(run.get(T.copy, 'backup-service').props['source']);
    expect(service).toMatch(/^ExecStartPre=\/\S+bookstack\S*$/m);
    expect(service).toContain('BACKUP_INCLUDE=bookstack-db=/include/bookstack-db');
  });
});

describe('stack outputs', () => {
  it('are the app URLs, the application slug, the rendered file hashes and the verify targets', () => {
    expect(run.outputs['appUrls']).toEqual({ booxstream: 'https://booxstream.kevinvdb.dev/', affine: 'https://affine.kevinvdb.dev/', bookstack: 'https://bookstack.kevinvdb.dev/' });
    expect(run.outputs['authentikApplicationSlug']).toBe('booxstream');
    expect(run.outputs['authentikApplicationSlugs']).toEqual({ booxstream: 'booxstream', affine: 'affine', bookstack: 'bookstack' });
    expect(run.outputs['renderedFileHashes']).toEqual({
      'traefik/booxstream.yml': sha256(renderTraefikDynamicConfig(gateway, booxstream).yaml),
      'traefik/affine.yml': sha256(renderTraefikDynamicConfig(gateway, gateway.apps[1]!).yaml),
      'traefik/bookstack.yml': sha256(renderTraefikDynamicConfig(gateway, gateway.apps[2]!).yaml),
      'cloudflared/tunnel-config.json': sha256(JSON.stringify(ownedRules(renderTunnelIngress(gateway).apiBody.config.ingress))),
    });
    expect(run.outputs['serverImage']).toBe(FAKE_IMAGE_DIGEST);
    expect(run.outputs['verify']).toEqual({
      authentikExternalUrl: 'https://auth.kevinvdb.dev',
      apps: [
        {
          name: 'booxstream',
          url: 'https://booxstream.kevinvdb.dev/',
          signInFlowSlug: 'default-authentication-flow',
          bypassPaths: [
            { path: '/api/hosts/register', methods: ['POST'] },
            { path: '/api/hosts/update-ip', methods: ['POST'] },
            { path: '/android-ws', methods: ['GET'] },
            { path: '/share/00000verify00000', methods: ['GET'] },
            { path: '/share/app.js', methods: ['GET'] },
            { path: '/share/app.css', methods: ['GET'] },
            { path: '/share/app.js.map', methods: ['GET'] },
          ],
        },
        { name: 'affine', url: 'https://affine.kevinvdb.dev/', signInFlowSlug: 'default-authentication-flow', bypassPaths: [] },
        { name: 'bookstack', url: 'https://bookstack.kevinvdb.dev/', signInFlowSlug: 'default-authentication-flow', bypassPaths: [] },
      ],
      healthzUrl: 'http://192.168.1.202:3001/healthz',
      traefikRouters: expect.any(Object),
    });
    // Every router of every rendered Traefik file, as Traefik's API must report it.
    const routers = (run.outputs['verify'] as { traefikRouters: Record<string, unknown> }).traefikRouters;
    const rendered = gateway.apps.flatMap((a) => Object.entries(renderTraefikDynamicConfig(gateway, a).document.http.routers));
    expect(Object.keys(routers).sort()).toEqual(rendered.map(([n]) => n).sort());
    for (const [name, r] of rendered) expect(routers[name]).toEqual({ rule: r.rule, priority: r.priority, middlewares: r.middlewares });
  });

  it('carry no secret value and are not secret themselves', async () => {
    const text = JSON.stringify(run.outputs);
    for (const [name, value] of Object.entries(stack.secrets)) expect(text, name).not.toContain(value.trim().split('\n')[1] ?? value);
    for (const [name, value] of Object.entries(run.program)) expect(await isSecret(value), name).toBe(false);
  });
});

/** The text of a `pulumi.asset.StringAsset` prop (CopyToRemote.source). */
async function resolveAsset(prop: unknown): Promise<string> {
  const { resolve } = await import('./pulumi-mocks.js');
  const asset = (await resolve(prop)) as { text: Promise<string> | string };
  return await asset.text;
}
