/**
 * Identity rules: Authentik headers are believed only from a trusted proxy
 * (default 127.0.0.1/32 and ::1/128); device routes never read them. A client
 * on 127.0.0.2 is a real loopback peer outside the default trusted list.
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/index.js';
import {
  ADMIN, USER, api, appFrame, approvedDevice, makeJpeg, register, streamingDevice, viewer, wsUrl, type TestServer, serversPerTest,
} from './helpers.js';

// Listen on all loopback addresses so 127.0.0.2 can connect.
const server = serversPerTest({ host: '0.0.0.0' });

/** An HTTP request from a chosen local address. */
function from(localAddress: string, s: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, method, path, headers, localAddress }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('viewer identity', () => {
  it('refuses spoofed Authentik headers from an untrusted peer with 401 on the API, the page and the stream', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const me = await from('127.0.0.2', s, 'GET', '/api/me', ADMIN);
    expect(me.status).toBe(401);
    expect(JSON.parse(me.body)).toMatchObject({ error: { code: 'AUTH_ERR_UNAUTHENTICATED', message: expect.stringMatching(/Sign in through the gateway/) } });
    expect((await from('127.0.0.2', s, 'GET', '/api/hosts', ADMIN)).status).toBe(401);
    expect((await from('127.0.0.2', s, 'POST', `/api/hosts/${dev.uuid}/revoke`, ADMIN)).status).toBe(401);
    const page = await from('127.0.0.2', s, 'GET', '/', ADMIN);
    expect(page.status).toBe(401);
    expect(page.body).toContain('Sign in through the gateway');
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(s, `/api/hosts/${dev.uuid}/stream`), { headers: ADMIN, localAddress: '127.0.0.2' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgrade accepted from an untrusted peer')));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
    // The same headers from the trusted proxy are believed.
    expect((await from('127.0.0.1', s, 'GET', '/api/me', ADMIN)).status).toBe(200);
  });

  it('trusts a peer only when TRUSTED_PROXIES lists it', async () => {
    const s = await server(parseConfigOverrides({ TRUSTED_PROXIES: '127.0.0.2/32' }));
    expect((await from('127.0.0.2', s, 'GET', '/api/me', USER)).status).toBe(200);
    expect((await from('127.0.0.1', s, 'GET', '/api/me', USER)).status).toBe(401);
  });

  it('without headers: 401 JSON on the API', async () => {
    const s = await server();
    const res = await api(s, '/api/hosts');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('device routes ignore identity headers, even an admin\'s from the trusted proxy', async () => {
    const s = await server();
    // Registration works from an untrusted peer that sends spoofed headers, and the headers grant nothing.
    const uuid = randomUUID();
    const reg = await from('127.0.0.2', s, 'POST', '/api/hosts/register', { ...ADMIN, 'Content-Type': 'application/json' }, JSON.stringify({ uuid, name: 'x', public_ip: null }));
    expect(reg.status).toBe(201);
    const { token } = JSON.parse(reg.body) as { token: string };
    const ws = await new Promise<{ texts: unknown[]; code: number }>((resolve) => {
      const texts: unknown[] = [];
      const c = new WebSocket(wsUrl(s, '/android-ws'), { headers: ADMIN });
      c.on('open', () => c.send(JSON.stringify({ type: 'auth', token })));
      c.on('message', (d) => texts.push(JSON.parse(d.toString())));
      c.on('close', (code) => resolve({ texts, code }));
    });
    expect(ws.texts[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/waiting for an administrator/) });
    const hosts = (await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as { status: string; owner: string | null }[];
    expect(hosts).toMatchObject([{ status: 'pending', owner: null }]);
  });

  it('shows a device to its owner and admins only; only admins approve', async () => {
    const s = await server();
    const dev = await register(s);
    expect((await api(s, `/api/hosts/${dev.uuid}/approve`, { method: 'POST', identity: USER })).status).toBe(403);
    s.approveDevice(dev.uuid, 'carol');
    const carol = { 'x-authentik-username': 'carol' };
    expect(await (await api(s, '/api/hosts', { identity: carol })).json()).toMatchObject([{ uuid: dev.uuid, owner: 'carol' }]);
    expect(await (await api(s, '/api/hosts', { identity: USER })).json()).toEqual([]);
    const forbidden = await api(s, `/api/hosts/${dev.uuid}/snapshot`, { identity: USER });
    expect(forbidden.status).toBe(403);
    await expect(viewer(s, dev.uuid, USER)).rejects.toMatchObject({ status: 403 });
    const own = await viewer(s, dev.uuid, carol);
    own.close();
    expect((await api(s, `/api/hosts/${randomUUID()}/snapshot`, { identity: ADMIN })).status).toBe(404);
    const badUuid = await api(s, '/api/hosts/not-a-uuid/snapshot', { identity: ADMIN });
    expect(badUuid.status).toBe(400);
    expect(await badUuid.json()).toMatchObject({ error: { code: 'HTTP_ERR_INVALID_FIELD', field: 'uuid' } });
  });

  it('refuses a viewer WebSocket opened by a page from another origin', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    await expect(viewer(s, dev.uuid, { ...ADMIN, Origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    const host = new URL(s.url).host;
    const ok = await viewer(s, dev.uuid, { ...ADMIN, Origin: `http://${host}` });
    ok.close();
  });

  it('DEV_USER gives a local identity only on a loopback HOST', async () => {
    expect(() => parseConfig({ DEV_USER: 'me', HOST: '0.0.0.0' })).toThrow(/DEV_USER/);
    const s = await server({ host: '127.0.0.1', devUser: 'me' });
    const me = (await (await api(s, '/api/me')).json()) as { username: string; admin: boolean; source: string };
    expect(me).toMatchObject({ username: 'me', admin: true, source: 'dev' });
    // Proxy headers still win when present.
    expect(await (await api(s, '/api/me', { identity: USER })).json()).toMatchObject({ username: 'bob', source: 'proxy' });
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid, {});
    device.ws.send(appFrame(await makeJpeg(1)));
    await v.until(() => v.binaries.length === 1, 'frame for the dev identity');
    device.close();
    v.close();
  });
});

function parseConfigOverrides(env: Record<string, string>) {
  const { trustedProxies } = parseConfig(env);
  return { trustedProxies };
}
