/**
 * Budgets under attack, with real sockets on 127.0.0.1 (issue #12): floods,
 * peers that never read, bytes before auth, unauthenticated sockets, viewers
 * that never ack, the skipped-frames count, and a device that stops answering
 * pings. Each case also checks that the others keep being served.
 */
import type { Socket } from 'node:net';
import { CloseCode, VIEWER_ACK_WINDOW, decodeViewerFrameHeader, encodeDeviceFrame } from '@booxstream/protocol';
import { clientFrame } from '@booxstream/protocol/ws-frame';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import {
  ADMIN2, appFrame, approvedDevice, connect, eventually, jpegVariant, makeJpeg, serversPerTest, streamingDevice, viewer, wsUrl,
  type Client, type TestServer,
} from './helpers.js';

const server = serversPerTest();

const seqOf = (m: Buffer): number => decodeViewerFrameHeader(m).seq;
const rawSocketOf = (c: Client): Socket => (c.ws as unknown as { _socket: Socket })._socket;

/** `n` copies of one frame in a single buffer (written at once, as a flood arrives). */
function flood(frame: Buffer, n: number): Buffer {
  const out = Buffer.allocUnsafe(frame.length * n);
  for (let i = 0; i < n; i++) frame.copy(out, i * frame.length);
  return out;
}

