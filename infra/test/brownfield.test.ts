/**
 * The first `pulumi up` on a live home gateway, end to end: the real program (src/program.ts)
 * on the documented example stack, its dynamic resources driven through check / create / read
 * / diff / update / delete (test/pulumi-engine.ts) against the fake Cloudflare API and the
 * fake authentik, both checked against their vendors' contracts.
 *
 * The start state is the seed's gateway with Affine already live and more besides:
 * - Cloudflare: Affine's CNAME (made by hand), Affine's tunnel rule with origin settings the
 *   model never declares (originServerName, caPool, http2Origin, access), auth and homepage
 *   rules, a photos app and a path rule the model knows nothing about, a top-level
 *   originRequest, a TXT record;
 * - authentik: Affine's provider under another name than the model's, its application and
 *   group binding, and the embedded outpost serving Affine and another app (photos).
 *
 * Then: `up` adds BooxStream → every object the model does not own, and every Affine object
 * it adopts, is unchanged byte for byte → a second `up` writes nothing → `destroy` → both
 * APIs hold exactly the start state.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExampleGateway } from '@booxstream/gateway';
import { alignAffineWithModel } from './live-affine.js';
import { exampleStack } from './example-stack.js';
import { EMBEDDED_OUTPOST_MANAGED, startFakeAuthentik, type FakeAuthentik } from './fake-authentik.js';
import { FAKE_ACCOUNT_ID, FAKE_ZONE_ID, startFakeCloudflare, type FakeCloudflare } from './fake-cloudflare.js';
import type { RemoteShell } from '../src/tunnel/local-apply.js';
import { runProcess } from '../src/tunnel/ssh-shell.js';
import { Engine } from './pulumi-engine.js';
import { sshMaterialDir, useEngineWorld, type World } from './engine-world.js';

const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));
const gateway = loadExampleGateway();
const TUNNEL = gateway.tunnel.id;
const TARGET = `${TUNNEL}.cfargotunnel.com`;
/** The example model's apps that are not live yet: the up adds them, destroy removes them. */
const NEW_HOSTS = ['booxstream.kevinvdb.dev', 'bookstack.kevinvdb.dev'];

