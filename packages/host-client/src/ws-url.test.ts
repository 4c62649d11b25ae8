import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { apiEndpoint, deviceWebSocketUrl, isDottedIpv4 } from './ws-url.js';

describe('deviceWebSocketUrl (the Android app rule)', () => {
  it.each([
    // dotted IPv4: port 8080, root path, whatever the API port
    ['http://192.168.1.202:3001', 'ws://192.168.1.202:8080'],
    ['http://192.168.1.202', 'ws://192.168.1.202:8080'],
    ['https://10.0.0.5:8443/', 'wss://10.0.0.5:8080'],
    ['http://127.0.0.1:3001/some/path', 'ws://127.0.0.1:8080'],
    // domain: /android-ws on the same host and port, default ports omitted
    ['https://booxstream.example.dev', 'wss://booxstream.example.dev/android-ws'],
    ['https://booxstream.example.dev/', 'wss://booxstream.example.dev/android-ws'],
    ['https://booxstream.example.dev:443', 'wss://booxstream.example.dev/android-ws'],
    ['https://booxstream.example.dev:8443', 'wss://booxstream.example.dev:8443/android-ws'],
    ['http://localhost:3001', 'ws://localhost:3001/android-ws'],
    ['http://localhost:80', 'ws://localhost/android-ws'],
    ['http://boox.lan', 'ws://boox.lan/android-ws'],
    // not dotted IPv4: IPv6 and out-of-range quads are treated as names
    ['http://[::1]:3001', 'ws://[::1]:3001/android-ws'],
    ['http://999.1.1.1.example:3001', 'ws://999.1.1.1.example:3001/android-ws'],
  ])('%s → %s', (api, ws) => {
    expect(deviceWebSocketUrl(api)).toBe(ws);
  });

  it('uses lanPort for a dotted IPv4 host only', () => {
    expect(deviceWebSocketUrl('http://127.0.0.1:3001', { lanPort: 45123 })).toBe('ws://127.0.0.1:45123');
    expect(deviceWebSocketUrl('https://booxstream.example.dev', { lanPort: 45123 })).toBe('wss://booxstream.example.dev/android-ws');
  });

  it.each([
    ['not a url', 'apiUrl'],
    ['ftp://192.168.1.2', 'apiUrl'],
    ['ws://192.168.1.2:8080', 'apiUrl'],
  ])('rejects API URL %s naming the field', (api, field) => {
    const err = (() => {
      try {
        deviceWebSocketUrl(api);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).field).toBe(field);
  });

  it.each([0, 65536, 80.5, Number.NaN])('rejects lanPort %s', (lanPort) => {
    expect(() => deviceWebSocketUrl('http://127.0.0.1', { lanPort })).toThrow(/lanPort/);
  });
});

describe('isDottedIpv4', () => {
  it.each([
    ['192.168.1.202', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['1.2.3', false],
    ['example.com', false],
    ['::1', false],
  ])('%s → %s', (host, expected) => {
    expect(isDottedIpv4(host)).toBe(expected);
  });
});

describe('apiEndpoint', () => {
  it('joins with exactly one slash and keeps a path prefix', () => {
    expect(apiEndpoint('http://127.0.0.1:3001', '/api/hosts/register')).toBe('http://127.0.0.1:3001/api/hosts/register');
    expect(apiEndpoint('http://127.0.0.1:3001/', '/api/hosts/register')).toBe('http://127.0.0.1:3001/api/hosts/register');
    expect(apiEndpoint('https://x.dev/boox//', '/api/hosts/register')).toBe('https://x.dev/boox/api/hosts/register');
  });
});
