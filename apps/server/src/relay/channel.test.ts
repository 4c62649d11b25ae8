import { ProtocolError, VIEWER_HEADER_BYTES, decodeViewerFrameHeader } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { Channel } from './channel.js';
import { TestSocket } from './test-socket.js';
import { Viewer } from './viewer.js';

const IDENTITY = { username: 'alice', email: null, name: null, uid: null, groups: [], admin: true, source: 'dev' as const };
const jpeg = (n: number): Buffer => Buffer.from([0xff, 0xd8, 0xff, 0xe0, n & 0xff, (n >> 8) & 0xff, 0xff, 0xd9]);
const b64 = (b: Buffer): Buffer => Buffer.from(b.toString('base64'), 'latin1');

function metrics() {
  return createMetrics({ hostCounts: () => ({ pending: 0, approved: 0, revoked: 0 }), streamingHosts: () => 0, viewers: () => 0, devices: () => 0 });
}

async function counter(m: ReturnType<typeof metrics>, name: string): Promise<number> {
  const metric = await m.registry.getSingleMetric(name)!.get();
  return metric.values.reduce((n, v) => n + v.value, 0);
}

function channelWithViewers(n: number) {
  const m = metrics();
  const channel = new Channel('0f0f0f0f-0000-4000-8000-000000000001', 'approved', m);
  const sockets = Array.from({ length: n }, () => new TestSocket());
  for (const s of sockets) {
    channel.viewers.add(new Viewer(s.socket, IDENTITY, channel, {
      maxBufferedBytes: 1 << 20, maxQueuedBytes: 8 << 20, messageRate: 1000, onCut: () => undefined, onClose: (v) => channel.viewers.delete(v),
    }));
  }
  return { channel, sockets, metrics: m };
}

