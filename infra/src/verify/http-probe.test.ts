import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, requestTarget } from './http-probe.js';

let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('probe sends the request target as written', () => {
  it('keeps dot segments and their percent-encoded form on the wire (a traversal probe is a traversal)', async () => {
    for (const path of ['/api/hosts/register/../../../api/me', '/android-ws/%2e%2e/api/me', '/a/./b?x=../y']) {
      seen.length = 0;
      await probe(`${base}${path}`, { timeoutMs: 5000 });
      expect(seen).toEqual([path]);
    }
  });

  it('takes the target from an absolute URL without normalising it', () => {
    expect(requestTarget('https://h.example/a/../b?q=1#frag')).toBe('/a/../b?q=1');
    expect(requestTarget('https://h.example')).toBe('/');
    expect(requestTarget('https://h.example?x=1')).toBe('/?x=1');
    expect(requestTarget('http://[::1]:8080/%2e%2e/x')).toBe('/%2e%2e/x');
  });
});
