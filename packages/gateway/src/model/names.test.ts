import { describe, expect, it } from 'vitest';
import { renderAuthentikBlueprint } from '../render/blueprint.js';
import { renderTraefikDynamicConfig } from '../render/traefik.js';
import { loadExampleGateway } from './load.js';
import {
  appResourceNames,
  assertUniqueNames,
  blueprintNames,
  derivedNames,
  GATEWAY_RESOURCE_NAMES,
  nameCollisions,
  NameCollisionError,
  nameSlug,
  pathSlug,
  remoteFileCheckName,
  routerNames,
  traefikNames,
} from './names.js';
import type { ProtectedApp } from './types.js';

const gateway = loadExampleGateway();

/** An app with only the fields naming reads. */
function app(name: string, extra: { bypassPaths?: string[]; allowedGroups?: string[] } = {}): ProtectedApp {
  const bypassPaths = (extra.bypassPaths ?? []).map((path) => ({ path, methods: ['GET'] }));
  return { name, bypassPaths, allowedGroups: extra.allowedGroups ?? ['admins'] } as unknown as ProtectedApp;
}

describe('nameSlug', () => {
  it.each([
    ['admins', 'admins'],
    ['Media Team', 'media-team'],
    ['--Ops__Team!!', 'ops-team'],
    ['/api/hosts/register', 'api-hosts-register'],
    ['/android-ws', 'android-ws'],
    ['ÉQUIPE', 'quipe'],
    ['a..b', 'a-b'],
  ])('%s → %s', (input, slug) => {
    expect(nameSlug(input)).toBe(slug);
    expect(pathSlug(input)).toBe(slug);
  });
});

describe('the names of one app', () => {
  it('prefixes every Traefik object with the app name', () => {
    expect(traefikNames({ name: 'booxstream' })).toEqual({
      fileName: 'booxstream.yml',
      routers: { main: 'booxstream', outpost: 'booxstream-outpost', bypass: expect.any(Function), denyMetrics: 'booxstream-deny-metrics' },
      middlewares: {
        forwardAuth: 'booxstream-forward-auth',
        stripIdentity: 'booxstream-strip-identity',
        bypassRateLimit: 'booxstream-bypass-ratelimit',
        securityHeaders: 'booxstream-security-headers',
        crowdsec: 'booxstream-crowdsec',
      },
      services: { backend: 'booxstream-backend', outpost: 'booxstream-outpost' },
    });
    expect(traefikNames({ name: 'booxstream' }).routers.bypass('/api/hosts/register')).toBe('booxstream-bypass-api-hosts-register');
    expect(routerNames(app('x', { bypassPaths: ['/a', '/b/c'] }))).toEqual(['x', 'x-outpost', 'x-bypass-a', 'x-bypass-b-c', 'x-deny-metrics']);
  });

  it('names its Pulumi resources and blueprint entries', () => {
    const r = appResourceNames({ name: 'affine' });
    expect({ ...r, policyBinding: r.policyBinding('Media Team') }).toEqual({
      component: 'affine',
      traefikFile: 'traefik-file-affine',
      provider: 'affine-provider',
      application: 'affine-application',
      outpostMembership: 'affine-outpost-membership',
      policyBinding: 'affine-binding-media-team',
      dnsRecord: 'affine-cname',
    });
    expect(remoteFileCheckName(r.traefikFile)).toBe('traefik-file-affine-check');
  });

  it('names what the gateway declares once', () => {
    expect(GATEWAY_RESOURCE_NAMES.flowLookup('authorization')).toBe('flow-authorization');
    expect(GATEWAY_RESOURCE_NAMES.groupLookup('Media Team')).toBe('group-media-team');
    expect(GATEWAY_RESOURCE_NAMES.groupLookup('Admins!')).toBe('group-admins');
    expect(blueprintNames('all')).toEqual({ name: 'booxstream-gateway-all', fileName: 'booxstream-gateway-all.yaml' });
  });
});

