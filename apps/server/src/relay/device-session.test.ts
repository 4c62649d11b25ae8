import { CloseCode, ProtocolError, VIEWER_HEADER_BYTES, encodeDeviceFrame } from '@booxstream/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../metrics.js';
import { Channel } from './channel.js';
import { DeviceSession, truncateReason, type DeviceSessionHost } from './device-session.js';
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
  onClose(): void {
    this.calls.push('close');
  }
}

function setup(authTimeoutMs = 10_000) {
  const ws = new TestSocket();
  const host = new Host();
  const session = new DeviceSession(ws.socket, '203.0.113.9', host, authTimeoutMs);
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

describe('truncateReason', () => {
  it('keeps reasons within the 123 bytes RFC 6455 allows, without splitting a UTF-8 character', () => {
    expect(truncateReason('short')).toBe('short');
    const long = 'é'.repeat(100); // 200 bytes
    const cut = truncateReason(long);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(cut.endsWith('é...')).toBe(true);
  });
});
