import { CloseCode, ProtocolError, VIEWER_HEADER_BYTES, encodeDeviceFrame } from '@booxstream/protocol';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../metrics.js';
import { Channel } from './channel.js';
import { DeviceSession, truncateReason, type CutReason, type DeviceSessionHost, type DeviceSessionLimits, type RawInput } from './device-session.js';
import { TestSocket } from './test-socket.js';

const UUID = '0f0f0f0f-0000-4000-8000-000000000002';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
const appFrame = (jpeg: Buffer): string => `{"type":"frame","data":"${jpeg.toString('base64')}","timestamp":1700000000000}`;

/** The hub as a session sees it: one good token, and a log of every call. */
class Host implements DeviceSessionHost {
  readonly channel = new Channel(UUID, 'approved', createMetrics({
    hostCounts: () => ({ pending: 0, approved: 0, revoked: 0 }), streamingHosts: () => 0, viewers: () => 0, devices: () => 0,
  }));
  readonly calls: string[] = [];
  readonly rejected: ProtocolError[] = [];
  authenticate(_s: DeviceSession, token: string): ReturnType<DeviceSessionHost['authenticate']> {
    this.calls.push(`authenticate ${token}`);
    if (token === 'good') return { ok: true, uuid: UUID, channel: this.channel };
    return { ok: false, message: 'This device is waiting for approval.', closeCode: CloseCode.PendingApproval };
  }
  onAuthTimeout(): void {
    this.calls.push('timeout');
  }
  onRejectedMessage(_s: DeviceSession, err: ProtocolError): void {
    this.rejected.push(err);
  }
  onSocketError(_s: DeviceSession, err: Error & { code?: string }): void {
    this.calls.push(`socket error ${err.code}`);
  }
  onInternalError(_s: DeviceSession, err: unknown): void {
    this.calls.push(`internal ${(err as Error).message}`);
  }
  onCut(_s: DeviceSession, reason: CutReason): void {
    this.calls.push(`cut ${reason}`);
  }
  onClose(): void {
    this.calls.push('close');
  }
}

const LIMITS: DeviceSessionLimits = { authTimeoutMs: 10_000, messageRate: 2000, rejectRate: 20, maxQueuedBytes: 65536, preAuthMaxBytes: 4096 };

