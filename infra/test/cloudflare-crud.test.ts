/**
 * The Cloudflare runtime (tunnel ingress per hostname, DNS adoption) against the fake
 * Cloudflare API, through the official SDK: every request and response is checked against the
 * SDK's own types, and the fake keeps real state, so what is kept, adopted, restored and
 * deleted is read from that state.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { check, create, diff, read, remove, update, type CloudflareRuntimeConnection } from '../src/cloudflare/provider-runtime.js';
import { loadCloudflareContract } from './cloudflare-contract.js';
import { FAKE_ACCOUNT_ID, FAKE_ZONE_ID, startFakeCloudflare, type FakeCloudflare, type FakeCloudflareSeed } from './fake-cloudflare.js';

const TUNNEL = '6ff42ae2-765d-4adf-8112-31c55c1551ef';
const TARGET = `${TUNNEL}.cfargotunnel.com`;
const ADOPT_KEY = 'booxstream:adopt';

// Compiling the SDK's declarations takes a few seconds, once per file.
beforeAll(() => void loadCloudflareContract(), 60_000);

let fake: FakeCloudflare | undefined;
afterEach(async () => {
  if (!fake) return;
  const violations = [...fake.violations];
  await fake.close();
  fake = undefined;
  expect(violations).toEqual([]);
});

async function start(seed: FakeCloudflareSeed): Promise<{ fake: FakeCloudflare; conn: CloudflareRuntimeConnection }> {
  fake = await startFakeCloudflare(seed);
  return { fake, conn: { token: fake.token, tokenKey: 'booxstream:cloudflareApiToken', baseUrl: fake.baseUrl } };
}

const AFFINE_RULE = {
  hostname: 'affine.kevinvdb.dev',
  service: 'http://traefik:80',
  originRequest: { originServerName: 'affine.kevinvdb.dev', caPool: '/etc/cloudflared/ca.pem', http2Origin: true, access: { audTag: ['a1b2'], teamName: 'home', required: true } },
};
const CONFIG = {
  ingress: [AFFINE_RULE, { hostname: 'auth.kevinvdb.dev', service: 'http://authentik_server:9000' }, { service: 'http_status:404' }],
  originRequest: { connectTimeout: 30, noTLSVerify: false },
};

const dnsInputs = (name: string, adopt = false) => ({ zoneId: FAKE_ZONE_ID, name, content: TARGET, comment: 'booxstream Pulumi', adopt, adoptKey: ADOPT_KEY });

describe('the fake is a real check', () => {
  it('refuses and records a body field the SDK types do not declare', async () => {
    const { fake: f } = await start({ tunnels: { [TUNNEL]: CONFIG } });
    const res = await fetch(`${f.baseUrl}/zones/${FAKE_ZONE_ID}/dns_records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x.kevinvdb.dev', type: 'CNAME', content: TARGET, ttl: 1, proxy: true }),
    });
    expect(res.status).toBe(400);
    expect(f.violations.join('\n')).toMatch(/proxy: not a field of the SDK type/);
    const rule = await fetch(`${f.baseUrl}/accounts/${FAKE_ACCOUNT_ID}/cfd_tunnel/${TUNNEL}/configurations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { ingress: [{ hostname: 'a.kevinvdb.dev', service: 'http://a:1', originRequest: { noTlsVerify: true } }, { service: 'http_status:404' }] } }),
    });
    expect(rule.status).toBe(400);
    expect(f.violations.join('\n')).toMatch(/originRequest.noTlsVerify: not a field/);
    f.violations.length = 0;
  });

  it('answers a second CNAME for a taken name with 81053, as the live API did on the first up', async () => {
    const { fake: f } = await start({ records: [{ name: 'affine.kevinvdb.dev', type: 'CNAME', content: TARGET, proxied: true }] });
    const res = await fetch(`${f.baseUrl}/zones/${FAKE_ZONE_ID}/dns_records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'affine.kevinvdb.dev', type: 'CNAME', content: TARGET, ttl: 1 }),
    });
    expect(((await res.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(81053);
  });

  it('validates ingress like cloudflared (catch-all last)', async () => {
    const { fake: f } = await start({ tunnels: { [TUNNEL]: CONFIG } });
    const res = await fetch(`${f.baseUrl}/accounts/${FAKE_ACCOUNT_ID}/cfd_tunnel/${TUNNEL}/configurations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { ingress: [{ hostname: 'a.kevinvdb.dev', service: 'http://a:1' }] } }),
    });
    expect(((await res.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1056);
  });
});

describe('tunnel-ingress', () => {
  const ours = { 'booxstream.kevinvdb.dev': { hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' } };

  it('inserts our hostname before the catch-all, keeps every other rule and config key byte for byte, and removes only ours', async () => {
    const { fake: f, conn } = await start({ tunnels: { [TUNNEL]: CONFIG } });
    const before = JSON.stringify(f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config);
    const inputs = { accountId: FAKE_ACCOUNT_ID, tunnelId: TUNNEL, rules: ours };
    expect((await check('tunnel-ingress', inputs, conn)).failures).toEqual([]);
    const { id, outs } = await create('tunnel-ingress', conn, inputs);
    const live = f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config as typeof CONFIG;
    expect(live.ingress.map((r) => r.hostname ?? '*')).toEqual(['affine.kevinvdb.dev', 'auth.kevinvdb.dev', 'booxstream.kevinvdb.dev', '*']);
    expect(JSON.stringify(live.ingress[0])).toBe(JSON.stringify(AFFINE_RULE));
    expect(JSON.stringify(live.originRequest)).toBe(JSON.stringify(CONFIG.originRequest));
    expect(outs['adopted']).toEqual({});

    // Same model again: nothing to do, nothing written.
    const writes = f.writes().length;
    expect(diff('tunnel-ingress', outs, inputs).changes).toBe(false);
    const refreshed = await read('tunnel-ingress', conn, id, outs);
    expect(diff('tunnel-ingress', refreshed.props, inputs).changes).toBe(false);
    expect(f.writes().length).toBe(writes);

    await remove('tunnel-ingress', conn, id, refreshed.props);
    expect(JSON.stringify(f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config)).toBe(before);
  });

  it('names drift: a hand edit of our rule shows as a change and update puts it back', async () => {
    const { fake: f, conn } = await start({ tunnels: { [TUNNEL]: CONFIG } });
    const inputs = { accountId: FAKE_ACCOUNT_ID, tunnelId: TUNNEL, rules: ours };
    const { id, outs } = await create('tunnel-ingress', conn, inputs);
    const live = f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config as typeof CONFIG;
    (live.ingress[2] as { service: string }).service = 'http://elsewhere:80';
    const refreshed = await read('tunnel-ingress', conn, id, outs);
    expect(diff('tunnel-ingress', refreshed.props, inputs).changes).toBe(true);
    await update('tunnel-ingress', conn, id, refreshed.props, inputs);
    expect((f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config as typeof CONFIG).ingress[2]!.service).toBe('http://traefik:80');
  });

  it('adopts a live rule for a model hostname and restores it exactly on delete', async () => {
    const { fake: f, conn } = await start({ tunnels: { [TUNNEL]: CONFIG } });
    const before = JSON.stringify(f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config);
    const inputs = { accountId: FAKE_ACCOUNT_ID, tunnelId: TUNNEL, rules: { 'affine.kevinvdb.dev': { hostname: 'affine.kevinvdb.dev', service: 'http://traefik:8081' } } };
    const { id, outs } = await create('tunnel-ingress', conn, inputs);
    const rule = (f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config as typeof CONFIG).ingress[0]!;
    expect(rule).toEqual({ ...AFFINE_RULE, service: 'http://traefik:8081' });
    expect((outs['adopted'] as Record<string, unknown>)['affine.kevinvdb.dev']).toEqual(AFFINE_RULE);
    await remove('tunnel-ingress', conn, id, outs);
    expect(JSON.stringify(f.state.tunnels.get(FAKE_ACCOUNT_ID)!.get(TUNNEL)!.config)).toBe(before);
  });
});

describe('dns-record', () => {
  it('creates a proxied CNAME when the name is free and deletes it on delete', async () => {
    const { fake: f, conn } = await start({});
    const inputs = dnsInputs('booxstream.kevinvdb.dev');
    expect((await check('dns-record', inputs, conn)).failures).toEqual([]);
    const { id, outs } = await create('dns-record', conn, inputs);
    const record = f.state.records.get(FAKE_ZONE_ID)!.get(id)!;
    expect(record).toMatchObject({ name: 'booxstream.kevinvdb.dev', type: 'CNAME', content: TARGET, proxied: true, ttl: 1 });
    expect(outs['previous']).toBeNull();
    await remove('dns-record', conn, id, outs);
    expect(f.state.records.get(FAKE_ZONE_ID)!.size).toBe(0);
  });

  it('adopts a CNAME that already points at this tunnel without writing, and leaves it on delete', async () => {
    const { fake: f, conn } = await start({ records: [{ name: 'affine.kevinvdb.dev', type: 'CNAME', content: TARGET, proxied: true, comment: 'set up by hand' }] });
    const before = JSON.stringify(f.snapshot());
    const { id, outs } = await create('dns-record', conn, dnsInputs('affine.kevinvdb.dev'));
    expect(f.writes()).toEqual([]);
    expect(outs['previous']).toMatchObject({ content: TARGET, comment: 'set up by hand' });
    await remove('dns-record', conn, id, outs);
    expect(f.writes()).toEqual([]);
    expect(JSON.stringify(f.snapshot())).toBe(before);
  });

  it('stops in check, before any write, on a record pointing elsewhere, naming it and the adopt setting', async () => {
    const { fake: f, conn } = await start({ records: [{ id: 'abc123', name: 'booxstream.kevinvdb.dev', type: 'A', content: '203.0.113.7', proxied: false }] });
    const result = await check('dns-record', dnsInputs('booxstream.kevinvdb.dev'), conn);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.reason).toMatch(/A booxstream\.kevinvdb\.dev → 203\.0\.113\.7 \(id abc123\)/);
    expect(result.failures[0]!.reason).toContain(ADOPT_KEY);
    await expect(create('dns-record', conn, dnsInputs('booxstream.kevinvdb.dev'))).rejects.toThrow(/already exists and does not point at this tunnel/);
    expect(f.writes()).toEqual([]);
  });

  it('with adopt, takes over a record pointing elsewhere and puts it back exactly on delete', async () => {
    const { fake: f, conn } = await start({
      records: [{ name: 'booxstream.kevinvdb.dev', type: 'CNAME', content: 'old-host.example.net', proxied: false, ttl: 300, comment: 'old', tags: ['team:home'] }],
    });
    const before = f.snapshot() as { records: Record<string, unknown>[] };
    const inputs = dnsInputs('booxstream.kevinvdb.dev', true);
    expect((await check('dns-record', inputs, conn)).failures).toEqual([]);
    const { id, outs } = await create('dns-record', conn, inputs);
    expect(f.state.records.get(FAKE_ZONE_ID)!.get(id)).toMatchObject({ content: TARGET, proxied: true, ttl: 300, comment: 'old' });
    await remove('dns-record', conn, id, outs);
    const after = f.snapshot() as { records: Record<string, unknown>[] };
    const strip = (r: Record<string, unknown>) => ({ ...r, modified_on: undefined });
    expect(after.records.map(strip)).toEqual(before.records.map(strip));
  });
});
