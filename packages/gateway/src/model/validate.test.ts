import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError } from '../errors.js';
import { loadAuthentikOpenApi } from '../authentik/openapi.js';
import { AUTHENTIK_SLUG_PATTERN } from './defaults.js';
import { EXAMPLE_GATEWAY_PATH, loadExampleGateway, loadGatewayFile, parseGatewayYaml } from './load.js';
import { renderTraefikDynamicConfig } from '../render/traefik.js';
import { fqdnProblem, originUrlProblem, validateGateway } from './validate.js';

/** The example as plain data, to derive invalid variants from. */
function example(): Record<string, any> {
  return yaml.load(readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8'), { schema: yaml.JSON_SCHEMA }) as Record<string, any>;
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    validateGateway(input);
  } catch (err) {
    if (err instanceof GatewayConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected validateGateway to throw');
}

describe('validateGateway', () => {
  it('accepts the documented example and fills every default', () => {
    const g = loadExampleGateway();
    expect(g.tunnel.credentialsFile).toBe('/etc/cloudflared/00000000-0000-4000-8000-00000000beef.json');
    expect(g.authentik.embeddedOutpostName).toBe('authentik Embedded Outpost');
    const [boox, affine] = g.apps;
    expect(boox?.bypassPaths).toEqual([
      { path: '/api/hosts/register', methods: ['POST'] },
      { path: '/api/hosts/update-ip', methods: ['POST'] },
      { path: '/android-ws', methods: ['GET'] },
      { name: 'share', pathRegexp: '^/share/[A-Za-z0-9_-]{16}(/stream)?$', paths: ['/share/app.js', '/share/app.css', '/share/app.js.map'], probePath: '/share/00000verify00000', methods: ['GET'] },
    ]);
    expect(boox?.healthCheck).toEqual({ path: '/healthz', interval: '30s', timeout: '5s' });
    expect(boox?.rateLimit).toEqual({ average: 100, period: '1m', burst: 50 });
    expect(boox?.authentik.providerName).toBe('booxstream-proxy');
    expect(affine?.bypassPaths).toEqual([]);
    expect(affine?.authentik.launchUrl).toBe('https://affine.kevinvdb.dev/');
    expect(affine?.authentik.policyEngineMode).toBe('any');
    expect(affine?.contentSecurityPolicy).toContain("frame-ancestors 'none'");
  });

  it('returns a deeply frozen gateway', () => {
    const g = loadExampleGateway();
    expect(Object.isFrozen(g)).toBe(true);
    expect(Object.isFrozen(g.apps[0]?.bypassPaths)).toBe(true);
    expect(Object.isFrozen(g.apps[0]?.authentik)).toBe(true);
  });

  it('makes adding an app one entry', () => {
    const input = example();
    input['apps'].push({
      name: 'homebox',
      hostname: 'homebox.kevinvdb.dev',
      upstream: 'http://192.168.1.203:7745',
      healthCheck: { path: '/api/v1/status' },
      allowedGroups: ['admins'],
      authentik: { name: 'Homebox', slug: 'homebox' },
    });
    expect(validateGateway(input).apps.map((a) => a.name)).toEqual(['booxstream', 'affine', 'bookstack', 'homebox']);
  });

  it('does not keep references to the input', () => {
    const input = example();
    const g = validateGateway(input);
    input['apps'][0].bypassPaths.push({ path: '/oops', methods: ['GET'] });
    input['apps'][0].bypassPaths[0].methods.push('GET');
    expect(g.apps[0]?.bypassPaths).toHaveLength(4);
    expect(g.apps[0]?.bypassPaths[0]?.methods).toEqual(['POST']);
  });

  // Each case: a mutation of the example, the field path the error must name, and a phrase of its message.
  const cases: [string, (g: Record<string, any>) => void, string, string][] = [
    ['non-object root', () => undefined, '', 'must be an object'],
    ['unknown top-level key', (g) => (g['domian'] = 'x'), 'domian', 'is not a known field'],
    ['domain not an FQDN', (g) => (g['domain'] = 'localhost'), 'domain', 'fully qualified'],
    ['uppercase domain', (g) => (g['domain'] = 'KevinVDB.dev'), 'domain', 'invalid label'],
    ['tunnel id not a UUID', (g) => (g['tunnel'].id = 'my-tunnel'), 'tunnel.id', "tunnel's UUID"],
    ['traefik url with a path', (g) => (g['traefik'].url = 'http://traefik:80/x'), 'traefik.url', 'must not have a path'],
    ['entry point with a space', (g) => (g['traefik'].entryPoint = 'we b'), 'traefik.entryPoint', 'letters, digits'],
    ['outpost url not http', (g) => (g['authentik'].outpostUrl = 'ftp://authentik_server:9000'), 'authentik.outpostUrl', 'http or https'],
    ['flow slug with a space', (g) => (g['authentik'].flows.authorization = 'my flow'), 'authentik.flows.authorization', 'flow slug'],
    ['no apps', (g) => (g['apps'] = []), 'apps', 'at least one app'],
    ['app name with uppercase', (g) => (g['apps'][0].name = 'BooxStream'), 'apps[0].name', 'lowercase'],
    ['hostname outside the domain', (g) => (g['apps'][1].hostname = 'affine.example.com'), 'apps[1].hostname', 'within the domain kevinvdb.dev'],
    ['hostname lookalike of the domain', (g) => (g['apps'][1].hostname = 'affine.evilkevinvdb.dev'), 'apps[1].hostname', 'within the domain'],
    ['hostname with a port', (g) => (g['apps'][0].hostname = 'booxstream.kevinvdb.dev:443'), 'apps[0].hostname', 'must not contain a port'],
    ['upstream without scheme', (g) => (g['apps'][0].upstream = '192.168.1.202:3001'), 'apps[0].upstream', 'absolute URL'],
    ['upstream port out of range', (g) => (g['apps'][0].upstream = 'http://192.168.1.202:70000'), 'apps[0].upstream', 'out of range'],
    ['upstream port zero', (g) => (g['apps'][0].upstream = 'http://192.168.1.202:0'), 'apps[0].upstream', 'out of range'],
    ['upstream websocket scheme', (g) => (g['apps'][0].upstream = 'ws://192.168.1.202:3001'), 'apps[0].upstream', 'http or https'],
    ['upstream with a path', (g) => (g['apps'][0].upstream = 'http://192.168.1.202:3001/app'), 'apps[0].upstream', 'must not have a path'],
    ['health path without slash', (g) => (g['apps'][0].healthCheck.path = 'healthz'), 'apps[0].healthCheck.path', "starting with '/'"],
    ['health interval not a duration', (g) => (g['apps'][0].healthCheck.interval = '30'), 'apps[0].healthCheck.interval', 'Go duration'],
    ['health interval under timeout', (g) => Object.assign(g['apps'][0].healthCheck, { interval: '2s', timeout: '5s' }), 'apps[0].healthCheck.interval', 'longer than the timeout'],
    ['bypass path without slash', (g) => (g['apps'][0].bypassPaths[1].path = 'api/hosts/update-ip'), 'apps[0].bypassPaths[1].path', "must start with '/'"],
    ['bypass path with a wildcard', (g) => (g['apps'][0].bypassPaths[0].path = '/api/hosts/*'), 'apps[0].bypassPaths[0].path', 'exact path'],
    ['bypass path with a regex', (g) => (g['apps'][0].bypassPaths[0].path = '/api/hosts/.+'), 'apps[0].bypassPaths[0].path', 'exact path'],
    ['bypass path with a backtick', (g) => (g['apps'][0].bypassPaths[0].path = '/a`)||Path(`/'), 'apps[0].bypassPaths[0].path', 'exact path'],
    ['bypass of the whole app', (g) => (g['apps'][0].bypassPaths[2].path = '/'), 'apps[0].bypassPaths[2].path', 'whole app'],
    ['bypass of the outpost path', (g) => (g['apps'][0].bypassPaths[2].path = '/outpost.goauthentik.io/callback'), 'apps[0].bypassPaths[2].path', 'outpost router'],
    ['duplicate bypass path', (g) => (g['apps'][0].bypassPaths[2].path = '/api/hosts/register'), 'apps[0].bypassPaths[2]', 'duplicates'],
    ['bypass paths that collide as router names', (g) => (g['apps'][0].bypassPaths = [{ path: '/a-b', methods: ['GET'] }, { path: '/a/b', methods: ['GET'] }]), 'apps[0].name', "duplicate Traefik router name 'booxstream-bypass-a-b'"],
    ['bypass as a bare path (every method)', (g) => (g['apps'][0].bypassPaths[0] = '/api/hosts/register'), 'apps[0].bypassPaths[0]', 'a bare path would allow every method'],
    ['bypass without methods', (g) => delete g['apps'][0].bypassPaths[0].methods, 'apps[0].bypassPaths[0].methods', 'is required'],
    ['bypass with no methods', (g) => (g['apps'][0].bypassPaths[0].methods = []), 'apps[0].bypassPaths[0].methods', 'at least one method'],
    ['bypass with an unknown method', (g) => (g['apps'][0].bypassPaths[0].methods = ['FETCH']), 'apps[0].bypassPaths[0].methods[0]', 'GET'],
    ['bypass with a duplicate method', (g) => (g['apps'][0].bypassPaths[0].methods = ['POST', 'POST']), 'apps[0].bypassPaths[0].methods[1]', 'duplicates'],
    ['bypass with both path and pathRegexp', (g) => (g['apps'][0].bypassPaths[0].pathRegexp = '^/x$'), 'apps[0].bypassPaths[0]', 'exactly one of'],
    ['bypass with neither path nor pathRegexp', (g) => delete g['apps'][0].bypassPaths[0].path, 'apps[0].bypassPaths[0]', 'exactly one of'],
    ['bypass paths without a pathRegexp', (g) => (g['apps'][0].bypassPaths[0].paths = ['/x']), 'apps[0].bypassPaths[0].paths', 'goes with `pathRegexp`'],
    ['bypass regexp not anchored at the start', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '/share/[a-z]{16}$'), 'apps[0].bypassPaths[3].pathRegexp', 'anchored'],
    ['bypass regexp not anchored at the end', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '^/share/[a-z]{16}'), 'apps[0].bypassPaths[3].pathRegexp', 'anchored'],
    ['bypass regexp ending in an escaped $', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '^/share/.*\\$'), 'apps[0].bypassPaths[3].pathRegexp', 'anchored'],
    ['bypass regexp with a top-level alternative', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '^/share/x$|^/api/hosts/.*$'), 'apps[0].bypassPaths[3].pathRegexp', 'top-level alternatives'],
    ['bypass regexp matching the identity endpoint', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '^/.*$'), 'apps[0].bypassPaths[3].pathRegexp', 'must not match /'],
    ['bypass regexp with a backtick', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '^/a`)||Path(`/x$'), 'apps[0].bypassPaths[3].pathRegexp', 'backticks'],
    ['bypass regexp that does not compile', (g) => (g['apps'][0].bypassPaths[3].pathRegexp = '^/share/(x$'), 'apps[0].bypassPaths[3].pathRegexp', 'valid regular expression'],
    ['bypass regexp without a probe path', (g) => delete g['apps'][0].bypassPaths[3].probePath, 'apps[0].bypassPaths[3].probePath', 'is required with `pathRegexp`'],
    ['bypass probe path the regexp does not match', (g) => (g['apps'][0].bypassPaths[3].probePath = '/share/short'), 'apps[0].bypassPaths[3].probePath', 'is not matched by'],
    ['bypass probe path on an exact route', (g) => (g['apps'][0].bypassPaths[0].probePath = '/x'), 'apps[0].bypassPaths[0].probePath', 'goes with `pathRegexp`'],
    ['bypass router name not a slug', (g) => (g['apps'][0].bypassPaths[3].name = 'Share Links'), 'apps[0].bypassPaths[3].name', 'single dashes'],
    ['bypass router name taken by another route', (g) => (g['apps'][0].bypassPaths[3].name = 'android-ws'), 'apps[0].name', "duplicate Traefik router name 'booxstream-bypass-android-ws'"],
    ['bypass extra path not exact', (g) => (g['apps'][0].bypassPaths[3].paths = ['/share/*']), 'apps[0].bypassPaths[3].paths[0]', 'exact path'],
    ['no allowed groups', (g) => (g['apps'][0].allowedGroups = []), 'apps[0].allowedGroups', 'at least one'],
    ['empty group name', (g) => (g['apps'][0].allowedGroups = ['']), 'apps[0].allowedGroups[0]', 'group name'],
    ['slug with a space', (g) => (g['apps'][0].authentik.slug = 'boox stream'), 'apps[0].authentik.slug', "authentik's slug pattern"],
    ['missing slug', (g) => delete g['apps'][0].authentik.slug, 'apps[0].authentik.slug', 'is required'],
    ['launch URL not absolute', (g) => (g['apps'][0].authentik.launchUrl = '/booxstream'), 'apps[0].authentik.launchUrl', 'absolute'],
    ['unknown policy engine mode', (g) => (g['apps'][0].authentik.policyEngineMode = 'some'), 'apps[0].authentik.policyEngineMode', "'any' or 'all'"],
    ['rate limit period not a duration', (g) => (g['apps'][0].rateLimit = { period: 'minute' }), 'apps[0].rateLimit.period', 'Go duration'],
    ['rate limit average zero', (g) => (g['apps'][0].rateLimit = { average: 0 }), 'apps[0].rateLimit.average', 'between 1'],
    ['CSP over two lines', (g) => (g['apps'][0].contentSecurityPolicy = "default-src 'self';\nscript-src 'self'"), 'apps[0].contentSecurityPolicy', 'single line'],
    ['unknown app key', (g) => (g['apps'][1].bypass = ['/x']), 'apps[1].bypass', 'is not a known field'],
    ['duplicate hostname', (g) => (g['apps'][1].hostname = 'booxstream.kevinvdb.dev'), 'apps[1].hostname', "duplicate hostname 'booxstream.kevinvdb.dev' (also at apps[0].hostname)"],
    ['duplicate app name', (g) => (g['apps'][1].name = 'booxstream'), 'apps[1].name', "duplicate app name 'booxstream'"],
    ['duplicate slug', (g) => (g['apps'][1].authentik.slug = 'booxstream'), 'apps[1].authentik.slug', 'duplicate authentik slug'],
    ['router name clash across apps', (g) => (g['apps'][1].name = 'booxstream-outpost'), 'apps[1].name', "duplicate Traefik router name 'booxstream-outpost'"],
    ['tunnel route duplicating an app host', (g) => (g['tunnelRoutes'][0].hostname = 'affine.kevinvdb.dev'), 'tunnelRoutes[0].hostname', 'duplicate hostname'],
    ['tunnel route with a port', (g) => (g['tunnelRoutes'][0].hostname = 'auth.kevinvdb.dev:443'), 'tunnelRoutes[0].hostname', 'Hostname cannot contain a port'],
    ['tunnel route with an inner wildcard', (g) => (g['tunnelRoutes'][0].hostname = 'a.*.kevinvdb.dev'), 'tunnelRoutes[0].hostname', 'leading wildcard'],
    ['tunnel route service with a path', (g) => (g['tunnelRoutes'][0].service = 'http://traefik:80/auth'), 'tunnelRoutes[0].service', 'must not have a path'],
    ['tunnel route bad status', (g) => (g['tunnelRoutes'][0].service = 'http_status:42'), 'tunnelRoutes[0].service', 'invalid HTTP status code: 42'],
    // A section is either left out (defaults) or declared whole: never quietly defaulted.
    ['no allowedGroups key at all', (g) => delete g['apps'][1].allowedGroups, 'apps[1].allowedGroups', 'every authentik user gets in'],
    ['allowedGroups null', (g) => (g['apps'][1].allowedGroups = null), 'apps[1].allowedGroups', 'must be a list, got null'],
    ['duplicate group', (g) => (g['apps'][1].allowedGroups = ['admins', 'admins']), 'apps[1].allowedGroups[1]', 'duplicates "admins"'],
    ['flows left empty (null)', (g) => (g['authentik'].flows = null), 'authentik.flows', 'must be an object, got null'],
    ['flows declared in part', (g) => delete g['authentik'].flows.invalidation, 'authentik.flows.invalidation', 'is required'],
    ['traefik section left empty (null)', (g) => (g['traefik'] = null), 'traefik', 'must be an object, got null'],
    ['configDir left empty (null)', (g) => (g['traefik'].configDir = null), 'traefik.configDir', 'must be a string, got null'],
    ['configDir relative', (g) => (g['traefik'].configDir = 'opt/traefik'), 'traefik.configDir', 'absolute path'],
    ['configDir climbing out', (g) => (g['traefik'].configDir = '/opt/../etc'), 'traefik.configDir', "'..'"],
    ['configDir with a space', (g) => (g['traefik'].configDir = '/opt/traefik config'), 'traefik.configDir', 'letters, digits'],
    ['credentialsFile relative', (g) => (g['tunnel'].credentialsFile = 'creds.json'), 'tunnel.credentialsFile', 'absolute path'],
    ['rate limit declared empty', (g) => (g['apps'][0].rateLimit = {}), 'apps[0].rateLimit.average', 'is required'],
    ['rate limit declared in part', (g) => (g['apps'][0].rateLimit = { average: 10, period: '1m' }), 'apps[0].rateLimit.burst', 'is required'],
    ['rate limit left empty (null)', (g) => (g['apps'][0].rateLimit = null), 'apps[0].rateLimit', 'must be an object, got null'],
    ['rate limit burst not an integer', (g) => (g['apps'][0].rateLimit = { average: 10, period: '1m', burst: 1.5 }), 'apps[0].rateLimit.burst', 'integer between 1 and 1000000, got 1.5'],
    ['missing health check', (g) => delete g['apps'][1].healthCheck, 'apps[1].healthCheck', 'is required'],
    ['health timeout zero', (g) => (g['apps'][0].healthCheck.timeout = '0s'), 'apps[0].healthCheck.timeout', 'positive Go duration'],
    // Names that end up in Traefik router names and file names match their whole pattern.
    ['app name with a trailing newline', (g) => (g['apps'][0].name = 'booxstream\n'), 'apps[0].name', 'lowercase'],
    ['app name with a path', (g) => (g['apps'][0].name = 'a/../b'), 'apps[0].name', 'lowercase'],
    ['app name with a leading hyphen', (g) => (g['apps'][0].name = '-boox'), 'apps[0].name', 'lowercase'],
    ['app name of 41 characters', (g) => (g['apps'][0].name = 'a'.repeat(41)), 'apps[0].name', '1-40'],
    ['entry point with a newline', (g) => (g['traefik'].entryPoint = 'web\nx'), 'traefik.entryPoint', 'letters, digits'],
    ['slug with a trailing newline', (g) => (g['apps'][0].authentik.slug = 'booxstream\n'), 'apps[0].authentik.slug', "authentik's slug pattern"],
    ['flow slug with a prefix', (g) => (g['authentik'].flows.invalidation = 'x y-flow'), 'authentik.flows.invalidation', 'flow slug'],
    ['tunnel id with a suffix', (g) => (g['tunnel'].id = '00000000-0000-4000-8000-00000000beef-x'), 'tunnel.id', "tunnel's UUID"],
    ['duplicate provider name', (g) => (g['apps'][1].authentik.providerName = 'booxstream-proxy'), 'apps[1].authentik.providerName', 'duplicate authentik provider name'],
    ['duplicate tunnel route', (g) => g['tunnelRoutes'].push({ hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80' }), 'tunnelRoutes[2].hostname', 'duplicate hostname'],
    ['tunnel route with no service', (g) => delete g['tunnelRoutes'][0].service, 'tunnelRoutes[0].service', 'is required'],
    ['tunnel route unknown origin setting', (g) => (g['tunnelRoutes'][0].originRequest = { noTLSVerify: true }), 'tunnelRoutes[0].originRequest.noTLSVerify', 'is not a known field'],
    ['tunnel route timeout too long', (g) => (g['tunnelRoutes'][0].originRequest = { connectTimeout: 3601 }), 'tunnelRoutes[0].originRequest.connectTimeout', 'between 1 and 3600'],
    ['tunnel route noTlsVerify not boolean', (g) => (g['tunnelRoutes'][0].originRequest = { noTlsVerify: 'yes' }), 'tunnelRoutes[0].originRequest.noTlsVerify', 'true or false'],
    ['empty display name', (g) => (g['apps'][0].authentik.name = ' '), 'apps[0].authentik.name', 'must not be empty'],
    ['external URL with a query', (g) => (g['authentik'].externalUrl = 'https://auth.kevinvdb.dev/?x=1'), 'authentik.externalUrl', 'query'],
    ['tunnel route bad path regex', (g) => (g['tunnelRoutes'][0].path = '(unclosed'), 'tunnelRoutes[0].path', 'regular expression'],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, mutate, path, phrase) => {
    const input = example();
    const target = _name === 'non-object root' ? ['not', 'an', 'object'] : input;
    if (target === input) mutate(input);
    const issues = issuesOf(target);
    const issue = issues.find((i) => i.path === path);
    expect(issue, `issues were ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue?.message).toContain(phrase);
  });

  it('suggests the nearest known key for an unknown one, at every level', () => {
    const input = example();
    input['domian'] = 'x';
    input['apps'][0].alowedGroups = ['admins'];
    input['apps'][0].authentik.lauchUrl = 'https://x.kevinvdb.dev/';
    input['traefik'].zzz = 1;
    const issues = issuesOf(input);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'domian', message: expect.stringContaining('is not a known field (known: domain, tunnel'), suggestion: 'domain' },
        { path: 'apps[0].alowedGroups', message: expect.stringContaining('allowedGroups'), suggestion: 'allowedGroups' },
        { path: 'apps[0].authentik.lauchUrl', message: expect.stringContaining('launchUrl'), suggestion: 'launchUrl' },
        { path: 'traefik.zzz', message: 'is not a known field (known: url, entryPoint, configDir)' },
      ]),
    );
    expect(() => validateGateway(input)).toThrow(/  - domian: is not a known field \(known: [^)]*\); did you mean domain\?/);
  });

  it('drops a trailing slash from URLs, so the forward-auth address has no //', () => {
    const input = example();
    input['authentik'].outpostUrl = 'http://authentik_server:9000/';
    input['authentik'].externalUrl = 'https://auth.kevinvdb.dev/';
    input['traefik'].url = 'http://traefik:80/';
    input['traefik'].configDir = '/opt/traefik/config/';
    input['apps'][0].upstream = 'http://192.168.1.202:3001/';
    input['tunnelRoutes'][0].service = 'http://traefik:80/';
    const g = validateGateway(input);
    expect(g.authentik.outpostUrl).toBe('http://authentik_server:9000');
    expect(g.authentik.externalUrl).toBe('https://auth.kevinvdb.dev');
    expect(g.traefik).toMatchObject({ url: 'http://traefik:80', configDir: '/opt/traefik/config' });
    expect(g.apps[0]?.upstream).toBe('http://192.168.1.202:3001');
    expect(g.tunnelRoutes[0]?.service).toBe('http://traefik:80');
    const rendered = JSON.stringify(renderTraefikDynamicConfig(g, g.apps[0]!).document);
    expect(rendered).toContain('"http://authentik_server:9000/outpost.goauthentik.io/auth/traefik"');
    expect(rendered).not.toMatch(/[^:]\/\/outpost/);
    expect(issuesOf({ ...example(), traefik: { url: 'http://traefik:80//' } })).toEqual([{ path: 'traefik.url', message: expect.stringContaining("must not have a path ('//')") }]);
  });

  it('keeps what is declared and fills only what is left out', () => {
    const input = example();
    input['traefik'].configDir = '/srv/traefik/dynamic';
    input['authentik'].flows = { authorization: 'my-consent', invalidation: 'my-logout', authentication: 'my-login' };
    input['apps'][0].rateLimit = { average: 7, period: '10s', burst: 3 };
    input['tunnel'].id = '00000000-0000-4000-8000-00000000BEEF';
    input['tunnelRoutes'][0].originRequest = { connectTimeout: 30, noTlsVerify: false };
    input['tunnelRoutes'][1].service = 'http_status:404';
    const g = validateGateway(input);
    expect(g.traefik.configDir).toBe('/srv/traefik/dynamic');
    expect(g.authentik.flows).toEqual({ authorization: 'my-consent', invalidation: 'my-logout', authentication: 'my-login' });
    expect(g.apps[0]?.rateLimit).toEqual({ average: 7, period: '10s', burst: 3 });
    expect(g.apps[1]?.rateLimit).toEqual({ average: 100, period: '1m', burst: 50 });
    expect(g.tunnel).toEqual({ id: '00000000-0000-4000-8000-00000000beef', credentialsFile: '/etc/cloudflared/00000000-0000-4000-8000-00000000beef.json' });
    expect(g.tunnelRoutes[0]?.originRequest).toEqual({ connectTimeout: 30, noTlsVerify: false });
    expect(g.tunnelRoutes[1]?.service).toBe('http_status:404');
    delete input['traefik'].configDir;
    delete input['authentik'].flows;
    delete input['traefik'].entryPoint;
    const d = validateGateway(input);
    expect(d.traefik).toEqual({ url: 'http://traefik:80', entryPoint: 'web', configDir: '/opt/traefik/config' });
    expect(d.authentik.flows).toEqual({ authorization: 'default-provider-authorization-implicit-consent', invalidation: 'default-provider-invalidation-flow' });
    // Defaults are copies: one gateway's frozen defaults are not another's.
    expect(d.apps[1]?.rateLimit).not.toBe(validateGateway(example()).apps[1]?.rateLimit);
  });

  it('reports a hostname outside the domain together with field problems', () => {
    const input = example();
    input['apps'][0].hostname = 'booxstream.example.com';
    input['apps'][1].upstream = 'ftp://x';
    expect(issuesOf(input).map((i) => i.path)).toEqual(['apps[1].upstream', 'apps[0].hostname']);
  });

  it('reports every problem at once, each with its path', () => {
    const input = example();
    input['domain'] = 'nope';
    input['apps'][0].bypassPaths[0].path = 'relative';
    input['apps'][1].upstream = 'http://x:99999';
    const err = (() => {
      try {
        validateGateway(input);
      } catch (e) {
        return e as GatewayConfigError;
      }
      throw new Error('did not throw');
    })();
    expect(err.code).toBe('GATEWAY_ERR_CONFIG_INVALID');
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['domain', 'apps[0].bypassPaths[0].path', 'apps[1].upstream']));
    expect(err.message).toContain('apps[0].bypassPaths[0].path: ');
  });

  it('reports a YAML syntax error as a config error on the file, naming it; other errors pass through', () => {
    const broken = new URL('./fixtures/broken.gateway.yaml', import.meta.url).pathname;
    let err: unknown;
    try {
      loadGatewayFile(broken);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayConfigError);
    expect((err as GatewayConfigError).issues).toEqual([{ path: '(file)', message: expect.stringContaining('broken.gateway.yaml') }]);
    expect(() => loadGatewayFile('/nonexistent/gateway.yaml')).toThrow(/ENOENT/);
    expect(() => loadGatewayFile('/nonexistent/gateway.yaml')).not.toThrow(GatewayConfigError);
  });

  it('reads YAML as JSON would: a date-like value stays text', () => {
    const text = readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8').replace("description: Notes and whiteboards", 'description: 2026-01-01');
    expect(validateGateway(parseGatewayYaml(text, 'x.yaml')).apps[1]?.authentik.description).toBe('2026-01-01');
  });

  it('words group, duplicate and timing problems exactly', () => {
    const input = example();
    // (A list's duplicates are looked for once its entries are valid.)
    input['apps'][0].allowedGroups = [3, ' ', 'admins', 'admins'];
    input['apps'][0].bypassPaths = [
      { path: '/a', methods: ['GET'] },
      { path: '/a', methods: ['POST'] },
    ];
    input['apps'][1].healthCheck = { path: '/', interval: '5s', timeout: '5s' };
    expect(issuesOf(input)).toEqual([
      { path: 'apps[0].bypassPaths[1]', message: 'duplicates "/a"' },
      { path: 'apps[0].allowedGroups[0]', message: 'must be a group name, got 3' },
      { path: 'apps[0].allowedGroups[1]', message: 'must be a group name, got " "' },
      { path: 'apps[1].healthCheck.interval', message: 'must be longer than the timeout (5s)' },
    ]);
    const paths = example();
    paths['apps'][0].upstream = 'http://x:0';
    expect(issuesOf(paths)).toEqual([{ path: 'apps[0].upstream', message: "has a port out of range 1-65535 ('0')" }]);
  });

  it('allows empty icon, description and publisher, the domain apex as a hostname, and one hostname on two paths', () => {
    const input = example();
    Object.assign(input['apps'][1].authentik, { icon: '', description: '', publisher: '' });
    input['apps'][1].hostname = 'kevinvdb.dev';
    input['tunnelRoutes'] = [
      { hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80', path: '^/a' },
      { hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80', path: '^/b' },
      { hostname: 'auth.kevinvdb.dev', service: 'http_status:404' },
    ];
    const g = validateGateway(input);
    expect(g.apps[1]?.authentik).toMatchObject({ icon: '', description: '', publisher: '' });
    expect(g.apps[1]?.hostname).toBe('kevinvdb.dev');
    expect(g.tunnelRoutes).toHaveLength(3);
    delete input['tunnelRoutes'];
    expect(validateGateway(input).tunnelRoutes).toEqual([]);
    input['tunnelRoutes'] = [{ hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80', path: '^/a' }, { hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80', path: '^/a' }];
    expect(issuesOf(input)).toEqual([{ path: 'tunnelRoutes[1].hostname', message: "duplicate hostname 'auth.kevinvdb.dev path ^/a' (also at tunnelRoutes[0].hostname)" }]);
  });

  it('reports hostnames outside the domain even when the rest is broken, and never on broken shapes', () => {
    expect(issuesOf({ domain: 'kevinvdb.dev', apps: [{ hostname: 'x.other.dev' }, null, { hostname: 'Bad' }] })).toEqual(
      expect.arrayContaining([{ path: 'apps[0].hostname', message: 'must be within the domain kevinvdb.dev' }]),
    );
    const only = (input: unknown) => issuesOf(input).filter((i) => i.message.startsWith('must be within'));
    expect(only({ domain: 'kevinvdb.dev', apps: [{ hostname: 'a.kevinvdb.dev' }, null, { hostname: 'Bad' }, 'x'] })).toEqual([]);
    expect(only({ domain: 'Bad', apps: [{ hostname: 'x.other.dev' }] })).toEqual([]);
    expect(only({ domain: 'kevinvdb.dev', apps: { 0: { hostname: 'x.other.dev' } } })).toEqual([]);
    expect(only(['x'])).toEqual([]);
    expect(only(null)).toEqual([]);
  });
});

describe('helpers', () => {
  it('fqdnProblem accepts FQDNs and leading wildcards only where allowed', () => {
    expect(fqdnProblem('booxstream.kevinvdb.dev')).toBeUndefined();
    expect(fqdnProblem('*.kevinvdb.dev')).toBeDefined();
    expect(fqdnProblem('*.kevinvdb.dev', true)).toBeUndefined();
    expect(fqdnProblem('192.168.1.202')).toContain('IP address');
    expect(fqdnProblem('-a.kevinvdb.dev')).toContain('invalid label');
  });

  it('originUrlProblem accepts origins and rejects paths, credentials and bad ports', () => {
    expect(originUrlProblem('http://192.168.1.202:3001')).toBeUndefined();
    expect(originUrlProblem('https://auth.kevinvdb.dev/')).toBeUndefined();
    expect(originUrlProblem('http://[fd00::2]:8080')).toBeUndefined();
    expect(originUrlProblem('http://u:p@host:80')).toContain('credentials');
    expect(originUrlProblem('http://host:')).toContain('out of range');
    expect(originUrlProblem('http://host:80?x=1')).toContain('query');
  });

  it("keeps the slug pattern equal to authentik's own", () => {
    const problems = loadAuthentikOpenApi().validateComponent('ApplicationRequest', { name: 'x', slug: 'a b' });
    expect(problems.join()).toContain(AUTHENTIK_SLUG_PATTERN.source);
  });
});
