import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadExampleGateway } from '../model/load.js';
import { validateGateway } from '../model/validate.js';
import type { Gateway } from '../model/types.js';
import {
  AUTHENTIK_RESPONSE_HEADERS,
  CLIENT_IP_HEADER,
  DENY_SERVICE,
  renderTraefikDynamicConfig,
  type TraefikDynamicConfig,
  type TraefikMiddleware,
  type TraefikRouter,
} from './traefik.js';

// Traefik's own contract, vendored with its source and digest (vendor/schemastore/SOURCE.md).
const SCHEMA_URL = new URL('../../../../vendor/schemastore/traefik-v3-file-provider.json', import.meta.url);

const gateway = loadExampleGateway();
const rendered = gateway.apps.map((app) => renderTraefikDynamicConfig(gateway, app));
const booxstream = rendered[0]!;

describe('renderTraefikDynamicConfig: vendor schema', () => {
  // SchemaStore's schema is draft-07, ajv's default dialect.
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);

  it.each(rendered.map((r) => [r.fileName, r] as const))('%s validates against the Traefik v3 file-provider schema', (_name, file) => {
    const parsed = yaml.load(file.yaml);
    const ok = validate(parsed);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema is strict enough to catch a misspelt router field', () => {
    const broken = structuredClone(booxstream.document) as unknown as { http: { routers: Record<string, Record<string, unknown>> } };
    broken.http.routers['booxstream']!['entrypoints'] = ['web'];
    expect(validate(broken)).toBe(false);
  });

  it('the YAML parses back to the document', () => {
    expect(yaml.load(booxstream.yaml)).toEqual(booxstream.document);
  });
});

/**
 * A small model of Traefik's request routing for the matchers the renderer uses: the router
 * with the highest priority among those whose rule matches wins; its middlewares run in order.
 */
interface Request {
  host: string;
  path: string;
  /** [GET] */
  method?: string;
  entryPoint?: string;
  headers?: Record<string, string>;
}

interface Outcome {
  router: string;
  service: string;
  forwardAuth: boolean;
  /** Request headers as the service receives them (lowercased names), assuming forward auth let it through with `authHeaders`. */
  headersAtService: Record<string, string>;
}

