/**
 * Wire conformance: what the demo device puts on the socket, recorded by a
 * real ws server on 127.0.0.1, compared with the Android app's format
 * (packages/protocol/ANDROID-APP.md §2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBase64Jpeg, encodeLegacyFrame, parseDeviceMessage } from '@booxstream/protocol';
import { AuthRejectedError, SocketClosedError } from '../src/errors.js';
import { startDevice, type DeviceEvent, type DeviceHandle } from '../src/device.js';
import type { FrameSource } from '../src/sources/frame-source.js';
import { renderEinkFrame } from '../src/sources/synthetic-eink.js';
import { startRecordingPeer, type RecordingPeer } from './recording-peer.js';

const SMALL = { width: 320, height: 240 } as const;
const [JPEG_A, JPEG_B] = await Promise.all([renderEinkFrame(0, SMALL), renderEinkFrame(1, SMALL)]);

/** A source the test switches by hand: the screen shows `current` until told otherwise. */
function switchableSource(): FrameSource & { current: Buffer } {
  return { width: 320, height: 240, current: JPEG_A, frameAt() { return Promise.resolve(this.current); } };
}

const AUTHENTICATED = (protocols?: string[]) => JSON.stringify({ type: 'authenticated', uuid: 'dev-1', ...(protocols ? { protocols } : {}) });

let peer: RecordingPeer | undefined;
let device: DeviceHandle | undefined;
afterEach(async () => {
  await device?.stop();
  await peer?.close();
  device = undefined;
  peer = undefined;
});

describe('legacy JSON device (the Android app format)', () => {
  it('sends the exact auth text first, then the exact frame text at every tick, changed or not', async () => {
    peer = await startRecordingPeer((ws, msg) => {
      if (msg.text.startsWith('{"type":"auth"')) ws.send(AUTHENTICATED(['json-base64/1', 'binary/1']));
    });
    const source = switchableSource();
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok-123', wsUrl: `${peer.url}/android-ws`, source, fps: 50 });
    const info = await device.authenticated;
    expect(info).toEqual({ uuid: 'dev-1', protocols: ['json-base64/1', 'binary/1'], encoding: 'json-base64' });
    await peer.waitFor(1 + 8);
    await device.stop();

    expect(peer.paths).toEqual(['/android-ws']);
    const [auth, ...frames] = peer.received;
    expect(auth!.isBinary).toBe(false);
    expect(auth!.text).toBe('{"type":"auth","token":"tok-123"}');
    expect(frames.length).toBeGreaterThanOrEqual(8);
    for (const f of frames) {
      expect(f.isBinary).toBe(false);
      const obj = JSON.parse(f.text) as { type: string; data: string; timestamp: number };
      expect(Object.keys(obj)).toEqual(['type', 'data', 'timestamp']);
      expect(obj.type).toBe('frame');
      expect(Number.isInteger(obj.timestamp)).toBe(true);
      expect(obj.data).not.toMatch(/[\n\r]/);
      // Byte-for-byte the app's serialisation, and the JPEG survives the trip.
      expect(f.text).toBe(encodeLegacyFrame(JPEG_A, obj.timestamp));
      expect(decodeBase64Jpeg(Buffer.from(obj.data, 'latin1'))).toEqual(JPEG_A);
      // The server's own parser reads it on its fast path.
      expect(parseDeviceMessage(f.data, false)).toMatchObject({ type: 'frame', timestamp: obj.timestamp });
    }
    // An unchanged screen still goes out on every tick: identical data strings.
    expect(new Set(frames.map((f) => (JSON.parse(f.text) as { data: string }).data)).size).toBe(1);
    const stats = device.stats;
    expect(stats.framesSent).toBe(frames.length);
    expect(stats.unchangedSent).toBe(0);
    expect(stats.bytesSent).toBe(frames.reduce((n, f) => n + f.data.length, 0));
    expect(stats.ticks).toBe(stats.framesSent + stats.skippedBackpressure + stats.skippedBusy);
  });

  it('sends the new screen from the next tick after it changes', async () => {
    peer = await startRecordingPeer();
    const source = switchableSource();
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: peer.url, source, fps: 50 });
    await peer.waitFor(1 + 3);
    source.current = JPEG_B;
    const changedAt = peer.received.length;
    await peer.waitFor(changedAt + 3);
    await device.stop();
    const datas = peer.received.slice(1).map((f) => {
      const obj = JSON.parse(f.text) as { data: string; timestamp: number };
      const jpeg = Buffer.from(obj.data, 'base64');
      expect(f.text).toBe(encodeLegacyFrame(jpeg, obj.timestamp));
      return jpeg.equals(JPEG_A) ? 'A' : jpeg.equals(JPEG_B) ? 'B' : '?';
    });
    // A run of A, then (at most one tick in flight later) only B.
    expect(datas.join('')).toMatch(/^A{3,}B{3,}$/);
  });

  it('streams from open without waiting for the verdict, as the app does', async () => {
    peer = await startRecordingPeer(); // never answers
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: peer.url, source: switchableSource(), fps: 50 });
    await peer.waitFor(1 + 3);
    expect(peer.received[0]!.text).toBe('{"type":"auth","token":"tok"}');
    expect(peer.received.slice(1).every((m) => m.text.startsWith('{"type":"frame","data":"'))).toBe(true);
  });

  it('with waitForAuth, starts its timer only on authenticated', async () => {
    peer = await startRecordingPeer();
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: peer.url, source: switchableSource(), fps: 50, waitForAuth: true });
    await peer.waitFor(1);
    // Give the would-be timer many periods: it must not exist yet.
    await new Promise((r) => setTimeout(r, 200));
    expect(device.stats.ticks).toBe(0);
    expect(peer.received).toHaveLength(1);
    peer.socket().send(AUTHENTICATED());
    await peer.waitFor(1 + 2);
    expect(peer.received[1]!.text.startsWith('{"type":"frame"')).toBe(true);
  });

  it("reports the server's error message, stops sending, and resolves closed with the code", async () => {
    peer = await startRecordingPeer((ws, msg) => {
      if (msg.text.startsWith('{"type":"auth"')) {
        ws.send(JSON.stringify({ type: 'error', message: 'Device is waiting for approval' }));
        ws.close(4005, 'pending approval');
      }
    });
    const events: DeviceEvent[] = [];
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: peer.url, source: switchableSource(), fps: 50, onEvent: (e) => events.push(e) });
    const err = await device.authenticated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthRejectedError);
    expect((err as AuthRejectedError).serverMessage).toBe('Device is waiting for approval');
    expect(await device.closed).toEqual({ code: 4005, reason: 'pending approval', serverMessage: 'Device is waiting for approval' });
    expect(events.map((e) => e.type)).toEqual(['open', 'error', 'close']);
    expect(events[1]).toEqual({ type: 'error', source: 'server', message: 'Device is waiting for approval' });
    const framesAfterError = device.stats.framesSent;
    await new Promise((r) => setTimeout(r, 60));
    expect(device.stats.framesSent).toBe(framesAfterError);
  });

  it('rejects authenticated with SocketClosedError when nothing listens', async () => {
    peer = await startRecordingPeer();
    const port = peer.port;
    await peer.close();
    peer = undefined;
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: `ws://127.0.0.1:${port}`, source: switchableSource() });
    expect(await device.authenticated.catch((e: unknown) => e)).toBeInstanceOf(SocketClosedError);
    expect((await device.closed).code).toBe(1006);
  });
});

