/**
 * The device's life around the frames: registering then finding the LAN port,
 * skipping ticks under backpressure, reconnecting for the demo, stopping.
 * Real sockets on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startDevice, type DeviceEvent, type DeviceHandle } from '../src/device.js';
import { AuthRejectedError, InvalidOptionError } from '../src/errors.js';
import type { FrameSource } from '../src/sources/frame-source.js';
import { renderEinkFrame } from '../src/sources/synthetic-eink.js';
import { startRecordingPeer, type RecordingPeer } from './recording-peer.js';

const JPEG = await renderEinkFrame(0, { width: 320, height: 240 });
const fixedSource: FrameSource = { width: 320, height: 240, frameAt: () => Promise.resolve(JPEG) };

let peer: RecordingPeer | undefined;
let http: Server | undefined;
let device: DeviceHandle | undefined;
afterEach(async () => {
  await device?.stop();
  await peer?.close();
  http?.closeAllConnections();
  if (http) await new Promise((r) => http!.close(r));
  device = undefined;
  peer = undefined;
  http = undefined;
});

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startDevice', () => {
  it('registers, then connects to the LAN port root for a dotted-IPv4 API URL, with the token it got', async () => {
    peer = await startRecordingPeer();
    http = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"success":true,"token":"fresh-token","host":{"uuid":"u-9","public_ip":null,"name":"Demo"}}'));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const apiUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const events: DeviceEvent[] = [];
    device = await startDevice({ apiUrl, uuid: 'u-9', name: 'Demo', source: fixedSource, lanPort: peer.port, onEvent: (e) => events.push(e) });
    expect(device.wsUrl).toBe(`ws://127.0.0.1:${peer.port}`);
    await peer.waitFor(1);
    expect(peer.paths).toEqual(['/']);
    expect(peer.received[0]!.text).toBe('{"type":"auth","token":"fresh-token"}');
    expect(events[0]).toEqual({ type: 'registered', host: { uuid: 'u-9', public_ip: null, name: 'Demo' } });
  });

  it.each([
    [{ fps: 0 }, 'fps'],
    [{ fps: 1000 }, 'fps'],
    [{ encoding: 'h264' }, 'encoding'],
    [{ uuid: '' }, 'uuid'],
    [{ token: '' }, 'token'],
    [{ source: {} }, 'source'],
    [{ maxBufferedFrames: 0 }, 'maxBufferedFrames'],
    [{ wsUrl: 'http://127.0.0.1:1' }, 'wsUrl'],
    [{ apiUrl: 'nope', wsUrl: undefined }, 'apiUrl'],
    [{ reconnect: { delayMs: -1 } }, 'reconnect.delayMs'],
  ])('rejects %o naming %s', async (bad, field) => {
    const err = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'u', token: 't', wsUrl: 'ws://127.0.0.1:1', source: fixedSource, ...(bad as object) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).field).toBe(field);
  });

  it('skips ticks instead of queueing when the server stops reading', async () => {
    // A large noisy JPEG (~1 MB) so that the kernel's loopback buffers fill within a few frames.
    const noise = randomBytes(1200 * 1200 * 3);
    const big = await sharp(noise, { raw: { width: 1200, height: 1200, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    wss.on('connection', (_ws, req) => req.socket.pause()); // never read: TCP backpressure
    try {
      device = await startDevice({
        apiUrl: 'http://127.0.0.1:1', uuid: 'u', token: 't', wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
        source: { width: 1200, height: 1200, frameAt: () => Promise.resolve(big) }, fps: 100,
      });
      await until(() => device!.stats.skippedBackpressure >= 10, '10 skipped ticks', 10_000);
      const s = device.stats;
      expect(s.ticks).toBe(s.framesSent + s.skippedBackpressure + s.skippedBusy);
      // Bounded: the first frames filled the kernel buffers, then at most ~2 more sat in user space.
      const sentBefore = s.framesSent;
      await until(() => device!.stats.skippedBackpressure >= 30, '30 skipped ticks', 10_000);
      expect(device.stats.framesSent).toBe(sentBefore);
    } finally {
      // The paused peer would never answer a close handshake: drop it first.
      for (const c of wss.clients) c.terminate();
      await device?.stop();
      device = undefined;
      await new Promise((r) => wss.close(r));
    }
  });

  it('reconnects after a close when asked, but not after 4009 (replaced)', async () => {
    let connections = 0;
    peer = await startRecordingPeer((ws, msg) => {
      if (!msg.text.startsWith('{"type":"auth"')) return;
      connections++;
      if (connections === 1) {
        ws.send('{"type":"error","message":"pending approval"}');
        ws.close(4005, 'pending');
      } else if (connections === 2) {
        ws.send('{"type":"authenticated","uuid":"u"}');
      }
    });
    const events: DeviceEvent[] = [];
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'u', token: 't', wsUrl: peer.url, source: fixedSource, fps: 50, reconnect: { delayMs: 20 }, onEvent: (e) => events.push(e) });
    // With reconnect, the refusal is not final: `authenticated` settles on the second connection.
    expect(await device.authenticated).toEqual({ uuid: 'u', protocols: [], encoding: 'json-base64' });
    expect(events.map((e) => e.type).slice(0, 5)).toEqual(['open', 'error', 'close', 'open', 'authenticated']);
    await until(() => device!.stats.framesSent >= 2, 'frames on the second connection');
    expect(events.filter((e) => e.type === 'close')).toEqual([{ type: 'close', code: 4005, reason: 'pending', willReconnect: true }]);
    expect(device.stats.connections).toBe(2);
    peer.socket().close(4009, 'replaced');
    expect(await device.closed).toEqual({ code: 4009, reason: 'replaced' });
    expect(device.stats.connections).toBe(2);
  });

  it('with reconnect, rejects authenticated with the last refusal once stopped', async () => {
    peer = await startRecordingPeer((ws, msg) => {
      if (msg.text.startsWith('{"type":"auth"')) {
        ws.send('{"type":"error","message":"still pending"}');
        ws.close(4005, 'pending');
      }
    });
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'u', token: 't', wsUrl: peer.url, source: fixedSource, reconnect: { delayMs: 10 } });
    await until(() => device!.stats.connections >= 2, 'a reconnection');
    await device.stop();
    const err = await device.authenticated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthRejectedError);
    expect((err as AuthRejectedError).serverMessage).toBe('still pending');
  });

  it('stop() is idempotent, closes with 1000 and stops the timer', async () => {
    peer = await startRecordingPeer();
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'u', token: 't', wsUrl: peer.url, source: fixedSource, fps: 50 });
    await peer.waitFor(3);
    const closing = peer.socket();
    const serverSaw = once(closing, 'close');
    const [a, b] = await Promise.all([device.stop(), device.stop()]);
    expect(a).toEqual({ code: 1000, reason: 'device stopped' });
    expect(b).toBe(a);
    const [code] = (await serverSaw) as [number];
    expect(code).toBe(1000);
    const ticks = device.stats.ticks;
    await new Promise((r) => setTimeout(r, 60));
    expect(device.stats.ticks).toBe(ticks);
  });

  it('reports a failing source as an error event and keeps ticking', async () => {
    peer = await startRecordingPeer();
    let calls = 0;
    const flaky: FrameSource = { width: 320, height: 240, frameAt: () => (++calls % 2 ? Promise.reject(new Error('capture failed')) : Promise.resolve(JPEG)) };
    const events: DeviceEvent[] = [];
    device = await startDevice({ apiUrl: 'http://127.0.0.1:1', uuid: 'u', token: 't', wsUrl: peer.url, source: flaky, fps: 50, onEvent: (e) => events.push(e) });
    await peer.waitFor(1 + 2);
    expect(events).toContainEqual({ type: 'error', source: 'source', message: 'capture failed' });
  });
});
