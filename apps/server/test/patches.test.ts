/**
 * Patch viewers with real sockets: a patch viewer and a full-frame viewer of the
 * same host end on the same screen, pixel for pixel; the patch viewer gets a
 * full frame when it joins, after a skip, when most of the screen changed
 * (a page turn) and every PATCH_KEYFRAME_EVERY patches; a frame the decoder
 * refuses reaches it whole; nothing is decoded while nobody asks for patches.
 * Each case runs with both ways of finding changes (PATCH_METHOD): jpeg-delta
 * (JPEG rectangles cut from the device's frame) and sharp (PNG rectangles).
 */
import { PATCH_KEYFRAME_EVERY, PatchFormat, ViewerFrameKind, decodePatch, decodeViewerFrameHeader } from '@booxstream/protocol';
import { renderEinkFrame } from '@booxstream/host-client';
import type { Socket } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PATCH_METHODS } from '../src/config.js';
import { ADMIN, appFrame, approvedDevice, connect, eventually, jpegVariant, streamingDevice, wsUrl, serversPerTest, type Client } from './helpers.js';

/** What a patch viewer shows: full frames decoded, patches drawn onto them, in order. */
class Screen {
  raw: Buffer | null = null;
  width = 0;
  height = 0;
  seq = -1;
  full = 0;
  patches = 0;
  bytes = 0;

  async apply(message: Buffer): Promise<void> {
    const h = decodeViewerFrameHeader(message);
    this.bytes += message.length;
    if (h.kind === ViewerFrameKind.Jpeg) {
      const { data, info } = await sharp(message.subarray(h.headerLength)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      this.raw = data;
      this.width = info.width;
      this.height = info.height;
      this.full++;
    } else {
      const patch = decodePatch(message, h.headerLength);
      expect(patch.baseSeq).toBe(this.seq);
      for (const r of patch.rects) {
        const { data, info } = await sharp(Buffer.from(r.image)).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([r.w, r.h]);
        for (let y = 0; y < r.h; y++) {
          for (let x = 0; x < r.w; x++) {
            const src = (y * r.w + x) * info.channels;
            const dst = ((r.y + y) * this.width + r.x + x) * 3;
            for (let c = 0; c < 3; c++) this.raw![dst + c] = data[src + (info.channels === 1 ? 0 : c)]!;
          }
        }
      }
      this.patches++;
    }
    this.seq = h.seq;
  }
}

function patchViewer(s: { url: string }, uuid: string): Promise<Client> {
  return connect(wsUrl(s, `/api/hosts/${uuid}/stream?patches=1`), ADMIN, { ack: true });
}

async function decodeJpeg(frame: Buffer): Promise<Buffer> {
  const h = decodeViewerFrameHeader(frame);
  return (await sharp(frame.subarray(h.headerLength)).removeAlpha().toColourspace('srgb').raw().toBuffer());
}

async function metric(s: { url: string }, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe.each(PATCH_METHODS)('patch viewers (PATCH_METHOD=%s)', (method) => {
  const server = serversPerTest({ patchMethod: method });
  const format = method === 'auto' ? PatchFormat.Jpeg : PatchFormat.Png;

  it('end on exactly the full-frame viewer\'s screen, for a fraction of the bytes, with a full frame at a page turn', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const pages = await Promise.all(Array.from({ length: 16 }, (_, i) => renderEinkFrame(i, { seed: 3 })));
    device.ws.send(appFrame(pages[0]!));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 1, 'first frame');
    const full = await connect(wsUrl(s, `/api/hosts/${dev.uuid}/stream`), ADMIN, { ack: true });
    const patched = await patchViewer(s, dev.uuid);
    const screen = new Screen();
    let chain = Promise.resolve();
    patched.ws.on('message', (m: Buffer, binary) => {
      if (binary) chain = chain.then(() => screen.apply(m));
    });
    await patched.until(() => patched.binaries.length === 1, 'the joining full frame');
    for (let i = 1; i < pages.length; i++) {
      device.ws.send(appFrame(pages[i]!));
      // One frame at a time, as a pen at 10 fps: each reaches both viewers before the next.
      await full.until(() => full.binaries.length === i + 1, `full frame ${i}`);
      await patched.until(() => patched.binaries.length === i + 1, `patch ${i}`);
    }
    await chain;
    expect(screen.seq).toBe(decodeViewerFrameHeader(full.binaries.at(-1)!).seq);
    expect(screen.raw!.equals(await decodeJpeg(full.binaries.at(-1)!))).toBe(true);
    // Join, the page turn at update 12, and nothing else whole.
    expect(screen.full).toBe(2);
    expect(screen.patches).toBe(14);
    const fullBytes = full.binaries.slice(1).reduce((n, m) => n + m.length, 0);
    const patchBytes = patched.binaries.slice(1).reduce((n, m) => n + m.length, 0);
    // A page turn is a whole frame for both; the strokes are what patches are for.
    expect(patchBytes).toBeLessThan(fullBytes * 0.25);
    const strokesFull = full.binaries.slice(1, 12).reduce((n, m) => n + m.length, 0);
    const strokesPatch = patched.binaries.slice(1, 12).reduce((n, m) => n + m.length, 0);
    expect(strokesPatch).toBeLessThan(strokesFull * 0.1);
    const formats = new Set(patched.binaries.slice(1).filter((m) => decodeViewerFrameHeader(m).kind === ViewerFrameKind.Patch).flatMap((m) => decodePatch(m).rects.map((r) => r.format)));
    expect([...formats]).toEqual([format]);
    // 15 frames, and the joining viewer's screen decoded once so the first frame can be a patch.
    expect(await metric(s, 'booxstream_patch_encode_seconds_count')).toBe(16);
    full.close();
    patched.close();
    device.close();
  });

  it('decodes nothing while no viewer asks for patches', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const full = await connect(wsUrl(s, `/api/hosts/${dev.uuid}/stream`), ADMIN, { ack: true });
    for (let i = 0; i < 3; i++) device.ws.send(appFrame(await renderEinkFrame(i)));
    await full.until(() => full.binaries.length === 3, 'frames');
    expect(await metric(s, 'booxstream_patch_encode_seconds_count')).toBe(0);
    full.close();
    device.close();
  });

