import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadAuthentikOpenApi } from '../authentik/openapi.js';
import { loadExampleGateway } from '../model/load.js';
import { validateGateway } from '../model/validate.js';
import { type BlueprintEntry, FindTag, KeyOfTag, parseBlueprint, renderAuthentikBlueprint } from './blueprint.js';

const gateway = loadExampleGateway();
// Rendered inside each test that uses it, fresh (no cache, not at import or in a hook): a
// renderer that throws then fails those tests, and mutation testing's per-test coverage sees
// every test that reads the output (Stryker's vitest runner scores load and hook errors as survivors).
const whole = () => renderAuthentikBlueprint(gateway);
const perApp = () => renderAuthentikBlueprint(gateway, gateway.apps[0]!);
const api = loadAuthentikOpenApi();

/** The request schema each blueprint model corresponds to, and a stand-in for a resolved tag. */
const SCHEMA_OF: Record<string, string> = {
  'authentik_providers_proxy.proxyprovider': 'ProxyProviderRequest',
  'authentik_core.application': 'ApplicationRequest',
  'authentik_policies.policybinding': 'PolicyBindingRequest',
  'authentik_outposts.outpost': 'PatchedOutpostRequest',
};
const UUID = '11111111-2222-4333-8444-555555555555';

/** Replaces tags with what authentik would resolve them to: a provider pk is an integer, other pks UUIDs. */
function resolveTags(value: unknown, entries: BlueprintEntry[]): unknown {
  if (value instanceof FindTag) return value.model === 'authentik_providers_proxy.proxyprovider' ? 7 : UUID;
  if (value instanceof KeyOfTag) {
    const target = entries.find((e) => e.id === value.id);
    if (!target) throw new Error(`!KeyOf ${value.id} points at no entry`);
    return target.model === 'authentik_providers_proxy.proxyprovider' ? 7 : UUID;
  }
  if (Array.isArray(value)) return value.map((v) => resolveTags(v, entries));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTags(v, entries)]));
  return value;
}

describe('renderAuthentikBlueprint', () => {
  it('writes version 1 with the provider, application, binding and outpost entries', () => {
    const doc = parseBlueprint(perApp().yaml);
    expect(doc.version).toBe(1);
    expect(doc.entries.map((e) => e.model)).toEqual([
      'authentik_providers_proxy.proxyprovider',
      'authentik_core.application',
      'authentik_policies.policybinding',
      'authentik_outposts.outpost',
    ]);
    expect(doc.entries.every((e) => e.state === 'present')).toBe(true);
  });

  it('round-trips through YAML with the !Find and !KeyOf tags', () => {
    expect(parseBlueprint(whole().yaml)).toEqual(whole().document);
    expect(perApp().yaml).toContain('!KeyOf booxstream-provider');
    expect(perApp().yaml).toContain('!Find');
  });

  it("reads authentik's flow-style tag syntax", () => {
    const doc = parseBlueprint('version: 1\nentries:\n  - model: m\n    attrs:\n      flow: !Find [authentik_flows.flow, [slug, x]]\n      provider: !KeyOf p\n');
    expect(doc.entries[0]?.attrs).toEqual({ flow: new FindTag('authentik_flows.flow', ['slug', 'x']), provider: new KeyOfTag('p') });
  });

  it('refuses tags that are not shaped as authentik writes them', () => {
    for (const text of [
      'a: !Find not-a-list',
      'a: !Find [[slug, x]]',
      'a: !Find [authentik_flows.flow, [slug]]',
      'a: !Find [authentik_flows.flow, slug]',
      'a: !Find [authentik_flows.flow, [slug, x], [name]]',
      'a: !KeyOf [p]',
      'a: !KeyOf ""',
    ]) {
      expect(() => parseBlueprint(text), text).toThrow();
    }
    expect(parseBlueprint('a: !Find [authentik_core.group, [name, admins], [is_superuser, "true"]]')).toEqual({
      a: new FindTag('authentik_core.group', ['name', 'admins'], ['is_superuser', 'true']),
    });
  });

  it('double-quotes a value that needs quoting', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    input['apps'][0].authentik.description = 'Screens: live';
    const g = validateGateway(input);
    expect(renderAuthentikBlueprint(g, g.apps[0]!).yaml).toContain('meta_description: "Screens: live"');
  });

  it('is not loadable without the tag schema (the tags are really tags)', () => {
    expect(() => yaml.load(perApp().yaml)).toThrow(/unknown tag/);
  });

  it('finds flows by slug and the group by name', () => {
    const [provider, , binding] = whole().document.entries;
    expect(provider?.attrs['authorization_flow']).toEqual(new FindTag('authentik_flows.flow', ['slug', 'default-provider-authorization-implicit-consent']));
    expect(provider?.attrs['invalidation_flow']).toEqual(new FindTag('authentik_flows.flow', ['slug', 'default-provider-invalidation-flow']));
    expect(binding?.identifiers).toEqual({ target: new KeyOfTag('booxstream-application'), group: new FindTag('authentik_core.group', ['name', 'admins']) });
  });

  it('has identifiers and attrs that, once tags resolve, authentik accepts as request bodies', () => {
    for (const bp of [whole(), perApp()]) {
      const entries = bp.document.entries;
      for (const entry of entries) {
        const schema = SCHEMA_OF[entry.model];
        expect(schema, entry.model).toBeDefined();
        const body = resolveTags({ ...entry.identifiers, ...entry.attrs }, entries) as Record<string, unknown>;
        // `managed` identifies the embedded outpost; it is not something we write.
        if (entry.model === 'authentik_outposts.outpost') delete body['managed'];
        expect(api.validateComponent(schema!, body), `${bp.fileName} ${entry.model}`).toEqual([]);
      }
    }
  });

  it('lists every provider of the gateway on the embedded outpost, since attrs replace the list', () => {
    const outpost = whole().document.entries.at(-1)!;
    expect(outpost.identifiers).toEqual({ managed: 'goauthentik.io/outposts/embedded' });
    expect(outpost.attrs['providers']).toEqual([new KeyOfTag('booxstream-provider'), new KeyOfTag('affine-provider'), new KeyOfTag('bookstack-provider')]);
    const one = perApp().document.entries.at(-1)!;
    expect(one.attrs['providers']).toEqual([
      new KeyOfTag('booxstream-provider'),
      new FindTag('authentik_providers_proxy.proxyprovider', ['name', 'affine-proxy']),
      new FindTag('authentik_providers_proxy.proxyprovider', ['name', 'bookstack-proxy']),
    ]);
    expect(whole().yaml).toContain('REPLACES');
  });

  it('gives every entry id a unique name', () => {
    const ids = whole().document.entries.map((e) => e.id).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('matches the snapshots', async () => {
    await expect(whole().yaml).toMatchFileSnapshot(`./__snapshots__/blueprints/${whole().fileName}`);
  });
});
