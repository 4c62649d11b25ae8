import { CloseCode, PATCH_KEYFRAME_EVERY, VIEWER_ACK_WINDOW, ViewerFrameKind, decodeViewerFrameHeader, encodePatchMessage, encodeViewerAck, encodeViewerFrame } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import { TestSocket } from './test-socket.js';
import { Viewer, type ViewerHost } from './viewer.js';

const IDENTITY = { username: 'bob', email: null, name: null, uid: null, groups: [], admin: false, source: 'proxy' as const };
const frame = (seq: number): Buffer => encodeViewerFrame(Buffer.from([0xff, 0xd8, 0xff, seq & 0xff]), seq, seq, undefined);

/** A channel as the viewer sees it: the newest frame and counters. */
class Host implements ViewerHost {
  latest: Buffer | null = null;
  latestIngestAt = 0;
  sent: { count: number; bytes: number; latencyMs: number | null }[] = [];
  skipped = 0;
  onViewerSent(count: number, bytes: number, latencyMs: number | null): void {
    this.sent.push({ count, bytes, latencyMs });
  }
  onViewerSkipped(): void {
    this.skipped++;
  }
  /** What the channel does per new frame: make it the newest, offer it. */
  publish(viewer: Viewer, f: Buffer): boolean {
    this.latest = f;
    this.latestIngestAt = performance.now();
    return viewer.offer(f);
  }
}

function setup(maxBufferedBytes = 1 << 20, limits: { maxQueuedBytes?: number; messageRate?: number } = {}) {
  const ws = new TestSocket();
  const host = new Host();
  const closed: Viewer[] = [];
  const cuts: string[] = [];
  const viewer = new Viewer(ws.socket, IDENTITY, host, {
    maxBufferedBytes,
    maxQueuedBytes: limits.maxQueuedBytes ?? 8 << 20,
    messageRate: limits.messageRate ?? 1000,
    onCut: (_v, reason) => cuts.push(reason),
    onClose: (v) => closed.push(v),
  });
  const seqs = (): number[] => ws.binaries().map((b) => decodeViewerFrameHeader(b).seq);
  return { ws, host, viewer, closed, cuts, seqs };
}

