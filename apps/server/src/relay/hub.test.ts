import { CloseCode, VIEWER_HEADER_BYTES, ViewerFrameKind, decodeViewerFrameHeader, encodeViewerAck } from '@booxstream/protocol';
import sharp from 'sharp';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceRow } from '../db/devices.js';
import { DEVICE_MESSAGES, type HubOptions } from './hub.js';
import { truncateReason } from './device-session.js';
import { hubFixture, metricValue, type HubFixture } from './test-hub.js';
import { TestSocket } from './test-socket.js';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const UUID2 = '1a2b3c4d-0000-4000-8000-000000000002';
const PREFIX = UUID.slice(0, 8);
const ALICE = { username: 'alice', email: null, name: null, uid: null, groups: [], admin: true, source: 'dev' as const };
const BOB = { username: 'bob', email: null, name: null, uid: null, groups: [], admin: false, source: 'proxy' as const };
const JPEG = (n: number): Buffer => Buffer.from([0xff, 0xd8, 0xff, 0xe0, n & 0xff, 0xff, 0xd9]);
const appFrame = (n: number): string => `{"type":"frame","data":"${JPEG(n).toString('base64')}","timestamp":1700000000000}`;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const fixtures: HubFixture[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(T0);
});

afterEach(() => {
  for (const f of fixtures.splice(0)) f.dispose();
  vi.useRealTimers();
});

/** A hub over real parts (test-hub.ts), and helpers to play devices and viewers on fake sockets. */
function setup(over: Partial<HubOptions> = {}) {
  const f = hubFixture(over);
  fixtures.push(f);
  const { hub, devices } = f;
  /** A device socket that connected from `address` and sent `token` (if given). */
  const device = (token?: string, address = '203.0.113.9') => {
    const ws = new TestSocket();
    const session = hub.addDevice(ws.socket, address);
    if (token !== undefined) ws.receive(JSON.stringify({ type: 'auth', token }));
    return { ws, session };
  };
  const viewer = (row: DeviceRow, identity: typeof ALICE | typeof BOB = ALICE, patches?: boolean, ws = new TestSocket()) => {
    const v = hub.addViewer(ws.socket, row, identity, patches === undefined ? undefined : { patches });
    return { ws, viewer: v };
  };
  const register = (uuid = UUID, status: 'pending' | 'approved' = 'approved') => devices.register(uuid, 'Note', null, status);
  return { ...f, audited: f.limiter.asked, device, viewer, register };
}

const metric = metricValue;

function logged(logs: Record<string, unknown>[], msg: string): Record<string, unknown>[] {
  return logs.filter((l) => l.msg === msg).map(({ level, device, address, reason, replaced, user, err, code }) => ({ level, device, address, reason, replaced, user, err, code }));
}

/** What a refused device sees: the error message, then the close. */
function refusal(ws: TestSocket) {
  return { texts: ws.texts(), closedWith: ws.closedWith };
}

describe('Hub: device admission', () => {
  it('caps unauthenticated device sockets per address and in total, and frees a slot on auth or close', () => {
    const { hub, register, device } = setup();
    const { token } = register();
    expect(hub.deviceAdmission('203.0.113.9')).toBeNull();
    const a1 = device(undefined, '203.0.113.9');
    expect(hub.deviceAdmission('203.0.113.9')).toBeNull();
    device(undefined, '203.0.113.9');
    expect(hub.deviceAdmission('203.0.113.9')).toBe('unauthenticated-per-address');
    expect(hub.deviceAdmission('198.51.100.1')).toBeNull();
    const b = device(undefined, '198.51.100.1');
    expect(hub.deviceAdmission('198.51.100.7')).toBe('unauthenticated-total');
    expect(hub.deviceSocketCount).toBe(3);
    // Authenticating frees its address's slot and the total's.
    a1.ws.receive(JSON.stringify({ type: 'auth', token }));
    expect(a1.session.state).toBe('streaming');
    expect(hub.deviceAdmission('203.0.113.9')).toBeNull();
    expect(hub.deviceAdmission('198.51.100.7')).toBeNull();
    // A later close of an authenticated socket frees nothing twice.
    a1.ws.finishClose();
    expect(hub.deviceAdmission('198.51.100.7')).toBeNull();
    device(undefined, '203.0.113.9');
    // The total is checked first.
    expect(hub.deviceAdmission('203.0.113.9')).toBe('unauthenticated-total');
    expect(hub.deviceAdmission('198.51.100.7')).toBe('unauthenticated-total');
    // Closing an unauthenticated socket frees its slot; its address is forgotten at zero.
    b.ws.finishClose();
    expect(hub.deviceAdmission('198.51.100.7')).toBeNull();
    expect(hub.deviceAdmission('203.0.113.9')).toBe('unauthenticated-per-address');
    device(undefined, '198.51.100.1');
    expect(hub.deviceAdmission('198.51.100.1')).toBe('unauthenticated-total');
    expect(hub.deviceSocketCount).toBe(3);
  });

  it('with one socket allowed per address, the first one already fills it', () => {
    const { hub, device } = setup({ maxUnauthenticatedPerAddress: 1, maxUnauthenticated: 1 });
    device(undefined, '203.0.113.9');
    expect(hub.deviceAdmission('203.0.113.9')).toBe('unauthenticated-total');
    const { hub: hub2, device: device2 } = setup({ maxUnauthenticatedPerAddress: 1, maxUnauthenticated: 5 });
    device2(undefined, '203.0.113.9');
    expect(hub2.deviceAdmission('203.0.113.9')).toBe('unauthenticated-per-address');
  });
});

