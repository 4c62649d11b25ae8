/**
 * `validateGateway(input)`: the one gate between a declaration and the renderers. It runs the
 * model's schema (`schema.ts`: every field's rule and default), then the rules that span
 * fields (hostnames within the domain, names unique across apps), and returns a deeply frozen
 * `Gateway`. Every problem is reported with its field path; the cross-field rules run once the
 * fields themselves are valid.
 */
import { type ConfigIssue, deepFreeze, validate } from '@booxstream/config-kit';
import { GatewayConfigError } from '../errors.js';
import { routerNames } from './names.js';
import { fqdnProblem } from './rules.js';
import { GATEWAY_SCHEMA } from './schema.js';
import type { Gateway } from './types.js';
import { checkIds } from './ids.js';
import { checkMfa } from './mfa.js';

export { fqdnProblem, originUrlProblem } from './rules.js';

/**
 * Validates a gateway declaration and fills its defaults.
 * @throws GatewayConfigError listing every problem, each with its field path.
 */
export function validateGateway(input: unknown): Gateway {
  const result = validate(GATEWAY_SCHEMA, input);
  // Hostnames outside the domain are reported with the field problems: a common first mistake.
  if (!result.ok) throw new GatewayConfigError([...result.issues, ...outsideDomain(rawHostnames(input))]);
  const { ids: _ids, mfa: _mfa, ...rest } = result.value;
  const layerIssues: ConfigIssue[] = [];
  const raw = input as Record<string, unknown>;
  const ids = raw['ids'] === undefined ? undefined : checkIds(raw['ids'], 'ids', layerIssues);
  const mfa = raw['mfa'] === undefined ? undefined : checkMfa(raw['mfa'], 'mfa', rest.apps.map((a) => a.name), layerIssues);
  const gateway: Gateway = { ...rest, ...(ids !== undefined ? { ids } : {}), ...(mfa !== undefined ? { mfa } : {}) };
  const issues = [...outsideDomain(gateway), ...duplicates(gateway), ...layerIssues];
  if (issues.length > 0) throw new GatewayConfigError(issues);
  return deepFreeze(gateway);
}

interface Hostnames {
  readonly domain: string;
  readonly apps: readonly { readonly hostname: string }[];
}

/** The domain and app hostnames of an input that failed elsewhere, where those are valid themselves. */
function rawHostnames(input: unknown): Hostnames {
  const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  const fqdn = (v: unknown): v is string => typeof v === 'string' && fqdnProblem(v) === undefined;
  const domain = obj(input)['domain'];
  const apps = obj(input)['apps'];
  if (!fqdn(domain) || !Array.isArray(apps)) return { domain: '', apps: [] };
  return { domain, apps: apps.map((a) => ({ hostname: fqdn(obj(a)['hostname']) ? (obj(a)['hostname'] as string) : domain })) };
}

function outsideDomain(g: Hostnames): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  g.apps.forEach((app, i) => {
    // A suffix test without the dot would let `affine.evilkevinvdb.dev` through.
    if (app.hostname !== g.domain && !app.hostname.endsWith(`.${g.domain}`)) {
      issues.push({ path: `apps[${i}].hostname`, message: `must be within the domain ${g.domain}` });
    }
  });
  return issues;
}

function duplicates(g: Gateway): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstSeen = new Map<string, string>();
  const claim = (kind: string, key: string, path: string): void => {
    const seen = firstSeen.get(`${kind}\0${key}`);
    if (seen !== undefined) issues.push({ path, message: `duplicate ${kind} '${key}' (also at ${seen})` });
    else firstSeen.set(`${kind}\0${key}`, path);
  };
  g.apps.forEach((app, i) => {
    claim('app name', app.name, `apps[${i}].name`);
    claim('hostname', app.hostname, `apps[${i}].hostname`);
    claim('authentik slug', app.authentik.slug, `apps[${i}].authentik.slug`);
    claim('authentik provider name', app.authentik.providerName, `apps[${i}].authentik.providerName`);
    for (const router of routerNames(app)) claim('Traefik router name', router, `apps[${i}].name`);
  });
  g.tunnelRoutes.forEach((route, i) => {
    // Two routes may share a hostname when their paths differ (cloudflared matches both).
    claim('hostname', `${route.hostname}${route.path !== undefined ? ` path ${route.path}` : ''}`, `tunnelRoutes[${i}].hostname`);
  });
  return issues;
}
