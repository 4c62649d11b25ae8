/**
 * The network a client address belongs to, as far as the server treats
 * addresses as one party: an IPv4 /24 or an IPv6 /64 (one home connection or
 * one ISP customer usually gets a whole /64, so single IPv6 addresses say little).
 */
import { isIP } from 'node:net';
import { unmapIpv4 } from './trusted-proxy.js';

/** `203.0.113.7` → `203.0.113.0/24`; `2001:db8:1:2::5` → `2001:db8:1:2::/64`; anything else unchanged. */
export function networkOf(address: string): string {
  const a = unmapIpv4(address);
  const family = isIP(a);
  if (family === 4) return `${a.split('.').slice(0, 3).join('.')}.0/24`;
  if (family === 6) return `${ipv6Groups(a).slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
  return a;
}

/** The rate-limit key of a client address: the address itself for IPv4, its /64 for IPv6. */
export function rateLimitKey(address: string): string {
  const a = unmapIpv4(address);
  return isIP(a) === 6 ? networkOf(a) : a;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, an embedded IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '').toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [b0, b1, b2, b3] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === null) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