describe('Hub: authentication', () => {
  it('lets a current, approved token stream: reply, status to viewers, log line with the uuid prefix only', async () => {
    const { hub, register, device, viewer, logs, metrics } = setup();
    const { token, device: row } = register();
    const v = viewer(row);
    expect(v.ws.texts()[0]).toEqual({ type: 'status', uuid: UUID, status: 'approved', streaming: false });
    const d = device(token);
    expect(d.ws.texts()).toEqual([{ type: 'authenticated', uuid: UUID, protocols: ['json-base64/1', 'binary/1'] }]);
    expect(d.ws.closedWith).toBeNull();
    expect(d.session.uuid).toBe(UUID);
    expect(hub.channel(UUID)!.device).toBe(d.session);
    expect(hub.streamingCount).toBe(1);
    expect(v.ws.texts().at(-1)).toEqual({ type: 'status', uuid: UUID, status: 'approved', streaming: true });
    expect(logged(logs, 'device streaming')).toEqual([{ level: 30, device: PREFIX, address: '203.0.113.9', replaced: false }]);
    expect(JSON.stringify(logs)).not.toContain(UUID);
    expect(await metric(metrics, 'booxstream_device_auth_failures_total')).toBe(0);
  });

  it.each([
    ['unknown', CloseCode.Unauthorized, null],
    ['replaced', CloseCode.Unauthorized, PREFIX],
    ['revoked', CloseCode.Unauthorized, PREFIX],
    ['pending', CloseCode.PendingApproval, PREFIX],
    ['unconfirmed', CloseCode.PendingApproval, PREFIX],
  ] as const)('refuses a %s token with close code %i and its message; counted, audited, logged', async (reason, code, prefix) => {
    const { hub, devices, register, device, audit, metrics, logs, audited } = setup();
    let token = 'never-issued';
    if (reason === 'replaced') {
      token = register().token;
      register();
    } else if (reason === 'revoked') {
      token = register().token;
      devices.setStatus(UUID, 'revoked', 'alice', 1);
    } else if (reason === 'pending') {
      token = register(UUID, 'pending').token;
    } else if (reason === 'unconfirmed') {
      devices.register(UUID, 'Note', null, 'approved', T0, { address: '203.0.113.9', network: '203.0.113.0/24', bindToNetwork: true });
      token = devices.register(UUID, 'Note', null, 'approved', T0, { address: '198.51.100.1', network: '198.51.100.0/24', bindToNetwork: true }).token;
    }
    const d = device(token);
    const message = DEVICE_MESSAGES[reason];
    expect(refusal(d.ws)).toEqual({ texts: [{ type: 'error', message }], closedWith: { code, reason: truncateReason(message) } });
    expect(d.session.state).toBe('closed');
    expect(hub.channel(UUID)).toBeUndefined();
    expect(hub.streamingCount).toBe(0);
    expect(await metric(metrics, 'booxstream_device_auth_failures_total', { reason })).toBe(1);
    expect(await metric(metrics, 'booxstream_device_auth_failures_total')).toBe(1);
    expect(audited).toEqual(['203.0.113.9']);
    expect(audit.recent().map(({ event, device_prefix, actor, detail }) => ({ event, device_prefix, actor, detail })))
      .toContainEqual({ event: 'auth_failure', device_prefix: prefix, actor: '203.0.113.9', detail: reason });
    expect(logged(logs, 'device auth refused')).toEqual([{ level: 40, device: prefix, address: '203.0.113.9', reason }]);
  });

  it('counts every refusal but audits only what the limiter allows', async () => {
    const { device, audit, metrics, limiter } = setup();
    device('x');
    limiter.allow = false;
    device('y');
    device('z');
    expect(await metric(metrics, 'booxstream_device_auth_failures_total', { reason: 'unknown' })).toBe(3);
    expect(audit.recent().filter((r) => r.event === 'auth_failure')).toHaveLength(1);
  });

  it('a second connection with the token takes over: the first is closed as replaced', () => {
    const { hub, register, device, viewer, logs } = setup();
    const { token, device: row } = register();
    const v = viewer(row);
    const first = device(token);
    const second = device(token);
    expect(first.ws.closedWith).toEqual({ code: CloseCode.Replaced, reason: truncateReason(DEVICE_MESSAGES.replacedConnection) });
    expect(first.ws.texts().at(-1)).toEqual({ type: 'error', message: DEVICE_MESSAGES.replacedConnection });
    expect(second.ws.closedWith).toBeNull();
    expect(hub.channel(UUID)!.device).toBe(second.session);
    expect(logged(logs, 'device streaming').map((l) => l.replaced)).toEqual([false, true]);
    // The first socket's close does not take the channel from the second.
    first.ws.finishClose();
    expect(hub.channel(UUID)!.device).toBe(second.session);
    expect(hub.streamingCount).toBe(1);
    expect(v.ws.texts().filter((t) => t.type === 'status').map((t) => t.streaming)).toEqual([false, true, true]);
    // The same session authenticating again is not a takeover.
    expect(hub.authenticate(second.session, token)).toMatchObject({ ok: true, uuid: UUID });
    expect(second.ws.closedWith).toBeNull();
  });

  it('a new connection relays its first frame even when it equals the previous connection\'s last one', () => {
    const { register, device, viewer } = setup();
    const { token, device: row } = register();
    const v = viewer(row);
    const first = device(token);
    first.ws.receive(appFrame(1));
    v.ws.flush();
    first.ws.finishClose();
    const second = device(token);
    second.ws.receive(appFrame(1));
    expect(v.ws.binaries().map((f) => decodeViewerFrameHeader(f).seq)).toEqual([1, 2]);
  });
});

