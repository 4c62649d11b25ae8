/**
 * Same-origin rules for browsers, shared by the HTTP API (state-changing
 * requests) and the viewer WebSocket upgrade. A browser lets any page send a
 * form POST or open a WebSocket with the user's gateway cookie; what it cannot
 * forge is `Origin`, `Sec-Fetch-Site`, or a cross-site `Content-Type:
 * application/json` without a CORS preflight (which this server never grants).
 */
import type { RequestHandler } from 'express';
import { HttpError } from '../errors.js';
import type { TrustedProxies } from '../identity/trusted-proxy.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface OriginPolicy {
  /** `PUBLIC_URL`'s origin (`https://booxstream.example.dev`), or null to take it from each request. */
  readonly publicOrigin: string | null;
  readonly proxies: TrustedProxies;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

function first(v: string | string[] | undefined): string | undefined {
  return (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim() || undefined;
}

/** `scheme://host[:port]` in the lowercase form `URL.origin` gives, or null when `text` is no http(s) origin. */
export function normalizeOrigin(text: string): string | null {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origin a request was addressed to: `PUBLIC_URL` when set; otherwise the
 * scheme from a trusted proxy's `X-Forwarded-Proto` (else `http`, since this
 * server speaks no TLS itself) and the host from its `X-Forwarded-Host` (else `Host`).
 */
export function expectedOrigin(policy: OriginPolicy, peer: string | undefined, headers: Headers): string | null {
  if (policy.publicOrigin !== null) return policy.publicOrigin;
  const trusted = policy.proxies.isTrusted(peer);
  const proto = trusted ? first(headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const scheme = proto === 'https' ? 'https' : 'http';
  const host = (trusted ? first(headers['x-forwarded-host']) : undefined) ?? first(headers.host);
  if (host === undefined || !HOST.test(host)) return null;
  return normalizeOrigin(`${scheme}://${host}`);
}

/** True when the browser-sent `Origin` is exactly the expected origin: scheme, host and port. */
export function originMatches(policy: OriginPolicy, peer: string | undefined, headers: Headers): boolean {
  const origin = first(headers.origin);
  if (origin === undefined) return false;
  const expected = expectedOrigin(policy, peer, headers);
  return expected !== null && normalizeOrigin(origin) === expected;
}

/**
 * Why a state-changing request is refused as cross-site, or null to let it
 * through: it must come from this origin (`Sec-Fetch-Site: same-origin`, and
 * an `Origin` equal to this server's when sent) or, from a client that sends
 * neither header (scripts), carry `Content-Type: application/json`.
 */
export function crossSiteReason(policy: OriginPolicy, method: string, peer: string | undefined, headers: Headers): string | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  const site = first(headers['sec-fetch-site'])?.toLowerCase();
  if (site !== undefined && site !== 'same-origin') return `it was sent from another site (Sec-Fetch-Site: ${site})`;
  const origin = first(headers.origin);
  if (origin !== undefined) {
    return originMatches(policy, peer, headers) ? null : `its Origin ${JSON.stringify(origin)} is not this server's (${expectedOrigin(policy, peer, headers) ?? 'unknown'})`;
  }
  if (site === 'same-origin') return null;
  const type = first(headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' ? null : 'it carries neither a same-origin Origin nor Content-Type: application/json';
}

/** Express middleware refusing cross-site state-changing requests with 403 `AUTH_ERR_BAD_ORIGIN`. */
export function sameOriginWrites(policy: OriginPolicy): RequestHandler {
  return (req, _res, next) => {
    const reason = crossSiteReason(policy, req.method, req.socket.remoteAddress, req.headers);
    next(reason === null ? undefined : new HttpError(403, 'AUTH_ERR_BAD_ORIGIN', `Refused: ${reason}.`));
  };
}
