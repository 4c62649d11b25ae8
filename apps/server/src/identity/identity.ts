/**
 * Viewer identity: from Authentik's forward-auth headers (set by Traefik),
 * believed only from a trusted proxy; or the loopback-only `DEV_USER`.
 * Device routes never call this.
 */
import type { MeView } from '@booxstream/protocol';
import type { ServerConfig } from '../config.js';
import type { TrustedProxies } from './trusted-proxy.js';

/** A signed-in viewer: exactly what `GET /api/me` reports. */
export type Identity = MeView;

/** Why a request has no identity, for the 401 message. */
export type IdentityFailure = 'untrusted-peer' | 'no-headers' | { readonly tooLong: string; readonly max: number };

export type IdentityResult = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly reason: IdentityFailure };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Longest identity value (username, email, name, uid) believed; longer ones are refused, never cut: two long names cut alike would become one user. */
export const MAX_IDENTITY_CHARS = 512;
/** Longest `X-authentik-groups` header (all groups, `|`-separated). */
export const MAX_GROUPS_CHARS = 8192;

class TooLong extends Error {
  constructor(readonly header: string, readonly max: number) {
    super(header);
  }
}

function header(headers: Headers, name: string, max = MAX_IDENTITY_CHARS): string | null {
  const raw = headers[name];
  const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!v) return null;
  if (v.length > max) throw new TooLong(name, max);
  return v;
}

export class IdentityResolver {
  readonly #proxies: TrustedProxies;
  readonly #adminGroups: ReadonlySet<string>;
  readonly #dev: Identity | null;

  constructor(config: Pick<ServerConfig, 'adminGroups' | 'devUser' | 'devGroups'>, proxies: TrustedProxies) {
    this.#proxies = proxies;
    this.#adminGroups = new Set(config.adminGroups);
    this.#dev = config.devUser === null
      ? null
      : {
          username: config.devUser,
          email: null,
          name: config.devUser,
          uid: null,
          groups: config.devGroups,
          admin: config.devGroups.some((g) => this.#adminGroups.has(g)),
          source: 'dev',
        };
  }

  resolve(peer: string | undefined, headers: Headers): IdentityResult {
    try {
      return this.#resolve(peer, headers);
    } catch (err) {
      if (err instanceof TooLong) return { ok: false, reason: { tooLong: err.header, max: err.max } };
      throw err;
    }
  }

  #resolve(peer: string | undefined, headers: Headers): IdentityResult {
    const username = header(headers, 'x-authentik-username');
    if (username !== null) {
      // Headers from anyone but the proxy are a spoofing attempt: never fall back to DEV_USER for them.
      if (!this.#proxies.isTrusted(peer)) return { ok: false, reason: 'untrusted-peer' };
      const groups = (header(headers, 'x-authentik-groups', MAX_GROUPS_CHARS) ?? '').split('|').map((g) => g.trim()).filter(Boolean);
      return {
        ok: true,
        identity: {
          username,
          email: header(headers, 'x-authentik-email'),
          name: header(headers, 'x-authentik-name'),
          uid: header(headers, 'x-authentik-uid'),
          groups,
          admin: groups.some((g) => this.#adminGroups.has(g)),
          source: 'proxy',
        },
      };
    }
    if (this.#dev) return { ok: true, identity: this.#dev };
    return { ok: false, reason: this.#proxies.isTrusted(peer) ? 'no-headers' : 'untrusted-peer' };
  }
}

export function meView(identity: Identity): MeView {
  return { ...identity, groups: [...identity.groups] };
}

export function identityFailureMessage(reason: IdentityFailure): string {
  if (typeof reason === 'object') return `The gateway sent a ${reason.tooLong} header longer than ${reason.max} characters; it is refused rather than cut short.`;
  return reason === 'untrusted-peer'
    ? 'Sign in through the gateway: this request did not come through the trusted proxy, so its identity headers are not believed.'
    : 'Sign in through the gateway: the request carries no signed-in user (X-authentik-username).';
}
