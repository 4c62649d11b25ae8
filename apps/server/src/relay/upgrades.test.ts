import { CloseCode } from '@booxstream/protocol';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { DeviceLookup } from '../device-access.js';
import { HttpError } from '../errors.js';
import { IdentityResolver, identityFailureMessage } from '../identity/identity.js';
import { TrustedProxies } from '../identity/trusted-proxy.js';
import type { HubOptions } from './hub.js';
import { TestSocket } from './test-socket.js';
import { hubFixture, metricValue, type HubFixture } from './test-hub.js';
import { RelayUpgrades, rejectUpgrade, wantsPatches, type UpgradeDeps } from './upgrades.js';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ADMIN = { 'x-authentik-username': 'alice', 'x-authentik-groups': 'authentik Admins' };
const BOB = { 'x-authentik-username': 'bob', 'x-authentik-groups': 'users' };
const CAROL = { username: 'carol', email: null, name: null, uid: null, groups: [], admin: true, source: 'dev' as const };
const SHARE_ID = 'AbCdEfGhIjKlMn_-';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  readonly f: HubFixture;
  readonly upgrades: RelayUpgrades;
  /** The HTTP port (devices, viewers, shares) and the LAN device port. */
  readonly http: number;
  readonly lan: number;
}

async function listen(onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<number> {
  const server: Server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

async function setup(opts: { hub?: Partial<HubOptions>; publicUrl?: string | null; devices?: (f: HubFixture) => DeviceLookup; shareStream?: UpgradeDeps['shareStream'] | null } = {}): Promise<Setup> {
  const f = hubFixture(opts.hub);
  cleanups.push(() => f.dispose());
  const hubOptions = { maxUnauthenticated: 3, maxUnauthenticatedPerAddress: 2, maxViewersPerHost: 2, ...opts.hub };
  const proxies = new TrustedProxies(['127.0.0.1/32']);
  const upgrades = new RelayUpgrades({
    config: { maxMessageBytes: 64 * 1024, publicUrl: opts.publicUrl ?? null, ...hubOptions },
    metrics: f.metrics,
    devices: opts.devices ? opts.devices(f) : f.devices,
    identities: new IdentityResolver({ adminGroups: ['authentik Admins'], devUser: null, devGroups: [] }, proxies),
    proxies,
    hub: f.hub,
    ...(opts.shareStream === null ? {} : { shareStream: opts.shareStream ?? (() => new HttpError(404, 'SHARE_ERR_NOT_FOUND', 'No such share link.')) }),
  });
  return { f, upgrades, http: await listen(upgrades.onHttpPort), lan: await listen(upgrades.onDevicePort) };
}

type Outcome =
  | { readonly open: WebSocket }
  | { readonly status: number; readonly headers: IncomingMessage['headers']; readonly body: unknown };

/** Opens a WebSocket and resolves with the open socket or the HTTP answer that refused it. */
function connect(port: number, path: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.on('open', () => {
      cleanups.push(() => ws.terminate());
      resolve({ open: ws });
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    ws.on('error', reject);
  });
}

async function opened(port: number, path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const o = await connect(port, path, headers);
  if (!('open' in o)) throw new Error(`refused: ${o.status} ${JSON.stringify(o.body)}`);
  return o.open;
}

function refused(status: number, code: string, message: string, field?: string) {
  return { status, body: { error: field === undefined ? { code, message } : { code, message, field } } };
}

function next(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
}

const viewerPath = (uuid = UUID, query = '') => `/api/hosts/${uuid}/stream${query}`;

describe('RelayUpgrades: routing', () => {
  it('takes device sockets at /android-ws on the HTTP port, query string or not', async () => {
    const { f, http } = await setup();
    const { token } = f.devices.register(UUID, 'Note', null, 'approved');
    const ws = await opened(http, '/android-ws?v=1');
    expect(ws.extensions).toBe('');
    expect(f.hub.deviceSocketCount).toBe(1);
    const reply = next(ws);
    ws.send(JSON.stringify({ type: 'auth', token }));
    expect(await reply).toEqual({ type: 'authenticated', uuid: UUID, protocols: ['json-base64/1', 'binary/1'] });
  });

  it('answers an unknown path with 404 and the JSON error, and closes', async () => {
    const { http } = await setup();
    const o = await connect(http, '/nope?x=1');
    expect(o).toMatchObject(refused(404, 'HTTP_ERR_NOT_FOUND', 'No WebSocket endpoint at /nope.'));
    expect(o).toMatchObject({ headers: { connection: 'close', 'content-type': 'application/json; charset=utf-8' } });
    expect(await connect(http, `/api/hosts/${UUID}/stream/x`)).toMatchObject({ status: 404 });
    expect(await connect(http, `/x/api/hosts/${UUID}/stream`)).toMatchObject({ status: 404 });
    expect(await connect(http, '/android-ws/')).toMatchObject({ status: 404 });
  });

  it('takes device sockets at the LAN port\'s root or /android-ws, and nothing else there', async () => {
    const { f, lan } = await setup();
    await opened(lan, '/');
    await opened(lan, '/android-ws');
    expect(f.hub.deviceSocketCount).toBe(2);
    expect(await connect(lan, '/other?x')).toMatchObject(refused(404, 'HTTP_ERR_NOT_FOUND', 'The device WebSocket is at the root path, not /other.'));
    expect(await connect(lan, viewerPath())).toMatchObject({ status: 404 });
  });

  it('hands share stream paths to the share gate with their id, and answers its refusal', async () => {
    const seen: string[] = [];
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => wss.close());
    const { http } = await setup({
      shareStream: (req, socket, head, id) => {
        seen.push(id);
        if (id !== SHARE_ID) return new HttpError(410, 'SHARE_ERR_EXPIRED', 'This share link has expired.');
        wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`shared ${String(m)}`)));
        return null;
      },
    });
    const ws = await opened(http, `/share/${SHARE_ID}/stream?patches=1`);
    const echoed = new Promise((r) => ws.once('message', r));
    ws.send('hi');
    expect(String(await echoed)).toBe('shared hi');
    expect(await connect(http, '/share/AAAAAAAAAAAAAAAA/stream')).toMatchObject(refused(410, 'SHARE_ERR_EXPIRED', 'This share link has expired.'));
    expect(seen).toEqual([SHARE_ID, 'AAAAAAAAAAAAAAAA']);
    // Ids are exactly 16 base64url characters.
    expect(await connect(http, '/share/AAAAAAAAAAAAAAA/stream')).toMatchObject({ status: 404 });
    expect(await connect(http, '/share/AAAAAAAAAAAAAAAA./stream')).toMatchObject({ status: 404 });
    expect(await connect(http, '/x/share/AAAAAAAAAAAAAAAA/stream')).toMatchObject({ status: 404 });
    expect(await connect(http, '/share/AAAAAAAAAAAAAAAA/stream/')).toMatchObject({ status: 404 });
    expect(seen).toHaveLength(2);
  });

  it('without a share gate, share paths are unknown', async () => {
    const { http } = await setup({ shareStream: null });
    expect(await connect(http, `/share/${SHARE_ID}/stream`)).toMatchObject(refused(404, 'HTTP_ERR_NOT_FOUND', `No WebSocket endpoint at /share/${SHARE_ID}/stream.`));
  });

  it('after stopAccepting every upgrade gets 503, on both ports', async () => {
    const { f, upgrades, http, lan } = await setup();
    f.devices.register(UUID, 'Note', null, 'approved');
    upgrades.stopAccepting();
    const gone = refused(503, 'SERVER_ERR_NOT_READY', 'The server is shutting down.');
    expect(await connect(http, '/android-ws')).toMatchObject(gone);
    expect(await connect(http, viewerPath(), ADMIN)).toMatchObject(gone);
    expect(await connect(lan, '/')).toMatchObject(gone);
    expect(f.hub.deviceSocketCount).toBe(0);
    expect(f.hub.viewerCount).toBe(0);
  });
});

