/**
 * Registration over real HTTP on 127.0.0.1: the request must be the Android
 * app's byte for byte, and every failure a typed error.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BadResponseError, NetworkError, RegistrationError } from '../src/errors.js';
import { registerDevice, updateIp } from '../src/register.js';
import { startDevice } from '../src/device.js';
import { createSyntheticEinkSource } from '../src/sources/synthetic-eink.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

async function httpPeer(answer: (req: Recorded, res: ServerResponse) => void): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      answer(rec, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const OK = (res: ServerResponse, body: unknown = { success: true, token: 'tok-1', host: { uuid: 'u-1', public_ip: null, name: 'Note Air' } }) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

describe('registerDevice', () => {
  it('POSTs the app request: path, content type, body with explicit nulls, no credentials', async () => {
    const peer = await httpPeer((_req, res) => OK(res));
    const reg = await registerDevice(`${peer.url}/`, { uuid: 'u-1', name: 'Note Air' });
    expect(reg).toEqual({ token: 'tok-1', host: { uuid: 'u-1', public_ip: null, name: 'Note Air' } });
    const [req] = peer.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/api/hosts/register');
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.headers.cookie).toBeUndefined();
    expect(req!.body).toBe('{"uuid":"u-1","public_ip":null,"name":"Note Air"}');
  });

  it('sends the public IP when given', async () => {
    const peer = await httpPeer((_req, res) => OK(res));
    await registerDevice(peer.url, { uuid: 'u-2', publicIp: '203.0.113.7' });
    expect(JSON.parse(peer.requests[0]!.body)).toEqual({ uuid: 'u-2', public_ip: '203.0.113.7', name: null });
  });

  it('turns a non-2xx into RegistrationError with status and body', async () => {
    const peer = await httpPeer((_req, res) => res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"code":"RATE_LIMITED","message":"slow down"}}'));
    const err = await registerDevice(peer.url, { uuid: 'u-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect(err).toMatchObject({ code: 'HOST_ERR_REGISTRATION', status: 429, body: '{"error":{"code":"RATE_LIMITED","message":"slow down"}}' });
    expect((err as Error).message).toBe('HTTP error 429: {"error":{"code":"RATE_LIMITED","message":"slow down"}}');
  });

  it('does not follow a redirect (an SSO login page in front of the API is a misconfiguration to show)', async () => {
    const peer = await httpPeer((_req, res) => res.writeHead(302, { location: '/login' }).end());
    await expect(registerDevice(peer.url, { uuid: 'u-1' })).rejects.toMatchObject({ status: 302 });
  });

  it.each([
    ['a body that is not JSON', 'Hello'],
    ['JSON without a token', '{"success":true}'],
  ])('rejects a 2xx with %s', async (_what, body) => {
    const peer = await httpPeer((_req, res) => res.writeHead(200).end(body));
    await expect(registerDevice(peer.url, { uuid: 'u-1' })).rejects.toBeInstanceOf(BadResponseError);
  });

  it('gives up after timeoutMs with a NetworkError', async () => {
    const peer = await httpPeer(() => undefined); // never answers
    const err = await registerDevice(peer.url, { uuid: 'u-1', timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/no answer within 150 ms/);
  });

  it('rejects an empty uuid before any request', async () => {
    await expect(registerDevice('http://127.0.0.1:9', { uuid: '' })).rejects.toThrow(/uuid/);
  });
});

describe('updateIp', () => {
  it('POSTs the bearer token and the IP; any 2xx is success', async () => {
    const peer = await httpPeer((_req, res) => res.writeHead(204).end());
    await updateIp(peer.url, 'tok-1', '198.51.100.4');
    const [req] = peer.requests;
    expect(req!.url).toBe('/api/hosts/update-ip');
    expect(req!.headers.authorization).toBe('Bearer tok-1');
    expect(req!.body).toBe('{"public_ip":"198.51.100.4"}');
  });

  it('throws RegistrationError on 401', async () => {
    const peer = await httpPeer((_req, res) => res.writeHead(401).end('bad token'));
    await expect(updateIp(peer.url, 'tok-1', '198.51.100.4')).rejects.toMatchObject({ status: 401, body: 'bad token' });
  });
});

describe('startDevice registration', () => {
  it('fails with the RegistrationError and opens no socket', async () => {
    const peer = await httpPeer((_req, res) => res.writeHead(403).end('registration closed'));
    const events: string[] = [];
    const err = await startDevice({ apiUrl: peer.url, uuid: 'u-1', source: createSyntheticEinkSource(), onEvent: (e) => events.push(e.type) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect(events).toEqual([]);
  });
});