/** The sum of a metric's samples whose labels include `labels`, from GET /metrics. */
async function metric(s: TestServer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** Polls an async reading until `pred` holds. */
async function until<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (pred(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value ${String(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A device and an acking viewer that must keep working whatever the attacker does. */
async function bystander(s: TestServer) {
  const dev = await approvedDevice(s);
  const device = await streamingDevice(s, dev.token);
  const watcher = await viewer(s, dev.uuid);
  const jpeg = await makeJpeg(3);
  let n = 0;
  return {
    /** Sends one more frame and waits until the viewer has it. */
    async stillServed(): Promise<void> {
      const id = ++n;
      device.ws.send(appFrame(jpegVariant(jpeg, id)));
      await watcher.until(() => watcher.binaries.length > 0 && seqOf(watcher.binaries.at(-1)!) === id, `bystander frame ${id}`);
    },
  };
}

describe('device budgets', () => {
  it('cuts off a device flooding 500,000 one-byte invalid messages after its invalid-message budget, answering only that many', async () => {
    const s = await server();
    const others = await bystander(s);
    await others.stillServed();
    const dev = await approvedDevice(s);
    const attacker = await streamingDevice(s, dev.token);
    rawSocketOf(attacker).write(flood(clientFrame(0x1, Buffer.from('x')), 500_000));
    const closed = await attacker.closed;
    expect(closed).toEqual({ code: CloseCode.TooManyMessages, reason: expect.stringMatching(/Too many invalid messages/) });
    // Processed at most the budget (a burst of twice DEVICE_REJECT_RATE, plus what the rate
    // earns while the flood arrives), not 500,000.
    const rejected = await metric(s, 'booxstream_frames_rejected_total');
    expect(rejected).toBeGreaterThanOrEqual(40);
    expect(rejected).toBeLessThanOrEqual(60);
    expect(attacker.texts.filter((t) => (t as { code?: string }).code === 'PROTO_ERR_MALFORMED_JSON').length).toBeLessThan(rejected);
    expect(await metric(s, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'reject-rate' })).toBe(1);
    await others.stillServed();
  });

  it('refuses a device closed for its invalid-message budget for DEVICE_COOL_DOWN_MS, without touching others, then takes it back', async () => {
    const s = await server({ deviceCoolDownMs: 2000 });
    const others = await bystander(s);
    const dev = await approvedDevice(s);
    const attacker = await streamingDevice(s, dev.token);
    rawSocketOf(attacker).write(flood(clientFrame(0x1, Buffer.from('x')), 1000));
    expect((await attacker.closed).code).toBe(CloseCode.TooManyMessages);
    const rejected = await metric(s, 'booxstream_frames_rejected_total');
    // Reconnecting at once, the flood right behind the auth message: refused at auth, and nothing after it is read.
    const again = await connect(wsUrl(s, '/android-ws'));
    rawSocketOf(again).write(Buffer.concat([clientFrame(0x1, Buffer.from(JSON.stringify({ type: 'auth', token: dev.token }))), flood(clientFrame(0x1, Buffer.from('x')), 1000)]));
    await again.until(() => again.texts.length > 0, 'auth answer');
    expect(again.texts[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/too many messages; it may connect again in [12] s/) });
    expect(await again.closed).toMatchObject({ code: CloseCode.TooManyMessages, reason: expect.stringMatching(/connect again/) });
    expect(await metric(s, 'booxstream_frames_rejected_total')).toBe(rejected);
    // Not read at all, rather than read, counted and cut at PREAUTH_MAX_BYTES.
    expect(await metric(s, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'preauth-bytes' })).toBe(0);
    expect(await metric(s, 'booxstream_device_auth_failures_total', { reason: 'cooling-down' })).toBe(1);
    expect(s.relayStats(dev.uuid)!.streaming).toBe(false);
    // Another device, and the bystander, are not concerned.
    const other = await approvedDevice(s);
    expect((await streamingDevice(s, other.token)).texts[0]).toMatchObject({ type: 'authenticated' });
    await others.stillServed();
    // Once the cool-down is over, the same token streams again.
    await new Promise((r) => setTimeout(r, 2100));
    expect((await streamingDevice(s, dev.token)).texts[0]).toMatchObject({ type: 'authenticated' });
  });

  it('does not cool down a device cut for not reading (a stalled network): it may reconnect at once', async () => {
    const s = await server({ deviceMessageRate: 1_000_000, deviceRejectRate: 1_000_000, deviceMaxQueuedBytes: 64 * 1024 });
    const dev = await approvedDevice(s);
    const stalled = await streamingDevice(s, dev.token);
    rawSocketOf(stalled).pause();
    rawSocketOf(stalled).write(flood(clientFrame(0x1, Buffer.from('x')), 100_000));
    await until(() => metric(s, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'not-reading' }), (n) => n === 1, 'the device cut off');
    rawSocketOf(stalled).resume();
    await stalled.closed;
    expect((await streamingDevice(s, dev.token)).texts[0]).toMatchObject({ type: 'authenticated' });
  });

  it('closes a device sending more messages per second than its budget, even valid ones', async () => {
    const s = await server({ deviceMessageRate: 100 });
    const others = await bystander(s);
    const dev = await approvedDevice(s);
    const attacker = await streamingDevice(s, dev.token);
    rawSocketOf(attacker).write(flood(clientFrame(0x2, encodeDeviceFrame(null, 1)), 20_000));
    expect((await attacker.closed).code).toBe(CloseCode.TooManyMessages);
    expect(s.relayStats(dev.uuid)!.framesIn).toBeLessThanOrEqual(201);
    expect(await metric(s, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'message-rate' })).toBe(1);
    await others.stillServed();
  });

  it('cuts off a device that does not read its error replies instead of buffering them', async () => {
    // Rates out of the way: only the queued-bytes cap can stop this one.
    const s = await server({ deviceMessageRate: 1_000_000, deviceRejectRate: 1_000_000, deviceMaxQueuedBytes: 64 * 1024 });
    const others = await bystander(s);
    const dev = await approvedDevice(s);
    const attacker = await streamingDevice(s, dev.token);
    rawSocketOf(attacker).pause();
    // ~150 bytes of reply per 7-byte message: 15 MB of replies, far past what the kernel's buffers take.
    rawSocketOf(attacker).write(flood(clientFrame(0x1, Buffer.from('x')), 100_000));
    await until(() => metric(s, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'not-reading' }), (n) => n === 1, 'the device cut off');
    expect(await metric(s, 'booxstream_frames_rejected_total')).toBeLessThan(100_000);
    rawSocketOf(attacker).resume();
    await attacker.closed;
    await others.stillServed();
  });

  it('closes with 1009 a socket that sends more than PREAUTH_MAX_BYTES before authenticating, unfinished fragments included', async () => {
    const s = await server({ authTimeoutMs: 30_000 });
    const others = await bystander(s);
    // Fragments of a text message that never finishes.
    const fragments = await connect(wsUrl(s, '/android-ws'));
    rawSocketOf(fragments).write(clientFrame(0x1, Buffer.alloc(3000, 0x61), { fin: false }));
    rawSocketOf(fragments).write(clientFrame(0x0, Buffer.alloc(3000, 0x61), { fin: false }));
    // One frame that announces 1 MiB and sends a part of it.
    const partial = await connect(wsUrl(s, '/android-ws'));
    rawSocketOf(partial).write(clientFrame(0x1, Buffer.alloc(8000, 0x61), { declaredLength: 1 << 20 }));
    for (const c of [fragments, partial]) {
      const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r('still open'), 5000))]);
      expect(closed).toMatchObject({ code: CloseCode.MessageTooBig, reason: expect.stringMatching(/before authentication/) });
    }
    expect(await metric(s, 'booxstream_sockets_cut_total', { kind: 'device', reason: 'preauth-bytes' })).toBe(2);
    // The app's auth message is far below the limit.
    await others.stillServed();
  });

  it('caps device sockets that have not authenticated, per client address and in total (429 at the upgrade)', async () => {
    const s = await server({ maxUnauthenticatedPerAddress: 2, maxUnauthenticated: 3 });
    const from = (ip: string) => connect(wsUrl(s, '/android-ws'), { 'cf-connecting-ip': ip });
    const a1 = await from('198.51.100.1');
    await from('198.51.100.1');
    const perAddress = await from('198.51.100.1').catch((e: unknown) => e);
    expect(perAddress).toMatchObject({ status: 429 });
    expect(JSON.parse((perAddress as { body: string }).body)).toMatchObject({ error: { code: 'HTTP_ERR_TOO_MANY_SOCKETS', message: expect.stringMatching(/from this address.*at most 2/) } });
    const b1 = await from('198.51.100.2');
    const total = await from('198.51.100.2').catch((e: unknown) => e);
    expect(total).toMatchObject({ status: 429 });
    expect((total as { body: string }).body).toMatch(/on this server.*at most 3/);
    // A socket that authenticates no longer counts: its address may open another.
    const dev = await approvedDevice(s);
    a1.ws.send(JSON.stringify({ type: 'auth', token: dev.token }));
    await a1.until(() => a1.texts.length > 0, 'authenticated');
    const a3 = await from('198.51.100.1');
    // One that closes frees its place too.
    b1.close();
    await b1.closed;
    const b2 = await until(() => from('198.51.100.2').catch(() => null), (c) => c !== null, 'a place freed by a close');
    expect(await metric(s, 'booxstream_upgrades_refused_total', { reason: 'unauthenticated-per-address' })).toBeGreaterThanOrEqual(1);
    expect(await metric(s, 'booxstream_upgrades_refused_total', { reason: 'unauthenticated-total' })).toBeGreaterThanOrEqual(1);
    for (const c of [a1, a3, b2]) c?.close();
  });

  it('keys the per-address cap on unauthenticated sockets by IPv6 /64 (as the registration limit), by address for IPv4', async () => {
    const s = await server({ maxUnauthenticatedPerAddress: 2, maxUnauthenticated: 100 });
    const from = (ip: string) => connect(wsUrl(s, '/android-ws'), { 'cf-connecting-ip': ip });
    const held = [await from('2001:db8:1:2::1'), await from('2001:db8:1:2:ffff::2')];
    // A third address of the same /64: refused, as one party.
    expect(await from('2001:db8:1:2::3').catch((e: unknown) => e)).toMatchObject({ status: 429 });
    // The next /64, and two IPv4 neighbours of one /24 (each its own key), are not.
    held.push(await from('2001:db8:1:3::1'), await from('198.51.100.1'), await from('198.51.100.1'), await from('198.51.100.2'));
    expect(await metric(s, 'booxstream_upgrades_refused_total', { reason: 'unauthenticated-per-address' })).toBe(1);
    // Freed per /64 too: one of the two closes, another address of that /64 gets its place.
    held[0]!.close();
    await held[0]!.closed;
    held.push((await until(() => from('2001:db8:1:2::4').catch(() => null), (c) => c !== null, 'a place in the /64 freed by a close'))!);
    for (const c of held) c?.close();
  });

  it('terminates a device that stops answering pings, and tells its viewers it stopped streaming', async () => {
    const s = await server({ pingIntervalMs: 100 });
    const dev = await approvedDevice(s);
    const dead = new WebSocket(wsUrl(s, '/android-ws'), { autoPong: false });
    const closed = new Promise<number>((r) => dead.on('close', (code) => r(code)));
    await new Promise((r) => dead.once('open', r));
    dead.send(JSON.stringify({ type: 'auth', token: dev.token }));
    const watcher = await viewer(s, dev.uuid);
    await watcher.until(() => watcher.texts.some((t) => (t as { streaming?: boolean }).streaming === true), 'streaming status');
    expect(await closed).toBe(1006);
    await watcher.until(() => (watcher.texts.at(-1) as { type: string; streaming?: boolean }).streaming === false, 'not streaming any more');
    expect(s.relayStats(dev.uuid)!.streaming).toBe(false);
  });
});

