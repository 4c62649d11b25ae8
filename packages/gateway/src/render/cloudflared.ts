/**
 * The cloudflared ingress rule list of the gateway's tunnel, in the three shapes it is applied
 * with: the Pulumi `ZeroTrustTunnelCloudflaredConfig.config` argument, the Cloudflare REST body
 * (`PUT /accounts/{account}/cfd_tunnel/{tunnel}/configurations`), and a locally-managed
 * `config.yml`.
 *
 * The configuration resource PUTs the whole list, so it is rendered whole: every app, every
 * other route the tunnel already serves, and the catch-all last.
 */
import yaml from 'js-yaml';
import { RenderedInvalidError } from '../errors.js';
import type { Gateway, TunnelOriginRequest } from '../model/types.js';

/** One ingress rule, in model terms (timeouts in seconds). */
export interface IngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: TunnelOriginRequest;
}

/** The catch-all cloudflared requires last: anything not routed gets a plain 404. */
export const CATCH_ALL_SERVICE = 'http_status:404';

/** `config` argument of `cloudflare.ZeroTrustTunnelCloudflaredConfig` (@pulumi/cloudflare 6.x). */
export interface PulumiTunnelConfig {
  ingresses: {
    hostname?: string;
    path?: string;
    service: string;
    originRequest?: { connectTimeout?: number; noTlsVerify?: boolean; httpHostHeader?: string };
  }[];
}

/** Body of Cloudflare's `PUT .../cfd_tunnel/{tunnel_id}/configurations`. */
export interface CloudflareTunnelConfigBody {
  config: {
    ingress: {
      hostname?: string;
      path?: string;
      service: string;
      originRequest?: { connectTimeout?: number; noTLSVerify?: boolean; httpHostHeader?: string };
    }[];
  };
}

export interface RenderedTunnelIngress {
  /** The rules in model terms, catch-all last. */
  rules: IngressRule[];
  /** For `new cloudflare.ZeroTrustTunnelCloudflaredConfig(name, { accountId, tunnelId, config })`. */
  cloudflareConfig: PulumiTunnelConfig;
  /** For the REST API (and `cloudflared tunnel ingress validate --json`). */
  apiBody: CloudflareTunnelConfigBody;
  /** For a locally-managed tunnel (`cloudflared tunnel --config config.yml run`). */
  configYml: string;
}

/**
 * Renders the tunnel's whole ingress list. Pure.
 * @throws RenderedInvalidError if the list breaks one of cloudflared's rules (a model bug).
 */
