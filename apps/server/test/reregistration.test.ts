/**
 * Re-registration bound to the device's network: a known uuid that registers
 * again from another client network (IPv4 /24, IPv6 /64) gets a token that waits
 * for the owner's confirmation, while the current token keeps streaming. Real
 * server and SQLite; client networks are real loopback peers (127.0.0.0/8, all
 * local on Linux) or what the trusted proxy (127.0.0.1) reports in Cf-Connecting-Ip.
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { CloseCode } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN, USER, api, register, streamingDevice, serversPerTest, type TestServer } from './helpers.js';

const server = serversPerTest({ host: '0.0.0.0' });

interface Registered { status: number; token: string; body: { success: boolean; token: string; host: { uuid: string; public_ip: string | null; name: string | null } } }

/** The app's exact registration call, from a chosen local address and with optional proxy headers. */
function registerFrom(s: TestServer, localAddress: string, uuid: string, headers: Record<string, string> = {}): Promise<Registered> {
  const body = JSON.stringify({ uuid, public_ip: '203.0.113.7', name: 'Note Air' });
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/api/hosts/register', localAddress, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const parsed = JSON.parse(text) as Registered['body'];
        resolve({ status: res.statusCode ?? 0, token: parsed.token, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const viaProxy = (s: TestServer, uuid: string, client: string) => registerFrom(s, '127.0.0.1', uuid, { 'Cf-Connecting-Ip': client });

async function expectStreams(s: TestServer, token: string, uuid: string): Promise<void> {
  const d = await streamingDevice(s, token);
  expect(d.texts[0]).toMatchObject({ type: 'authenticated', uuid });
  d.close();
  await d.closed;
}

async function expectRefused(s: TestServer, token: string, message: RegExp, code: number): Promise<void> {
  const d = await streamingDevice(s, token);
  expect(d.texts[0]).toEqual({ type: 'error', message: expect.stringMatching(message) });
  expect((await d.closed).code).toBe(code);
}

async function hostsOf(s: TestServer, identity: Record<string, string> = ADMIN) {
  return (await (await api(s, '/api/hosts', { identity })).json()) as { uuid: string; status: string; owner: string | null; reregistration: { network: string; at: number } | null }[];
}

function auditEvents(s: TestServer): { event: string; actor: string | null; detail: string | null }[] {
  const db = new Database(join(s.dataDir, 'booxstream.db'), { readonly: true });
  try {
    return db.prepare('SELECT event, actor, detail FROM audit_log ORDER BY id').all() as { event: string; actor: string | null; detail: string | null }[];
  } finally {
    db.close();
  }
}

describe('re-registration from the same network', () => {
  it('gives a fresh token with the same status and refuses the older one (real peers in one /24)', async () => {
    const s = await server();
    const uuid = randomUUID();
    const first = await registerFrom(s, '127.0.0.5', uuid);
    expect(first.status).toBe(201);
    s.approveDevice(uuid, 'bob');
    const again = await registerFrom(s, '127.0.0.77', uuid);
    expect(again.status).toBe(200);
    await expectRefused(s, first.token, /registered again; the older token was replaced/, CloseCode.Unauthorized);
    await expectStreams(s, again.token, uuid);
    expect((await hostsOf(s))[0]).toMatchObject({ status: 'approved', owner: 'bob', reregistration: null });
  });

  it('treats addresses in one IPv6 /64, as reported by the trusted proxy, as one network', async () => {
    const s = await server();
    const uuid = randomUUID();
    const first = await viaProxy(s, uuid, '2001:db8:1:2::5');
    s.approveDevice(uuid, 'bob');
    const same = await viaProxy(s, uuid, '2001:db8:1:2:aaaa::9');
    await expectRefused(s, first.token, /older token was replaced/, CloseCode.Unauthorized);
    await expectStreams(s, same.token, uuid);
    const other = await viaProxy(s, uuid, '2001:db8:1:3::5');
    await expectRefused(s, other.token, /registered again from a new network/, CloseCode.PendingApproval);
    expect((await hostsOf(s))[0]!.reregistration).toMatchObject({ network: '2001:db8:1:3::/64' });
  });
});

describe('re-registration from another network', () => {
  it('answers the app as usual, keeps the current token working, and needs the owner to confirm', async () => {
    const s = await server();
    const uuid = randomUUID();
    const real = await registerFrom(s, '127.0.0.5', uuid);
    s.approveDevice(uuid, 'bob');

    const other = await registerFrom(s, '127.0.1.5', uuid);
    // Exactly what the app's Gson parse needs; nothing tells an attacker the token is useless.
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ success: true, token: expect.any(String), host: { uuid, public_ip: '203.0.113.7', name: 'Note Air' } });
    await expectRefused(s, other.token, /registered again from a new network.*owner must confirm/, CloseCode.PendingApproval);
    const ip = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { Authorization: `Bearer ${other.token}` }, body: '{"public_ip":"6.6.6.6"}' });
    expect(ip.status).toBe(403);
    expect(await ip.json()).toMatchObject({ error: { code: 'DEVICE_ERR_UNCONFIRMED' } });
    // The real tablet is not locked out.
    await expectStreams(s, real.token, uuid);

    // The owner sees it; someone else cannot confirm it.
    const [host] = await hostsOf(s, USER);
    expect(host).toMatchObject({ uuid, owner: 'bob', reregistration: { network: '127.0.1.0/24', at: expect.any(Number) } });
    const carol = { 'x-authentik-username': 'carol', 'x-authentik-groups': 'users' };
    expect((await api(s, `/api/hosts/${uuid}/confirm-network`, { method: 'POST', identity: carol })).status).toBe(403);

    const confirmed = await api(s, `/api/hosts/${uuid}/confirm-network`, { method: 'POST', identity: USER });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ uuid, status: 'approved', owner: 'bob', reregistration: null });
    await expectStreams(s, other.token, uuid);
    await expectRefused(s, real.token, /older token was replaced/, CloseCode.Unauthorized);
    // Confirmed: the new network is now the device's, so registering from it again is ordinary.
    const third = await registerFrom(s, '127.0.1.9', uuid);
    await expectStreams(s, third.token, uuid);
    expect((await api(s, `/api/hosts/${uuid}/confirm-network`, { method: 'POST', identity: USER })).status).toBe(404);

    const events = auditEvents(s).map((e) => [e.event, e.actor, e.detail]);
    expect(events).toContainEqual(['reregister_unconfirmed', '127.0.1.5', expect.stringMatching(/from network 127\.0\.1\.0\/24/)]);
    expect(events).toContainEqual(['confirm_network', 'bob', 'network 127.0.1.0/24']);
  });

  it('refuses to confirm a network other than the one the person was shown (a newer re-registration replaced it)', async () => {
    const s = await server();
    const uuid = randomUUID();
    const real = await viaProxy(s, uuid, '198.51.100.7');
    s.approveDevice(uuid, 'alice');
    const moved = await viaProxy(s, uuid, '192.0.2.1');
    const later = await viaProxy(s, uuid, '203.0.113.9');
    const confirm = (body: string) => api(s, `/api/hosts/${uuid}/confirm-network`, { method: 'POST', identity: ADMIN, body });
    const stale = await confirm('{"network":"192.0.2.0/24"}');
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: { code: 'HOST_ERR_REREGISTRATION_CHANGED', field: 'network', message: expect.stringContaining('203.0.113.0/24') } });
    expect((await confirm('{"network":5}')).status).toBe(400);
    await expectStreams(s, real.token, uuid);
    await expectRefused(s, later.token, /new network/, CloseCode.PendingApproval);
    // The older waiting token was replaced by the newer one.
    await expectRefused(s, moved.token, /older token was replaced/, CloseCode.Unauthorized);
    expect((await confirm('{"network":"203.0.113.0/24"}')).status).toBe(200);
    await expectStreams(s, later.token, uuid);
  });

  it('a dismissed re-registration leaves its token unknown and the current one working', async () => {
    const s = await server();
    const uuid = randomUUID();
    const real = await viaProxy(s, uuid, '198.51.100.7');
    s.approveDevice(uuid, 'alice');
    const other = await viaProxy(s, uuid, '192.0.2.1');
    const res = await api(s, `/api/hosts/${uuid}/dismiss-network`, { method: 'POST', identity: ADMIN });
    expect(res.status).toBe(200);
    await expectRefused(s, other.token, /not known to the server/, CloseCode.Unauthorized);
    await expectStreams(s, real.token, uuid);
    expect(auditEvents(s).map((e) => e.event)).toContain('dismiss_network');
  });

  it('a pending device has nothing to take over: it re-registers from anywhere as before', async () => {
    const s = await server();
    const uuid = randomUUID();
    const first = await viaProxy(s, uuid, '198.51.100.7');
    const second = await viaProxy(s, uuid, '192.0.2.1');
    expect((await hostsOf(s))[0]).toMatchObject({ status: 'pending', reregistration: null });
    await expectRefused(s, first.token, /older token was replaced/, CloseCode.Unauthorized);
    await expectRefused(s, second.token, /waiting for an administrator/, CloseCode.PendingApproval);
    // Approved later: bound to the network of its last registration.
    s.approveDevice(uuid, 'alice');
    const third = await viaProxy(s, uuid, '198.51.100.7');
    await expectRefused(s, third.token, /new network/, CloseCode.PendingApproval);
  });

  it('REREGISTRATION=any keeps the old behaviour: any network replaces the token', async () => {
    const s = await server({ reregistration: 'any' });
    const uuid = randomUUID();
    const first = await viaProxy(s, uuid, '198.51.100.7');
    s.approveDevice(uuid, 'alice');
    const other = await viaProxy(s, uuid, '192.0.2.1');
    await expectStreams(s, other.token, uuid);
    await expectRefused(s, first.token, /older token was replaced/, CloseCode.Unauthorized);
  });

  it('a device registered before networks were recorded adopts the network of its next registration', async () => {
    const s = await server();
    const uuid = randomUUID();
    await register(s, uuid);
    s.approveDevice(uuid, 'alice');
    const db = new Database(join(s.dataDir, 'booxstream.db'));
    db.prepare('UPDATE devices SET network = NULL').run();
    db.close();
    const adopted = await viaProxy(s, uuid, '192.0.2.1');
    await expectStreams(s, adopted.token, uuid);
    const moved = await viaProxy(s, uuid, '198.51.100.7');
    await expectRefused(s, moved.token, /new network/, CloseCode.PendingApproval);
  });
});