function setup(authTimeoutMs = 10_000, limits: Partial<DeviceSessionLimits> = {}, raw?: RawInput) {
  const ws = new TestSocket();
  const host = new Host();
  const session = new DeviceSession(ws.socket, '203.0.113.9', host, { ...LIMITS, authTimeoutMs, ...limits }, raw);
  return { ws, host, session };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DeviceSession', () => {
  it('answers a good auth with the uuid and the encodings, then relays frames to its channel', () => {
    const { ws, host, session } = setup();
    ws.receive('{"type":"auth","token":"good"}');
    expect(host.calls).toEqual(['authenticate good']);
    expect(ws.texts()).toEqual([{ type: 'authenticated', uuid: UUID, protocols: ['json-base64/1', 'binary/1'] }]);
    expect(session).toMatchObject({ state: 'streaming', uuid: UUID, channel: host.channel });
    ws.receive(appFrame(JPEG));
    expect(host.channel.latestJpeg).toEqual(JPEG);
    ws.receive(encodeDeviceFrame(JPEG, 5), true);
    ws.receive(encodeDeviceFrame(null, 6), true);
    // A repeated auth changes nothing.
    ws.receive('{"type":"auth","token":"other"}');
    expect(host.calls).toEqual(['authenticate good']);
    expect(host.channel.stats()).toMatchObject({ framesIn: 3, framesDeduplicated: 1 });
    expect(host.channel.latest!.subarray(VIEWER_HEADER_BYTES)).toEqual(JPEG);
  });

  it('drops a bad message while streaming with a coded error reply, and stays open', () => {
    const { ws, host } = setup();
    ws.receive('{"type":"auth","token":"good"}');
    ws.receive('{"type":"frame","data":"@@@@"}');
    ws.receive('{"type":"hello"}');
    expect(ws.texts().slice(1)).toEqual([
      { type: 'error', message: expect.any(String), code: 'PROTO_ERR_INVALID_BASE64', field: 'data' },
      { type: 'error', message: expect.any(String), code: 'PROTO_ERR_UNKNOWN_TYPE', field: 'type' },
    ]);
    expect(host.rejected.map((e) => e.code)).toEqual(['PROTO_ERR_INVALID_BASE64', 'PROTO_ERR_UNKNOWN_TYPE']);
    expect(ws.closedWith).toBeNull();
  });

  it('closes with the close code and plain words the host gives for a refused token', () => {
    const { ws, session } = setup();
    ws.receive('{"type":"auth","token":"pending-one"}');
    expect(ws.texts()).toEqual([{ type: 'error', message: 'This device is waiting for approval.' }]);
    expect(ws.closedWith).toEqual({ code: CloseCode.PendingApproval, reason: 'This device is waiting for approval.' });
    expect(session.state).toBe('closed');
    // Nothing more is read after the refusal.
    ws.receive('{"type":"auth","token":"good"}');
    expect(session.state).toBe('closed');
  });

  it('refuses a first message that is not auth with 4001, and a malformed auth with 1002 and its code', () => {
    const first = setup();
    first.ws.receive(appFrame(JPEG));
    expect(first.ws.closedWith?.code).toBe(CloseCode.Unauthorized);
    expect(first.ws.closedWith?.reason).toMatch(/^Authenticate first/);
    expect(first.host.rejected.map((e) => e.field)).toEqual(['type']);

    const bad = setup();
    bad.ws.receive('{"type":"auth","token":""}');
    expect(bad.ws.texts()[0]).toMatchObject({ type: 'error', code: 'PROTO_ERR_INVALID_FIELD', field: 'token' });
    expect(bad.ws.closedWith?.code).toBe(CloseCode.ProtocolError);
    expect(bad.host.calls).toEqual([]);
  });

  it('closes with 4010 when no auth arrives in time, and not after an auth', () => {
    vi.useFakeTimers();
    const late = setup(1000);
    vi.advanceTimersByTime(999);
    expect(late.ws.closedWith).toBeNull();
    vi.advanceTimersByTime(1);
    expect(late.host.calls).toEqual(['timeout']);
    expect(late.ws.closedWith?.code).toBe(CloseCode.AuthTimeout);

    const prompt = setup(1000);
    prompt.ws.receive('{"type":"auth","token":"good"}');
    vi.advanceTimersByTime(5000);
    expect(prompt.ws.closedWith).toBeNull();
  });

  it('closes with 1011 when handling a message fails inside the server, without throwing into ws', () => {
    const { ws, host } = setup();
    ws.receive('{"type":"auth","token":"good"}');
    host.channel.ingestBase64 = () => {
      throw new Error('disk on fire');
    };
    expect(() => ws.receive(appFrame(JPEG))).not.toThrow();
    expect(host.calls).toContain('internal disk on fire');
    expect(ws.closedWith?.code).toBe(1011);
  });

  it('reports ws errors and its close to the host, once closed it sends nothing', () => {
    const { ws, host, session } = setup();
    ws.emit('error', Object.assign(new RangeError('Max payload size exceeded'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
    ws.finishClose();
    expect(host.calls).toEqual(['socket error WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'close']);
    expect(session.state).toBe('closed');
    session.sendError('late');
    expect(ws.sent).toHaveLength(0);
  });
});

describe('DeviceSession budgets', () => {
  it('closes with 4008 once messages come faster than its rate, and reads nothing more', () => {
    const { ws, host, session } = setup(10_000, { messageRate: 5 });
    ws.receive('{"type":"auth","token":"good"}');
    for (let i = 0; i < 50; i++) ws.receive(encodeDeviceFrame(null, i), true);
    // A burst of twice the rate: the auth and 9 markers, then the cut.
    expect(host.channel.stats().framesIn).toBe(9);
    expect(ws.closedWith).toEqual({ code: CloseCode.TooManyMessages, reason: 'Too many messages: more than 5 per second.' });
    expect(host.calls).toContain('cut message-rate');
    expect(session.state).toBe('closed');
  });

  it('closes with 4008 after its invalid-message budget, having answered only that many', () => {
    const { ws, host } = setup(10_000, { rejectRate: 3 });
    ws.receive('{"type":"auth","token":"good"}');
    for (let i = 0; i < 100; i++) ws.receive('x');
    expect(ws.texts().filter((t) => t.type === 'error')).toHaveLength(6);
    expect(host.rejected).toHaveLength(7);
    expect(ws.closedWith?.code).toBe(CloseCode.TooManyMessages);
    expect(host.calls).toEqual(['authenticate good', 'cut reject-rate']);
  });

  it('cuts off a device whose unsent replies would pass its cap, instead of queueing them', () => {
    const { ws, host } = setup(10_000, { maxQueuedBytes: 2000, rejectRate: 1000 });
    ws.receive('{"type":"auth","token":"good"}');
    for (let i = 0; i < 100; i++) ws.receive('x'); // nothing flushed: the peer reads nothing
    expect(ws.bufferedAmount).toBeLessThanOrEqual(2000);
    expect(ws.closedWith?.code).toBe(CloseCode.NotReading);
    expect(host.calls).toContain('cut not-reading');
  });

  it('counts raw bytes until auth: over the limit it closes with 1009, after auth it stops counting', () => {
    const raw = new EventEmitter() as EventEmitter & RawInput;
    const waiting = setup(10_000, { preAuthMaxBytes: 100 }, raw);
    raw.emit('data', Buffer.alloc(60));
    expect(waiting.ws.closedWith).toBeNull();
    raw.emit('data', Buffer.alloc(41));
    expect(waiting.ws.closedWith).toEqual({ code: CloseCode.MessageTooBig, reason: 'More than 100 bytes arrived before authentication.' });
    expect(waiting.host.calls).toEqual(['cut preauth-bytes']);
    expect(raw.listenerCount('data')).toBe(0);

    const raw2 = new EventEmitter() as EventEmitter & RawInput;
    const authed = setup(10_000, { preAuthMaxBytes: 100 }, raw2);
    raw2.emit('data', Buffer.alloc(50));
    authed.ws.receive('{"type":"auth","token":"good"}');
    expect(raw2.listenerCount('data')).toBe(0);
    raw2.emit('data', Buffer.alloc(1 << 20));
    expect(authed.ws.closedWith).toBeNull();
  });

  it('still cuts a refused peer that keeps sending while its close is pending', () => {
    const raw = new EventEmitter() as EventEmitter & RawInput;
    const { ws, host } = setup(10_000, { preAuthMaxBytes: 100 }, raw);
    ws.receive('{"type":"auth","token":"refused"}');
    expect(ws.closedWith?.code).toBe(CloseCode.PendingApproval);
    raw.emit('data', Buffer.alloc(200));
    expect(host.calls).toEqual(['authenticate refused', 'cut preauth-bytes']);
  });

  it('says why in each close reason it writes itself', () => {
    vi.useFakeTimers();
    const late = setup(1000);
    vi.advanceTimersByTime(1000);
    expect(late.ws.closedWith?.reason).toBe(truncateReason('No auth message arrived in time; the app must send {"type":"auth","token":"…"} right after connecting.'));

    const first = setup();
    first.ws.receive(appFrame(JPEG));
    expect(first.host.rejected.map((e) => [e.code, e.message, e.field])).toEqual([['PROTO_ERR_INVALID_FIELD', 'authenticate first', 'type']]);

    const bad = setup();
    bad.ws.receive('{"type":"auth","token":""}');
    expect(bad.ws.closedWith?.reason).toBe(truncateReason(`Invalid auth message: ${bad.host.rejected[0]!.message}`));

    const flood = setup(10_000, { rejectRate: 1 });
    flood.ws.receive('{"type":"auth","token":"good"}');
    for (let i = 0; i < 3; i++) flood.ws.receive('{nope');
    expect(flood.ws.closedWith).toEqual({ code: CloseCode.TooManyMessages, reason: 'Too many invalid messages: more than 1 per second.' });

    const deaf = setup();
    deaf.ws.bufferedAmount = 1 << 20;
    deaf.ws.receive('{"type":"auth","token":"good"}');
    expect(deaf.ws.closedWith).toEqual({ code: CloseCode.NotReading, reason: 'The device does not read what the server sends.' });

    const raw = new EventEmitter();
    const big = setup(10_000, {}, raw);
    raw.emit('data', Buffer.alloc(4097));
    expect(big.ws.closedWith).toEqual({ code: CloseCode.MessageTooBig, reason: 'More than 4096 bytes arrived before authentication.' });
  });

  it('lets raw bytes reach exactly the pre-auth limit, and replies that exactly fill the queue cap', () => {
    const raw = new EventEmitter();
    const { ws } = setup(10_000, {}, raw);
    raw.emit('data', Buffer.alloc(4096));
    expect(ws.closedWith).toBeNull();
    const reply = JSON.stringify({ type: 'authenticated', uuid: UUID, protocols: ['json-base64/1', 'binary/1'] });
    const full = setup();
    full.ws.bufferedAmount = LIMITS.maxQueuedBytes - reply.length;
    full.ws.receive('{"type":"auth","token":"good"}');
    expect(full.ws.closedWith).toBeNull();
    expect(full.ws.texts()).toEqual([JSON.parse(reply)]);
  });

  it('clears its auth timer once authenticated', () => {
    vi.useFakeTimers();
    const { ws } = setup();
    expect(vi.getTimerCount()).toBe(1);
    ws.receive('{"type":"auth","token":"good"}');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a refused socket spends no message budget on what it still sends', () => {
    const { ws, host } = setup(10_000, { messageRate: 1 });
    ws.receive('{"type":"auth","token":"refused"}');
    for (let i = 0; i < 5; i++) ws.receive(appFrame(JPEG));
    expect(host.calls).toEqual(['authenticate refused']);
  });
});

describe('truncateReason', () => {
  it('keeps reasons within the 123 bytes RFC 6455 allows, without splitting a UTF-8 character', () => {
    expect(truncateReason('short')).toBe('short');
    const long = 'é'.repeat(100); // 200 bytes
    const cut = truncateReason(long);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(cut.endsWith('é...')).toBe(true);
    // Exactly 123 bytes is kept whole; a character straddling byte 120 is left out whole.
    expect(truncateReason('a'.repeat(123))).toBe('a'.repeat(123));
    expect(truncateReason(`${'a'.repeat(119)}é${'b'.repeat(10)}`)).toBe(`${'a'.repeat(119)}...`);
  });
});
