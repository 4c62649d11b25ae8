/**
 * Behaviour that breaking the code on purpose (mutation testing) showed no
 * test held, plus the registration limits: each test here fails when its guard
 * is removed. Real server, real SQLite, real HTTP on loopback.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN, USER, api, approvedDevice, register, serversPerTest } from './helpers.js';

const server = serversPerTest();

function registerRaw(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/hosts/register`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body });
}

async function hostOf(s: { url: string }, uuid: string) {
  const hosts = (await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as { uuid: string; status: string; owner: string | null; name: string | null }[];
  return hosts.find((h) => h.uuid === uuid);
}

describe('device and host rules', () => {
  it('a non-admin owner of a revoked device cannot approve it again', async () => {
    const s = await server();
    const dev = await register(s);
    s.approveDevice(dev.uuid, 'bob');
    expect((await api(s, `/api/hosts/${dev.uuid}/revoke`, { method: 'POST', identity: USER })).status).toBe(200);
    // Revoke keeps the owner, so bob still sees it; approving is for admins only.
    const res = await api(s, `/api/hosts/${dev.uuid}/approve`, { method: 'POST', identity: USER });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'AUTH_ERR_FORBIDDEN' } });
    expect(await hostOf(s, dev.uuid)).toMatchObject({ status: 'revoked', owner: 'bob' });
  });

  it("refuses a revoked device's token on update-ip and keeps the stored address", async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    await api(s, `/api/hosts/${dev.uuid}/revoke`, { method: 'POST', identity: ADMIN });
    const res = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { Authorization: `Bearer ${dev.token}` }, body: '{"public_ip":"198.51.100.9"}' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'DEVICE_ERR_REVOKED' } });
    const again = await register(s, dev.uuid, 'Note Air', '203.0.113.7');
    expect(again.body.host.public_ip).toBe('203.0.113.7');
  });

  it.each([
    ['name', 'Note\u0007Air'],
    ['name', 'Note Air\n'],
    ['name', '\u001b[31mred'],
    ['name', 'Note\u0085Air'],
    ['public_ip', '203.0.113.7\r\nX-Injected: 1'],
    ['public_ip', '\u0000203.0.113.7'],
  ])('refuses control characters in %s (%j) with 400 naming the field, storing nothing', async (field, value) => {
    const s = await server();
    const uuid = randomUUID();
    const res = await registerRaw(s.url, JSON.stringify({ uuid, name: 'Note', public_ip: null, [field]: value }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'HTTP_ERR_INVALID_FIELD', field } });
    expect(await hostOf(s, uuid)).toBeUndefined();
    if (field === 'public_ip') {
      const dev = await approvedDevice(s);
      const ip = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { Authorization: `Bearer ${dev.token}` }, body: JSON.stringify({ public_ip: value }) });
      expect(ip.status).toBe(400);
    }
  });

  it.each(['null', '"text"', '42', 'true', '[]'])('answers a JSON %s body with 400, not 500', async (body) => {
    const s = await server();
    const res = await registerRaw(s.url, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'HTTP_ERR_MALFORMED_JSON' } });
    const dev = await approvedDevice(s);
    const ip = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { Authorization: `Bearer ${dev.token}` }, body });
    expect(ip.status).toBe(400);
  });

  it('answers a snapshot of a device that sent no frame yet with 404, not an empty 200', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const res = await api(s, `/api/hosts/${dev.uuid}/snapshot`, { identity: ADMIN });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'HOST_ERR_NO_FRAME' } });
  });
});

describe('registration limits', () => {
  it('ignores a Cf-Connecting-Ip that is not an IP address: it cannot choose its own rate-limit key', async () => {
    const s = await server({ registerBurst: 3, registerRatePerMinute: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await registerRaw(s.url, JSON.stringify({ uuid: randomUUID() }), { 'cf-connecting-ip': `not-an-ip-${i}` })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
  });

  it('keys the limit by /64 for IPv6 clients, by address for IPv4', async () => {
    const s = await server({ registerBurst: 3, registerRatePerMinute: 1 });
    const from = (ip: string) => registerRaw(s.url, JSON.stringify({ uuid: randomUUID() }), { 'cf-connecting-ip': ip }).then((r) => r.status);
    const sameSlash64 = [];
    for (let i = 1; i <= 5; i++) sameSlash64.push(await from(`2001:db8:1:2:${i}::${i}`));
    expect(sameSlash64).toEqual([201, 201, 201, 429, 429]);
    expect(await from('2001:db8:1:3::1')).toBe(201);
    for (let i = 1; i <= 4; i++) expect(await from(`198.51.100.${i}`)).toBe(201);
  });
});

describe('identity values', () => {
  it('refuses an over-long username with 401 instead of cutting it, so two long names stay two users', async () => {
    const s = await server();
    const long = (tail: string) => ({ 'x-authentik-username': `${'u'.repeat(512)}${tail}`, 'x-authentik-groups': 'users' });
    for (const who of [long('a'), long('b')]) {
      const res = await api(s, '/api/me', { identity: who });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'AUTH_ERR_UNAUTHENTICATED', message: expect.stringMatching(/x-authentik-username.*512/) } });
    }
    const atLimit = await api(s, '/api/me', { identity: { 'x-authentik-username': 'u'.repeat(512) } });
    expect(atLimit.status).toBe(200);
    for (const h of ['x-authentik-email', 'x-authentik-name', 'x-authentik-uid']) {
      expect((await api(s, '/api/me', { identity: { ...USER, [h]: 'x'.repeat(513) } })).status).toBe(401);
    }
    expect((await api(s, '/api/me', { identity: { ...USER, 'x-authentik-groups': 'g|'.repeat(4097) } })).status).toBe(401);
  });
});
