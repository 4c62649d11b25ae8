/**
 * Share links with real sockets: a signed-out viewer watches one device
 * read-only through the link, can do nothing else, and is cut off on revoke and
 * on expiry; the secret never reaches logs or metrics.
 */
import { CloseCode, VIEWER_HEADER_BYTES } from '@booxstream/protocol';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, USER, api, appFrame, approvedDevice, connect, makeJpeg, register, streamingDevice, wsUrl, serversPerTest, type Client,
} from './helpers.js';

const server = serversPerTest();

interface Created { id: string; url: string; expiresAt: number; maxViewers: number | null; state: string }

async function createShare(s: { url: string }, uuid: string, body: unknown = {}, identity: Record<string, string> = ADMIN): Promise<Response> {
  return api(s, `/api/hosts/${uuid}/shares`, {
    method: 'POST', identity, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
}

function splitLink(url: string): { id: string; secret: string; path: string } {
  const u = new URL(url);
  return { id: u.pathname.split('/')[2]!, secret: u.hash.slice(1), path: u.pathname };
}

/** Opens the share stream as the page does: no identity, the secret only in the subprotocol list. */
function shareViewer(s: { url: string }, id: string, secret: string): Promise<Client> {
  return connectWithProtocols(wsUrl(s, `/share/${id}/stream`), ['booxstream.share', `s.${secret}`]);
}

function connectWithProtocols(url: string, protocols: string[]): Promise<Client> {
  return connect(url, {}, { protocols, ack: true });
}

async function refusal(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
  throw new Error('expected the upgrade to be refused');
}

describe('share links', () => {
  it("let a signed-out viewer watch the device's exact JPEG bytes, and nothing else", async () => {
    const s = await server({ webRoot: join(import.meta.dirname, 'fixtures', 'web') });
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const res = await createShare(s, dev.uuid);
    expect(res.status).toBe(201);
    const share = (await res.json()) as Created;
    expect(share.state).toBe('active');
    expect(share.expiresAt - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(share.expiresAt - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    const { id, secret, path } = splitLink(share.url);
    expect(id).toBe(share.id);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The page: no identity headers at all.
    const page = await fetch(`${s.url}${path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<html');

    const watcher = await shareViewer(s, id, secret);
    expect(watcher.ws.protocol).toBe('booxstream.share');
    const jpeg = await makeJpeg(7, 160, 120);
    device.ws.send(appFrame(jpeg));
    await watcher.until(() => watcher.binaries.length === 1, 'a frame through the share');
    expect(watcher.binaries[0]!.subarray(VIEWER_HEADER_BYTES)).toEqual(jpeg);

    // Nothing else: the link is no identity for the API, the other streams or the admin actions.
    for (const p of ['/api/hosts', '/api/me', `/api/hosts/${dev.uuid}/snapshot`, `/api/hosts/${dev.uuid}/history`, `/api/hosts/${dev.uuid}/shares`]) {
      expect((await fetch(`${s.url}${p}`)).status, p).toBe(401);
    }
    expect((await fetch(`${s.url}/api/hosts/${dev.uuid}/approve`, { method: 'POST' })).status).toBe(401);
    expect(await refusal(connect(wsUrl(s, `/api/hosts/${dev.uuid}/stream`)))).toBe(401);
    // The secret opens only its own share's stream, and only as a subprotocol.
    expect(await refusal(shareViewer(s, id, secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')))).toBe(404);
    expect(await refusal(connectWithProtocols(wsUrl(s, `/share/${id}/stream`), ['booxstream.share']))).toBe(404);
    expect(await refusal(connect(wsUrl(s, `/share/${id}/stream?secret=${secret}`)))).toBe(404);

    // The secret is in no log line and no metric.
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).not.toContain(secret);
    expect(s.logs.join('\n')).not.toContain(secret);
    watcher.close();
    device.close();
  });

  it('closes open viewers within a second of revoke; the link then answers 410', async () => {
    const s = await server({ webRoot: join(import.meta.dirname, 'fixtures', 'web') });
    const dev = await approvedDevice(s);
    const share = (await (await createShare(s, dev.uuid)).json()) as Created;
    const { id, secret, path } = splitLink(share.url);
    const a = await shareViewer(s, id, secret);
    const b = await shareViewer(s, id, secret);
    const list = (await (await api(s, `/api/hosts/${dev.uuid}/shares`, { identity: ADMIN })).json()) as { id: string; viewers: number }[];
    expect(list).toEqual([expect.objectContaining({ id, viewers: 2, state: 'active' })]);
    expect(JSON.stringify(list)).not.toContain(secret);

    const t0 = Date.now();
    const del = await api(s, `/api/hosts/${dev.uuid}/shares/${id}`, { method: 'DELETE', identity: ADMIN });
    expect(del.status).toBe(204);
    const [ca, cb] = await Promise.all([a.closed, b.closed]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(ca.code).toBe(CloseCode.ShareEnded);
    expect(cb.code).toBe(CloseCode.ShareEnded);
    expect((await fetch(`${s.url}${path}`)).status).toBe(410);
    expect(await refusal(shareViewer(s, id, secret))).toBe(410);
    const after = (await (await api(s, `/api/hosts/${dev.uuid}/shares`, { identity: ADMIN })).json()) as { state: string }[];
    expect(after[0]!.state).toBe('revoked');
  });

  it('closes open viewers when the share expires', async () => {
    const s = await server({ webRoot: join(import.meta.dirname, 'fixtures', 'web') });
    const dev = await approvedDevice(s);
    const share = (await (await createShare(s, dev.uuid, { expiresInHours: 1 })).json()) as Created;
    const { id, secret, path } = splitLink(share.url);
    // Bring the expiry close by editing the stored row, as time passing would.
    const db = new Database(join(s.dataDir, 'booxstream.db'));
    db.prepare('UPDATE shares SET expires_at = ? WHERE id = ?').run(Date.now() + 400, id);
    db.close();
    const v = await shareViewer(s, id, secret);
    const closed = await v.closed;
    expect(closed.code).toBe(CloseCode.ShareEnded);
    expect((await fetch(`${s.url}${path}`)).status).toBe(410);
    expect(await refusal(shareViewer(s, id, secret))).toBe(410);
  });

  it('holds the viewer limit, and only the owner or an admin manages shares', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const share = (await (await createShare(s, dev.uuid, { maxViewers: 1 })).json()) as Created;
    const { id, secret } = splitLink(share.url);
    const first = await shareViewer(s, id, secret);
    expect(await refusal(shareViewer(s, id, secret))).toBe(429);
    first.close();
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    (await shareViewer(s, id, secret)).close();

    // bob does not own alice's device.
    expect((await createShare(s, dev.uuid, {}, USER)).status).toBe(403);
    expect((await api(s, `/api/hosts/${dev.uuid}/shares/${id}`, { method: 'DELETE', identity: USER })).status).toBe(403);
    // An owner who is not an admin may share their own device.
    const own = await register(s);
    s.approveDevice(own.uuid, 'bob');
    expect((await createShare(s, own.uuid, {}, USER)).status).toBe(201);
  });

  it('refuses bad share requests with the field named', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const cases: [unknown, string][] = [
      [{ expiresInHours: 24 * 31 }, 'expiresInHours'],
      [{ expiresInHours: 0 }, 'expiresInHours'],
      [{ expiresInHours: '24' }, 'expiresInHours'],
      [{ maxViewers: 0 }, 'maxViewers'],
      [{ maxViewers: 1.5 }, 'maxViewers'],
      [{ expires: 3 }, 'expires'],
    ];
    for (const [body, field] of cases) {
      const res = await createShare(s, dev.uuid, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    expect((await api(s, `/api/hosts/${dev.uuid}/shares/AAAAAAAAAAAAAAAA`, { method: 'DELETE', identity: ADMIN })).status).toBe(404);
    expect((await fetch(`${s.url}/share/AAAAAAAAAAAAAAAA`)).status).toBe(404);
    expect((await fetch(`${s.url}/share/not-an-id`)).status).toBe(404);
  });

  it('closes share viewers and forgets the shares when the device is deleted', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const share = (await (await createShare(s, dev.uuid)).json()) as Created;
    const { id, secret } = splitLink(share.url);
    const v = await shareViewer(s, id, secret);
    expect((await api(s, `/api/hosts/${dev.uuid}`, { method: 'DELETE', identity: ADMIN })).status).toBe(204);
    expect((await v.closed).code).toBe(CloseCode.NotFound);
    expect(await refusal(shareViewer(s, id, secret))).toBe(404);
  });
});
