/**
 * Two-factor sign-in end to end: the real program with the example gateway plus an `mfa:`
 * section, its dynamic resources driven through check / create / read / diff / update /
 * delete (test/pulumi-engine.ts) against the fake authentik, which validates every request
 * and answer against authentik's schema.yml and starts like a live instance: the default
 * authentication flow with its four stages and bindings, Affine signing in through it.
 *
 * Both scopes: gateway-wide adopts the default stages (and puts back exactly what it changed
 * on destroy); per app builds a flow of our own and changes no default object.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUTHENTIK_DEFAULT_STAGES, loadExampleGateway, MFA_FLOW_SLUG } from '@booxstream/gateway';
import { exampleStack } from './example-stack.js';
import { DEFAULT_AUTHENTICATION } from './fake-authentik-flows.js';
import { SEED, startFakeAuthentik, type FakeAuthentik } from './fake-authentik.js';
import { startFakeCloudflare, type FakeCloudflare } from './fake-cloudflare.js';
import { alignAffineWithModel } from './live-affine.js';
import { Engine } from './pulumi-engine.js';
import { sshMaterialDir, useEngineWorld, type World } from './engine-world.js';

const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE_GATEWAY = readFileSync(join(INFRA_DIR, '../packages/gateway/examples/home.gateway.yaml'), 'utf8');
const GATEWAY_FILE = 'mfa-test.gateway.yaml';
const TUNNEL = loadExampleGateway().tunnel.id;

const worlds = useEngineWorld();

async function start(mfa: string): Promise<World> {
  const cf = await startFakeCloudflare({ tunnels: { [TUNNEL]: { ingress: [{ service: 'http_status:404' }] } } });
  const ak = await startFakeAuthentik();
  alignAffineWithModel(ak, loadExampleGateway());
  const sshDir = sshMaterialDir();
  const { config, secretKeys } = exampleStack();
  config['booxstream:gatewayFile'] = GATEWAY_FILE;
  const engine = new Engine({ authentik: { url: ak.url, token: ak.token }, cloudflare: { token: cf.token, baseUrl: cf.baseUrl } }, config, secretKeys, INFRA_DIR, {
    [GATEWAY_FILE]: `${EXAMPLE_GATEWAY}\n${mfa}`,
  });
  return worlds.set({ cf, ak, engine, sshDir });
}

/** authentik's whole state as sorted plain JSON, for exact before/after comparisons. */
function snapshot(ak: FakeAuthentik): Record<string, Record<string, Record<string, unknown>>> {
  const s = ak.state;
  const sorted = (m: Map<unknown, unknown>) => Object.fromEntries([...m].map(([k, v]): [string, unknown] => [String(k), v]).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.parse(
    JSON.stringify({
      flows: sorted(s.flows),
      stages: sorted(s.stages),
      policies: sorted(s.policies),
      flowBindings: sorted(s.flowBindings),
      bindings: sorted(s.bindings),
      providers: sorted(s.providers),
      applications: sorted(s.applications),
      outposts: sorted(s.outposts),
    }),
  ) as Record<string, Record<string, Record<string, unknown>>>;
}

const writes = (ak: FakeAuthentik) => ak.requests.filter((r) => r.method !== 'GET');
const stageNamed = (ak: FakeAuthentik, name: string) => [...ak.state.stages.values()].find((s) => s.name === name);
const flowSlugged = (ak: FakeAuthentik, slug: string) => [...ak.state.flows.values()].find((f) => f.slug === slug);
/** What makes Affine sign in: its provider, application, group binding, and the default flow with its stages and bindings. */
function affineSignIn(ak: FakeAuthentik) {
  const snap = snapshot(ak);
  const app = Object.values(snap['applications']!).find((a) => a['slug'] === SEED.affine.slug)!;
  return {
    app,
    provider: Object.values(snap['providers']!).find((p) => p['pk'] === app['provider']),
    bindings: Object.values(snap['bindings']!).filter((b) => b['target'] === app['pk']),
  };
}
function defaultFlowObjects(ak: FakeAuthentik) {
  const snap = snapshot(ak);
  const flow = Object.values(snap['flows']!).find((f) => f['slug'] === DEFAULT_AUTHENTICATION.flow)!;
  const bindings = Object.values(snap['flowBindings']!).filter((b) => b['target'] === flow['pk']);
  return { flow, bindings, stages: Object.values(snap['stages']!).filter((s) => String(s['name']).startsWith('default-')) };
}

describe('two-factor sign-in, gateway-wide: adopts the default flow\'s stages', () => {
  it('applies TOTP-or-WebAuthn, 5 attempts, the reputation deny and 1 h sessions; a second up writes nothing; destroy puts the defaults back exactly', async () => {
    const { ak, engine } = await start('mfa:\n  scope: gateway\n');
    const before = snapshot(ak);
    const affineBefore = affineSignIn(ak);

    const preview = await engine.preview();
    expect(preview.failures).toEqual([]);
    expect(writes(ak)).toEqual([]);

    const up = await engine.up();
    expect(up.failures).toEqual([]);
    expect(up.created).toEqual(expect.arrayContaining(['pulumi-nodejs:dynamic/authentik:MfaObject::mfa-validate', 'pulumi-nodejs:dynamic/authentik:MfaObject::mfa-reputation-on-deny']));

    // The default MFA validation stage: TOTP or WebAuthn, and users without one set one up.
    const totp = stageNamed(ak, 'booxstream-mfa-totp-setup')!;
    const webauthn = stageNamed(ak, 'booxstream-mfa-webauthn-setup')!;
    const validate = stageNamed(ak, AUTHENTIK_DEFAULT_STAGES.mfaValidation)!;
    expect(validate.fields).toMatchObject({ device_classes: ['totp', 'webauthn'], not_configured_action: 'configure', configuration_stages: [totp.pk, webauthn.pk] });
    expect(stageNamed(ak, AUTHENTIK_DEFAULT_STAGES.password)!.fields['failed_attempts_before_cancel']).toBe(5);
    expect(stageNamed(ak, AUTHENTIK_DEFAULT_STAGES.login)!.fields['session_duration']).toBe('hours=1');

    // The deny stage sits in the default flow before the password, run only when the negated reputation policy says so.
    const flow = flowSlugged(ak, DEFAULT_AUTHENTICATION.flow)!;
    const deny = stageNamed(ak, 'booxstream-mfa-deny')!;
    const denyBinding = [...ak.state.flowBindings.values()].find((b) => b.stage === deny.pk)!;
    expect(denyBinding).toMatchObject({ target: flow.pk, order: 15, fields: { re_evaluate_policies: true, evaluate_on_plan: false } });
    const reputation = [...ak.state.policies.values()].find((p) => p.name === 'booxstream-mfa-reputation')!;
    expect(reputation.fields).toMatchObject({ check_ip: true, check_username: true, threshold: -5 });
    const guard = [...ak.state.bindings.values()].find((b) => b['policy'] === reputation.pk)!;
    expect(guard).toMatchObject({ target: denyBinding.pbm, negate: true, enabled: true });
    // The default flow's own bindings are as they were; Affine's provider, application and group binding never changed.
    expect(defaultFlowObjects(ak).bindings.filter((b) => b['stage'] !== deny.pk)).toEqual(Object.values(before['flowBindings']!));
    expect(affineSignIn(ak)).toEqual(affineBefore);

    // Adopted, with exactly the changed fields remembered.
    const state = (name: string) => [...engine.state.values()].find((e) => e.name === name)!.outputs;
    expect(state('mfa-validate')['previous']).toEqual({
      device_classes: ['static', 'totp', 'webauthn', 'duo', 'sms', 'email'],
      not_configured_action: 'skip',
      configuration_stages: [],
      last_auth_threshold: 'seconds=0',
    });
    expect(state('mfa-login')['previous']).toEqual({ session_duration: 'seconds=0' });

    // A second up after a refresh: no change, no write.
    const count = writes(ak).length;
    await engine.refresh();
    expect(await engine.up()).toMatchObject({ created: [], updated: [], replaced: [], deleted: [] });
    expect(writes(ak).length).toBe(count);

    // Drift on an adopted field is seen by refresh and put back by the next up.
    validate.fields['not_configured_action'] = 'skip';
    await engine.refresh();
    expect((await engine.preview()).updated).toEqual(['pulumi-nodejs:dynamic/authentik:MfaObject::mfa-validate']);
    expect((await engine.up()).updated).toEqual(['pulumi-nodejs:dynamic/authentik:MfaObject::mfa-validate']);
    expect(validate.fields['not_configured_action']).toBe('configure');
    expect(state('mfa-validate')['previous']).toMatchObject({ not_configured_action: 'skip' });

    // Destroy: our objects gone, the defaults byte for byte as they started.
    await engine.destroy();
    const after = snapshot(ak);
    expect(after['stages']).toEqual(before['stages']);
    expect(after['policies']).toEqual({});
    expect(after['flowBindings']).toEqual(before['flowBindings']);
    expect(after).toEqual(before);
  }, 180_000);
});

describe('two-factor sign-in, per app: a flow of our own', () => {
  it('the listed app signs in through it; no default object and no other app changes; re-run writes nothing; destroy removes it all', async () => {
    const { ak, engine } = await start('mfa:\n  scope: apps\n  apps: [booxstream]\n');
    const before = snapshot(ak);
    const defaultsBefore = defaultFlowObjects(ak);
    const affineBefore = affineSignIn(ak);

    const up = await engine.up();
    expect(up.failures).toEqual([]);

    const flow = flowSlugged(ak, MFA_FLOW_SLUG)!;
    expect(flow).toMatchObject({ designation: 'authentication', authentication: 'require_unauthenticated' });
    const bound = [...ak.state.flowBindings.values()].filter((b) => b.target === flow.pk).sort((a, b) => a.order - b.order);
    expect(bound.map((b) => [ak.state.stages.get(b.stage)!.name, b.order])).toEqual([
      [AUTHENTIK_DEFAULT_STAGES.identification, 10],
      ['booxstream-mfa-deny', 15],
      ['booxstream-mfa-password', 20],
      ['booxstream-mfa-validate', 30],
      ['booxstream-mfa-login', 100],
    ]);
    expect(stageNamed(ak, 'booxstream-mfa-validate')!.fields).toMatchObject({ not_configured_action: 'configure', device_classes: ['totp', 'webauthn'] });
    expect(stageNamed(ak, 'booxstream-mfa-password')!.fields['failed_attempts_before_cancel']).toBe(5);
    expect(stageNamed(ak, 'booxstream-mfa-login')!.fields['session_duration']).toBe('hours=1');

    // BooxStream's provider names the flow; Affine and the other new app keep the brand's default.
    const providers = [...ak.state.providers.values()];
    expect(providers.find((p) => p['external_host'] === 'https://booxstream.kevinvdb.dev')!['authentication_flow']).toBe(flow.pk);
    expect(providers.find((p) => p['external_host'] === 'https://bookstack.kevinvdb.dev')!['authentication_flow'] ?? null).toBeNull();
    expect(affineSignIn(ak)).toEqual(affineBefore);
    // Not one default object changed, and none was even written to.
    expect(defaultFlowObjects(ak)).toEqual(defaultsBefore);
    const defaultPks = new Set([...defaultsBefore.stages.map((s) => String(s['pk'])), String(defaultsBefore.flow['slug'])]);
    expect(writes(ak).filter((r) => [...defaultPks].some((pk) => r.path.includes(pk)))).toEqual([]);

    const count = writes(ak).length;
    await engine.refresh();
    expect(await engine.up()).toMatchObject({ created: [], updated: [], replaced: [], deleted: [] });
    expect(writes(ak).length).toBe(count);

    await engine.destroy();
    expect(snapshot(ak)).toEqual(before);
  }, 180_000);
});
