/**
 * The gateway model's value rules that a regular expression alone cannot say: FQDNs, origin
 * URLs, Go durations, exact paths. Each returns why a value is wrong (or undefined), so the
 * schema can report it on the field. Every pattern is anchored (`^…$`): these values end up in
 * Traefik rules, router names and file names.
 */
import { OUTPOST_PATH_PREFIX } from './names.js';

// RFC 1123 labels, lowercase only: hostnames are compared as strings across the model.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
/** An app name prefixes Traefik routers, middlewares and services, and names its file. */
export const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
export const ENTRY_POINT = /^[A-Za-z0-9_-]+$/;
/** An absolute directory or file on the gateway: no spaces, quotes or shell characters. */
export const SAFE_ABS_PATH = /^\/[A-Za-z0-9._/-]*$/;
// Exact paths only: nothing Traefik's backtick-quoted rule would choke on, and none of the
// characters (`* + ( ) $ [ ] ^ |`…) that would make a reader think the path is a pattern.
export const EXACT_PATH = /^\/[A-Za-z0-9._~!&',;=:@%/-]*$/;
export const LAUNCH_URL = /^https?:\/\/[^\s/?#]+([/?#]\S*)?$/;

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

/** A tunnel route's hostname: an FQDN or a leading wildcard such as `*.example.com`. */
export function routeHostnameProblem(host: string): string | undefined {
  const p = fqdnProblem(host, true);
  if (p && host.includes('*') && !host.startsWith('*.')) return 'may only use a leading wildcard such as *.example.com';
  return p;
}

/** Why `raw` is not an `http(s)://host[:port]` origin URL without a path, or undefined. A lone trailing `/` is allowed (and dropped). */
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

/** A cloudflared service: an origin URL or `http_status:NNN`. */
export function tunnelServiceProblem(service: string): string | undefined {
  const status = /^http_status:(\d+)$/.exec(service);
  if (status) {
    const code = Number(status[1]);
    return code < 100 || code > 999 ? `invalid HTTP status code: ${code}` : undefined;
  }
  const p = originUrlProblem(service);
  return p ? `${p} (or use http_status:NNN)` : undefined;
}

/** Go duration in milliseconds (`1m30s` → 90000). */
export function durationMs(d: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (units[m[2] ?? 's'] ?? 0);
  return total;
}

export function durationProblem(d: string): string | undefined {
  return GO_DURATION.test(d) && durationMs(d) > 0 ? undefined : `must be a positive Go duration such as '30s' or '1m', got ${JSON.stringify(d)}`;
}

/** Why a bypass path cannot skip sign-on, or undefined. */
export function bypassPathProblem(p: string): string | undefined {
  if (!p.startsWith('/')) return `must start with '/', got ${JSON.stringify(p)}`;
  if (p === '/') return "must not be '/': that would bypass sign-on for the whole app";
  if (!EXACT_PATH.test(p)) return `must be an exact path (no wildcards, regex, query or spaces), got ${JSON.stringify(p)}`;
  if (p.startsWith(OUTPOST_PATH_PREFIX.slice(0, -1))) return `must not be under ${OUTPOST_PATH_PREFIX}, which the outpost router owns`;
  return undefined;
}

/** Why `p` is not an absolute path on the gateway (safe characters, no `..`), or undefined. */
export function absolutePathProblem(p: string): string | undefined {
  if (!p.startsWith('/')) return 'must be an absolute path';
  if (!SAFE_ABS_PATH.test(p)) return 'must be an absolute path of letters, digits, . _ - /';
  if (p.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}

export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch {
    return 'must be a valid regular expression';
  }
}

/** `http://x:80/` → `http://x:80`: renderers append paths (`/outpost.goauthentik.io/…`) to these. */
export function stripSlash(s: string): string {
  return s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
}
