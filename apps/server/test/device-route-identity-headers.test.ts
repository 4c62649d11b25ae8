/**
 * `booxstream_device_route_identity_headers_total`: what `pnpm verify` reads before and after
 * sending a forged identity on a bypass path. Real server, real sockets; the forged headers
 * come from a loopback peer, which the default config trusts as its proxy (the worst case).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN, api, connect, serversPerTest, wsUrl, type TestServer } from './helpers.js';

const server = serversPerTest();

async function counted(s: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^booxstream_device_route_identity_headers_total\{route="([^"]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('identity headers on device routes', () => {
  it('are counted per route and never believed', async () => {
    const s = await server();
    expect(await counted(s)).toEqual({});

    // Plain device traffic is not counted.
    await fetch(`${s.url}/api/hosts/register`, { method: 'POST', body: JSON.stringify({ uuid: randomUUID() }) });
    expect(await counted(s)).toEqual({});

    // A forged admin registers a device: counted, and the device still waits for approval, owned by no one.
    const uuid = randomUUID();
    const reg = await fetch(`${s.url}/api/hosts/register`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ uuid }) });
    expect(reg.status).toBe(201);
    const update = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { X_authentik_username: 'alice' }, body: '{}' });
    expect(update.status).toBe(401);
    expect(((await update.json()) as { error: { code: string } }).error.code).toBe('DEVICE_ERR_TOKEN_MISSING');
    const hosts = (await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as { uuid: string; status: string; owner: string | null }[];
    expect(hosts.find((h) => h.uuid === uuid)).toMatchObject({ status: 'pending', owner: null });

    // The device WebSocket upgrade with a forged identity: counted, and the socket is an unauthenticated device socket.
    const ws = await connect(wsUrl(s, '/android-ws'), ADMIN);
    expect(await counted(s)).toEqual({ register: 1, 'update-ip': 1, 'android-ws': 1 });
    ws.close();
    await ws.closed;
  });
});
