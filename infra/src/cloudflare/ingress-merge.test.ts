import { describe, expect, it } from 'vitest';
import { describeRuleChanges, isCatchAll, mergeIngress, observedRules, ruleSatisfies, type IngressRule, type OwnedRule } from './ingress-merge.js';

// A live tunnel as the owner's dashboard left it: Affine with origin settings the model
// never declares, an SSH route, a path rule, the catch-all.
const AFFINE: IngressRule = {
  hostname: 'affine.kevinvdb.dev',
  service: 'http://traefik:80',
  originRequest: { originServerName: 'affine.internal', caPool: '/etc/ca.pem', http2Origin: true, access: { required: true, teamName: 'home', audTag: ['aud1'] } },
};
const SSH: IngressRule = { hostname: 'ssh.kevinvdb.dev', service: 'ssh://192.168.1.10:22', originRequest: { proxyType: '' } };
const API_PATH: IngressRule = { hostname: 'home.kevinvdb.dev', path: '^/api', service: 'http://192.168.1.30:8123' };
const CATCH_ALL: IngressRule = { service: 'http_status:404' };
const LIVE: IngressRule[] = [AFFINE, SSH, API_PATH, CATCH_ALL];

const BOOX: OwnedRule = { hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' };

describe('mergeIngress', () => {
  it('inserts a new hostname before the catch-all and passes every other rule through as the same object', () => {
    const r = mergeIngress({ live: LIVE, desired: { [BOOX.hostname]: BOOX }, owned: [], adopted: {} });
    expect(r.rules.map((x) => x.hostname ?? '(catch-all)')).toEqual([AFFINE.hostname, SSH.hostname, API_PATH.hostname, BOOX.hostname, '(catch-all)']);
    expect(r.rules[0]).toBe(AFFINE);
    expect(r.rules[1]).toBe(SSH);
    expect(r.rules[2]).toBe(API_PATH);
    expect(r.rules[4]).toBe(CATCH_ALL);
    expect(JSON.stringify(r.rules.filter((x) => x.hostname !== BOOX.hostname))).toBe(JSON.stringify(LIVE));
    expect(r.adopted).toEqual({});
    expect(r.changed).toBe(true);
  });

  it('adopts a live rule for our hostname in place, keeps its origin settings, remembers it byte for byte', () => {
    const ours: OwnedRule = { hostname: AFFINE.hostname as string, service: 'http://traefik:80', originRequest: { connectTimeout: 10 } };
    const r = mergeIngress({ live: LIVE, desired: { [ours.hostname]: ours }, owned: [], adopted: {} });
    expect(r.rules[0]).toEqual({ ...AFFINE, originRequest: { ...AFFINE.originRequest, connectTimeout: 10 } });
    expect(r.adopted[ours.hostname]).toBe(AFFINE);
    expect(r.rules.slice(1)).toEqual([SSH, API_PATH, CATCH_ALL]);
  });

  it('leaves a live rule that already says what the model says unchanged (no write)', () => {
    const ours: OwnedRule = { hostname: AFFINE.hostname as string, service: 'http://traefik:80' };
    const r = mergeIngress({ live: LIVE, desired: { [ours.hostname]: ours }, owned: [], adopted: {} });
    expect(r.changed).toBe(false);
    expect(r.rules[0]).toBe(AFFINE);
  });

  it('a second run with the same model changes nothing and does not re-adopt our own rule', () => {
    const first = mergeIngress({ live: LIVE, desired: { [BOOX.hostname]: BOOX }, owned: [], adopted: {} });
    const second = mergeIngress({ live: first.rules, desired: { [BOOX.hostname]: BOOX }, owned: [BOOX.hostname], adopted: first.adopted });
    expect(second.changed).toBe(false);
    expect(second.adopted).toEqual({});
  });

  it('release restores an adopted rule exactly and removes a created one', () => {
    const affine: OwnedRule = { hostname: AFFINE.hostname as string, service: 'http://traefik:8080' };
    const up = mergeIngress({ live: LIVE, desired: { [BOOX.hostname]: BOOX, [affine.hostname]: affine }, owned: [], adopted: {} });
    expect(up.rules[0]!.service).toBe('http://traefik:8080');
    const down = mergeIngress({ live: up.rules, desired: {}, owned: [BOOX.hostname, affine.hostname], adopted: up.adopted });
    expect(JSON.stringify(down.rules)).toBe(JSON.stringify(LIVE));
  });

  it('release puts an adopted rule back even when ours was removed by hand', () => {
    const affine: OwnedRule = { hostname: AFFINE.hostname as string, service: 'http://traefik:8080' };
    const up = mergeIngress({ live: LIVE, desired: { [affine.hostname]: affine }, owned: [], adopted: {} });
    const handEdited = up.rules.filter((r) => r.hostname !== AFFINE.hostname);
    const down = mergeIngress({ live: handEdited, desired: {}, owned: [affine.hostname], adopted: up.adopted });
    expect(down.rules).toContainEqual(AFFINE);
    expect(isCatchAll(down.rules.at(-1)!)).toBe(true);
  });

  it('keeps rules added by others between runs', () => {
    const first = mergeIngress({ live: LIVE, desired: { [BOOX.hostname]: BOOX }, owned: [], adopted: {} });
    const other: IngressRule = { hostname: 'new.kevinvdb.dev', service: 'http://x:1' };
    const live2 = [...first.rules.slice(0, -1), other, CATCH_ALL];
    const second = mergeIngress({ live: live2, desired: {}, owned: [BOOX.hostname], adopted: first.adopted });
    expect(second.rules).toEqual([AFFINE, SSH, API_PATH, other, CATCH_ALL]);
  });

  it('adds a catch-all to an empty list', () => {
    const r = mergeIngress({ live: [], desired: { [BOOX.hostname]: BOOX }, owned: [], adopted: {} });
    expect(r.rules).toEqual([{ hostname: BOOX.hostname, service: BOOX.service }, { service: 'http_status:404' }]);
  });

  it('keys path rules separately from the bare hostname', () => {
    const ours: OwnedRule = { hostname: 'home.kevinvdb.dev', service: 'http://traefik:80' };
    const r = mergeIngress({ live: LIVE, desired: { [ours.hostname]: ours }, owned: [], adopted: {} });
    expect(r.rules).toContain(API_PATH);
    expect(r.rules.filter((x) => x.hostname === 'home.kevinvdb.dev')).toHaveLength(2);
  });
});

describe('drift and diff helpers', () => {
  it('observes our rules and judges them only on what the model declares', () => {
    const seen = observedRules(LIVE, [AFFINE.hostname as string, BOOX.hostname]);
    expect(seen[BOOX.hostname]).toBeNull();
    expect(ruleSatisfies(seen[AFFINE.hostname as string], { hostname: AFFINE.hostname as string, service: 'http://traefik:80' })).toBe(true);
    expect(ruleSatisfies(seen[AFFINE.hostname as string], { hostname: AFFINE.hostname as string, service: 'http://traefik:81' })).toBe(false);
  });

  it('names each hostname added, changed and removed', () => {
    expect(
      describeRuleChanges(
        { a: { hostname: 'a', service: 's' }, b: { hostname: 'b', service: 's' } },
        { b: { hostname: 'b', service: 't' }, c: { hostname: 'c', service: 's' } },
      ),
    ).toEqual({ added: ['c'], changed: ['b'], removed: ['a'] });
  });
});
