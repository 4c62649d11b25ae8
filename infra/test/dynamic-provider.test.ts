/**
 * The Authentik dynamic providers as Pulumi runs them, end to end, minus the engine:
 *
 * 1. `node --import tsx` (the loader Pulumi.yaml declares) constructs the resources under
 *    Pulumi mocks; the `__provider` text Pulumi would store in the state is captured.
 * 2. A plain Node process (no TypeScript loader, cwd = infra/) plays Pulumi's dynamic provider
 *    plugin: it deserializes that text the way the plugin does, calls `configure` with the
 *    stack config, then create / read / diff / update / delete.
 * 3. Those calls go to the schema-checked fake authentik, whose state is then inspected.
 *
 * So the closure really is self-contained, the runtime really loads from the serialized text,
 * and the token really comes from config rather than from the state.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authentikLookups,
  loadExampleGateway,
  renderAuthentikApplication,
  renderAuthentikProvider,
  renderPolicyBindings,
  type Gateway,
  type ProtectedApp,
} from '@booxstream/gateway';
import { AUTHENTIK_DEFAULT_STAGES } from '@booxstream/gateway';
import { EMBEDDED_OUTPOST_MANAGED, SEED, startFakeAuthentik, type FakeAuthentik } from './fake-authentik.js';
import { FAKE_ACCOUNT_ID, FAKE_ZONE_ID, startFakeCloudflare } from './fake-cloudflare.js';

const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));
const TYPE = (kind: string) => `pulumi-nodejs:dynamic/authentik:${kind}`;

interface HostReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** A plain-Node stand-in for Pulumi's dynamic provider plugin. */
class ProviderHost {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (reply: HostReply) => void>();
  private nextId = 1;
  readonly lines: string[] = [];

