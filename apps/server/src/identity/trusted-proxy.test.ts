import { describe, expect, it } from 'vitest';
import { TrustedProxies } from './trusted-proxy.js';

describe('TrustedProxies', () => {
  const p = new TrustedProxies(['127.0.0.1/32', '::1/128', '10.0.0.0/8']);

  it('trusts listed peers, including IPv4-mapped IPv6 forms', () => {
    expect(p.isTrusted('127.0.0.1')).toBe(true);
    expect(p.isTrusted('::ffff:127.0.0.1')).toBe(true);
    expect(p.isTrusted('::1')).toBe(true);
    expect(p.isTrusted('10.2.3.4')).toBe(true);
    expect(p.isTrusted('127.0.0.2')).toBe(false);
    expect(p.isTrusted('192.168.1.1')).toBe(false);
    expect(p.isTrusted(undefined)).toBe(false);
    expect(new TrustedProxies([]).isTrusted('127.0.0.1')).toBe(false);
  });

  it('reads the client address from a trusted proxy only', () => {
    expect(p.clientAddress('203.0.113.5', { 'x-forwarded-for': '1.1.1.1', 'cf-connecting-ip': '2.2.2.2' })).toBe('203.0.113.5');
    expect(p.clientAddress('10.0.0.2', { 'cf-connecting-ip': '2.2.2.2', 'x-forwarded-for': '1.1.1.1' })).toBe('2.2.2.2');
    // Rightmost entry that is not a proxy: entries further left could be forged by the client.
    expect(p.clientAddress('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.9' })).toBe('198.51.100.7');
    expect(p.clientAddress('10.0.0.2', { 'x-forwarded-for': 'garbage' })).toBe('10.0.0.2');
    expect(p.clientAddress('::ffff:10.0.0.2', {})).toBe('10.0.0.2');
  });
});
