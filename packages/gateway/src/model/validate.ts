/**
 * `validateGateway(input)`: the one gate between a declaration and the renderers. It collects
 * every problem (with its field path) before throwing, fills defaults from `defaults.ts`, and
 * returns a deeply frozen `Gateway`.
 */
import { type ConfigIssue, GatewayConfigError } from '../errors.js';
import { AUTHENTIK_SLUG_PATTERN, DEFAULTS } from './defaults.js';
import type { Gateway, HealthCheck, PolicyEngineMode, ProtectedApp, RateLimit, TunnelOriginRequest, TunnelRoute } from './types.js';
import { OUTPOST_PATH_PREFIX, routerNames } from './names.js';
import { validateDeploy } from './validate-deploy.js';
import { checkIds } from './ids.js';
import { checkMfa } from './mfa.js';

type Obj = Record<string, unknown>;

/** Collects issues with their paths; each check returns the value or undefined. */
class Checker {
  readonly issues: ConfigIssue[] = [];

  add(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  object(value: unknown, path: string, allowed: readonly string[]): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.add(path, `must be an object, got ${describe(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(join(path, key), `is not a known field (known: ${allowed.join(', ')})`);
    }
    return value as Obj;
  }

  string(obj: Obj, key: string, path: string, opts: { optional?: boolean; allowEmpty?: boolean } = {}): string | undefined {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) return opts.optional ? undefined : this.add(at, 'is required');
    if (typeof value !== 'string') return this.add(at, `must be a string, got ${describe(value)}`);
    if (!opts.allowEmpty && value.trim() === '') return this.add(at, 'must not be empty');
    if (/[\r\n]/.test(value)) return this.add(at, 'must be a single line');
    return value;
  }

  integer(obj: Obj, key: string, path: string, min: number, max: number, optional = false): number | undefined {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) return optional ? undefined : this.add(at, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.add(at, `must be an integer, got ${describe(value)}`);
    if (value < min || value > max) return this.add(at, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  boolean(obj: Obj, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') return this.add(join(path, key), `must be true or false, got ${describe(value)}`);
    return value;
  }

  array(obj: Obj, key: string, path: string, optional: boolean): unknown[] | undefined {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) return optional ? undefined : this.add(at, 'is required');
    if (!Array.isArray(value)) return this.add(at, `must be a list, got ${describe(value)}`);
    return value;
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

// RFC 1123 labels, lowercase only: hostnames are compared as strings across the model.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const ENTRY_POINT = /^[A-Za-z0-9_-]+$/;
// Exact paths only: nothing Traefik's backtick-quoted rule would choke on, and none of the
// characters (`* + ( ) $ [ ] ^ |`…) that would make a reader think the path is a pattern.
const EXACT_PATH = /^\/[A-Za-z0-9._~!&',;=:@%/-]*$/;

/** Why `host` is not an FQDN (lowercase, dot-separated labels, at least two), or undefined. */
export function fqdnProblem(host: string, allowWildcard = false): string | undefined {
  if (host.includes(':')) return 'must not contain a port (cloudflared: "Hostname cannot contain a port")';
  const name = allowWildcard && host.startsWith('*.') ? host.slice(2) : host;
  if (name.length > 253) return 'is longer than 253 characters';
  if (name.endsWith('.')) return 'must not end with a dot';
  const labels = name.split('.');
  if (labels.length < 2) return 'must be a fully qualified domain name (at least two labels)';
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) return `has an invalid label '${bad}' (lowercase letters, digits and inner hyphens, 1-63 characters)`;
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'must not end in a numeric label (that is an IP address)';
  return undefined;
}

/** Why `raw` is not an `http(s)://host[:port]` origin URL without a path, or undefined. */
export function originUrlProblem(raw: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/i.exec(raw);
  if (!m) return 'must be an absolute URL such as http://host:port';
  const [, scheme = '', authority = '', path = '', rest = ''] = m;
  if (scheme !== 'http' && scheme !== 'https') return `must use http or https, not '${scheme}'`;
  if (authority.includes('@')) return 'must not contain credentials';
  if (path !== '' && path !== '/') return `must not have a path ('${path}'): Traefik and cloudflared ignore or reject origin paths`;
  if (rest !== '') return 'must not have a query or fragment';
  const hp = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d*))?$/i.exec(authority);
  if (!hp || hp[1] === '') return 'must name a host';
  if (hp[2] !== undefined) {
    const port = Number(hp[2]);
    if (hp[2] === '' || !Number.isInteger(port) || port < 1 || port > 65535) return `has a port out of range 1-65535 ('${hp[2]}')`;
  }
  return undefined;
}

function durationMs(d: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (units[m[2] ?? 's'] ?? 0);
  return total;
}

/**
 * Validates a gateway declaration and fills its defaults.
 * @throws GatewayConfigError listing every problem, each with its field path.
 */
export function validateGateway(input: unknown): Gateway {
  const c = new Checker();
  const root = c.object(input, '', ['domain', 'tunnel', 'traefik', 'authentik', 'apps', 'tunnelRoutes', 'ids', 'mfa']);
  if (!root) throw new GatewayConfigError(c.issues);

  const domain = c.string(root, 'domain', '');
  if (domain !== undefined) {
    const p = fqdnProblem(domain);
    if (p) c.add('domain', p);
  }

  const tunnel = c.object(root['tunnel'] ?? {}, 'tunnel', ['id', 'credentialsFile']);
  const tunnelId = tunnel && c.string(tunnel, 'id', 'tunnel');
  if (tunnelId !== undefined && !UUID.test(tunnelId)) c.add('tunnel.id', `must be the tunnel's UUID, got ${JSON.stringify(tunnelId)}`);
  const credentialsFile = tunnel && c.string(tunnel, 'credentialsFile', 'tunnel', { optional: true });
  if (credentialsFile !== undefined && !credentialsFile.startsWith('/')) c.add('tunnel.credentialsFile', 'must be an absolute path');

  const traefik = c.object(root['traefik'] ?? {}, 'traefik', ['url', 'entryPoint', 'configDir']);
  const traefikUrl = traefik && checkOrigin(c, traefik, 'url', 'traefik');
  const entryPoint = traefik && c.string(traefik, 'entryPoint', 'traefik', { optional: true });
  if (entryPoint !== undefined && !ENTRY_POINT.test(entryPoint)) c.add('traefik.entryPoint', 'must be letters, digits, _ or -');
  const configDir = traefik && c.string(traefik, 'configDir', 'traefik', { optional: true });
  if (configDir !== undefined && !configDir.startsWith('/')) c.add('traefik.configDir', 'must be an absolute path');

  const authentik = c.object(root['authentik'] ?? {}, 'authentik', ['outpostUrl', 'externalUrl', 'flows', 'embeddedOutpostName']);
  const outpostUrl = authentik && checkOrigin(c, authentik, 'outpostUrl', 'authentik');
  const externalUrl = authentik && checkOrigin(c, authentik, 'externalUrl', 'authentik');
  const flowsIn = authentik && c.object(authentik['flows'] ?? {}, 'authentik.flows', ['authorization', 'invalidation', 'authentication']);
  const flow = (key: string): string | undefined => {
    const slug = flowsIn && c.string(flowsIn, key, 'authentik.flows', { optional: true });
    if (slug !== undefined && !AUTHENTIK_SLUG_PATTERN.test(slug)) c.add(`authentik.flows.${key}`, `must be a flow slug matching ${AUTHENTIK_SLUG_PATTERN.source}`);
    return slug;
  };
  const flows = { authorization: flow('authorization'), invalidation: flow('invalidation'), authentication: flow('authentication') };
  const embeddedOutpostName = authentik && c.string(authentik, 'embeddedOutpostName', 'authentik', { optional: true });

  const appsIn = c.array(root, 'apps', '', false);
  if (appsIn && appsIn.length === 0) c.add('apps', 'must declare at least one app');
  const apps = (appsIn ?? []).map((a, i) => checkApp(c, a, `apps[${i}]`, domain, i));

  const routesIn = c.array(root, 'tunnelRoutes', '', true) ?? DEFAULTS.tunnelRoutes;
  const tunnelRoutes = routesIn.map((r, i) => checkTunnelRoute(c, r, `tunnelRoutes[${i}]`));

  checkUniqueness(c, apps, tunnelRoutes);
  const ids = root['ids'] === undefined ? undefined : checkIds(root['ids'], 'ids', c.issues);
  const appNames = apps.flatMap((a) => (a ? [a.name] : []));
  const mfa = root['mfa'] === undefined ? undefined : checkMfa(root['mfa'], 'mfa', appNames, c.issues);

  if (c.issues.length > 0) throw new GatewayConfigError(c.issues);

  // Past this point every required value was checked present; the casts only drop `undefined`.
  const gateway: Gateway = {
    domain: domain!,
    tunnel: { id: tunnelId!.toLowerCase(), credentialsFile: credentialsFile ?? DEFAULTS.tunnel.credentialsFile(tunnelId!.toLowerCase()) },
    traefik: {
      url: stripSlash(traefikUrl!),
      entryPoint: entryPoint ?? DEFAULTS.traefik.entryPoint,
      configDir: stripSlash(configDir ?? DEFAULTS.traefik.configDir),
    },
    authentik: {
      outpostUrl: stripSlash(outpostUrl!),
      externalUrl: stripSlash(externalUrl!),
      flows: {
        authorization: flows.authorization ?? DEFAULTS.authentik.flows.authorization,
        invalidation: flows.invalidation ?? DEFAULTS.authentik.flows.invalidation,
        ...(flows.authentication !== undefined ? { authentication: flows.authentication } : {}),
      },
      embeddedOutpostName: embeddedOutpostName ?? DEFAULTS.authentik.embeddedOutpostName,
    },
    apps: apps as ProtectedApp[],
    tunnelRoutes: tunnelRoutes as TunnelRoute[],
    ...(ids !== undefined ? { ids } : {}),
    ...(mfa !== undefined ? { mfa } : {}),
  };
  return deepFreeze(gateway);
}

function stripSlash(s: string): string {
  return s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
}

function checkOrigin(c: Checker, obj: Obj, key: string, path: string): string | undefined {
  const value = c.string(obj, key, path);
  if (value === undefined) return undefined;
  const p = originUrlProblem(value);
  return p ? c.add(join(path, key), p) : value;
}

function checkApp(c: Checker, input: unknown, path: string, domain: string | undefined, index = 0): ProtectedApp | undefined {
  const app = c.object(input, path, [
    'name',
    'hostname',
    'upstream',
    'healthCheck',
    'bypassPaths',
    'allowedGroups',
    'contentSecurityPolicy',
    'rateLimit',
    'authentik',
    'deploy',
  ]);
  if (!app) return undefined;

  const name = c.string(app, 'name', path);
  if (name !== undefined && !APP_NAME.test(name)) c.add(`${path}.name`, 'must be 1-40 lowercase letters, digits or inner hyphens (it prefixes Traefik names and the file name)');

  const hostname = c.string(app, 'hostname', path);
  if (hostname !== undefined) {
    const p = fqdnProblem(hostname);
    if (p) c.add(`${path}.hostname`, p);
    else if (domain !== undefined && hostname !== domain && !hostname.endsWith(`.${domain}`)) c.add(`${path}.hostname`, `must be within the domain ${domain}`);
  }

  const upstream = checkOrigin(c, app, 'upstream', path);

  const hcIn = c.object(app['healthCheck'] ?? {}, `${path}.healthCheck`, ['path', 'interval', 'timeout']);
  let healthCheck: HealthCheck | undefined;
  if (hcIn) {
    const hcPath = c.string(hcIn, 'path', `${path}.healthCheck`);
    if (hcPath !== undefined && !EXACT_PATH.test(hcPath)) c.add(`${path}.healthCheck.path`, "must be a path starting with '/' without query or spaces");
    const interval = checkDuration(c, hcIn, 'interval', `${path}.healthCheck`) ?? DEFAULTS.app.healthCheck.interval;
    const timeout = checkDuration(c, hcIn, 'timeout', `${path}.healthCheck`) ?? DEFAULTS.app.healthCheck.timeout;
    if (durationMs(interval) <= durationMs(timeout)) c.add(`${path}.healthCheck.interval`, `must be longer than the timeout (${timeout})`);
    if (hcPath !== undefined) healthCheck = { path: hcPath, interval, timeout };
  }

  const bypassIn = c.array(app, 'bypassPaths', path, true) ?? DEFAULTS.app.bypassPaths;
  const bypassPaths: string[] = [];
  bypassIn.forEach((p, i) => {
    const at = `${path}.bypassPaths[${i}]`;
    if (typeof p !== 'string') return c.add(at, `must be a string, got ${describe(p)}`);
    if (!p.startsWith('/')) return c.add(at, `must start with '/', got ${JSON.stringify(p)}`);
    if (p === '/') return c.add(at, "must not be '/': that would bypass sign-on for the whole app");
    if (!EXACT_PATH.test(p)) return c.add(at, `must be an exact path (no wildcards, regex, query or spaces), got ${JSON.stringify(p)}`);
    if (p.startsWith(OUTPOST_PATH_PREFIX.slice(0, -1))) return c.add(at, `must not be under ${OUTPOST_PATH_PREFIX}, which the outpost router owns`);
    if (bypassPaths.includes(p)) return c.add(at, `duplicates ${JSON.stringify(p)}`);
    bypassPaths.push(p);
    return undefined;
  });

  const groupsIn = c.array(app, 'allowedGroups', path, false);
  const allowedGroups: string[] = [];
  if (groupsIn && groupsIn.length === 0) c.add(`${path}.allowedGroups`, 'must name at least one authentik group (with none, every authentik user gets in)');
  (groupsIn ?? []).forEach((g, i) => {
    const at = `${path}.allowedGroups[${i}]`;
    if (typeof g !== 'string' || g.trim() === '') return c.add(at, `must be a group name, got ${describe(g)}`);
    if (allowedGroups.includes(g)) return c.add(at, `duplicates ${JSON.stringify(g)}`);
    allowedGroups.push(g);
    return undefined;
  });

  const csp = c.string(app, 'contentSecurityPolicy', path, { optional: true });

  const rlIn = app['rateLimit'] === undefined ? undefined : c.object(app['rateLimit'], `${path}.rateLimit`, ['average', 'period', 'burst']);
  let rateLimit: RateLimit = DEFAULTS.app.rateLimit;
  if (rlIn) {
    rateLimit = {
      average: c.integer(rlIn, 'average', `${path}.rateLimit`, 1, 1_000_000, true) ?? DEFAULTS.app.rateLimit.average,
      period: checkDuration(c, rlIn, 'period', `${path}.rateLimit`) ?? DEFAULTS.app.rateLimit.period,
      burst: c.integer(rlIn, 'burst', `${path}.rateLimit`, 1, 1_000_000, true) ?? DEFAULTS.app.rateLimit.burst,
    };
  }

  const akIn = c.object(app['authentik'] ?? {}, `${path}.authentik`, [
    'name',
    'slug',
    'providerName',
    'launchUrl',
    'icon',
    'description',
    'publisher',
    'policyEngineMode',
  ]);
  const akPath = `${path}.authentik`;
  const akName = akIn && c.string(akIn, 'name', akPath);
  const slug = akIn && c.string(akIn, 'slug', akPath);
  if (slug !== undefined && !AUTHENTIK_SLUG_PATTERN.test(slug)) c.add(`${akPath}.slug`, `must match authentik's slug pattern ${AUTHENTIK_SLUG_PATTERN.source}, got ${JSON.stringify(slug)}`);
  const providerName = akIn && c.string(akIn, 'providerName', akPath, { optional: true });
  const launchUrl = akIn && c.string(akIn, 'launchUrl', akPath, { optional: true });
  if (launchUrl !== undefined && !/^https?:\/\/[^\s/?#]+([/?#][^\s]*)?$/.test(launchUrl)) c.add(`${akPath}.launchUrl`, 'must be an absolute http(s) URL');
  const icon = akIn && c.string(akIn, 'icon', akPath, { optional: true, allowEmpty: true });
  const description = akIn && c.string(akIn, 'description', akPath, { optional: true, allowEmpty: true });
  const publisher = akIn && c.string(akIn, 'publisher', akPath, { optional: true, allowEmpty: true });
  const modeIn = akIn?.['policyEngineMode'];
  let policyEngineMode: PolicyEngineMode = DEFAULTS.app.authentik.policyEngineMode;
  if (modeIn !== undefined) {
    if (modeIn === 'any' || modeIn === 'all') policyEngineMode = modeIn;
    else c.add(`${akPath}.policyEngineMode`, `must be 'any' or 'all', got ${describe(modeIn)}`);
  }

  const deploy = app['deploy'] === undefined ? undefined : validateDeploy(app['deploy'], `${path}.deploy`, name, index);
  c.issues.push(...(deploy?.issues ?? []));

  if (name === undefined || hostname === undefined || upstream === undefined || healthCheck === undefined || akName === undefined || slug === undefined) {
    return undefined;
  }
  return {
    name,
    hostname,
    upstream: stripSlash(upstream),
    healthCheck,
    bypassPaths,
    allowedGroups,
    contentSecurityPolicy: csp ?? DEFAULTS.app.contentSecurityPolicy,
    rateLimit,
    authentik: {
      name: akName,
      slug,
      providerName: providerName ?? DEFAULTS.app.authentik.providerName(name),
      launchUrl: launchUrl ?? DEFAULTS.app.authentik.launchUrl(hostname),
      icon: icon ?? DEFAULTS.app.authentik.icon,
      description: description ?? DEFAULTS.app.authentik.description,
      publisher: publisher ?? DEFAULTS.app.authentik.publisher,
      policyEngineMode,
    },
    ...(deploy?.value ? { deploy: deploy.value } : {}),
  };
}

function checkDuration(c: Checker, obj: Obj, key: string, path: string): string | undefined {
  const value = c.string(obj, key, path, { optional: true });
  if (value === undefined) return undefined;
  if (!GO_DURATION.test(value) || durationMs(value) <= 0) return c.add(join(path, key), `must be a positive Go duration such as '30s' or '1m', got ${JSON.stringify(value)}`);
  return value;
}

function checkTunnelRoute(c: Checker, input: unknown, path: string): TunnelRoute | undefined {
  const route = c.object(input, path, ['hostname', 'service', 'path', 'originRequest']);
  if (!route) return undefined;
  const hostname = c.string(route, 'hostname', path);
  if (hostname !== undefined) {
    const p = fqdnProblem(hostname, true);
    if (p) c.add(`${path}.hostname`, hostname.includes('*') && !hostname.startsWith('*.') ? 'may only use a leading wildcard such as *.example.com' : p);
  }
  const service = c.string(route, 'service', path);
  if (service !== undefined) {
    const status = /^http_status:(\d+)$/.exec(service);
    if (status) {
      const code = Number(status[1]);
      if (code < 100 || code > 999) c.add(`${path}.service`, `invalid HTTP status code: ${code}`);
    } else {
      const p = originUrlProblem(service);
      if (p) c.add(`${path}.service`, `${p} (or use http_status:NNN)`);
    }
  }
  const routePath = c.string(route, 'path', path, { optional: true });
  if (routePath !== undefined) {
    try {
      new RegExp(routePath);
    } catch {
      c.add(`${path}.path`, 'must be a valid regular expression');
    }
  }
  let originRequest: TunnelOriginRequest | undefined;
  if (route['originRequest'] !== undefined) {
    const or = c.object(route['originRequest'], `${path}.originRequest`, ['connectTimeout', 'noTlsVerify', 'httpHostHeader']);
    if (or) {
      const connectTimeout = c.integer(or, 'connectTimeout', `${path}.originRequest`, 1, 3600, true);
      const noTlsVerify = c.boolean(or, 'noTlsVerify', `${path}.originRequest`);
      const httpHostHeader = c.string(or, 'httpHostHeader', `${path}.originRequest`, { optional: true });
      originRequest = {
        ...(connectTimeout !== undefined ? { connectTimeout } : {}),
        ...(noTlsVerify !== undefined ? { noTlsVerify } : {}),
        ...(httpHostHeader !== undefined ? { httpHostHeader } : {}),
      };
    }
  }
  if (hostname === undefined || service === undefined) return undefined;
  return {
    hostname,
    service: service.startsWith('http_status:') ? service : stripSlash(service),
    ...(routePath !== undefined ? { path: routePath } : {}),
    ...(originRequest !== undefined ? { originRequest } : {}),
  };
}

function checkUniqueness(c: Checker, apps: (ProtectedApp | undefined)[], routes: (TunnelRoute | undefined)[]): void {
  const firstSeen = new Map<string, string>();
  const claim = (kind: string, key: string, path: string): void => {
    const seen = firstSeen.get(`${kind}\0${key}`);
    if (seen !== undefined) c.add(path, `duplicate ${kind} '${key}' (also at ${seen})`);
    else firstSeen.set(`${kind}\0${key}`, path);
  };
  apps.forEach((app, i) => {
    if (!app) return;
    claim('app name', app.name, `apps[${i}].name`);
    claim('hostname', app.hostname, `apps[${i}].hostname`);
    claim('authentik slug', app.authentik.slug, `apps[${i}].authentik.slug`);
    claim('authentik provider name', app.authentik.providerName, `apps[${i}].authentik.providerName`);
    for (const router of routerNames(app)) claim('Traefik router name', router, `apps[${i}].name`);
  });
  routes.forEach((route, i) => {
    // Two routes may share a hostname when their paths differ (cloudflared matches both).
    if (route) claim('hostname', `${route.hostname}${route.path !== undefined ? ` path ${route.path}` : ''}`, `tunnelRoutes[${i}].hostname`);
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