describe('binary v1 device', () => {
  it('sends binary frames and unchanged markers when the server offers binary/1', async () => {
    peer = await startRecordingPeer((ws, msg) => {
      if (msg.text.startsWith('{"type":"auth"')) ws.send(AUTHENTICATED(['json-base64/1', 'binary/1']));
    });
    const source = switchableSource();
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: peer.url, source, fps: 50, encoding: 'binary' });
    expect((await device.authenticated).encoding).toBe('binary');
    await peer.waitFor(1 + 3);
    source.current = JPEG_B;
    const changedAt = peer.received.length;
    await peer.waitFor(changedAt + 3);
    await device.stop();

    const [auth, ...frames] = peer.received;
    expect(auth!.text).toBe('{"type":"auth","token":"tok"}');
    const parsed = frames.map((f) => {
      expect(f.isBinary).toBe(true);
      return parseDeviceMessage(f.data, true);
    });
    expect(parsed[0]).toMatchObject({ type: 'binary-frame', jpeg: JPEG_A });
    expect(parsed[1]!.type).toBe('unchanged');
    // Exactly one full frame per distinct screen, markers in between.
    const full = parsed.filter((m) => m.type === 'binary-frame');
    expect(full.map((m) => (m.type === 'binary-frame' ? m.jpeg : null))).toEqual([JPEG_A, JPEG_B]);
    const stats = device.stats;
    expect(stats.unchangedSent).toBe(parsed.filter((m) => m.type === 'unchanged').length);
    expect(stats.framesSent).toBe(parsed.length);
    expect(stats.encoding).toBe('binary');
  });

  it.each([
    ['without binary/1', ['json-base64/1']],
    ['without a protocol list (an older server)', undefined],
  ])('falls back to the JSON frames %s', async (_what, protocols) => {
    peer = await startRecordingPeer((ws, msg) => {
      if (msg.text.startsWith('{"type":"auth"')) ws.send(AUTHENTICATED(protocols));
    });
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'dev-1', token: 'tok', wsUrl: peer.url, source: switchableSource(), fps: 50, encoding: 'binary' });
    expect((await device.authenticated).encoding).toBe('json-base64');
    await peer.waitFor(1 + 2);
    for (const f of peer.received.slice(1)) {
      expect(f.isBinary).toBe(false);
      expect(f.text.startsWith('{"type":"frame","data":"')).toBe(true);
    }
  });
});