describe('RelayUpgrades: device sockets', () => {
  it('refuses a device socket with 429 once an address has its unauthenticated share, counted by reason', async () => {
    const { f, http } = await setup();
    await opened(http, '/android-ws', { 'x-forwarded-for': '198.51.100.1' });
    await opened(http, '/android-ws', { 'x-forwarded-for': '198.51.100.1' });
    const o = await connect(http, '/android-ws', { 'x-forwarded-for': '198.51.100.1' });
    expect(o).toMatchObject(refused(429, 'HTTP_ERR_TOO_MANY_SOCKETS', 'Too many device connections from this address have not authenticated yet (at most 2); retry in a few seconds.'));
    expect(o).toMatchObject({ headers: { 'retry-after': '5' } });
    // Another address (the proxy's client, not the proxy) still gets in.
    await opened(http, '/android-ws', { 'x-forwarded-for': '198.51.100.2' });
    expect(await metricValue(f.metrics, 'booxstream_upgrades_refused_total', { reason: 'unauthenticated-per-address' })).toBe(1);
    expect(await connect(http, '/android-ws', { 'x-forwarded-for': '198.51.100.3' })).toMatchObject(
      refused(429, 'HTTP_ERR_TOO_MANY_SOCKETS', 'Too many device connections on this server have not authenticated yet (at most 3); retry in a few seconds.'),
    );
    expect(await metricValue(f.metrics, 'booxstream_upgrades_refused_total', { reason: 'unauthenticated-total' })).toBe(1);
    expect(f.hub.deviceSocketCount).toBe(3);
  });

  it('counts identity headers on the device route and never reads them', async () => {
    const { f, http, lan } = await setup();
    await opened(http, '/android-ws');
    expect(await metricValue(f.metrics, 'booxstream_device_route_identity_headers_total')).toBe(0);
    const ws = await opened(lan, '/', ADMIN);
    expect(await metricValue(f.metrics, 'booxstream_device_route_identity_headers_total', { route: 'android-ws' })).toBe(1);
    // Still just an unauthenticated device socket.
    const reply = next(ws);
    ws.send(JSON.stringify({ type: 'auth', token: 'made-up' }));
    expect(await reply).toMatchObject({ type: 'error' });
  });

  it('bounds a device message by maxMessageBytes and skips UTF-8 validation', async () => {
    const { http } = await setup();
    const ws = await opened(http, '/android-ws');
    const shut = closed(ws);
    ws.send(Buffer.alloc(64 * 1024 + 1), { binary: true });
    expect((await shut).code).toBe(1009);
    const ws2 = await opened(http, '/android-ws');
    const reply = next(ws2);
    // Invalid UTF-8 in a text message: the parser answers it, ws does not close with 1007.
    ws2.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
    expect(await reply).toMatchObject({ type: 'error' });
  });
});

