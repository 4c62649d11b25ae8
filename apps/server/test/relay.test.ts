/**
 * Relay behaviour across viewers: isolation between hosts, a stalled viewer
 * (bounded memory, others unaffected, newest frame not backlog), viewer
 * limits, heartbeat, deletion.
 */
import { CloseCode, VIEWER_ACK_WINDOW, VIEWER_HEADER_BYTES, ViewerAcker, decodeViewerFrameHeader, encodeViewerAck } from '@booxstream/protocol';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, ADMIN2, USER, api, appFrame, approvedDevice, eventually, jpegVariant, makeJpeg, streamingDevice, viewer, wsUrl, serversPerTest,
} from './helpers.js';

const server = serversPerTest();

const seqOf = (m: Buffer): number => decodeViewerFrameHeader(m).seq;

describe('relay', () => {
  it("never gives one host's frames to another host's viewer", async () => {
    const s = await server();
    const a = await approvedDevice(s);
    const b = await approvedDevice(s);
    const devA = await streamingDevice(s, a.token);
    const devB = await streamingDevice(s, b.token);
    const viewA = await viewer(s, a.uuid);
    const viewB = await viewer(s, b.uuid);
    const jpegA = await makeJpeg(100);
    const jpegB = await makeJpeg(200);
    devA.ws.send(appFrame(jpegA));
    devA.ws.send(appFrame(jpegVariant(jpegA, 1)));
    devB.ws.send(appFrame(jpegB));
    await viewA.until(() => viewA.binaries.length === 2, 'A frames');
    await viewB.until(() => viewB.binaries.length === 1, 'B frame');
    // One more B frame as a sync point: anything misrouted from A would have arrived before it.
    devB.ws.send(appFrame(jpegVariant(jpegB, 1)));
    await viewB.until(() => viewB.binaries.length === 2, 'B second frame');
    expect(viewB.binaries.map((m) => m.subarray(VIEWER_HEADER_BYTES))).toEqual([jpegB, jpegVariant(jpegB, 1)]);
    expect(viewA.binaries.map((m) => m.subarray(VIEWER_HEADER_BYTES))).toEqual([jpegA, jpegVariant(jpegA, 1)]);
    for (const c of [devA, devB, viewA, viewB]) c.close();
  });

  it('a stalled viewer costs at most one frame of buffered bytes, skips to the newest, and never holds up others', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const fast = await viewer(s, dev.uuid);
    const slow = await viewer(s, dev.uuid, ADMIN2);
    await slow.until(() => slow.texts.length >= 1, 'status');
    const slowSocket = (slow.ws as unknown as { _socket: Socket })._socket;
    slowSocket.pause();

    // ~100 KB frames, distinct bytes each time (a bigger, noisier base, then COM-segment variants).
    const base = await makeJpeg(42, 320, 240);
    const padded = Buffer.concat([base.subarray(0, 2), comSegment(100_000 - base.length), base.subarray(2)]);
    const frameBytes = VIEWER_HEADER_BYTES + padded.length + 8;
    let sent = 0;
    // Send until the relay reports skipping the stalled viewer (loopback kernel buffers absorb a few MB first), bounded.
    const MAX_FRAMES = 600;
    while (sent < MAX_FRAMES) {
      for (let i = 0; i < 20; i++) device.ws.send(appFrame(jpegVariant(padded, ++sent), sent));
      await fast.until(() => fast.binaries.length > 0 && seqOf(fast.binaries[fast.binaries.length - 1]!) === sent, `fast viewer at seq ${sent}`);
      const slowStats = s.relayStats(dev.uuid)!.viewers.find((v) => v.username === 'carol')!;
      if (slowStats.framesSkipped >= 40) break;
    }
    expect(sent).toBeLessThan(MAX_FRAMES);
    const stats = s.relayStats(dev.uuid)!;
    const slowStats = stats.viewers.find((v) => v.username === 'carol')!;
    const fastStats = stats.viewers.find((v) => v.username === 'alice')!;
    // The relay's own accounting: the stalled socket never held more than one frame (plus small JSON events).
    expect(slowStats.peakBufferedBytes).toBeLessThanOrEqual(frameBytes + 4096);
    expect(slowStats.bufferedBytes).toBeLessThanOrEqual(frameBytes + 4096);
    // Held back by its one frame in flight, or (the kernel took that) by the ack window it never acked.
    expect(slowStats.inFlight || slowStats.unacked === VIEWER_ACK_WINDOW).toBe(true);
    // The fast viewer kept up: it has the newest frame (checked in the loop) and skipped nothing the slow one caused.
    expect(fastStats.framesSent).toBeGreaterThan(slowStats.framesSent);
    expect(seqOf(fast.binaries[fast.binaries.length - 1]!)).toBe(sent);

    // Resume: the stalled viewer drains what the kernel held, then gets the newest frame, not a backlog.
    const receivedBefore = slow.binaries.length;
    slowSocket.resume();
    await slow.until(() => slow.binaries.length > 0 && seqOf(slow.binaries[slow.binaries.length - 1]!) === sent, 'slow viewer catches up to the newest frame');
    const seqs = slow.binaries.map(seqOf);
    expect(seqs.length).toBeLessThan(sent);
    expect(seqs.length - receivedBefore).toBeLessThanOrEqual(slowStats.framesSent - receivedBefore + 1);
    // Strictly increasing, with a gap before the newest: frames were dropped, never queued.
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    expect(seqs[seqs.length - 1]! - seqs[seqs.length - 2]!).toBeGreaterThan(1);
    expect(slow.binaries[slow.binaries.length - 1]!.subarray(VIEWER_HEADER_BYTES).equals(jpegVariant(padded, sent))).toBe(true);
    device.close();
    fast.close();
    slow.close();
  }, 30_000);

  // The web app acks every VIEWER_ACK_EVERY frames; an older page that acks every frame must work the same.
  it.each([
    ['every VIEWER_ACK_EVERY frames', undefined],
    ['every frame', 1],
  ])('a stalled viewer that acks %s reads at most the ack window of older frames after resuming, then the newest', async (_how, every) => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const fast = await viewer(s, dev.uuid);
    const slow = await viewer(s, dev.uuid, ADMIN2, { ack: false });
    const acker = new ViewerAcker(every);
    slow.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const ack = isBinary ? acker.onFrame(seqOf(data)) : null;
      if (ack !== null) slow.ws.send(ack);
    });
    const jpeg = await makeJpeg(7, 320, 240);
    device.ws.send(appFrame(jpegVariant(jpeg, 1), 1));
    await slow.until(() => slow.binaries.length === 1, 'first frame');
    await eventually(() => s.relayStats(dev.uuid)!.viewers.some((v) => v.username === 'carol' && v.acking), Boolean, 'the slow viewer in ack mode');
    const slowSocket = (slow.ws as unknown as { _socket: Socket })._socket;
    slowSocket.pause();

    // Far more than the window, and few enough bytes that the kernel's buffers
    // alone would have held every one of them for the stalled viewer.
    const LAST = 200;
    for (let i = 2; i <= LAST; i++) device.ws.send(appFrame(jpegVariant(jpeg, i), i));
    await fast.until(() => seqOf(fast.binaries[fast.binaries.length - 1]!) === LAST, 'fast viewer at the newest frame');
    const stalled = s.relayStats(dev.uuid)!.viewers.find((v) => v.username === 'carol')!;
    expect(stalled.unacked).toBe(VIEWER_ACK_WINDOW);

    const receivedBefore = slow.binaries.length;
    slowSocket.resume();
    await slow.until(() => seqOf(slow.binaries[slow.binaries.length - 1]!) === LAST, 'slow viewer gets the newest frame');
    const afterResume = slow.binaries.slice(receivedBefore).map(seqOf);
    expect(afterResume.length).toBeLessThanOrEqual(VIEWER_ACK_WINDOW + 1);
    expect(afterResume[afterResume.length - 1]).toBe(LAST);
    expect(slow.binaries[slow.binaries.length - 1]!.subarray(VIEWER_HEADER_BYTES).equals(jpegVariant(jpeg, LAST))).toBe(true);
    device.close();
    fast.close();
    slow.close();
  }, 30_000);

  it('ignores acks for frames it never sent, so a bogus seq cannot stall a viewer', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid, ADMIN, { ack: false });
    v.ws.send(encodeViewerAck(12345));
    v.ws.send('{"type":"ack","seq":"nope"}');
    const jpeg = await makeJpeg(8);
    for (let i = 1; i <= 5; i++) {
      device.ws.send(appFrame(jpegVariant(jpeg, i), i));
      await v.until(() => v.binaries.length > 0 && seqOf(v.binaries[v.binaries.length - 1]!) === i, `frame ${i}`);
    }
    expect(s.relayStats(dev.uuid)!.viewers[0]!.acking).toBe(false);
    device.close();
    v.close();
  });

  it('limits viewers per host (429 at the upgrade)', async () => {
    const s = await server({ maxViewersPerHost: 1 });
    const dev = await approvedDevice(s);
    const first = await viewer(s, dev.uuid);
    await expect(viewer(s, dev.uuid)).rejects.toMatchObject({ status: 429 });
    first.close();
    await first.closed;
    await eventually(() => s.relayStats(dev.uuid)!.viewers.length, (n) => n === 0, 'viewer gone');
    const again = await viewer(s, dev.uuid);
    again.close();
  });

  it('terminates a viewer that stops answering pings', async () => {
    const s = await server({ pingIntervalMs: 100 });
    const dev = await approvedDevice(s);
    const dead = new WebSocket(wsUrl(s, `/api/hosts/${dev.uuid}/stream`), { headers: ADMIN, autoPong: false });
    const closed = new Promise<number>((r) => dead.on('close', (code) => r(code)));
    await new Promise((r) => dead.once('open', r));
    const alive = await viewer(s, dev.uuid);
    expect(await closed).toBe(1006);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    await eventually(() => s.relayStats(dev.uuid)!.viewers.length, (n) => n === 1, 'dead viewer dropped by the server');
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.close();
  });

  it('refreshes the stats counters every few ticks while frames arrive', async () => {
    const s = await server({ statsIntervalMs: 50 });
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    device.ws.send(appFrame(await makeJpeg(1)));
    await v.until(() => v.texts.some((t) => (t as { type: string; framesIn?: number }).type === 'stats' && (t as { framesIn: number }).framesIn === 1), 'stats event');
    const stats = v.texts.find((t) => (t as { type: string }).type === 'stats' && (t as { framesIn: number }).framesIn === 1);
    expect(stats).toMatchObject({ type: 'stats', uuid: dev.uuid, viewers: 1, framesIn: 1, framesDeduplicated: 0 });
    device.close();
    v.close();
  });

  it('gives a newcomer the stats at once, then sends them only when they change', async () => {
    const s = await server({ statsIntervalMs: 20 });
    const dev = await approvedDevice(s);
    const statsOf = (c: { texts: unknown[] }) => c.texts.filter((t) => (t as { type: string }).type === 'stats') as { viewers: number }[];
    const first = await viewer(s, dev.uuid);
    await first.until(() => statsOf(first).length >= 1, 'stats on join');
    expect(statsOf(first)[0]).toMatchObject({ viewers: 1, framesIn: 0 });
    // A second viewer changes the audience: one more stats event for the first viewer, then silence.
    const second = await viewer(s, dev.uuid);
    await first.until(() => statsOf(first).some((e) => e.viewers === 2), 'stats with two viewers');
    // The newcomer: the stats on join, then the broadcast of the changed audience.
    await second.until(() => statsOf(second).length >= 2, 'stats on join and the broadcast');
    const settled = [statsOf(first).length, statsOf(second).length];
    // 25 ticks with nothing new (no device): nothing more is sent.
    await new Promise((r) => setTimeout(r, 500));
    expect([statsOf(first).length, statsOf(second).length]).toEqual(settled);
    expect(settled[0]).toBeLessThanOrEqual(3);
    first.close();
    second.close();
  });

  it('deleting a host closes its device and viewers and forgets its token', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    await v.until(() => v.texts.length >= 1, 'status');
    expect((await api(s, `/api/hosts/${dev.uuid}`, { method: 'DELETE', identity: USER })).status).toBe(403);
    expect((await api(s, `/api/hosts/${dev.uuid}`, { method: 'DELETE', identity: ADMIN })).status).toBe(204);
    expect((await v.closed).code).toBe(CloseCode.NotFound);
    expect((await device.closed).code).toBe(CloseCode.Unauthorized);
    expect(await (await api(s, '/api/hosts', { identity: ADMIN })).json()).toEqual([]);
    const again = await streamingDevice(s, dev.token);
    expect(again.texts[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/not known/) });
  });
});

/** A JPEG comment segment of about `size` bytes (padding that decoders skip). */
function comSegment(size: number): Buffer {
  const len = Math.max(2, Math.min(65535, size));
  const seg = Buffer.alloc(2 + len, 0x20);
  seg[0] = 0xff;
  seg[1] = 0xfe;
  seg.writeUInt16BE(len, 2);
  return seg;
}