  constructor(private readonly config: Record<string, string>) {
    this.child = spawn(process.execPath, ['test/fixtures/provider-host.cjs'], { cwd: INFRA_DIR, stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      const reply = JSON.parse(line) as HostReply;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    this.child.stderr.on('data', (d: Buffer) => this.lines.push(`stderr: ${d.toString()}`));
  }

  call(provider: string, method: string, ...args: unknown[]): Promise<HostReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`provider host: no reply to ${method} within 20 s`)), 20_000);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify({ id, provider, method, args, config: this.config, project: 'booxstream' })}\n`);
    });
  }

  async ok<T = Record<string, unknown>>(provider: string, method: string, ...args: unknown[]): Promise<T> {
    const reply = await this.call(provider, method, ...args);
    if (!reply.ok) throw new Error(`${method} failed in the provider host: ${reply.error}`);
    return reply.result as T;
  }

  close(): void {
    this.child.kill();
  }
}

let providers: Record<string, string>;
let fake: FakeAuthentik;
let host: ProviderHost;
let gateway: Gateway;
let app: ProtectedApp;

beforeAll(async () => {
  const serialized = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/serialize-providers.ts'], {
    cwd: INFRA_DIR,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (serialized.status !== 0) throw new Error(`serializing the providers failed: ${serialized.stderr}`);
  providers = JSON.parse(serialized.stdout) as Record<string, string>;
  fake = await startFakeAuthentik();
  host = new ProviderHost({ 'booxstream:authentikUrl': fake.url, 'booxstream:authentikToken': fake.token });
  gateway = loadExampleGateway();
  app = gateway.apps.find((a) => a.name === 'booxstream')!;
}, 90_000);

afterAll(async () => {
  host?.close();
  const violations = fake ? [...fake.violations] : [];
  await fake?.close();
  expect(violations).toEqual([]);
});

describe('serialized Authentik providers', () => {
  it('capture nothing but strings and the connection object (no client, no token, no module)', () => {
    expect(Object.keys(providers).filter((t) => t.includes('/authentik:')).sort()).toEqual(
      ['Application', 'Flow', 'Group', 'MfaObject', 'NamedLookup', 'OutpostMembership', 'PolicyBinding', 'ProxyProvider'].map(TYPE).sort(),
    );
    for (const text of Object.entries(providers).filter(([t]) => t.includes('/authentik:')).map(([, v]) => v)) {
      expect(text.length).toBeLessThan(8_000);
      expect(text).not.toMatch(/\brequire\(|goauthentik|Bearer/);
      // The only dynamic import is the one built from a string at run time.
      expect(text.match(/import\(/g)).toEqual(['import(']);
      expect(text).toContain('"return import(specifier)"');
      expect(text).toContain('"./src/authentik/provider-runtime.ts"');
    }
  });

  it('run the whole lifecycle from their serialized text against authentik', async () => {
    const lookups = authentikLookups(gateway, app);
    const flowText = providers[TYPE('Flow')]!;

    // Lookups.
    const authorization = await host.ok<{ id: string; outs: { pk: string } }>(flowText, 'create', { slug: lookups.flowSlugs.authorization });
    const invalidation = await host.ok<{ id: string; outs: { pk: string } }>(flowText, 'create', { slug: lookups.flowSlugs.invalidation });
    expect(fake.state.flows.get(authorization.id)?.slug).toBe(SEED.flows.authorizationImplicit);
    const group = await host.ok<{ id: string }>(providers[TYPE('Group')]!, 'create', { name: lookups.groupNames[0] });
    expect(fake.state.groups.get(group.id)?.name).toBe('admins');

    // Proxy provider from the gateway renderer.
    const providerText = providers[TYPE('ProxyProvider')]!;
    const providerRequest = renderAuthentikProvider(gateway, app, { authorization: authorization.id, invalidation: invalidation.id });
    expect(await host.ok(providerText, 'check', {}, { request: providerRequest })).toEqual({ inputs: { request: providerRequest }, failures: [] });
    const provider = await host.ok<{ id: string; outs: { pk: number; request: unknown; adopted: boolean } }>(providerText, 'create', {
      request: providerRequest,
    });
    expect(provider.outs).toMatchObject({ request: providerRequest, adopted: false });
    expect(fake.state.providers.get(provider.outs.pk)?.name).toBe('booxstream-proxy');

    // Application bound to it.
    const appText = providers[TYPE('Application')]!;
    const appRequest = renderAuthentikApplication(app, provider.outs.pk);
    const application = await host.ok<{ id: string; outs: { pk: string } }>(appText, 'create', { request: appRequest });
    expect(application.id).toBe('booxstream');
    expect(fake.state.applications.get('booxstream')?.provider).toBe(provider.outs.pk);

    // Embedded outpost membership, keeping Affine's provider.
    const membershipText = providers[TYPE('OutpostMembership')]!;
    const affinePk = fake.state.applications.get(SEED.affine.slug)!.provider!;
    const membershipInputs = { outpost: lookups.embeddedOutpost, providerPk: provider.outs.pk };
    const membership = await host.ok<{ id: string; outs: Record<string, unknown> }>(membershipText, 'create', membershipInputs);
    const embedded = () => [...fake.state.outposts.values()].find((o) => o.managed === EMBEDDED_OUTPOST_MANAGED)!;
    expect(embedded().providers).toEqual([affinePk, provider.outs.pk]);

    // Group policy binding from the renderer.
    const bindingText = providers[TYPE('PolicyBinding')]!;
    const [bindingRequest] = renderPolicyBindings(app, { admins: group.id }, application.outs.pk);
    const binding = await host.ok<{ id: string }>(bindingText, 'create', { request: bindingRequest });
    expect(fake.state.bindings.get(binding.id)).toMatchObject({ target: application.outs.pk, group: group.id });

    // Drift on the provider: refresh sees it, diff reports an update (not a replace), update restores.
    fake.state.providers.get(provider.outs.pk)!['external_host'] = 'https://evil.example';
    const refreshed = await host.ok<{ id: string; props: Record<string, unknown> }>(providerText, 'read', provider.id, provider.outs);
    expect((refreshed.props['request'] as Record<string, unknown>)['external_host']).toBe('https://evil.example');
    const providerDiff = await host.ok(providerText, 'diff', provider.id, refreshed.props, { request: providerRequest });
    expect(providerDiff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    await host.ok(providerText, 'update', provider.id, refreshed.props, { request: providerRequest });
    expect(fake.state.providers.get(provider.outs.pk)?.['external_host']).toBe('https://booxstream.kevinvdb.dev');

    // Drift on the outpost: our provider removed in the UI; refresh, diff, update re-joins.
    embedded().providers = [affinePk];
    const membershipRead = await host.ok<{ props: Record<string, unknown> }>(membershipText, 'read', membership.id, membership.outs);
    expect(membershipRead.props['member']).toBe(false);
    expect(await host.ok(membershipText, 'diff', membership.id, membershipRead.props, membershipInputs)).toMatchObject({ changes: true, replaces: [] });
    await host.ok(membershipText, 'update', membership.id, membershipRead.props, membershipInputs);
    expect(embedded().providers).toEqual([affinePk, provider.outs.pk]);

    // A slug change replaces the application, old one first (the provider is OneToOne).
    expect(await host.ok(appText, 'diff', application.id, { request: appRequest }, { request: { ...appRequest, slug: 'booxstream2' } })).toEqual({
      changes: true,
      replaces: ['request'],
      deleteBeforeReplace: true,
    });

    // Destroy, dependents first, as Pulumi orders it.
    await host.ok(bindingText, 'delete', binding.id, { request: bindingRequest });
    await host.ok(membershipText, 'delete', membership.id, membership.outs);
    await host.ok(appText, 'delete', application.id, application.outs);
    await host.ok(providerText, 'delete', provider.id, provider.outs);
    await host.ok(flowText, 'delete', authorization.id, authorization.outs);
    expect(embedded().providers).toEqual([affinePk]);
    expect(fake.state.applications.has('booxstream')).toBe(false);
    expect([...fake.state.providers.values()].map((p) => p.name)).toEqual([SEED.affine.providerName]);
    expect(fake.state.bindings.has(binding.id)).toBe(false);
    // Lookups own nothing: the flow is still there.
    expect(fake.state.flows.has(authorization.id)).toBe(true);

    // The token came from config and never appears in anything the provider returned.
    expect(host.lines.join('\n')).not.toContain(fake.token);
  }, 60_000);

  it('run the two-factor kinds from their serialized text: a lookup, an object of ours, an adopted default restored on delete', async () => {
    const lookup = await host.ok<{ id: string }>(providers[TYPE('NamedLookup')]!, 'create', { path: '/stages/identification/', field: 'name', value: AUTHENTIK_DEFAULT_STAGES.identification });
    expect(fake.state.stages.get(lookup.id)?.name).toBe(AUTHENTIK_DEFAULT_STAGES.identification);

    const mfaText = providers[TYPE('MfaObject')]!;
    const deny = { key: 'deny', method: 'POST', path: '/stages/deny/', schema: 'DenyStageRequest', body: { name: 'booxstream-mfa-deny', deny_message: 'No.' } };
    const created = await host.ok<{ id: string; outs: Record<string, unknown> }>(mfaText, 'create', deny);
    expect(fake.state.stages.get(created.id)).toMatchObject({ kind: 'deny', name: 'booxstream-mfa-deny' });

    const login = () => [...fake.state.stages.values()].find((s) => s.name === AUTHENTIK_DEFAULT_STAGES.login)!;
    const before = structuredClone(login());
    const adopt = {
      key: 'login',
      method: 'PATCH',
      path: '/stages/user_login/',
      schema: 'PatchedUserLoginStageRequest',
      body: { session_duration: 'hours=1' },
      adopt: { name: AUTHENTIK_DEFAULT_STAGES.login, restoreFields: ['session_duration'] },
    };
    const adopted = await host.ok<{ id: string; outs: Record<string, unknown> }>(mfaText, 'create', adopt);
    expect(adopted.outs).toMatchObject({ adopted: true, previous: { session_duration: 'seconds=0' } });
    expect(login().fields['session_duration']).toBe('hours=1');
    expect(await host.ok(mfaText, 'diff', adopted.id, adopted.outs, adopt)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });

    await host.ok(mfaText, 'delete', adopted.id, adopted.outs);
    await host.ok(mfaText, 'delete', created.id, created.outs);
    expect(login()).toEqual(before);
    expect(fake.state.stages.has(created.id)).toBe(false);
    expect(host.lines.join('\n')).not.toContain(fake.token);
  }, 60_000);

  it('reject a request body authentik would refuse, at check time (preview), naming the field', async () => {
    const providerText = providers[TYPE('ProxyProvider')]!;
    const result = await host.ok<{ failures: { property: string; reason: string }[] }>(providerText, 'check', {}, {
      request: { name: 'x', external_host: 'https://x.example', mode: 'forward_single', invalidationFlow: 'typo' },
    });
    const reasons = result.failures.map((f) => f.reason).join('\n');
    expect(reasons).toContain("required property 'authorization_flow'");
    expect(reasons).toContain("'invalidationFlow'");
  });

  it('defer the schema check of a value unknown during preview', async () => {
    const appText = providers[TYPE('Application')]!;
    const request = { ...renderAuthentikApplication(app, 1), provider: '04da6b54-80e4-46f7-96ec-b56ff0331ba9' };
    const result = await host.ok<{ failures: unknown[] }>(appText, 'check', {}, { request });
    expect(result.failures).toEqual([]);
  });

  it('(Cloudflare) run from their serialized text over the official SDK: adopt-or-create a CNAME, merge the tunnel rules, restore on delete', async () => {
    const cf = await startFakeCloudflare({
      records: [{ name: 'affine.kevinvdb.dev', type: 'CNAME', content: `${gateway.tunnel.id}.cfargotunnel.com`, proxied: true }],
      tunnels: { [gateway.tunnel.id]: { ingress: [{ hostname: 'affine.kevinvdb.dev', service: 'http://traefik:80', originRequest: { http2Origin: true } }, { service: 'http_status:404' }] } },
    });
    // The SDK's own CLOUDFLARE_BASE_URL points the plugin process at the fake; the token comes
    // from the stack config through `configure`.
    process.env['CLOUDFLARE_BASE_URL'] = cf.baseUrl;
    const cfHost = new ProviderHost({ 'booxstream:cloudflareApiToken': cf.token });
    delete process.env['CLOUDFLARE_BASE_URL'];
    try {
      const before = JSON.stringify(cf.snapshot());
      const dnsText = providers['pulumi-nodejs:dynamic/cloudflare:DnsRecord']!;
      const ingressText = providers['pulumi-nodejs:dynamic/cloudflare:TunnelIngressRules']!;
      for (const text of [dnsText, ingressText]) {
        expect(text).toContain('"./src/cloudflare/provider-runtime.ts"');
        expect(text).not.toMatch(/\brequire\(|Bearer|cf-fake/);
      }
      const dns = dnsText;
      const ingress = ingressText;
      const dnsInputs = { zoneId: FAKE_ZONE_ID, name: 'affine.kevinvdb.dev', content: `${gateway.tunnel.id}.cfargotunnel.com`, comment: 'x', adopt: false, adoptKey: 'booxstream:adopt' };
      const record = await cfHost.ok<{ id: string; outs: Record<string, unknown> }>(dns, 'create', dnsInputs);
      expect(record.outs['previous']).toMatchObject({ name: 'affine.kevinvdb.dev' });
      const rules = { 'booxstream.kevinvdb.dev': { hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' } };
      const tunnel = await cfHost.ok<{ id: string; outs: Record<string, unknown> }>(ingress, 'create', { accountId: FAKE_ACCOUNT_ID, tunnelId: gateway.tunnel.id, rules });
      expect(JSON.stringify(cf.snapshot())).toContain('booxstream.kevinvdb.dev');
      await cfHost.ok(ingress, 'delete', tunnel.id, tunnel.outs);
      await cfHost.ok(dns, 'delete', record.id, record.outs);
      expect(JSON.stringify(cf.snapshot())).toBe(before);
      expect(cfHost.lines.join('\n')).not.toContain(cf.token);
    } finally {
      cfHost.close();
      const violations = [...cf.violations];
      await cf.close();
      expect(violations).toEqual([]);
    }
  }, 60_000);

  it('fail with the missing config key, not a stack trace with the token, when unconfigured', async () => {
    const bare = new ProviderHost({ 'booxstream:authentikUrl': fake.url });
    try {
      const reply = await bare.call(providers[TYPE('Flow')]!, 'create', { slug: SEED.flows.invalidation });
      expect(reply.ok).toBe(false);
      expect(reply.error).toContain('booxstream:authentikToken');
    } finally {
      bare.close();
    }
    // A fresh provider process loads tsx and the runtime: over 5 s when the machine is busy.
  }, 30_000);
});