/** Splits at `sep` outside parentheses (and outside backtick-quoted values). */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '`') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function ruleMatches(rule: string, req: Request): boolean {
  return splitTop(rule, ' && ').every((part) => {
    if (part.startsWith('(') && part.endsWith(')')) return splitTop(part.slice(1, -1), ' || ').some((alt) => ruleMatches(alt, req));
    const m = /^(Host|Path|PathPrefix|PathRegexp|Method)\(`([^`]*)`\)$/.exec(part);
    if (!m) throw new Error(`matcher not modelled: ${part}`);
    const [, matcher, value = ''] = m;
    switch (matcher) {
      case 'Host':
        return req.host.toLowerCase() === value.toLowerCase();
      case 'Method':
        return (req.method ?? 'GET') === value;
      case 'Path':
        return req.path === value;
      case 'PathPrefix':
        return req.path.startsWith(value);
      case 'PathRegexp': {
        // Go's inline (?i) flag is JavaScript's `i`; the rest of the pattern reads the same.
        const insensitive = value.startsWith('(?i)');
        return new RegExp(insensitive ? value.slice(4) : value, insensitive ? 'i' : '').test(req.path);
      }
      default:
        throw new Error(`matcher not modelled: ${matcher}`);
    }
  });
}

function merged(docs: TraefikDynamicConfig[]): TraefikDynamicConfig {
  const out: TraefikDynamicConfig = { http: { routers: {}, middlewares: {}, services: {} } };
  for (const d of docs) {
    Object.assign(out.http.routers, d.http.routers);
    Object.assign(out.http.middlewares, d.http.middlewares);
    Object.assign(out.http.services, d.http.services);
  }
  return out;
}

function route(doc: TraefikDynamicConfig, req: Request, authHeaders: Record<string, string> = {}): Outcome | null {
  const candidates = Object.entries(doc.http.routers)
    .filter(([, r]) => r.entryPoints.includes(req.entryPoint ?? 'web') && ruleMatches(r.rule, req))
    .sort(([, a], [, b]) => b.priority - a.priority);
  const top = candidates[0];
  if (!top) return null;
  if (candidates[1] && candidates[1][1].priority === top[1].priority) throw new Error(`ambiguous priority between ${top[0]} and ${candidates[1][0]}`);
  const [name, router] = top;
  const headers = new Map(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let forwardAuth = false;
  for (const ref of router.middlewares) {
    const mw = doc.http.middlewares[ref.replace(/@file$/, '')];
    if (!mw) throw new Error(`router ${name} references missing middleware ${ref}`);
    if ('headers' in mw) {
      for (const [k, v] of Object.entries(mw.headers.customRequestHeaders ?? {})) {
        if (v === '') headers.delete(k.toLowerCase());
        else headers.set(k.toLowerCase(), v);
      }
    } else if ('forwardAuth' in mw) {
      forwardAuth = true;
      for (const h of mw.forwardAuth.authResponseHeaders) {
        headers.delete(h.toLowerCase());
        const value = authHeaders[h];
        if (value !== undefined) headers.set(h.toLowerCase(), value);
      }
    }
  }
  const service = router.service.replace(/@file$/, '');
  if (router.service === DENY_SERVICE) return { router: name, service, forwardAuth, headersAtService: Object.fromEntries(headers) };
  if (!doc.http.services[service]) throw new Error(`router ${name} references missing service ${router.service}`);
  return { router: name, service, forwardAuth, headersAtService: Object.fromEntries(headers) };
}

const FORGED = {
  'X-authentik-username': 'admin',
  'X-Authentik-Groups': 'admins',
  X_authentik_username: 'admin',
  'x-authentik-email': 'admin@example.com',
};

describe('renderTraefikDynamicConfig: routing', () => {
  const doc = merged(rendered.map((r) => r.document));
  const host = 'booxstream.kevinvdb.dev';

  it('sends the app through forward auth, with identity headers only from authentik', () => {
    const out = route(doc, { host, path: '/', headers: FORGED }, { 'X-authentik-username': 'kvdb', 'X-authentik-groups': 'admins' });
    expect(out).toMatchObject({ router: 'booxstream', service: 'booxstream-backend', forwardAuth: true });
    expect(out?.headersAtService).toEqual({ 'x-forwarded-proto': 'https', 'x-authentik-username': 'kvdb', 'x-authentik-groups': 'admins' });
  });

  it.each([
    ['POST', '/api/hosts/register'],
    ['POST', '/api/hosts/update-ip'],
    ['GET', '/android-ws'],
    ['GET', '/share/AbCdEfGhIjKlMn_-'],
    ['GET', '/share/AbCdEfGhIjKlMn_-/stream'],
    ['GET', '/share/app.js'],
    ['GET', '/share/app.css'],
    ['GET', '/share/app.js.map'],
  ])('lets a signed-out %s %s through without sign-on and with forged identity removed', (method, path) => {
    const out = route(doc, { host, path, method, headers: FORGED });
    expect(out).toMatchObject({ service: 'booxstream-backend', forwardAuth: false });
    expect(out?.router).toMatch(/^booxstream-bypass-/);
    expect(Object.keys(out?.headersAtService ?? {}).filter((h) => h.includes('authentik'))).toEqual([]);
  });

  it.each([
    ['GET', '/api/hosts/register'],
    ['PUT', '/api/hosts/update-ip'],
    ['POST', '/android-ws'],
    ['POST', '/share/AbCdEfGhIjKlMn_-'],
    ['DELETE', '/share/AbCdEfGhIjKlMn_-'],
    ['HEAD', '/share/app.js'],
  ])('keeps sign-on on %s %s (a bypass route allows only its methods)', (method, path) => {
    expect(route(doc, { host, path, method })).toMatchObject({ router: 'booxstream', forwardAuth: true });
  });

  it.each([
    '/api/hosts/register/',
    '/api/hosts/register/../../admin',
    '/api/hosts',
    '/api/hosts/list',
    '/android-ws2',
    '/ANDROID-WS',
    '/share/AbCdEfGhIjKlMn_',
    '/share/AbCdEfGhIjKlMn_-x',
    '/share/AbCdEfGhIjKlMn_-/stream/x',
    '/share/AbCdEfGhIjKlMn_-/../../api/me',
    '/share/../api/hosts/AbCdEfGhIjKlMn',
    '/share/',
    '/share/app.jsx',
  ])('keeps sign-on on GET %s (bypass paths are exact or anchored)', (path) => {
    expect(route(doc, { host, path })).toMatchObject({ router: 'booxstream', forwardAuth: true });
    expect(route(doc, { host, path, method: 'POST' })).toMatchObject({ router: 'booxstream', forwardAuth: true });
  });

  it("routes authentik's outpost paths on the app host to the outpost without forward auth", () => {
    expect(route(doc, { host, path: '/outpost.goauthentik.io/callback' })).toMatchObject({
      router: 'booxstream-outpost',
      service: 'booxstream-outpost',
      forwardAuth: false,
    });
  });

  it('gives AFFiNE the same signed-in flow and no bypass', () => {
    expect(route(doc, { host: 'affine.kevinvdb.dev', path: '/api/hosts/register' })).toMatchObject({ router: 'affine', forwardAuth: true });
  });

  it.each([
    ['booxstream.kevinvdb.dev', '/metrics'],
    ['booxstream.kevinvdb.dev', '/METRICS'],
    ['booxstream.kevinvdb.dev', '/metrics/'],
    ['booxstream.kevinvdb.dev', '/Metrics/x'],
    ['affine.kevinvdb.dev', '/metrics'],
  ])('never sends %s%s to a backend through the tunnel, signed in or not', (h, path) => {
    const out = route(doc, { host: h, path, headers: FORGED }, { 'X-authentik-username': 'kvdb' });
    expect(out).toMatchObject({ service: DENY_SERVICE, forwardAuth: false });
  });

  it('still routes paths that only start like /metrics to the app', () => {
    expect(route(doc, { host, path: '/metricsfoo' })).toMatchObject({ router: 'booxstream', forwardAuth: true });
  });

  it('serves nothing on other hosts or entry points', () => {
    expect(route(doc, { host: 'auth.kevinvdb.dev', path: '/' })).toBeNull();
    expect(route(doc, { host, path: '/', entryPoint: 'websecure' })).toBeNull();
  });
});

describe('renderTraefikDynamicConfig: structure', () => {
  const http = booxstream.document.http;
  const routers = Object.entries(http.routers);
  const middleware = (ref: string): TraefikMiddleware => http.middlewares[ref.replace(/@file$/, '')]!;
  const byKind = (r: TraefikRouter) => r.middlewares.map((m) => Object.keys(middleware(m))[0]);

  it('ranks every bypass router above the outpost router, and that above the main router', () => {
    const main = http.routers['booxstream']!;
    const outpost = http.routers['booxstream-outpost']!;
    const bypass = routers.filter(([n]) => n.startsWith('booxstream-bypass-')).map(([, r]) => r);
    expect(bypass).toHaveLength(4);
    for (const r of bypass) expect(r.priority).toBeGreaterThan(outpost.priority);
    expect(outpost.priority).toBeGreaterThan(main.priority);
    // Explicit numbers: 0 would fall back to rule length.
    for (const [, r] of routers) expect(r.priority).toBeGreaterThan(0);
  });

  it('blanks every documented identity header, and its underscore spelling, on every route to the backend', () => {
    for (const [name, r] of routers) {
      if (r.service !== 'booxstream-backend@file') continue;
      const blanked = r.middlewares
        .map(middleware)
        .flatMap((m) => ('headers' in m ? Object.entries(m.headers.customRequestHeaders ?? {}) : []))
        .filter(([, v]) => v === '')
        .map(([k]) => k);
      for (const h of AUTHENTIK_RESPONSE_HEADERS) expect(blanked, `${name} blanks ${h}`).toContain(h);
      for (const h of AUTHENTIK_RESPONSE_HEADERS) expect(blanked, `${name} blanks ${h} (underscore)`).toContain(h.replace(/-/g, '_'));
    }
  });

  it('puts forward auth last on the main router, after the identity headers are blanked', () => {
    // The CrowdSec bouncer (a plugin) comes first when the model declares ids: (crowdsec-bouncer.test.ts).
    expect(byKind(http.routers['booxstream']!)).toEqual(['plugin', 'headers', 'headers', 'forwardAuth']);
    expect(http.routers['booxstream']!.middlewares.at(-1)).toBe('booxstream-forward-auth@file');
  });

  it("configures forward auth as authentik's Traefik guide does", () => {
    const fa = middleware('booxstream-forward-auth');
    expect(fa).toEqual({
      forwardAuth: {
        address: 'http://authentik_server:9000/outpost.goauthentik.io/auth/traefik',
        trustForwardHeader: true,
        authResponseHeaders: [...AUTHENTIK_RESPONSE_HEADERS],
        maxResponseBodySize: 4194304,
      },
    });
    expect(AUTHENTIK_RESPONSE_HEADERS).toHaveLength(12);
  });

  it('rate-limits bypass routes per real client address behind Cloudflare', () => {
    const rl = middleware('booxstream-bypass-ratelimit');
    expect(rl).toEqual({ rateLimit: { average: 100, period: '1m', burst: 50, sourceCriterion: { requestHeaderName: CLIENT_IP_HEADER } } });
    for (const [name, r] of routers.filter(([n]) => n.startsWith('booxstream-bypass-'))) {
      expect(r.middlewares[1], name).toBe('booxstream-bypass-ratelimit@file');
    }
  });

  it('forces HSTS behind the tunnel and sets the app CSP', () => {
    const h = middleware('booxstream-security-headers');
    expect(h).toMatchObject({
      headers: {
        stsSeconds: 31536000,
        forceSTSHeader: true,
        frameDeny: true,
        contentTypeNosniff: true,
        referrerPolicy: 'strict-origin-when-cross-origin',
        contentSecurityPolicy: expect.stringContaining('connect-src'),
      },
    });
    for (const [name, r] of routers) expect(r.middlewares, name).toContain('booxstream-security-headers@file');
  });

  it('attaches every router to the entry point and health-checks the backend', () => {
    for (const [, r] of routers) expect(r.entryPoints).toEqual(['web']);
    expect(http.services['booxstream-backend']?.loadBalancer).toEqual({
      servers: [{ url: 'http://192.168.1.202:3001' }],
      passHostHeader: true,
      healthCheck: { path: '/healthz', interval: '30s', timeout: '5s' },
    });
  });

  it('prefixes every name with the app, so names are unique across apps', () => {
    const seen = new Map<string, string>();
    for (const r of rendered) {
      const app = r.fileName.replace(/\.yml$/, '');
      for (const section of ['routers', 'middlewares', 'services'] as const) {
        for (const name of Object.keys(r.document.http[section])) {
          expect(name.startsWith(`${app}-`) || name === app, `${section} ${name}`).toBe(true);
          const key = `${section}/${name}`;
          expect(seen.has(key), `${key} in ${r.fileName} and ${seen.get(key)}`).toBe(false);
          seen.set(key, r.fileName);
        }
      }
    }
  });

  it('references only names declared in the same file, qualified with @file', () => {
    for (const r of rendered) {
      for (const [name, router] of Object.entries(r.document.http.routers)) {
        for (const ref of [...router.middlewares, ...(router.service === DENY_SERVICE ? [] : [router.service])]) {
          expect(ref, name).toMatch(/@file$/);
        }
        for (const m of router.middlewares) expect(r.document.http.middlewares, name).toHaveProperty([m.replace(/@file$/, '')]);
        if (router.service !== DENY_SERVICE) expect(r.document.http.services, name).toHaveProperty([router.service.replace(/@file$/, '')]);
      }
    }
  });

  it('omits the rate limit for an app without bypass paths', () => {
    const affine = rendered[1]!.document.http;
    expect(Object.keys(affine.middlewares)).not.toContain('affine-bypass-ratelimit');
    expect(Object.keys(affine.routers)).toEqual(['affine', 'affine-outpost', 'affine-deny-metrics']);
  });

  it('places the file in the watched directory', () => {
    expect(booxstream.fileName).toBe('booxstream.yml');
    expect(booxstream.remotePath).toBe('/opt/traefik/config/booxstream.yml');
  });

  it('matches the snapshots', async () => {
    for (const r of rendered) await expect(r.yaml).toMatchFileSnapshot(`./__snapshots__/traefik/${r.fileName}`);
  });
});

describe('renderTraefikDynamicConfig: model changes', () => {
  it('follows the entry point and outpost address of the model', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    input['traefik'].entryPoint = 'tunnel';
    input['authentik'].outpostUrl = 'http://authentik-server:9000';
    const g: Gateway = validateGateway(input);
    const doc = renderTraefikDynamicConfig(g, g.apps[0]!).document.http;
    expect(Object.values(doc.routers).every((r) => r.entryPoints[0] === 'tunnel')).toBe(true);
    expect(doc.middlewares['booxstream-forward-auth']).toMatchObject({ forwardAuth: { address: 'http://authentik-server:9000/outpost.goauthentik.io/auth/traefik' } });
    expect(doc.services['booxstream-outpost']?.loadBalancer.servers).toEqual([{ url: 'http://authentik-server:9000' }]);
  });
});