const LIVE_TUNNEL_CONFIG = {
  ingress: [
    {
      hostname: 'affine.kevinvdb.dev',
      service: 'http://traefik:80',
      originRequest: {
        originServerName: 'affine.kevinvdb.dev',
        caPool: '/etc/cloudflared/home-ca.pem',
        http2Origin: true,
        access: { required: true, teamName: 'home', audTag: ['3f1e2d'] },
      },
    },
    { hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80', originRequest: { connectTimeout: 30, keepAliveTimeout: 90 } },
    { hostname: 'photos.kevinvdb.dev', service: 'https://192.168.1.203:2283', originRequest: { noTLSVerify: true, keepAliveConnections: 10, tlsTimeout: 10 } },
    { hostname: 'homepage.kevinvdb.dev', service: 'http://traefik:80' },
    { hostname: 'home.kevinvdb.dev', path: '^/api', service: 'http://192.168.1.30:8123', originRequest: { disableChunkedEncoding: true } },
    { service: 'http_status:404' },
  ],
  originRequest: { connectTimeout: 20, noHappyEyeballs: true },
};

const LIVE_RECORDS = [
  { name: 'affine.kevinvdb.dev', type: 'CNAME', content: TARGET, proxied: true, ttl: 1, comment: 'added by hand, 2025' },
  { name: 'auth.kevinvdb.dev', type: 'CNAME', content: TARGET, proxied: true, ttl: 1 },
  { name: 'photos.kevinvdb.dev', type: 'CNAME', content: TARGET, proxied: true, ttl: 1, tags: ['app:photos'] },
  { name: 'kevinvdb.dev', type: 'TXT', content: '"v=spf1 -all"', proxied: false, ttl: 3600 },
];

const worlds = useEngineWorld();

/** authentik's state as plain JSON, keyed and sorted, for exact before/after comparisons. */
function authentikSnapshot(ak: FakeAuthentik) {
  const s = ak.state;
  const sorted = <T>(m: Map<unknown, T>) =>
    Object.fromEntries([...m].map(([k, v]): [string, T] => [String(k), v]).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.parse(JSON.stringify({ providers: sorted(s.providers), applications: sorted(s.applications), bindings: sorted(s.bindings), outposts: sorted(s.outposts) })) as {
    providers: Record<string, Record<string, unknown>>;
    applications: Record<string, Record<string, unknown>>;
    bindings: Record<string, Record<string, unknown>>;
    outposts: Record<string, { providers: number[] } & Record<string, unknown>>;
  };
}

const tunnelConfig = (cf: FakeCloudflare) => cf.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config as typeof LIVE_TUNNEL_CONFIG;
const records = (cf: FakeCloudflare) => [...cf.state.records.get(FAKE_ZONE_ID)!.values()];

async function liveGateway(
  options: { extraRecords?: Record<string, unknown>[]; adopt?: string[]; local?: { shell: RemoteShell; configPath: string } } = {},
): Promise<World> {
  const cf = await startFakeCloudflare({ records: [...LIVE_RECORDS, ...(options.extraRecords ?? [])], tunnels: { [TUNNEL]: LIVE_TUNNEL_CONFIG } });
  const ak = await startFakeAuthentik();

  // authentik as the owner set Affine up: the fields the model declares hold the model's
  // values, but the provider has the owner's own name, and another app shares the outpost.
  const { provider } = alignAffineWithModel(ak, gateway);
  Object.assign(provider, { name: 'Affine SSO (hand-made)', skip_path_regex: '^/share/' });
  const photos = { ...provider, pk: ak.state.nextProviderPk++, name: 'photos-proxy', external_host: 'https://photos.kevinvdb.dev', internal_host: 'https://192.168.1.203:2283' };
  ak.state.providers.set(photos.pk, photos);
  const embedded = [...ak.state.outposts.values()].find((o) => o.managed === EMBEDDED_OUTPOST_MANAGED)!;
  embedded.providers = [provider.pk, photos.pk];

  const sshDir = sshMaterialDir();
  const { config, secretKeys } = exampleStack();
  if (options.adopt) config['booxstream:adopt'] = JSON.stringify(options.adopt);
  if (options.local) {
    const cloudflare = JSON.parse(config['booxstream:cloudflare']!) as Record<string, unknown>;
    config['booxstream:cloudflare'] = JSON.stringify({ ...cloudflare, tunnelMode: 'local' });
    const gatewayHost = JSON.parse(config['booxstream:gatewayHost']!) as Record<string, unknown>;
    config['booxstream:gatewayHost'] = JSON.stringify({ ...gatewayHost, cloudflaredConfigPath: options.local.configPath });
  }
  const engine = new Engine(
    { authentik: { url: ak.url, token: ak.token }, cloudflare: { token: cf.token, baseUrl: cf.baseUrl }, ...(options.local ? { gatewayShell: options.local.shell } : {}) },
    config,
    secretKeys,
    INFRA_DIR,
  );
  return worlds.set({ cf, ak, engine, sshDir });
}

describe('brownfield: the first up on a live gateway with Affine', () => {
  it('adds BooxStream, leaves everything else byte for byte, a second up writes nothing, destroy restores the start state exactly', async () => {
    const { cf, ak, engine } = await liveGateway();
    const cfBefore = cf.snapshot() as { records: Record<string, unknown>[]; tunnels: Record<string, typeof LIVE_TUNNEL_CONFIG> };
    const akBefore = authentikSnapshot(ak);

    // `pulumi up` previews first: every check passes, nothing is written.
    const preview = await engine.preview();
    expect(preview.failures).toEqual([]);
    expect(cf.writes()).toEqual([]);
    expect(ak.requests.filter((r) => r.method !== 'GET')).toEqual([]);

    const up = await engine.up();
    expect(up.failures).toEqual([]);

    // Cloudflare: BooxStream's rule went in before the catch-all; every other rule, the
    // top-level origin settings and every other record are exactly as they were.
    const ingress = tunnelConfig(cf).ingress;
    expect(ingress.map((r) => r.hostname ?? '*')).toEqual([
      'affine.kevinvdb.dev',
      'auth.kevinvdb.dev',
      'photos.kevinvdb.dev',
      'homepage.kevinvdb.dev',
      'home.kevinvdb.dev',
      'bookstack.kevinvdb.dev',
      'booxstream.kevinvdb.dev',
      '*',
    ]);
    expect(ingress[6]).toEqual({ hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' });
    expect(JSON.stringify({ ...tunnelConfig(cf), ingress: ingress.filter((r) => !NEW_HOSTS.includes(r.hostname as string)) })).toBe(JSON.stringify(LIVE_TUNNEL_CONFIG));
    const boox = records(cf).find((r) => r.name === 'booxstream.kevinvdb.dev')!;
    expect(boox).toMatchObject({ type: 'CNAME', content: TARGET, proxied: true });
    expect((cf.snapshot() as typeof cfBefore).records.filter((r) => !NEW_HOSTS.includes(r['name'] as string))).toEqual(cfBefore.records);

    // authentik: Affine's provider (found by its external host, not its name), application,
    // binding and outpost membership are unchanged; the other app stays in the outpost.
    const akAfter = authentikSnapshot(ak);
    const oursPks = Object.values(akAfter.providers).filter((p) => NEW_HOSTS.some((h) => p['external_host'] === `https://${h}`)).map((p) => p['pk']);
    expect(oursPks).toHaveLength(NEW_HOSTS.length);
    expect(Object.values(akAfter.providers).filter((p) => p['external_host'] === 'https://affine.kevinvdb.dev')).toHaveLength(1);
    const without = <T extends Record<string, unknown>>(m: Record<string, T>, drop: (v: T) => boolean) => Object.fromEntries(Object.entries(m).filter(([, v]) => !drop(v)));
    expect(without(akAfter.providers, (p) => oursPks.includes(p['pk']))).toEqual(akBefore.providers);
    expect(without(akAfter.applications, (a) => ['booxstream', 'bookstack'].includes(a['slug'] as string))).toEqual(akBefore.applications);
    const newAppPks = ['booxstream', 'bookstack'].map((slug) => akAfter.applications[slug]!['pk']);
    expect(without(akAfter.bindings, (b) => newAppPks.includes(b['target']))).toEqual(akBefore.bindings);
    for (const [pk, outpost] of Object.entries(akAfter.outposts)) {
      expect({ ...outpost, providers: outpost.providers.filter((p) => !oursPks.includes(p)) }).toEqual(akBefore.outposts[pk]);
    }
    expect(Object.values(akAfter.outposts).find((o) => o['managed'] === EMBEDDED_OUTPOST_MANAGED)!.providers).toEqual(expect.arrayContaining(oursPks));

    // Adopted, not created: each Affine object remembers what it was.
    const state = (name: string) => [...engine.state.values()].find((e) => e.name === name)!.outputs;
    expect(state('affine-cname')['previous']).toMatchObject({ content: TARGET, comment: 'added by hand, 2025' });
    expect(state('affine-provider')['previous']).toMatchObject({ name: 'Affine SSO (hand-made)', skip_path_regex: '^/share/' });
    expect(state('affine-application')['previous']).toMatchObject({ slug: 'affine' });
    expect(Object.keys(state('tunnel-ingress')['adopted'] as object).sort()).toEqual(['affine.kevinvdb.dev', 'auth.kevinvdb.dev', 'homepage.kevinvdb.dev']);

    // A second up (after a refresh) changes nothing and writes nothing.
    const cfWrites = cf.writes().length;
    const akWrites = ak.requests.filter((r) => r.method !== 'GET').length;
    await engine.refresh();
    const again = await engine.up();
    expect(again).toMatchObject({ created: [], updated: [], replaced: [], deleted: [] });
    expect(cf.writes().length).toBe(cfWrites);
    expect(ak.requests.filter((r) => r.method !== 'GET').length).toBe(akWrites);

    // Destroy: the gateway is exactly as it started, adopted objects included.
    await engine.destroy();
    expect(cf.snapshot()).toEqual(cfBefore);
    expect(authentikSnapshot(ak)).toEqual(akBefore);
  }, 120_000);

  it('stops in the preview, before any change anywhere, when a record holds an app hostname elsewhere', async () => {
    const foreign = { id: 'aa11bb22cc33dd44ee55ff6600778899', name: 'booxstream.kevinvdb.dev', type: 'A', content: '203.0.113.50', proxied: false, ttl: 300 };
    const { cf, ak, engine } = await liveGateway({ extraRecords: [foreign] });
    await expect(engine.preview()).rejects.toThrow(/DNS record A booxstream\.kevinvdb\.dev → 203\.0\.113\.50 \(id aa11bb22cc33dd44ee55ff6600778899\).*booxstream:adopt/s);
    expect(cf.writes()).toEqual([]);
    expect(ak.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }, 120_000);

  it('with booxstream:adopt, takes the foreign record over and destroy puts it back as it was', async () => {
    const foreign = { id: 'aa11bb22cc33dd44ee55ff6600778899', name: 'booxstream.kevinvdb.dev', type: 'A', content: '203.0.113.50', proxied: false, ttl: 300 };
    const { cf, engine } = await liveGateway({ extraRecords: [foreign], adopt: ['booxstream.kevinvdb.dev'] });
    const before = cf.snapshot() as { records: Record<string, unknown>[] };
    expect((await engine.preview()).failures).toEqual([]);
    await engine.up();
    expect(records(cf).find((r) => r.id === foreign.id)).toMatchObject({ type: 'CNAME', content: TARGET, proxied: true });
    await engine.destroy();
    const strip = (r: Record<string, unknown>) => ({ ...r, modified_on: undefined });
    expect((cf.snapshot() as typeof before).records.map(strip)).toEqual(before.records.map(strip));
  }, 120_000);
});

describe('brownfield, locally-managed tunnel: the same round trip on a real config.yml', () => {
  const LIVE_CONFIG_YML = `# cloudflared on the gateway, by hand
tunnel: ${TUNNEL}
credentials-file: /etc/cloudflared/${TUNNEL}.json
metrics: 0.0.0.0:2000
warp-routing:
  enabled: true
ingress:
  # Affine keeps its TLS settings
  - hostname: affine.kevinvdb.dev
    service: http://traefik:80
    originRequest:
      originServerName: affine.kevinvdb.dev
      caPool: /etc/cloudflared/home-ca.pem
      http2Origin: true
  - hostname: auth.kevinvdb.dev
    service: http://traefik:80
  - hostname: photos.kevinvdb.dev
    service: https://192.168.1.203:2283
    originRequest:
      noTLSVerify: true
  - hostname: homepage.kevinvdb.dev
    service: http://traefik:80
  - service: http_status:404
`;

  it('adds BooxStream before the catch-all, keeps every other line, a second up restarts nothing, destroy gives the file back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-brownfield-gw-'));
    try {
      const path = join(dir, 'config.yml');
      writeFileSync(path, LIVE_CONFIG_YML);
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(INFRA_DIR, 'test/fixtures/fake-docker.sh'), join(dir, 'bin/docker'));
      chmodSync(join(dir, 'bin/docker'), 0o755);
      const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`, STATE_DIR: dir, INFRA_DIR };
      const shell: RemoteShell = { run: (command, stdin) => runProcess('sh', ['-c', command], { stdin, cwd: INFRA_DIR, env, timeoutMs: 60_000 }) };
      const restarts = () => (existsSync(join(dir, 'restarts.log')) ? readFileSync(join(dir, 'restarts.log'), 'utf8').trim().split('\n').length : 0);

      const { cf, engine } = await liveGateway({
        local: { shell, configPath: path },
      });
      const up = await engine.up();
      expect(up.failures).toEqual([]);
      const text = readFileSync(path, 'utf8');
      const added = '  - hostname: bookstack.kevinvdb.dev\n    service: http://traefik:80\n  - hostname: booxstream.kevinvdb.dev\n    service: http://traefik:80\n';
      expect(text).toContain(added);
      expect(text.replace(added, '')).toBe(LIVE_CONFIG_YML);
      expect(restarts()).toBe(1);
      // The API's tunnel configuration is not this mode's business.
      expect(cf.writes().filter((w) => w.path.includes('cfd_tunnel'))).toEqual([]);

      await engine.refresh();
      const again = await engine.up();
      expect(again).toMatchObject({ created: [], updated: [], replaced: [], deleted: [] });
      expect(restarts()).toBe(1);

      await engine.destroy();
      expect(readFileSync(path, 'utf8')).toBe(LIVE_CONFIG_YML);
      expect(restarts()).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
