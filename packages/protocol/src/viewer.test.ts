import { describe, expect, it } from 'vitest';
import {
  decodeViewerFrameHeader, viewerFrameSeq, encodeViewerAck, parseViewerAckBytes, ViewerAcker, VIEWER_ACK_EVERY, VIEWER_ACK_WINDOW, encodeViewerFrame, parseViewerClientMessage, VIEWER_HEADER_BYTES, writeViewerFrameHeader,
} from './viewer.js';

describe('viewer frames', () => {
  it('puts the JPEG bytes unchanged after a 24-byte header', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]);
    const msg = encodeViewerFrame(jpeg, 7, 1000.25, 990);
    expect(msg.subarray(VIEWER_HEADER_BYTES)).toEqual(jpeg);
    expect(decodeViewerFrameHeader(msg)).toEqual({ version: 1, kind: 1, headerLength: 24, seq: 7, serverTs: 1000.25, hostTs: 990 });
  });

  it('reads back the seq a header was written with, as the full decoder does', () => {
    for (const seq of [0, 1, 0x01020304, 2 ** 32 - 1]) {
      const msg = encodeViewerFrame(Buffer.from([0xff, 0xd8, 0xff, 0]), seq, 5, 6);
      expect(viewerFrameSeq(msg)).toBe(seq);
      expect(viewerFrameSeq(msg)).toBe(decodeViewerFrameHeader(msg).seq);
    }
  });

  it('decodes from a plain ArrayBuffer, as a browser receives it', () => {
    const msg = encodeViewerFrame(Buffer.from([0xff, 0xd8, 0xff, 0]), 2 ** 32 - 1, 1, undefined);
    const ab = new Uint8Array(msg).buffer; // a standalone copy, as a WebSocket delivers it
    const h = decodeViewerFrameHeader(ab);
    expect(h.seq).toBe(2 ** 32 - 1);
    expect(Number.isNaN(h.hostTs)).toBe(true);
  });

  it('rejects a truncated header', () => {
    expect(() => decodeViewerFrameHeader(new Uint8Array(10))).toThrow(/shorter than its header/);
  });
});

describe('writeViewerFrameHeader', () => {
  it('writes in place the same header encodeViewerFrame builds', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 9, 8, 7]);
    const inPlace = Buffer.concat([Buffer.alloc(VIEWER_HEADER_BYTES, 0xaa), jpeg]);
    expect(writeViewerFrameHeader(inPlace, 42, 5, 4)).toBe(inPlace);
    expect(inPlace).toEqual(encodeViewerFrame(jpeg, 42, 5, 4));
  });
});

describe('viewer acks', () => {
  it('round-trips an ack', () => {
    expect(parseViewerClientMessage(encodeViewerAck(7))).toEqual({ type: 'ack', seq: 7 });
    expect(parseViewerClientMessage(encodeViewerAck(2 ** 32 - 1))).toEqual({ type: 'ack', seq: 2 ** 32 - 1 });
  });

  it.each(['not json', '[]', '{"type":"ack"}', '{"type":"ack","seq":-1}', '{"type":"ack","seq":1.5}', '{"type":"hello","seq":1}', 'null'])(
    'ignores %s',
    (text) => {
      expect(parseViewerClientMessage(text)).toBeNull();
    },
  );
});

describe('parseViewerClientMessage', () => {
  it('reads other spellings of an ack through the full parser', () => {
    expect(parseViewerClientMessage('{ "seq": 3, "type": "ack" }')).toEqual({ type: 'ack', seq: 3 });
  });

  it('refuses a seq past 32 bits on the fast path too', () => {
    expect(parseViewerClientMessage('{"type":"ack","seq":4294967296}')).toBeNull();
  });
});

describe('parseViewerAckBytes', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it('reads what encodeViewerAck writes, across the whole u32 range', () => {
    for (const seq of [0, 7, 10, 123_456, 2 ** 32 - 1]) expect(parseViewerAckBytes(bytes(encodeViewerAck(seq)))).toBe(seq);
  });

  it.each([
    '{"type":"ack","seq":}',
    '{"type":"ack","seq":4294967296}',
    '{"type":"ack","seq":12345678901}',
    '{"type":"ack","seq":-1}',
    '{"type":"ack","seq":1.5}',
    '{"type":"ack","seq":1 }',
    '{"type":"ack","seq":"1"}',
    '{"type":"acx","seq":1}',
    '{ "type":"ack","seq":1}',
    '',
    'x',
  ])('leaves %j to the full parser (undefined)', (text) => {
    expect(parseViewerAckBytes(bytes(text))).toBeUndefined();
  });

  it('agrees with the text parser wherever it answers', () => {
    for (const text of ['{"type":"ack","seq":0}', '{"type":"ack","seq":99}', '{"type":"ack","seq":4294967295}']) {
      expect(parseViewerAckBytes(bytes(text))).toBe(parseViewerClientMessage(text)?.seq);
    }
  });
});

describe('ViewerAcker', () => {
  it('acks the first frame, then every VIEWER_ACK_EVERY-th, with the newest seq', () => {
    const acker = new ViewerAcker();
    const acks: number[] = [];
    for (let seq = 100; seq < 100 + 1 + 3 * VIEWER_ACK_EVERY; seq++) {
      const ack = acker.onFrame(seq);
      if (ack !== null) acks.push(parseViewerClientMessage(ack)!.seq);
    }
    expect(acks).toEqual([100, 100 + VIEWER_ACK_EVERY, 100 + 2 * VIEWER_ACK_EVERY, 100 + 3 * VIEWER_ACK_EVERY]);
  });

  it('counts frames received, not seq numbers, so skipped seqs do not delay an ack', () => {
    const acker = new ViewerAcker(2);
    expect([1, 50, 90, 91, 500].map((seq) => acker.onFrame(seq) !== null)).toEqual([true, false, true, false, true]);
  });

  it('keeps the window at twice the interval, so a viewer that keeps up never waits for its own ack', () => {
    expect(VIEWER_ACK_WINDOW).toBe(2 * VIEWER_ACK_EVERY);
  });

  it('acks every frame with every = 1, and refuses a non-positive interval by name', () => {
    const acker = new ViewerAcker(1);
    expect([1, 2, 3].map((seq) => acker.onFrame(seq))).toEqual([encodeViewerAck(1), encodeViewerAck(2), encodeViewerAck(3)]);
    expect(() => new ViewerAcker(0)).toThrow(/every must be a positive integer/);
  });
});