describe('RelayUpgrades: viewer sockets', () => {
  it('takes a signed-in viewer who may see the device: status first, patches when asked', async () => {
    const { f, http } = await setup();
    f.devices.register(UUID, 'Note', null, 'approved');
    const ws = new WebSocket(`ws://127.0.0.1:${http}${viewerPath(UUID.toUpperCase())}`, { headers: ADMIN });
    cleanups.push(() => ws.terminate());
    expect(await next(ws)).toEqual({ type: 'status', uuid: UUID, status: 'approved', streaming: false });
    expect(ws.extensions).toBe('');
    expect(f.hub.viewerCount).toBe(1);
    expect(f.hub.relayStats(UUID)!.viewers.map((v) => v.username)).toEqual(['alice']);
    // A percent-encoded uuid is decoded.
    await opened(http, viewerPath(encodeURIComponent(UUID).replace('-', '%2D')), ADMIN);
    expect(f.hub.viewerCount).toBe(2);
  });

  it('refuses a viewer without identity with 401 and the reason', async () => {
    const { f, http } = await setup();
    f.devices.register(UUID, 'Note', null, 'approved');
    expect(await connect(http, viewerPath())).toMatchObject(refused(401, 'AUTH_ERR_UNAUTHENTICATED', identityFailureMessage('no-headers')));
    expect(f.hub.viewerCount).toBe(0);
  });

  it('refuses a page from another origin with 403; the same origin and no origin are let in', async () => {
    const { f, http } = await setup({ publicUrl: 'https://booxstream.example.dev' });
    f.devices.register(UUID, 'Note', null, 'approved');
    expect(await connect(http, viewerPath(), { ...ADMIN, origin: 'https://evil.example' })).toMatchObject(
      refused(403, 'AUTH_ERR_BAD_ORIGIN', 'The page that opened this WebSocket is not served by this server.'),
    );
    expect(await connect(http, viewerPath(), { ...ADMIN, origin: 'http://booxstream.example.dev' })).toMatchObject({ status: 403 });
    await opened(http, viewerPath(), { ...ADMIN, origin: 'https://booxstream.example.dev' });
    await opened(http, viewerPath(), ADMIN);
    expect(f.hub.viewerCount).toBe(2);
  });

  it('refuses a bad uuid (400), an unknown device (404) and someone else\'s device (403)', async () => {
    const { f, http } = await setup();
    f.devices.register(UUID, 'Note', null, 'approved');
    f.devices.setStatus(UUID, 'approved', 'alice', 1);
    expect(await connect(http, viewerPath('not-a-uuid'), ADMIN)).toMatchObject(refused(400, 'HTTP_ERR_INVALID_FIELD', 'The uuid in the path is not a UUID.', 'uuid'));
    expect(await connect(http, viewerPath('%E0%A4%A'), ADMIN)).toMatchObject(refused(400, 'HTTP_ERR_INVALID_FIELD', 'The uuid in the path is not a UUID.', 'uuid'));
    expect(await connect(http, viewerPath('1a2b3c4d-0000-4000-8000-000000000002'), ADMIN)).toMatchObject(
      refused(404, 'HOST_ERR_NOT_FOUND', 'No device with this uuid is registered.', 'uuid'),
    );
    expect(await connect(http, viewerPath(), BOB)).toMatchObject(refused(403, 'HOST_ERR_FORBIDDEN', 'This device belongs to someone else.', 'uuid'));
    expect(f.hub.viewerCount).toBe(0);
  });

  it('refuses a viewer over maxViewersPerHost with 429', async () => {
    const { f, http } = await setup({ hub: { maxViewersPerHost: 1 } });
    f.devices.register(UUID, 'Note', null, 'approved');
    await opened(http, viewerPath(), ADMIN);
    expect(await connect(http, viewerPath(), ADMIN)).toMatchObject(refused(429, 'HOST_ERR_TOO_MANY_VIEWERS', 'This device already has 1 viewers.'));
    expect(f.hub.viewerCount).toBe(1);
  });

  it('closes a viewer whose device was deleted, or whose host filled up, during the handshake', async () => {
    // The second lookup is the one after the handshake: `meanwhile` runs just before it.
    let meanwhile: ((f: HubFixture) => void) | null = null;
    let lookups = 0;
    const { f, http } = await setup({
      hub: { maxViewersPerHost: 1 },
      devices: (fx) => ({
        get(uuid) {
          if (++lookups === 2) meanwhile?.(fx);
          return fx.devices.get(uuid);
        },
      }),
    });
    f.devices.register(UUID, 'Note', null, 'approved');
    meanwhile = (fx) => fx.devices.delete(UUID);
    const gone = await opened(http, viewerPath(), ADMIN);
    expect(await closed(gone)).toEqual({ code: CloseCode.NotFound, reason: 'host removed' });
    expect(f.hub.viewerCount).toBe(0);
    f.devices.register(UUID, 'Note', null, 'approved');
    lookups = 0;
    meanwhile = (fx) => fx.hub.addViewer(new TestSocket().socket, fx.devices.get(UUID)!, CAROL);
    const full = await opened(http, viewerPath(), ADMIN);
    expect(await closed(full)).toEqual({ code: CloseCode.TooManyViewers, reason: 'too many viewers' });
    expect(f.hub.relayStats(UUID)!.viewers.map((v) => v.username)).toEqual(['carol']);
  });

  it('bounds a viewer message at 4096 bytes and skips UTF-8 validation', async () => {
    const { f, http } = await setup();
    f.devices.register(UUID, 'Note', null, 'approved');
    const ws = await opened(http, viewerPath(), ADMIN);
    ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
    ws.send(Buffer.alloc(4096), { binary: true });
    const shut = closed(ws);
    ws.send(Buffer.alloc(4097), { binary: true });
    expect((await shut).code).toBe(1009);
  });
});