describe('Viewer', () => {
  it('takes whole frames unless it asked for patches', () => {
    expect(setup().viewer.patches).toBe(false);
  });

  it('sends stats at exactly its buffered-bytes limit, and a frame that exactly fills its queue cap', () => {
    const { ws, host, viewer, cuts } = setup(1000, { maxQueuedBytes: 1000 + frame(1).length });
    ws.bufferedAmount = 1000;
    viewer.sendText('{"type":"stats"}');
    expect(ws.texts()).toEqual([{ type: 'stats' }]);
    ws.flush();
    expect(ws.bufferedAmount).toBe(1000);
    expect(host.publish(viewer, frame(1))).toBe(true);
    expect(cuts).toEqual([]);
    ws.flush();
    ws.bufferedAmount = 2000;
    viewer.sendText('{"type":"status"}', true);
    expect(cuts).toEqual(['not-reading']);
    expect(ws.closedWith).toEqual({ code: CloseCode.NotReading, reason: 'The viewer does not read what the server sends.' });
  });

  it('reads acks only from text messages', () => {
    const { ws, host, viewer } = setup();
    host.publish(viewer, frame(1));
    ws.receive(Buffer.from(encodeViewerAck(1)), true);
    expect(viewer.snapshot()).toMatchObject({ acking: false, unacked: 1 });
    ws.receive(encodeViewerAck(1));
    expect(viewer.snapshot()).toMatchObject({ acking: true, unacked: 0 });
  });

  it('sends a frame as binary, uncompressed, and never the same buffer twice', () => {
    const { ws, host, viewer, seqs } = setup();
    expect(host.publish(viewer, frame(1))).toBe(true);
    expect(ws.sent[0]).toMatchObject({ binary: true });
    ws.flush();
    expect(viewer.offer(frame(1))).toBe(true); // an equal but distinct buffer is a new frame
    ws.flush();
    const same = frame(2);
    expect(host.publish(viewer, same)).toBe(true);
    ws.flush();
    expect(viewer.offer(same)).toBe(false);
    expect(seqs()).toEqual([1, 1, 2]);
  });

  it('keeps one frame in flight: frames offered meanwhile are skipped, then the newest one follows at once', () => {
    const { ws, host, viewer, seqs } = setup();
    host.publish(viewer, frame(1));
    expect(host.publish(viewer, frame(2))).toBe(false);
    expect(host.publish(viewer, frame(3))).toBe(false);
    // Frame 2 can no longer reach the viewer (3 superseded it); 3 still can.
    expect(viewer.snapshot()).toMatchObject({ inFlight: true, framesSent: 1, framesSkipped: 1 });
    expect(host.skipped).toBe(1);
    ws.flush(); // the kernel took frame 1: the catch-up sends the newest, 3
    expect(seqs()).toEqual([1, 3]);
    // Only the frame the viewer never got counts as skipped, not the one the catch-up sent.
    expect(viewer.snapshot()).toMatchObject({ framesSent: 2, framesSkipped: 1 });
    expect(host.skipped).toBe(1);
    expect(host.sent).toHaveLength(1);
    expect(host.sent[0]!.count).toBe(1);
    expect(host.sent[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    ws.flush();
    expect(viewer.snapshot().inFlight).toBe(false);
    expect(seqs()).toEqual([1, 3]); // nothing newer: no extra send
  });

  it('skips frames while the socket holds more than its buffered-bytes limit', () => {
    const { ws, host, viewer, seqs } = setup(1000);
    ws.bufferedAmount = 1001;
    expect(viewer.congested).toBe(true);
    expect(host.publish(viewer, frame(1))).toBe(false);
    ws.bufferedAmount = 1000;
    expect(host.publish(viewer, frame(2))).toBe(true);
    expect(seqs()).toEqual([2]);
    expect(viewer.snapshot().peakBufferedBytes).toBe(1000 + frame(2).length);
  });

  it('from its first ack on, keeps at most the ack window unacknowledged, and an ack reopens it', () => {
    const { ws, host, viewer, seqs } = setup();
    let seq = 0;
    const sendOne = (): void => {
      host.publish(viewer, frame(++seq));
      ws.flush();
    };
    sendOne();
    ws.receive(encodeViewerAck(1));
    expect(viewer.snapshot()).toMatchObject({ acking: true, unacked: 0 });
    for (let i = 0; i < VIEWER_ACK_WINDOW + 3; i++) sendOne();
    expect(viewer.snapshot().unacked).toBe(VIEWER_ACK_WINDOW);
    expect(seqs()).toHaveLength(1 + VIEWER_ACK_WINDOW);
    expect(viewer.congested).toBe(true);
    // A cumulative ack for the 4th frame of the window: the newest frame goes out at once.
    ws.receive(encodeViewerAck(5));
    ws.flush();
    expect(seqs().at(-1)).toBe(seq);
    expect(viewer.snapshot().unacked).toBe(VIEWER_ACK_WINDOW - 4 + 1);
  });

  it('ignores acks for frames it was never sent, and acks that go backwards', () => {
    const { ws, host, viewer } = setup();
    ws.receive(encodeViewerAck(1)); // nothing sent yet
    expect(viewer.snapshot().acking).toBe(false);
    host.publish(viewer, frame(10));
    ws.flush();
    ws.receive(encodeViewerAck(11)); // ahead of anything sent
    expect(viewer.snapshot().acking).toBe(false);
    ws.receive('{"type":"ack","seq":10}');
    host.publish(viewer, frame(11));
    ws.flush();
    ws.receive(encodeViewerAck(9)); // backwards: no effect
    expect(viewer.snapshot().unacked).toBe(1);
    ws.receive('{ "seq": 11, "type": "ack" }'); // other spellings go through the JSON parser
    expect(viewer.snapshot().unacked).toBe(0);
    ws.receive(Buffer.from(encodeViewerAck(11)), true); // binary messages are not acks
    ws.receive('not json');
    expect(viewer.snapshot().unacked).toBe(0);
  });

  it('drops stats when congested but not status events, and sends nothing on a closing socket', () => {
    const { ws, viewer } = setup(100);
    ws.bufferedAmount = 101;
    viewer.sendText('{"type":"stats"}');
    viewer.sendText('{"type":"status"}', true);
    expect(ws.texts()).toEqual([{ type: 'status' }]);
    ws.close(1000, 'bye');
    viewer.sendText('{"type":"status"}', true);
    viewer.offer(frame(1));
    expect(ws.sent).toHaveLength(1);
  });

  it('gives a viewer that never acks the ack window and no more, from its first frame', () => {
    const { ws, host, viewer, seqs } = setup();
    for (let i = 1; i <= 30; i++) {
      host.publish(viewer, frame(i));
      ws.flush();
    }
    expect(seqs()).toHaveLength(VIEWER_ACK_WINDOW);
    expect(viewer.snapshot()).toMatchObject({ acking: false, unacked: VIEWER_ACK_WINDOW });
    // Frames it can no longer get are counted; the newest, which an ack would still bring, is not yet.
    expect(viewer.snapshot().framesSkipped).toBe(30 - VIEWER_ACK_WINDOW - 1);
    ws.receive(encodeViewerAck(VIEWER_ACK_WINDOW));
    ws.flush();
    expect(seqs().at(-1)).toBe(30);
    expect(viewer.snapshot().framesSkipped).toBe(30 - VIEWER_ACK_WINDOW - 1);
  });

  it('counts the frame it was waiting for as skipped when it leaves before getting it', () => {
    const { ws, host, viewer } = setup();
    host.publish(viewer, frame(1));
    host.publish(viewer, frame(2)); // in flight: 2 waits
    ws.terminate();
    expect(viewer.snapshot().framesSkipped).toBe(1);
    expect(host.skipped).toBe(1);
  });

  it('closes with 4008 once messages come faster than its rate, and reads nothing more', () => {
    const { ws, host, viewer, cuts } = setup(1 << 20, { messageRate: 5 });
    host.publish(viewer, frame(1));
    ws.flush();
    for (let i = 0; i < 20; i++) ws.receive(encodeViewerAck(1));
    expect(cuts).toEqual(['message-rate']);
    expect(ws.closedWith).toEqual({ code: CloseCode.TooManyMessages, reason: 'Too many messages: more than 5 per second.' });
  });

  it('cuts off a viewer whose unsent bytes would pass its cap, whatever is sent', () => {
    const { ws, viewer, cuts } = setup(1 << 20, { maxQueuedBytes: 3000 });
    ws.bufferedAmount = 2990;
    viewer.sendText('{"type":"status","padding":"......"}', true);
    expect(cuts).toEqual(['not-reading']);
    expect(ws.closedWith?.code).toBe(CloseCode.NotReading);
    expect(ws.sent).toHaveLength(0);
  });

  it('reports its own close once, and swallows socket errors', () => {
    const { ws, viewer, closed } = setup();
    expect(() => ws.emit('error', new Error('ECONNRESET'))).not.toThrow();
    ws.close(1001, 'going away');
    ws.finishClose();
    expect(closed).toEqual([viewer]);
  });
});

describe('Viewer with patches', () => {
  const patch = (seq: number, baseSeq: number) => encodePatchMessage({ baseSeq, width: 10, height: 10, rects: [] }, seq, seq, undefined);
  const update = (seq: number, baseSeq: number | null) => ({ seq, baseSeq, patch: baseSeq === null ? null : patch(seq, baseSeq), frame: frame(seq) });

  function patchSetup() {
    const ws = new TestSocket();
    const host = new Host();
    const viewer = new Viewer(ws.socket, IDENTITY, host, { maxBufferedBytes: 1 << 20, maxQueuedBytes: 8 << 20, messageRate: 1000, onCut: () => undefined, onClose: () => undefined, patches: true });
    const kinds = (): string[] => ws.binaries().map((b) => {
      const h = decodeViewerFrameHeader(b);
      return `${h.kind === ViewerFrameKind.Patch ? 'P' : 'F'}${h.seq}`;
    });
    return { ws, host, viewer, kinds };
  }

  it('sends a patch only onto the screen it applies to, else the whole frame', () => {
    const { ws, viewer, kinds } = patchSetup();
    expect(viewer.offer(frame(1))).toBe(true); // join
    ws.flush();
    expect(viewer.offerPatch(update(2, 1))).not.toBeNull();
    ws.flush();
    // The encoder coalesced: its next patch is against 1, which this viewer no longer shows.
    expect(viewer.offerPatch(update(3, 1))).not.toBeNull();
    ws.flush();
    // No patch (first frame, decode failed, most of the screen changed): the frame.
    viewer.offerPatch(update(4, null));
    ws.flush();
    viewer.offerPatch(update(5, 4));
    ws.flush();
    expect(kinds()).toEqual(['F1', 'P2', 'F3', 'F4', 'P5']);
    expect(viewer.snapshot()).toMatchObject({ framesSent: 5, patchesSent: 2 });
  });

  it('skips while congested, and resumes with a whole frame, never a patch onto a screen it missed', () => {
    const { ws, host, viewer, kinds } = patchSetup();
    host.latest = frame(1);
    viewer.offer(frame(1));
    // In flight: 2 is skipped.
    expect(viewer.offerPatch(update(2, 1))).toBeNull();
    host.latest = frame(2);
    ws.flush(); // catch-up: the newest frame whole
    ws.flush();
    // The encoder's patch for 2 arrives after the catch-up: nothing to send, the viewer has 2.
    expect(viewer.offerPatch(update(2, 1))).toBeNull();
    expect(viewer.offerPatch(update(3, 2))).not.toBeNull();
    ws.flush();
    expect(kinds()).toEqual(['F1', 'F2', 'P3']);
    expect(host.skipped).toBe(1);
  });

  it('sends a whole frame after PATCH_KEYFRAME_EVERY patches in a row', () => {
    const { ws, viewer, kinds } = patchSetup();
    viewer.offer(frame(1));
    ws.flush();
    for (let seq = 2; seq <= PATCH_KEYFRAME_EVERY + 3; seq++) {
      ws.receive(encodeViewerAck(seq - 1)); // a reading viewer: the ack window never fills
      viewer.offerPatch(update(seq, seq - 1));
      ws.flush();
    }
    const k = kinds();
    expect(k.filter((x) => x.startsWith('F'))).toEqual(['F1', `F${PATCH_KEYFRAME_EVERY + 2}`]);
    expect(k).toHaveLength(PATCH_KEYFRAME_EVERY + 3);
  });
});