describe('Hub: device messages and sockets', () => {
  it('counts a malformed message as rejected, and before auth also as a protocol auth failure', async () => {
    const { register, device, metrics, audit } = setup();
    const { token } = register();
    const a = device();
    a.ws.receive('{not json');
    expect(a.ws.closedWith?.code).toBe(CloseCode.ProtocolError);
    expect(await metric(metrics, 'booxstream_frames_rejected_total')).toBe(1);
    expect(await metric(metrics, 'booxstream_device_auth_failures_total', { reason: 'protocol' })).toBe(1);
    expect(audit.recent()[0]).toMatchObject({ event: 'auth_failure', device_prefix: null, detail: 'protocol' });
    const b = device(token);
    b.ws.receive('{not json');
    expect(b.ws.closedWith).toBeNull();
    expect(await metric(metrics, 'booxstream_frames_rejected_total')).toBe(2);
    expect(await metric(metrics, 'booxstream_device_auth_failures_total')).toBe(1);
  });

  it('counts an auth timeout', async () => {
    const { device, metrics, audit } = setup();
    const d = device();
    vi.advanceTimersByTime(10_000);
    expect(d.ws.closedWith?.code).toBe(CloseCode.AuthTimeout);
    expect(await metric(metrics, 'booxstream_device_auth_failures_total', { reason: 'timeout' })).toBe(1);
    expect(audit.recent()[0]).toMatchObject({ event: 'auth_failure', detail: 'timeout', actor: '203.0.113.9' });
  });

  it('counts a socket error as a rejected message and logs its code', async () => {
    const { register, device, metrics, logs } = setup();
    const { token } = register();
    const d = device(token);
    const anon = device();
    d.ws.emit('error', Object.assign(new Error('too big'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
    anon.ws.emit('error', Object.assign(new Error('bad frame'), { code: 'WS_ERR_INVALID_OPCODE' }));
    expect(await metric(metrics, 'booxstream_frames_rejected_total')).toBe(2);
    expect(logged(logs, 'device socket refused a message')).toEqual([
      { level: 40, device: PREFIX, address: '203.0.113.9', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' },
      { level: 40, device: null, address: '203.0.113.9', code: 'WS_ERR_INVALID_OPCODE' },
    ]);
  });

  it('counts a cut device socket by reason and logs it', async () => {
    const { hub, register, device, metrics, logs } = setup();
    const { token } = register();
    const d = device(token);
    for (let i = 0; i < 7; i++) d.ws.receive('{not json');
    expect(d.ws.closedWith?.code).toBe(CloseCode.TooManyMessages);
    expect(await metric(metrics, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'reject-rate' })).toBe(1);
    expect(await metric(metrics, 'booxstream_sockets_cut_total')).toBe(1);
    expect(logged(logs, 'device socket cut off')).toEqual([{ level: 40, device: PREFIX, address: '203.0.113.9', reason: 'reject-rate' }]);
    // Before auth it has no uuid: too many bytes through the raw socket under it.
    const raw = new EventEmitter();
    const early = new TestSocket();
    hub.addDevice(early.socket, '198.51.100.1', raw);
    raw.emit('data', Buffer.alloc(5000));
    expect(early.closedWith?.code).toBe(CloseCode.MessageTooBig);
    expect(logged(logs, 'device socket cut off').at(-1)).toEqual({ level: 40, device: null, address: '198.51.100.1', reason: 'preauth-bytes' });
    expect(await metric(metrics, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'preauth-bytes' })).toBe(1);
  });

  it('logs a failure while handling a message by uuid prefix and closes with 1011', () => {
    const { register, device, logs } = setup({
      onDistinctFrame: () => {
        throw new Error('disk full');
      },
    });
    const { token } = register();
    const d = device(token);
    d.ws.receive(appFrame(1));
    expect(d.ws.closedWith).toEqual({ code: 1011, reason: 'The server failed to handle this message.' });
    expect(logged(logs, 'device message failed')).toEqual([{ level: 50, device: PREFIX, err: 'disk full' }]);
  });

  it('a device closing stops its stream: viewers are told, last_seen is written, the stop is logged', () => {
    const { hub, register, device, viewer, devices, logs } = setup();
    const { token, device: row } = register();
    const v = viewer(row);
    const d = device(token);
    d.ws.receive(appFrame(1));
    d.ws.finishClose();
    expect(hub.deviceSocketCount).toBe(0);
    expect(hub.streamingCount).toBe(0);
    expect(hub.channel(UUID)!.device).toBeNull();
    expect(v.ws.texts().at(-1)).toEqual({ type: 'status', uuid: UUID, status: 'approved', streaming: false });
    expect(devices.get(UUID)!.last_seen).toBe(T0);
    expect(logged(logs, 'device stopped streaming')).toEqual([{ level: 30, device: PREFIX }]);
  });
});

describe('Hub: viewers', () => {
  it('sends a joining viewer the status, the stats and the latest frame at once, then every new frame', async () => {
    const { hub, register, device, viewer, metrics } = setup();
    const { token, device: row } = register();
    const d = device(token);
    d.ws.receive(appFrame(1));
    const v = viewer(row);
    expect(v.ws.texts()).toEqual([
      { type: 'status', uuid: UUID, status: 'approved', streaming: true },
      { type: 'stats', uuid: UUID, fps: 0, viewers: 1, bytesIn: appFrame(1).length, lastFrameAt: T0, framesIn: 1, framesDeduplicated: 0 },
    ]);
    expect(v.ws.binaries().map((f) => f.subarray(VIEWER_HEADER_BYTES))).toEqual([JPEG(1)]);
    expect(await metric(metrics, 'booxstream_frames_out_total')).toBe(1);
    expect(await metric(metrics, 'booxstream_bytes_out_total')).toBe(VIEWER_HEADER_BYTES + JPEG(1).length);
    // The catch-up frame is not relay latency.
    expect(await metric(metrics, 'booxstream_relay_latency_seconds_count')).toBe(0);
    const joined = v.ws.bufferedAmount;
    v.ws.flush();
    d.ws.receive(appFrame(2));
    expect(v.ws.binaries().map((f) => f.subarray(VIEWER_HEADER_BYTES))).toEqual([JPEG(1), JPEG(2)]);
    expect(hub.relayStats(UUID)).toEqual({
      uuid: UUID, streaming: true, framesIn: 2, framesDeduplicated: 0, framesOut: 2, framesSkipped: 0,
      viewers: [{ username: 'alice', framesSent: 2, framesSkipped: 0, inFlight: true, acking: false, unacked: 2, bufferedBytes: VIEWER_HEADER_BYTES + JPEG(2).length, peakBufferedBytes: joined, patchesSent: 0 }],
    });
    expect(hub.relayStats(UUID2)).toBeNull();
  });

  it('a viewer joining before any frame gets no frame', () => {
    const { register, viewer } = setup();
    const { device: row } = register();
    expect(viewer(row).ws.binaries()).toEqual([]);
  });

  it('is full at maxViewersPerHost viewers, and has room again when one leaves', () => {
    const { hub, register, viewer } = setup();
    const { device: row } = register();
    expect(hub.isFull(UUID)).toBe(false);
    const a = viewer(row);
    expect(hub.isFull(UUID)).toBe(false);
    viewer(row, BOB);
    expect(hub.isFull(UUID)).toBe(true);
    expect(hub.viewerCount).toBe(2);
    a.ws.finishClose();
    expect(hub.isFull(UUID)).toBe(false);
    expect(hub.viewerCount).toBe(1);
    expect(hub.relayStats(UUID)!.viewers.map((s) => s.username)).toEqual(['bob']);
  });

  it('counts a viewer cut off for not reading, and logs it with the user and uuid prefix', async () => {
    const { register, device, viewer, metrics, logs } = setup({ viewerMaxQueuedBytes: 64 });
    const { token, device: row } = register();
    const d = device(token);
    const v = viewer(row);
    v.ws.bufferedAmount = 1000;
    d.ws.receive(appFrame(1));
    expect(v.ws.closedWith?.code).toBe(CloseCode.NotReading);
    expect(await metric(metrics, 'booxstream_sockets_cut_total', { kind: 'viewer', reason: 'not-reading' })).toBe(1);
    expect(logged(logs, 'viewer socket cut off')).toEqual([{ level: 40, device: PREFIX, user: 'alice', reason: 'not-reading' }]);
  });

  it('sends patch viewers frames through the encoder, unless patches are off', () => {
    const on = setup({ patches: undefined });
    const { token, device: row } = on.register();
    const d = on.device(token);
    const whole = on.viewer(row, ALICE);
    const patched = on.viewer(row, BOB, true);
    d.ws.receive(appFrame(1));
    expect(whole.ws.binaries()).toHaveLength(1);
    expect(patched.ws.binaries()).toHaveLength(0);
    expect(whole.viewer.patches).toBe(false);
    expect(patched.viewer.patches).toBe(true);

    const off = setup({ patches: false });
    const r2 = off.register(UUID2);
    const d2 = off.device(r2.token);
    const asks = off.viewer(r2.device, BOB, true);
    d2.ws.receive(appFrame(1));
    expect(asks.ws.binaries()).toHaveLength(1);
  });
});

describe('Hub: admin actions', () => {
  it('approval tells the viewers the new status; unknown hosts are ignored', () => {
    const { hub, register, viewer, devices } = setup();
    const { device: row } = register(UUID, 'pending');
    const v = viewer(row);
    expect(v.ws.texts()[0]).toMatchObject({ status: 'pending' });
    hub.onApproved(devices.setStatus(UUID, 'approved', 'alice', T0)!);
    expect(v.ws.texts().at(-1)).toEqual({ type: 'status', uuid: UUID, status: 'approved', streaming: false });
    expect(hub.channel(UUID)!.status).toBe('approved');
    hub.onApproved({ ...row, uuid: UUID2 });
    hub.onRevoked({ ...row, uuid: UUID2 });
    hub.onDeleted(UUID2);
    expect(hub.channel(UUID2)).toBeUndefined();
  });

  it('revocation closes the streaming device with 4001 and the revoked message, and tells the viewers', () => {
    const { hub, register, device, viewer, devices } = setup();
    const { token, device: row } = register();
    const v = viewer(row);
    const d = device(token);
    hub.onRevoked(devices.setStatus(UUID, 'revoked', 'alice', null)!);
    expect(d.ws.closedWith).toEqual({ code: CloseCode.Unauthorized, reason: truncateReason(DEVICE_MESSAGES.revoked) });
    expect(d.ws.texts().at(-1)).toEqual({ type: 'error', message: DEVICE_MESSAGES.revoked });
    expect(hub.channel(UUID)!.device).toBeNull();
    expect(v.ws.texts().at(-1)).toEqual({ type: 'status', uuid: UUID, status: 'revoked', streaming: false });
    // Without a device, revocation still tells the viewers.
    hub.onRevoked({ ...row, status: 'revoked' });
    expect(v.ws.texts().filter((t) => t.type === 'status')).toHaveLength(4);
  });

  it('deletion closes the device with 4001 and the deleted message, and each viewer with an error event and 4004', () => {
    const { hub, register, device, viewer } = setup();
    const { token, device: row } = register();
    const a = viewer(row);
    const b = viewer(row, BOB);
    const d = device(token);
    hub.onDeleted(UUID);
    expect(d.ws.closedWith).toEqual({ code: CloseCode.Unauthorized, reason: truncateReason(DEVICE_MESSAGES.deleted) });
    expect(d.ws.texts().at(-1)).toEqual({ type: 'error', message: DEVICE_MESSAGES.deleted });
    for (const v of [a, b]) {
      expect(v.ws.texts().at(-1)).toEqual({ type: 'error', code: 'HOST_ERR_NOT_FOUND', message: 'This device was removed.' });
      expect(v.ws.closedWith).toEqual({ code: CloseCode.NotFound, reason: 'host removed' });
    }
    expect(hub.channel(UUID)).toBeUndefined();
    // Without a device the viewers are still told.
    const r = register(UUID2);
    const c = viewer(r.device);
    hub.onDeleted(UUID2);
    expect(c.ws.closedWith).toEqual({ code: CloseCode.NotFound, reason: 'host removed' });
  });
});

describe('Hub: views', () => {
  it('hostView of a host the relay never saw comes from its row', () => {
    const { hub, register, devices } = setup();
    register();
    devices.setLastSeen(UUID, T0 - 5000);
    const row = devices.get(UUID)!;
    expect(hub.hostView(row)).toEqual({ uuid: UUID, name: 'Note', status: 'approved', owner: null, streaming: false, viewers: 0, fps: 0, lastFrameAt: T0 - 5000, bytesIn: 0 });
    expect(hub.hostView({ ...row, last_seen: null }).lastFrameAt).toBeNull();
  });

  it('hostView of a streaming host: live viewers, fps over whole seconds, last frame and bytes in', () => {
    const { hub, register, device, viewer } = setup();
    const { token, device: row } = register();
    const d = device(token);
    viewer(row);
    for (let i = 0; i < 10; i++) d.ws.receive(appFrame(i));
    vi.advanceTimersByTime(1000);
    expect(hub.hostView(row)).toEqual({
      uuid: UUID, name: 'Note', status: 'approved', owner: null, streaming: true, viewers: 1, fps: 2, lastFrameAt: T0, bytesIn: 10 * appFrame(1).length,
    });
    // A row's last_seen does not hide the live figure.
    expect(hub.hostView({ ...row, last_seen: 5 }).lastFrameAt).toBe(T0);
  });
});

describe('Hub: stats tick and last_seen', () => {
  it('sends viewers changed stats at the tick, and nothing when nothing changed', () => {
    const { register, device, viewer } = setup();
    const { token, device: row } = register();
    const d = device(token);
    const v = viewer(row);
    const stats = () => v.ws.texts().filter((t) => t.type === 'stats');
    expect(stats()).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    // The audience changed since the last broadcast (none): news at once.
    expect(stats()).toHaveLength(2);
    d.ws.receive(appFrame(1));
    vi.advanceTimersByTime(1000);
    // Counters are refreshed only every 5 ticks.
    expect(stats()).toHaveLength(2);
    vi.advanceTimersByTime(4000);
    expect(stats()).toHaveLength(3);
    expect(stats().at(-1)).toMatchObject({ framesIn: 1, viewers: 1 });
    vi.advanceTimersByTime(10_000);
    expect(stats()).toHaveLength(4);
    expect(stats().at(-1)).toMatchObject({ fps: 0 });
    vi.advanceTimersByTime(10_000);
    expect(stats()).toHaveLength(4);
    viewer(row, BOB);
    vi.advanceTimersByTime(1000);
    expect(stats().at(-1)).toMatchObject({ viewers: 2 });
  });

  it('a host without viewers gets no stats computed but its last_seen is still kept', () => {
    const { register, device, devices } = setup();
    const { token } = register();
    const d = device(token);
    d.ws.receive(appFrame(1));
    vi.advanceTimersByTime(1000);
    expect(devices.get(UUID)!.last_seen).toBe(T0);
  });

  it('writes last_seen at a tick only once it moved 5 s past what is stored', () => {
    const { register, device, devices } = setup();
    const { token } = register();
    const d = device(token);
    d.ws.receive(appFrame(1));
    vi.advanceTimersByTime(1000);
    expect(devices.get(UUID)!.last_seen).toBe(T0);
    vi.setSystemTime(T0 + 4999);
    d.ws.receive(appFrame(2));
    vi.advanceTimersByTime(1000);
    expect(devices.get(UUID)!.last_seen).toBe(T0);
    // Exactly 5 s is enough.
    vi.setSystemTime(T0 + 5000);
    d.ws.receive(appFrame(3));
    vi.advanceTimersByTime(1000);
    expect(devices.get(UUID)!.last_seen).toBe(T0 + 5000);
    // Without new frames, nothing more is written.
    devices.setLastSeen(UUID, 1);
    vi.advanceTimersByTime(10_000);
    expect(devices.get(UUID)!.last_seen).toBe(1);
  });

  it('a channel takes the stored last_seen as already written', () => {
    const { register, device, devices } = setup();
    const { token } = register();
    devices.setLastSeen(UUID, T0 + 2000);
    const d = device(token);
    vi.setSystemTime(T0 + 1000);
    d.ws.receive(appFrame(1));
    d.ws.finishClose();
    expect(devices.get(UUID)!.last_seen).toBe(T0 + 2000);
  });

  it('logs a last_seen it could not write, and goes on', () => {
    const { hub, register, device, db, logs } = setup();
    const { token } = register();
    const d = device(token);
    d.ws.receive(appFrame(1));
    db.close();
    hub.close();
    expect(logs.filter((l) => l.msg === 'could not persist last_seen').map((l) => [l.level, typeof l.err])).toEqual([[50, 'string']]);
    expect(d.ws.closedWith).toEqual({ code: CloseCode.GoingAway, reason: 'server shutting down' });
  });
});


describe('Hub: what is never dropped for congestion', () => {
  it('a joining viewer behind a full buffer still gets the status event, but not the stats', () => {
    const { register, viewer } = setup();
    const { device: row } = register();
    const ws = new TestSocket();
    ws.bufferedAmount = 2 << 20;
    viewer(row, ALICE, undefined, ws);
    expect(ws.texts()).toEqual([{ type: 'status', uuid: UUID, status: 'approved', streaming: false }]);
  });

  it('a deleted host\'s error event reaches a congested viewer', () => {
    const { hub, register, viewer } = setup();
    const { device: row } = register();
    const v = viewer(row);
    v.ws.bufferedAmount = 2 << 20;
    hub.onDeleted(UUID);
    expect(v.ws.texts().at(-1)).toEqual({ type: 'error', code: 'HOST_ERR_NOT_FOUND', message: 'This device was removed.' });
  });
});

describe('Hub: last_seen on stop', () => {
  it.each(['the device closes', 'the hub closes'])('%s: the last frame time is written even within 5 s of the last write', (what) => {
    const { hub, register, device, devices } = setup();
    const { token } = register();
    const d = device(token);
    d.ws.receive(appFrame(1));
    vi.advanceTimersByTime(1000);
    expect(devices.get(UUID)!.last_seen).toBe(T0);
    d.ws.receive(appFrame(2));
    if (what === 'the device closes') d.ws.finishClose();
    else hub.close();
    expect(devices.get(UUID)!.last_seen).toBe(T0 + 1000);
  });
});

describe('Hub: shutdown', () => {
  it('close() writes last_seen, closes every socket with 1001 and stops the timers', () => {
    const { hub, register, device, viewer, devices } = setup();
    const { token, device: row } = register();
    const d = device(token);
    const anon = device(undefined, '198.51.100.1');
    const v = viewer(row);
    d.ws.receive(appFrame(1));
    expect(hub.openSockets()).toEqual([d.ws.socket, anon.ws.socket, v.ws.socket]);
    const statsBefore = v.ws.texts().length;
    hub.close();
    expect(devices.get(UUID)!.last_seen).toBe(T0);
    for (const s of [d, anon, v]) expect(s.ws.closedWith).toEqual({ code: CloseCode.GoingAway, reason: 'server shutting down' });
    expect(d.session.state).toBe('closed');
    expect(anon.session.state).toBe('closed');
    // Sockets stay listed until they have closed.
    expect(hub.openSockets()).toHaveLength(3);
    vi.advanceTimersByTime(20_000);
    expect(v.ws.texts().length).toBe(statsBefore);
    for (const s of [d, anon, v]) s.ws.finishClose();
    expect(hub.openSockets()).toEqual([]);
  });
});

describe('Hub: patch viewers (the real encoder, real JPEGs)', () => {
  /** A grey 64×64 JPEG; `dark` paints its top-left 16×16 black. */
  const screen = (dark: boolean): Promise<Buffer> => {
    const raw = Buffer.alloc(64 * 64 * 3, 200);
    if (dark) for (let y = 0; y < 16; y++) raw.fill(0, y * 64 * 3, y * 64 * 3 + 16 * 3);
    return sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  };
  const frameMessage = (jpeg: Buffer): string => `{"type":"frame","data":"${jpeg.toString('base64')}","timestamp":1700000000000}`;
  const kinds = (ws: TestSocket) => ws.binaries().map((b) => { const h = decodeViewerFrameHeader(b); return [h.kind, h.seq]; });

  it('gives patch viewers a whole first frame then patches, whole-frame viewers every frame at once, and counts them', async () => {
    vi.useRealTimers();
    const { register, device, viewer, metrics, hub } = setup({ patches: undefined });
    const [a, b] = [await screen(false), await screen(true)];
    const { token, device: row } = register();
    const d = device(token);
    const whole = viewer(row, ALICE);
    const patched = viewer(row, BOB, true);
    d.ws.receive(frameMessage(a));
    expect(kinds(whole.ws)).toEqual([[ViewerFrameKind.Jpeg, 1]]);
    expect(kinds(patched.ws)).toEqual([]);
    await vi.waitFor(() => expect(kinds(patched.ws)).toEqual([[ViewerFrameKind.Jpeg, 1]]));
    patched.ws.receive(encodeViewerAck(1));
    whole.ws.flush();
    patched.ws.flush();
    d.ws.receive(frameMessage(b));
    await vi.waitFor(() => expect(kinds(patched.ws)).toEqual([[ViewerFrameKind.Jpeg, 1], [ViewerFrameKind.Patch, 2]]));
    expect(kinds(whole.ws)).toEqual([[ViewerFrameKind.Jpeg, 1], [ViewerFrameKind.Jpeg, 2]]);
    const bytes = [...whole.ws.binaries(), ...patched.ws.binaries()].reduce((n, x) => n + x.length, 0);
    expect(await metric(metrics, 'booxstream_frames_out_total')).toBe(4);
    expect(await metric(metrics, 'booxstream_bytes_out_total')).toBe(bytes);
    expect(await metric(metrics, 'booxstream_relay_latency_seconds_count')).toBe(4);
    expect(await metric(metrics, 'booxstream_patch_encode_seconds_count', { result: 'full' })).toBe(1);
    expect(await metric(metrics, 'booxstream_patch_encode_seconds_count', { result: 'patch' })).toBe(1);
    const sum = (await metrics.registry.getSingleMetric('booxstream_patch_encode_seconds')!.get()).values.filter((v) => (v as { metricName?: string }).metricName === 'booxstream_patch_encode_seconds_sum').reduce((n, v) => n + v.value, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
    expect(hub.relayStats(UUID)!.framesOut).toBe(4);
    expect(hub.relayStats(UUID)!.viewers.map((v) => v.patchesSent)).toEqual([0, 1]);
  });

  it('a patch viewer joining mid-stream gets the latest frame at once and a patch against it next', async () => {
    vi.useRealTimers();
    const { register, device, viewer } = setup({ patches: undefined });
    const [a, b] = [await screen(false), await screen(true)];
    const { token, device: row } = register();
    const d = device(token);
    d.ws.receive(frameMessage(a));
    const patched = viewer(row, BOB, true);
    expect(kinds(patched.ws)).toEqual([[ViewerFrameKind.Jpeg, 1]]);
    patched.ws.receive(encodeViewerAck(1));
    patched.ws.flush();
    // Give the encoder the time to decode the joined-on frame.
    await new Promise((r) => setTimeout(r, 200));
    d.ws.receive(frameMessage(b));
    await vi.waitFor(() => expect(kinds(patched.ws)).toEqual([[ViewerFrameKind.Jpeg, 1], [ViewerFrameKind.Patch, 2]]));
  });

  it('counts frames the encoder cannot decode and logs that at most once a minute per host', async () => {
    vi.useRealTimers();
    const { register, device, viewer, metrics, logs } = setup({ patches: undefined });
    const { token, device: row } = register();
    const d = device(token);
    const patched = viewer(row, BOB, true);
    d.ws.receive(appFrame(1));
    await vi.waitFor(() => expect(patched.ws.binaries()).toHaveLength(1));
    patched.ws.receive(encodeViewerAck(1));
    patched.ws.flush();
    d.ws.receive(appFrame(2));
    await vi.waitFor(() => expect(patched.ws.binaries()).toHaveLength(2));
    expect(await metric(metrics, 'booxstream_patch_decode_failures_total')).toBe(2);
    const warned = logs.filter((l) => l.msg === 'frame could not be decoded for patches; patch viewers get it whole');
    expect(warned.map((l) => [l.level, l.device, typeof l.err])).toEqual([[40, PREFIX, 'string']]);
  });
});