describe('wantsPatches', () => {
  it('is true only for patches=1 in the query', () => {
    expect(wantsPatches(undefined)).toBe(false);
    expect(wantsPatches('/api/hosts/x/stream')).toBe(false);
    expect(wantsPatches('/api/hosts/x/stream?patches=1')).toBe(true);
    expect(wantsPatches('/api/hosts/x/stream?a=2&patches=1')).toBe(true);
    expect(wantsPatches('/api/hosts/x/stream?patches=0')).toBe(false);
    expect(wantsPatches('/api/hosts/x/stream?patches=true')).toBe(false);
    expect(wantsPatches('?patches=1')).toBe(true);
    expect(wantsPatches('/patches=1')).toBe(false);
  });
});

describe('rejectUpgrade', () => {
  /** What rejectUpgrade writes to a socket, and whether it then destroyed it. */
  async function written(err: HttpError): Promise<{ text: string; destroyed: boolean }> {
    const socket = new PassThrough();
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const done = new Promise<void>((resolve) => socket.once('close', resolve));
    rejectUpgrade(socket, err);
    await done;
    return { text, destroyed: socket.destroyed };
  }

  it('writes a complete HTTP answer with the JSON error and extra headers, then destroys the socket', async () => {
    const body = '{"error":{"code":"HTTP_ERR_TOO_MANY_SOCKETS","message":"wait"}}';
    expect(await written(new HttpError(429, 'HTTP_ERR_TOO_MANY_SOCKETS', 'wait', undefined, { 'Retry-After': '5', 'X-A': 'b' }))).toEqual({
      text: `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 5\r\nX-A: b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      destroyed: true,
    });
  });

  it.each([
    [400, 'Bad Request'], [401, 'Unauthorized'], [403, 'Forbidden'], [404, 'Not Found'], [410, 'Gone'], [429, 'Too Many Requests'], [503, 'Service Unavailable'], [418, 'Error'],
  ])('names status %i "%s"', async (status, phrase) => {
    const { text } = await written(new HttpError(status, 'SERVER_ERR_INTERNAL', 'é'));
    expect(text.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${phrase}`);
    // Content-Length counts bytes, not characters.
    expect(text).toContain(`Content-Length: ${Buffer.byteLength('{"error":{"code":"SERVER_ERR_INTERNAL","message":"é"}}')}\r\n`);
  });

  it('destroys a socket it can no longer write to, writing nothing', () => {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.end();
    expect(socket.writable).toBe(false);
    rejectUpgrade(socket, new HttpError(404, 'HTTP_ERR_NOT_FOUND', 'x'));
    expect(socket.destroyed).toBe(true);
    expect(chunks).toEqual([]);
  });
});
