import { describe, expect, it } from 'vitest';
import { networkOf, rateLimitKey } from './network.js';

describe('networkOf', () => {
  it('groups IPv4 by /24 and IPv6 by /64', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.200')).toBe('203.0.113.0/24');
    expect(networkOf('203.0.114.7')).toBe('203.0.114.0/24');
    expect(networkOf('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:0DB8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('::1')).toBe('0:0:0:0::/64');
    expect(networkOf('64:ff9b:1:2::192.0.2.1')).toBe('64:ff9b:1:2::/64');
    expect(networkOf('unknown')).toBe('unknown');
  });

  it('keys the rate limit by address for IPv4 and by /64 for IPv6', () => {
    expect(rateLimitKey('203.0.113.7')).toBe('203.0.113.7');
    expect(rateLimitKey('2001:db8:1:2::5')).toBe(rateLimitKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'));
    expect(rateLimitKey('2001:db8:1:3::5')).not.toBe(rateLimitKey('2001:db8:1:2::5'));
  });
});
