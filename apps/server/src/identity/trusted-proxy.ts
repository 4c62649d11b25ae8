/**
 * Which TCP peers are trusted proxies, and the client address a trusted proxy
 * reports. Only the peer address decides trust; headers never do.
 */
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /** @param cidrs normalised `ip/prefix` entries (see `parseCidr`). */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [ip, prefix] = cidr.split('/') as [string, string];
      this.#list.addSubnet(ip, Number(prefix), isIP(ip) === 6 ? 'ipv6' : 'ipv4');
    }
    this.#empty = cidrs.length === 0;
  }

  isTrusted(address: string | undefined): boolean {
    if (this.#empty || !address) return false;
    const ip = unmapIpv4(address);
    const family = isIP(ip);
    if (family === 0) return false;
    return this.#list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client's address: the TCP peer, or, when the peer is a trusted proxy,
   * `Cf-Connecting-Ip` or else the rightmost X-Forwarded-For entry that is not
   * itself a trusted proxy (entries left of it could be forged by the client).
   */
  clientAddress(peer: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): string {
    const p = unmapIpv4(peer ?? 'unknown');
    if (!this.isTrusted(p)) return p;
    const cf = first(headers['cf-connecting-ip'])?.trim();
    if (cf && isIP(cf) !== 0) return unmapIpv4(cf);
    const xff = headers['x-forwarded-for'];
    const entries = (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = unmapIpv4(entries[i]!);
      if (isIP(e) === 0) break;
      if (!this.isTrusted(e)) return e;
    }
    return p;
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `::ffff:10.0.0.1` (dual-stack sockets) → `10.0.0.1`. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