  it('sends a full frame every PATCH_KEYFRAME_EVERY patches', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const base = await renderEinkFrame(1, { seed: 5 });
    device.ws.send(appFrame(base));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 1, 'first frame');
    const patched = await patchViewer(s, dev.uuid);
    await patched.until(() => patched.binaries.length === 1, 'join frame');
    // Distinct bytes, same pixels (a JPEG comment changes): each is an empty patch.
    const total = PATCH_KEYFRAME_EVERY + 3;
    for (let i = 1; i <= total; i++) {
      device.ws.send(appFrame(jpegVariant(base, i)));
      await patched.until(() => patched.binaries.length === i + 1, `message ${i}`);
    }
    const kinds = patched.binaries.map((m) => decodeViewerFrameHeader(m).kind);
    expect(kinds[0]).toBe(ViewerFrameKind.Jpeg);
    expect(kinds.slice(1, PATCH_KEYFRAME_EVERY + 1).every((k) => k === ViewerFrameKind.Patch)).toBe(true);
    expect(kinds[PATCH_KEYFRAME_EVERY + 1]).toBe(ViewerFrameKind.Jpeg);
    expect(kinds[PATCH_KEYFRAME_EVERY + 2]).toBe(ViewerFrameKind.Patch);
    expect(decodePatch(patched.binaries[1]!).rects).toEqual([]);
    patched.close();
    device.close();
  });

  it('gives a stalled patch viewer a full frame when it resumes, never a patch it cannot apply', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const pages = await Promise.all(Array.from({ length: 12 }, (_, i) => renderEinkFrame(i, { seed: 9, width: 936, height: 702 })));
    device.ws.send(appFrame(pages[0]!));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 1, 'first frame');
    const patched = await patchViewer(s, dev.uuid);
    const screen = new Screen();
    let chain = Promise.resolve();
    patched.ws.on('message', (m: Buffer, binary) => {
      if (binary) chain = chain.then(() => screen.apply(m));
    });
    await patched.until(() => patched.binaries.length === 1, 'join frame');
    const socket = (patched.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    // Without acks the viewer is congested only while a send is in flight: send a burst.
    for (let i = 1; i < pages.length; i++) device.ws.send(appFrame(pages[i]!));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === pages.length, 'all frames in');
    await new Promise((r) => setTimeout(r, 300));
    socket.resume();
    await eventually(() => s.relayStats(dev.uuid)?.viewers[0]?.framesSkipped ?? 0, (n) => n >= 0, 'stats');
    await patched.until(() => patched.binaries.length > 1 && screen.seq === decodeViewerFrameHeader(patched.binaries.at(-1)!).seq, 'a last message', 10_000);
    // Settle: the encoder may still deliver the newest frame.
    await new Promise((r) => setTimeout(r, 500));
    await chain;
    // Every patch applied onto its base (Screen.apply checks), and the screen is the newest frame.
    const newest = await sharp(pages.at(-1)!).removeAlpha().toColourspace('srgb').raw().toBuffer();
    expect(screen.raw!.equals(newest)).toBe(true);
    patched.close();
    device.close();
  });

  it('relays a frame the decoder refuses to patch viewers whole, and keeps serving', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const good = await renderEinkFrame(0);
    device.ws.send(appFrame(good));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 1, 'first frame');
    const patched = await patchViewer(s, dev.uuid);
    await patched.until(() => patched.binaries.length === 1, 'join frame');
    // SOI, a comment, EOI: the relay's JPEG check takes it, libjpeg refuses it.
    const broken = Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x04, 0x41, 0x42, 0xff, 0xd9]);
    device.ws.send(appFrame(broken));
    await patched.until(() => patched.binaries.length === 2, 'the broken frame, whole');
    const h = decodeViewerFrameHeader(patched.binaries[1]!);
    expect(h.kind).toBe(ViewerFrameKind.Jpeg);
    expect(patched.binaries[1]!.subarray(h.headerLength)).toEqual(broken);
    expect(await metric(s, 'booxstream_patch_decode_failures_total')).toBe(1);
    // The next good frame comes whole too (no base to patch against), then patches resume.
    device.ws.send(appFrame(await renderEinkFrame(1)));
    await patched.until(() => patched.binaries.length === 3, 'next frame');
    expect(decodeViewerFrameHeader(patched.binaries[2]!).kind).toBe(ViewerFrameKind.Jpeg);
    device.ws.send(appFrame(await renderEinkFrame(2)));
    await patched.until(() => patched.binaries.length === 4, 'a patch again');
    expect(decodeViewerFrameHeader(patched.binaries[3]!).kind).toBe(ViewerFrameKind.Patch);
    expect(s.logs.some((l) => l.includes('could not be decoded for patches'))).toBe(true);
    patched.close();
    device.close();
  });
});