describe('viewer budgets', () => {
  it('closes a viewer sending more messages than its budget, and only that viewer', async () => {
    const s = await server({ viewerMessageRate: 50 });
    const others = await bystander(s);
    const dev = await approvedDevice(s);
    const noisy = await viewer(s, dev.uuid);
    rawSocketOf(noisy).write(flood(clientFrame(0x1, Buffer.from('{"type":"ack","seq":1}')), 5000));
    expect(await noisy.closed).toEqual({ code: CloseCode.TooManyMessages, reason: expect.stringMatching(/more than 50 per second/) });
    expect(await metric(s, 'booxstream_sockets_cut_total', { kind: 'viewer', reason: 'message-rate' })).toBe(1);
    await others.stillServed();
  });

  it('gives a viewer that froze before its first ack no more than the ack window, not what the kernel would hold', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const healthy = await viewer(s, dev.uuid);
    const frozen = await viewer(s, dev.uuid, ADMIN2, { ack: false });
    await frozen.until(() => frozen.texts.length >= 2, 'status and stats');
    rawSocketOf(frozen).pause();
    const jpeg = await makeJpeg(11);
    const LAST = 100;
    // Paced (each frame reaches the healthy viewer before the next), so every send to the
    // frozen viewer completes into the kernel's buffers: only the ack window can hold frames back.
    for (let i = 1; i <= LAST; i++) {
      device.ws.send(appFrame(jpegVariant(jpeg, i)));
      await healthy.until(() => healthy.binaries.length > 0 && seqOf(healthy.binaries.at(-1)!) === i, `healthy viewer at ${i}`);
    }
    rawSocketOf(frozen).resume();
    // Everything the server sent it arrives within a moment on loopback; wait for the window, then a little more.
    await frozen.until(() => frozen.binaries.length >= Math.min(VIEWER_ACK_WINDOW, LAST), 'the window of frames');
    await new Promise((r) => setTimeout(r, 300));
    expect(frozen.binaries.length).toBe(VIEWER_ACK_WINDOW);
    const carol = s.relayStats(dev.uuid)!.viewers.find((v) => v.username === 'carol')!;
    expect(carol).toMatchObject({ framesSent: VIEWER_ACK_WINDOW, unacked: VIEWER_ACK_WINDOW });
  });

  it('counts as skipped only frames a viewer never got, not the newest frame its catch-up sent', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const a = await viewer(s, dev.uuid);
    const b = await viewer(s, dev.uuid, ADMIN2);
    const jpeg = await makeJpeg(12);
    const LAST = 300;
    // Bursts of 30; viewer b stops reading for a while (so it acks nothing, and the
    // window holds frames back from it) and then catches up.
    for (let i = 1; i <= LAST; i++) {
      if (i === 31) rawSocketOf(b).pause();
      if (i === 151) rawSocketOf(b).resume();
      device.ws.send(appFrame(jpegVariant(jpeg, i)));
      if (i % 30 === 0) await a.until(() => a.binaries.length > 0 && seqOf(a.binaries.at(-1)!) === i, `a at ${i}`);
    }
    for (const c of [a, b]) await c.until(() => c.binaries.length > 0 && seqOf(c.binaries.at(-1)!) === LAST, 'the newest frame');
    const stats = s.relayStats(dev.uuid)!;
    let skipped = 0;
    for (const [v, c] of [[stats.viewers.find((x) => x.username === 'alice')!, a], [stats.viewers.find((x) => x.username === 'carol')!, b]] as const) {
      expect(v.framesSent).toBe(c.binaries.length);
      // Every frame published while it watched was either received or never sent: none twice.
      expect(v.framesSent + v.framesSkipped).toBe(LAST);
      skipped += v.framesSkipped;
    }
    expect(skipped).toBeGreaterThan(0);
    expect(stats.framesSkipped).toBe(skipped);
    expect(await metric(s, 'booxstream_frames_skipped_total')).toBe(skipped);
  });
});