describe('derivedNames', () => {
  it('lists every Traefik name the renderer writes, for every app', () => {
    const listed = new Set(derivedNames(gateway).map((d) => `${d.kind}:${d.name}`));
    for (const a of gateway.apps) {
      const { http } = renderTraefikDynamicConfig(gateway, a).document;
      for (const r of Object.keys(http.routers)) expect(listed, r).toContain(`Traefik router:${r}`);
      for (const m of Object.keys(http.middlewares)) expect(listed, m).toContain(`Traefik middleware:${m}`);
      for (const s of Object.keys(http.services)) expect(listed, s).toContain(`Traefik service:${s}`);
      expect(listed).toContain(`blueprint file:${renderAuthentikBlueprint(gateway, a).fileName}`);
    }
    expect(listed).toContain(`blueprint file:${renderAuthentikBlueprint(gateway).fileName}`);
  });
});

describe('nameCollisions', () => {
  it('finds none in the example gateway', () => {
    expect(nameCollisions(gateway)).toEqual([]);
    expect(() => assertUniqueNames(gateway)).not.toThrow();
  });

  it('finds two groups that differ only in case or punctuation, in one app', () => {
    expect(nameCollisions({ apps: [app('a', { allowedGroups: ['Media Team', 'media-team'] })] })).toEqual([
      {
        kind: 'Pulumi policy binding',
        name: 'a-binding-media-team',
        claimedBy: ["apps[0] (a) allowedGroups[0] 'Media Team'", "apps[0] (a) allowedGroups[1] 'media-team'"],
      },
      { kind: 'Pulumi authentik group lookup', name: 'group-media-team', claimedBy: ["group 'Media Team'", "group 'media-team'"] },
    ]);
  });

  it('finds the same across apps, but lets two apps share one group', () => {
    expect(nameCollisions({ apps: [app('a', { allowedGroups: ['admins'] }), app('b', { allowedGroups: ['admins'] })] })).toEqual([]);
    expect(nameCollisions({ apps: [app('a', { allowedGroups: ['Admins'] }), app('b', { allowedGroups: ['admins'] })] })).toEqual([
      { kind: 'Pulumi authentik group lookup', name: 'group-admins', claimedBy: ["group 'Admins'", "group 'admins'"] },
    ]);
  });

  it('finds bypass paths that give one router name', () => {
    expect(nameCollisions({ apps: [app('a', { bypassPaths: ['/a-b', '/a/b'] })] })).toEqual([
      { kind: 'Traefik router', name: 'a-bypass-a-b', claimedBy: ["apps[0] (a) bypassPaths[0] '/a-b'", "apps[0] (a) bypassPaths[1] '/a/b'"] },
    ]);
  });

  it("finds an app whose main router is another app's outpost router", () => {
    expect(nameCollisions({ apps: [app('x'), app('x-outpost')] })).toEqual([
      { kind: 'Traefik router', name: 'x-outpost', claimedBy: ['apps[0] (x)', 'apps[1] (x-outpost)'] },
    ]);
  });

  it("finds an app named 'all', whose blueprint would overwrite the whole gateway's", () => {
    expect(nameCollisions({ apps: [app('all')] })).toEqual([
      { kind: 'blueprint file', name: 'booxstream-gateway-all.yaml', claimedBy: ['apps[0] (all)', 'the whole gateway'] },
    ]);
  });

  it('finds two apps of one name in every namespace they share', () => {
    const kinds = nameCollisions({ apps: [app('a'), app('a')] }).map((c) => c.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Traefik file', 'Traefik router', 'Traefik middleware', 'Traefik service', 'Pulumi ProtectedApp', 'Pulumi DNS record']));
  });

  it('does not confuse names of different kinds', () => {
    // `x-outpost` is both a router and a service of app x: different namespaces.
    expect(nameCollisions({ apps: [app('x')] })).toEqual([]);
  });
});

describe('assertUniqueNames', () => {
  it('throws a typed error naming every collision and both claimants', () => {
    let error: unknown;
    try {
      assertUniqueNames({ apps: [app('a', { allowedGroups: ['Ops', 'ops'] }), app('all')] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NameCollisionError);
    const e = error as NameCollisionError;
    expect(e.code).toBe('GATEWAY_ERR_CONFIG_INVALID');
    expect(e.collisions).toHaveLength(3);
    expect(e.message).toContain("Pulumi policy binding 'a-binding-ops': apps[0] (a) allowedGroups[0] 'Ops' and apps[0] (a) allowedGroups[1] 'ops'");
    expect(e.message).toContain("blueprint file 'booxstream-gateway-all.yaml': apps[1] (all) and the whole gateway");
  });
});
