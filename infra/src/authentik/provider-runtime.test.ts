import { describe, expect, it } from 'vitest';
import { check, containsUnknown, diff, UNKNOWN } from './provider-runtime.js';

const provider = { name: 'booxstream-proxy', mode: 'forward_single', external_host: 'https://b.example', authorization_flow: 'a', invalidation_flow: 'i' };

describe('diff: update or replace', () => {
  it('lookups are replaced when their key changes, and otherwise untouched', () => {
    expect(diff('flow', { slug: 'a', pk: 'x' }, { slug: 'a' })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(diff('flow', { slug: 'a' }, { slug: 'b' })).toEqual({ changes: true, replaces: ['slug'], deleteBeforeReplace: false });
    expect(diff('group', { name: 'a' }, { name: 'b' })).toMatchObject({ changes: true, replaces: ['name'] });
  });

  it('a proxy provider is updated in place, its name included; equal requests are no change', () => {
    expect(diff('proxy-provider', { request: provider }, { request: { ...provider } })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(diff('proxy-provider', { request: provider }, { request: { ...provider, name: 'renamed' } })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    // A field authentik returns that we never declared is not a change.
    expect(diff('proxy-provider', { request: { ...provider, cookie_domain: '' } }, { request: provider }).changes).toBe(false);
  });

  it('an application is replaced delete-first on a slug change, updated otherwise', () => {
    const app = { name: 'B', slug: 'b', provider: 1 };
    expect(diff('application', { request: app }, { request: { ...app, name: 'B2' } })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diff('application', { request: app }, { request: { ...app, slug: 'b2' } })).toEqual({ changes: true, replaces: ['request'], deleteBeforeReplace: true });
  });

  it('an outpost membership is never replaced (joined in place for another provider or outpost), re-joined after drift', () => {
    const m = { outpost: { managed: 'm', name: 'n' }, providerPk: 1 };
    expect(diff('outpost-membership', { ...m, member: true }, m).changes).toBe(false);
    expect(diff('outpost-membership', { ...m, member: false }, m)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diff('outpost-membership', { ...m, member: true }, { ...m, providerPk: 2 })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it('a policy binding is replaced for another target, updated for another group or order', () => {
    const b = { target: 't', group: 'g', order: 0 };
    expect(diff('policy-binding', { request: b }, { request: { ...b, target: 'u' } })).toMatchObject({ replaces: ['request'] });
    expect(diff('policy-binding', { request: b }, { request: { ...b, group: 'h' } })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});

describe('check', () => {
  it("reports authentik's schema errors for a request, naming the property", () => {
    const { failures } = check('proxy-provider', { request: { name: 'x' } });
    expect(failures.map((f) => f.property)).toEqual(expect.arrayContaining(['request']));
    expect(failures.map((f) => f.reason).join('\n')).toContain("ProxyProviderRequest must have required property 'external_host'");
  });

  it('accepts unknown values during preview and rejects malformed lookups', () => {
    expect(check('application', { request: { name: 'B', slug: 'b', provider: UNKNOWN } }).failures).toEqual([]);
    expect(check('flow', { slug: '' }).failures).toEqual([{ property: 'slug', reason: 'slug must be a non-empty string' }]);
    expect(check('outpost-membership', { outpost: {}, providerPk: 0 }).failures.map((f) => f.property)).toEqual(['providerPk', 'outpost']);
    expect(containsUnknown({ a: [1, { b: UNKNOWN }] })).toBe(true);
    expect(containsUnknown({ a: [1, { b: 'x' }] })).toBe(false);
  });
});
