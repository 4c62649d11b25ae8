import { describe, expect, it } from 'vitest';
import { loadExampleGateway } from '../model/load.js';
import { validateGateway } from '../model/validate.js';
import type { ProtectedApp } from '../model/types.js';
import { applicationFields, policyBindingFields, POLICY_TIMEOUT_SECONDS, proxyProviderFields } from './authentik-objects.js';
import { renderAuthentikApplication, renderAuthentikProvider, renderPolicyBindings } from './authentik.js';
import { FindTag, KeyOfTag, renderAuthentikBlueprint, type BlueprintEntry } from './blueprint.js';

const gateway = loadExampleGateway();
const [booxstream, affine] = gateway.apps as [ProtectedApp, ProtectedApp];

describe('proxyProviderFields', () => {
  it('maps the model to a forward_single provider, asking for each flow by role and slug', () => {
    const asked: string[] = [];
    const fields = proxyProviderFields(gateway, booxstream, (role, slug) => {
      asked.push(`${role}=${slug}`);
      return `<${role}>`;
    });
    expect(fields).toEqual({
      name: 'booxstream-proxy',
      authorization_flow: '<authorization>',
      invalidation_flow: '<invalidation>',
      mode: 'forward_single',
      external_host: 'https://booxstream.kevinvdb.dev',
      internal_host: 'http://192.168.1.202:3001',
    });
    expect(asked).toEqual(['authorization=default-provider-authorization-implicit-consent', 'invalidation=default-provider-invalidation-flow']);
  });

  it('adds the authentication flow only when the model names one', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as { authentik: { flows: Record<string, string> } };
    input.authentik.flows['authentication'] = 'my-login';
    const g = validateGateway(input);
    expect(proxyProviderFields(g, g.apps[0]!, (role, slug) => `${role}:${slug}`).authentication_flow).toBe('authentication:my-login');
    expect('authentication_flow' in proxyProviderFields(gateway, booxstream, () => 'x')).toBe(false);
  });
});

describe('applicationFields', () => {
  it('maps the metadata and keeps the provider reference as given', () => {
    const ref = new KeyOfTag('p');
    expect(applicationFields(booxstream, ref)).toEqual({
      name: 'BooxStream',
      slug: 'booxstream',
      provider: ref,
      meta_launch_url: booxstream.authentik.launchUrl,
      meta_icon: booxstream.authentik.icon,
      meta_description: booxstream.authentik.description,
      meta_publisher: booxstream.authentik.publisher,
      policy_engine_mode: 'any',
      open_in_new_tab: false,
    });
  });

  it('leaves the icon out when the model has none', () => {
    const noIcon = { ...booxstream, authentik: { ...booxstream.authentik, icon: '' } };
    expect('meta_icon' in applicationFields(noIcon, 1)).toBe(false);
  });
});

describe('policyBindingFields', () => {
  it('spaces bindings by 10 and never negates or fails open', () => {
    expect(policyBindingFields('g', 't', 0)).toEqual({ group: 'g', target: 't', order: 0, enabled: true, negate: false, timeout: POLICY_TIMEOUT_SECONDS, failure_result: false });
    expect(policyBindingFields('g', 't', 3).order).toBe(30);
    expect(POLICY_TIMEOUT_SECONDS).toBe(30);
  });
});

/** Replaces blueprint references with the pks the API bodies were rendered with. */
function resolve(value: unknown, pks: { flows: Record<string, string>; provider: number; group: string; pbm: string }): unknown {
  if (value instanceof FindTag) {
    if (value.model === 'authentik_flows.flow') {
      const slug = value.query[0]![1];
      const role = Object.entries(gateway.authentik.flows).find(([, s]) => s === slug)![0];
      return pks.flows[role];
    }
    return pks.group;
  }
  if (value instanceof KeyOfTag) return value.id.endsWith('-provider') ? pks.provider : pks.pbm;
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, pks)]));
  return value;
}

describe('the API bodies and the blueprint carry the same objects', () => {
  const pks = {
    flows: { authorization: 'c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0001', invalidation: 'c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0002' },
    provider: 7,
    group: '7d9a2a51-3c2b-4b5e-8f0e-3a2b1c0d0003',
    pbm: '5e2f9c1a-8b7d-4c6e-9a1b-2c3d4e5f0004',
  };
  const merged = (e: BlueprintEntry) => resolve({ ...e.identifiers, ...e.attrs }, pks);

  it.each([booxstream, affine].map((a) => [a.name, a] as const))('%s', (_name, app) => {
    const entries = renderAuthentikBlueprint(gateway, app).document.entries;
    const byModel = (model: string) => entries.filter((e) => e.model === model);
    expect(merged(byModel('authentik_providers_proxy.proxyprovider')[0]!)).toEqual(renderAuthentikProvider(gateway, app, pks.flows));
    expect(merged(byModel('authentik_core.application')[0]!)).toEqual(renderAuthentikApplication(app, pks.provider));
    const groupPks = Object.fromEntries(app.allowedGroups.map((g) => [g, pks.group]));
    expect(byModel('authentik_policies.policybinding').map(merged)).toEqual(renderPolicyBindings(app, groupPks, pks.pbm));
  });
});