describe('Channel', () => {
  it('decodes a legacy frame once and offers the same buffer, header then JPEG, to every viewer', async () => {
    const { channel, sockets, metrics: m } = channelWithViewers(3);
    channel.ingestBase64(b64(jpeg(1)), 1234, 99);
    const frames = sockets.map((s) => s.binaries());
    expect(frames.map((f) => f.length)).toEqual([1, 1, 1]);
    expect(frames[1]![0]).toBe(frames[0]![0]);
    expect(frames[0]![0]!.subarray(VIEWER_HEADER_BYTES)).toEqual(jpeg(1));
    expect(decodeViewerFrameHeader(frames[0]![0]!)).toMatchObject({ seq: 1, hostTs: 1234 });
    expect(channel.latestJpeg).toEqual(jpeg(1));
    expect(channel.stats()).toMatchObject({ framesIn: 1, framesOut: 3, framesDeduplicated: 0, bytesIn: 99 });
    // Counted once per fan-out, in the metrics too.
    expect(await counter(m, 'booxstream_frames_out_total')).toBe(3);
    expect(await counter(m, 'booxstream_bytes_out_total')).toBe(3 * (VIEWER_HEADER_BYTES + jpeg(1).length));
  });

  it('recognises an identical frame by its base64 bytes and relays nothing, then numbers the next distinct frame 2', () => {
    const { channel, sockets } = channelWithViewers(1);
    channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    sockets[0]!.flush();
    channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    expect(channel.stats()).toMatchObject({ framesIn: 2, framesDeduplicated: 1 });
    expect(sockets[0]!.binaries()).toHaveLength(1);
    channel.ingestBase64(b64(jpeg(2)), undefined, 10);
    sockets[0]!.flush();
    expect(sockets[0]!.binaries().map((f) => decodeViewerFrameHeader(f).seq)).toEqual([1, 2]);
  });

  it('deduplicates binary frames and unchanged markers, but never a binary frame against a base64 one', () => {
    const { channel } = channelWithViewers(0);
    channel.ingestJpeg(jpeg(5), 1, 20);
    channel.ingestJpeg(jpeg(5), 2, 20);
    channel.ingestUnchanged(12);
    expect(channel.stats()).toMatchObject({ framesIn: 3, framesDeduplicated: 2, bytesIn: 52 });
    // Same JPEG, other encoding: the dedup reference is per encoding, so it is relayed.
    channel.ingestBase64(b64(jpeg(5)), undefined, 30);
    expect(channel.stats().framesDeduplicated).toBe(2);
    expect(decodeViewerFrameHeader(channel.latest!).seq).toBe(2);
  });

  it('relays the same frame again after resetDedup (a new device connection)', () => {
    const { channel } = channelWithViewers(0);
    channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    channel.resetDedup();
    channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    expect(channel.stats().framesDeduplicated).toBe(0);
    expect(decodeViewerFrameHeader(channel.latest!).seq).toBe(2);
  });

  it('throws a ProtocolError for bad base64 or a non-JPEG, leaving the channel as it was', () => {
    const { channel } = channelWithViewers(1);
    channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    const before = channel.latest;
    expect(() => channel.ingestBase64(Buffer.from('@@@@'), undefined, 4)).toThrow(ProtocolError);
    expect(() => channel.ingestBase64(b64(Buffer.from('GIF89a')), undefined, 8)).toThrow(ProtocolError);
    expect(channel.latest).toBe(before);
    expect(channel.stats().framesIn).toBe(1);
  });

  it('sends status events to every viewer even when congested, and stats only when they changed', () => {
    const { channel, sockets } = channelWithViewers(2);
    sockets[0]!.bufferedAmount = 2 << 20; // a slow peer: over the buffered-bytes limit, under the queued-bytes cap
    channel.broadcastStatus();
    expect(sockets.map((s) => s.texts().at(-1))).toEqual([
      { type: 'status', uuid: channel.uuid, status: 'approved', streaming: false },
      { type: 'status', uuid: channel.uuid, status: 'approved', streaming: false },
    ]);
    const first = channel.statsEventIfChanged(10_000, 5000);
    expect(JSON.parse(first!)).toMatchObject({ type: 'stats', viewers: 2, framesIn: 0 });
    // Nothing changed: nothing to send, even after the refresh period.
    expect(channel.statsEventIfChanged(11_000, 5000)).toBeNull();
    expect(channel.statsEventIfChanged(20_000, 5000)).toBeNull();
    // Counters changed: held back until the refresh period has passed since the last event...
    channel.ingestUnchanged(1);
    expect(channel.statsEventIfChanged(21_000, 5000)).not.toBeNull();
    channel.ingestUnchanged(1);
    expect(channel.statsEventIfChanged(22_000, 5000)).toBeNull();
    // ...but a new audience is news at once.
    channel.viewers.delete([...channel.viewers][0]!);
    expect(JSON.parse(channel.statsEventIfChanged(22_100, 5000)!)).toMatchObject({ viewers: 1 });
  });

  it('is streaming exactly while a device is attached', () => {
    const { channel } = channelWithViewers(0);
    expect(channel.streaming).toBe(false);
    channel.device = { close: () => undefined };
    expect(channel.streaming).toBe(true);
    expect(JSON.parse(channel.statusEvent())).toMatchObject({ streaming: true });
  });

  it('records relay latency in seconds, and none for a catch-up send or a frame nobody was sent', async () => {
    const { channel, metrics: m } = channelWithViewers(0);
    const before = performance.now();
    channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    expect(await counter(m, 'booxstream_relay_latency_seconds')).toBe(0);
    channel.onViewerSent(2, 100, null);
    channel.onViewerSent(1, 100, 250);
    const latency = (await m.registry.getSingleMetric('booxstream_relay_latency_seconds')!.get()).values;
    const of = (name: string) => latency.filter((v) => (v as { metricName?: string }).metricName === name).reduce((n, v) => n + v.value, 0);
    expect([of('booxstream_relay_latency_seconds_count'), of('booxstream_relay_latency_seconds_sum')]).toEqual([1, 0.25]);
    expect(channel.stats()).toMatchObject({ framesOut: 3 });
    expect(await counter(m, 'booxstream_bytes_out_total')).toBe(300);
    // A relayed frame's latency is from its ingest to its send: well under the test's own run time.
    const one = channelWithViewers(1);
    one.channel.ingestBase64(b64(jpeg(1)), undefined, 10);
    const elapsed = performance.now() - before;
    const sum = (await one.metrics.registry.getSingleMetric('booxstream_relay_latency_seconds')!.get()).values
      .filter((v) => (v as { metricName?: string }).metricName === 'booxstream_relay_latency_seconds_sum').reduce((n, v) => n + v.value, 0);
    expect(sum * 1000).toBeLessThanOrEqual(elapsed);
  });

  it('counts a skipped frame', async () => {
    const { channel, metrics: m } = channelWithViewers(0);
    channel.onViewerSkipped();
    channel.onViewerSkipped();
    expect(channel.stats().framesSkipped).toBe(2);
    expect(await counter(m, 'booxstream_frames_skipped_total')).toBe(2);
  });

  it('refreshes unchanged-audience stats exactly every refreshMs, and only when they changed', () => {
    const { channel } = channelWithViewers(1);
    expect(channel.statsEventIfChanged(1000, 5000)).not.toBeNull();
    channel.ingestUnchanged(10);
    expect(channel.statsEventIfChanged(5999, 5000)).toBeNull();
    expect(JSON.parse(channel.statsEventIfChanged(6000, 5000)!)).toMatchObject({ framesIn: 1, framesDeduplicated: 1 });
    expect(channel.statsEventIfChanged(11_000, 5000)).toBeNull();
  });
});