export function renderTunnelIngress(gateway: Gateway): RenderedTunnelIngress {
  const rules: IngressRule[] = [
    // Every app goes through Traefik, which applies forward auth; cloudflared never reaches an app directly.
    ...gateway.apps.map((app) => ({ hostname: app.hostname, service: gateway.traefik.url })),
    ...gateway.tunnelRoutes.map((r) => ({
      hostname: r.hostname,
      ...(r.path !== undefined ? { path: r.path } : {}),
      service: r.service,
      ...(r.originRequest !== undefined ? { originRequest: { ...r.originRequest } } : {}),
    })),
    { service: CATCH_ALL_SERVICE },
  ];
  const problems = validateIngress(rules);
  if (problems.length > 0) throw new RenderedInvalidError('cloudflared ingress', problems);

  return {
    rules,
    cloudflareConfig: {
      ingresses: rules.map((r) => ({
        ...optional('hostname', r.hostname),
        ...optional('path', r.path),
        service: r.service,
        ...(r.originRequest
          ? {
              originRequest: {
                ...optional('connectTimeout', r.originRequest.connectTimeout),
                ...optional('noTlsVerify', r.originRequest.noTlsVerify),
                ...optional('httpHostHeader', r.originRequest.httpHostHeader),
              },
            }
          : {}),
      })),
    },
    apiBody: {
      config: {
        ingress: rules.map((r) => ({
          ...optional('hostname', r.hostname),
          ...optional('path', r.path),
          service: r.service,
          ...(r.originRequest
            ? {
                originRequest: {
                  ...optional('connectTimeout', r.originRequest.connectTimeout),
                  ...optional('noTLSVerify', r.originRequest.noTlsVerify),
                  ...optional('httpHostHeader', r.originRequest.httpHostHeader),
                },
              }
            : {}),
        })),
      },
    },
    configYml: renderConfigYml(gateway, rules),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function renderConfigYml(gateway: Gateway, rules: IngressRule[]): string {
  const doc = {
    tunnel: gateway.tunnel.id,
    'credentials-file': gateway.tunnel.credentialsFile,
    ingress: rules.map((r) => ({
      ...optional('hostname', r.hostname),
      ...optional('path', r.path),
      service: r.service,
      ...(r.originRequest
        ? {
            // config.yml takes Go durations where the API takes seconds.
            originRequest: {
              ...optional('connectTimeout', r.originRequest.connectTimeout !== undefined ? `${r.originRequest.connectTimeout}s` : undefined),
              ...optional('noTLSVerify', r.originRequest.noTlsVerify),
              ...optional('httpHostHeader', r.originRequest.httpHostHeader),
            },
          }
        : {}),
    })),
  };
  return (
    '# Locally-managed cloudflared configuration, generated by @booxstream/gateway.\n' +
    '# Remotely-managed tunnels get the same rules through the Cloudflare API instead.\n' +
    yaml.dump(doc, { lineWidth: -1, noRefs: true, quotingType: '"' })
  );
}

/**
 * cloudflared's ingress validation (cloudflared ingress/ingress.go, `validateIngress` and
 * `validateHostname`), as a pure function. Messages are cloudflared's own; rules are numbered
 * from 1 as cloudflared numbers them, and a `Rule #N: ` prefix is added where cloudflared's
 * message does not say which rule. Unlike cloudflared, which stops at the first error, every
 * problem is reported.
 *
 * One check is ours, not cloudflared's: a rule that can never match because an earlier rule
 * takes the same hostname for every path (first match wins).
 *
 * `path` is compiled as a JavaScript RegExp; Go's RE2 syntax differs at the edges
 * (lookarounds are accepted here, rejected there).
 */
export function validateIngress(rules: readonly IngressRule[]): string[] {
  if (rules.length === 0) return ["The config file doesn't contain any ingress rules"];
  const errors: string[] = [];
  rules.forEach((r, i) => {
    const n = i + 1;
    const serviceError = checkService(r.service);
    if (serviceError) errors.push(serviceError.includes(r.service) ? serviceError : `Rule #${n}: ${serviceError}`);

    const hostname = r.hostname ?? '';
    const path = r.path ?? '';
    // Go's net.SplitHostPort succeeds on any single colon (or bracketed IPv6 with a port).
    if (/^[^:]*:[^:]*$/.test(hostname) || /^\[.*\]:/.test(hostname)) errors.push(`Rule #${n}: Hostname cannot contain a port`);
    if (hostname.lastIndexOf('*') > 0) {
      errors.push(`Rule #${n}: Hostname patterns can have at most one wildcard character ("*") and it can only be used for subdomains, e.g. "*.example.com"`);
    }
    const isCatchAll = (hostname === '' || hostname === '*') && path === '';
    const isLast = i === rules.length - 1;
    if (isLast && !isCatchAll) errors.push('The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)');
    if (!isLast && isCatchAll) {
      errors.push(`Rule #${n} is matching the hostname '${hostname}', but this will match every hostname, meaning the rules which follow it will never be triggered.`);
    }
    if (path !== '') {
      try {
        new RegExp(path);
      } catch (err) {
        errors.push(`Rule #${n} has an invalid regex: ${(err as Error).message}`);
      }
    }
    if (hostname !== '' && hostname !== '*') {
      const shadow = rules.findIndex((earlier, j) => j < i && (earlier.hostname ?? '') === hostname && (earlier.path ?? '') === '');
      if (shadow >= 0) errors.push(`Rule #${n} is never reached: rule #${shadow + 1} already matches hostname '${hostname}' for every path.`);
    }
  });
  return errors;
}

/** cloudflared's service checks; returns its error text or undefined. */
function checkService(service: string): string | undefined {
  if (service.startsWith('unix:') || service.startsWith('unix+tls:')) return undefined;
  if (service.startsWith('http_status:')) {
    const text = service.slice('http_status:'.length);
    if (!/^[+-]?\d+$/.test(text)) return `invalid HTTP status code: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`;
    const code = Number(text);
    if (code < 100 || code > 999) return `invalid HTTP status code: ${code}`;
    return undefined;
  }
  if (service === 'hello_world' || service === 'hello-world' || service === 'socks-proxy' || service === 'bastion') return undefined;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)/.exec(service);
  const host = m?.[3]?.replace(/^[^@]*@/, '').replace(/:\d*$/, '') ?? '';
  if (!m || host === '') return `${service} is an invalid address, please make sure it has a scheme and a hostname`;
  if ((m[4] ?? '') !== '') {
    return `${service} is an invalid address, ingress rules don't support proxying to a different path on the origin service. The path will be the same as the eyeball request's path`;
  }
  return undefined;
}
