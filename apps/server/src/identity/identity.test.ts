import { describe, expect, it } from 'vitest';
import { identityFailureMessage, IdentityResolver, MAX_GROUPS_CHARS, MAX_IDENTITY_CHARS, meView } from './identity.js';
import { TrustedProxies } from './trusted-proxy.js';

const proxies = new TrustedProxies(['127.0.0.1/32', '10.0.0.0/8']);
const base = { adminGroups: ['authentik Admins', 'ops'], devUser: null, devGroups: [] as string[] };
const resolver = new IdentityResolver(base, proxies);

describe('IdentityResolver', () => {
  it('takes the proxy headers, trimmed, the first of repeated ones, and groups split on |', () => {
    const r = resolver.resolve('10.1.2.3', {
      'x-authentik-username': ['  alice ', 'mallory'],
      'x-authentik-email': 'alice@example.test',
      'x-authentik-name': 'Alice A.',
      'x-authentik-uid': 'u-1',
      'x-authentik-groups': ' users | | ops |',
    });
    expect(r).toEqual({
      ok: true,
      identity: { username: 'alice', email: 'alice@example.test', name: 'Alice A.', uid: 'u-1', groups: ['users', 'ops'], admin: true, source: 'proxy' },
    });
  });

  it('is an admin only through an admin group', () => {
    const r = resolver.resolve('127.0.0.1', { 'x-authentik-username': 'bob', 'x-authentik-groups': 'users|Ops' });
    expect(r).toEqual({ ok: true, identity: expect.objectContaining({ groups: ['users', 'Ops'], admin: false, email: null, name: null, uid: null }) });
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': 'bob' })).toEqual({ ok: true, identity: expect.objectContaining({ groups: [], admin: false }) });
  });

  it('says why there is no identity', () => {
    expect(resolver.resolve('192.0.2.1', { 'x-authentik-username': 'alice' })).toEqual({ ok: false, reason: 'untrusted-peer' });
    expect(resolver.resolve('127.0.0.1', {})).toEqual({ ok: false, reason: 'no-headers' });
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': '   ' })).toEqual({ ok: false, reason: 'no-headers' });
    expect(resolver.resolve('192.0.2.1', {})).toEqual({ ok: false, reason: 'untrusted-peer' });
    expect(resolver.resolve(undefined, {})).toEqual({ ok: false, reason: 'untrusted-peer' });
  });

  it('refuses over-long values, naming the header and the limit, and keeps values at the limit', () => {
    const at = 'a'.repeat(MAX_IDENTITY_CHARS);
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': at })).toMatchObject({ ok: true, identity: { username: at } });
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': `${at}b` })).toEqual({ ok: false, reason: { tooLong: 'x-authentik-username', max: MAX_IDENTITY_CHARS } });
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': 'a', 'x-authentik-email': `${at}@` })).toEqual({ ok: false, reason: { tooLong: 'x-authentik-email', max: MAX_IDENTITY_CHARS } });
    const groups = 'g'.repeat(MAX_GROUPS_CHARS);
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': 'a', 'x-authentik-groups': groups })).toMatchObject({ ok: true });
    expect(resolver.resolve('127.0.0.1', { 'x-authentik-username': 'a', 'x-authentik-groups': `${groups}|` })).toEqual({ ok: false, reason: { tooLong: 'x-authentik-groups', max: MAX_GROUPS_CHARS } });
  });

  it('does not turn other failures into a refusal', () => {
    const headers = new Proxy({}, { get: () => { throw new TypeError('broken headers'); } });
    expect(() => resolver.resolve('127.0.0.1', headers)).toThrow('broken headers');
  });

  it('gives DEV_USER to requests without headers, admin when one of its groups is an admin group', () => {
    const dev = new IdentityResolver({ ...base, devUser: 'me', devGroups: ['users', 'ops'] }, proxies);
    expect(dev.resolve('192.0.2.1', {})).toEqual({
      ok: true, identity: { username: 'me', email: null, name: 'me', uid: null, groups: ['users', 'ops'], admin: true, source: 'dev' },
    });
    expect(new IdentityResolver({ ...base, devUser: 'me', devGroups: ['users'] }, proxies).resolve('127.0.0.1', {}))
      .toMatchObject({ ok: true, identity: { admin: false } });
    // Proxy headers from an untrusted peer never fall back to DEV_USER.
    expect(dev.resolve('192.0.2.1', { 'x-authentik-username': 'alice' })).toEqual({ ok: false, reason: 'untrusted-peer' });
  });
});

describe('identity messages', () => {
  it('words each failure', () => {
    expect(identityFailureMessage('untrusted-peer')).toBe(
      'Sign in through the gateway: this request did not come through the trusted proxy, so its identity headers are not believed.',
    );
    expect(identityFailureMessage('no-headers')).toBe('Sign in through the gateway: the request carries no signed-in user (X-authentik-username).');
    expect(identityFailureMessage({ tooLong: 'x-authentik-name', max: 512 })).toBe(
      'The gateway sent a x-authentik-name header longer than 512 characters; it is refused rather than cut short.',
    );
  });

  it('meView copies the groups', () => {
    const groups = ['a'];
    const view = meView({ username: 'u', email: null, name: null, uid: null, groups, admin: false, source: 'proxy' });
    expect(view.groups).toEqual(['a']);
    expect(view.groups).not.toBe(groups);
  });
});
