import { describe, expect, it } from 'vitest';
import { decodePatch, encodePatchMessage, PatchFormat, patchFormatMime } from './patch.js';
import { decodeViewerFrameHeader, ViewerFrameKind } from './viewer.js';

const rect = (x: number, y: number, w: number, h: number, bytes: number[]) => ({ x, y, w, h, format: PatchFormat.Png, image: Uint8Array.from(bytes) });

describe('patch messages', () => {
  it('round-trip with the viewer header, byte layout as documented', () => {
    const msg = encodePatchMessage({ baseSeq: 41, width: 936, height: 702, rects: [rect(32, 64, 16, 8, [1, 2, 3]), rect(0, 0, 1, 1, [9])] }, 42, 1000.5, 999);
    const header = decodeViewerFrameHeader(msg);
    expect(header).toMatchObject({ kind: ViewerFrameKind.Patch, seq: 42, serverTs: 1000.5, hostTs: 999, headerLength: 24 });
    // baseSeq, width, height, count right after the header.
    expect([msg.readUInt32BE(24), msg.readUInt16BE(28), msg.readUInt16BE(30), msg.readUInt16BE(32)]).toEqual([41, 936, 702, 2]);
    // First rectangle: x, y, w, h, format, reserved, length, bytes.
    expect([msg.readUInt16BE(36), msg.readUInt16BE(38), msg.readUInt16BE(40), msg.readUInt16BE(42), msg[44], msg[45], msg.readUInt32BE(46)]).toEqual([32, 64, 16, 8, 1, 0, 3]);
    expect([...msg.subarray(50, 53)]).toEqual([1, 2, 3]);
    expect(msg.length).toBe(24 + 12 + 14 + 3 + 14 + 1);
    const patch = decodePatch(new Uint8Array(msg).buffer);
    expect(patch.baseSeq).toBe(41);
    expect(patch.rects.map((r) => [r.x, r.y, r.w, r.h, [...r.image]])).toEqual([[32, 64, 16, 8, [1, 2, 3]], [0, 0, 1, 1, [9]]]);
  });

  it('refuses rectangles outside the screen and lengths past the end', () => {
    const outside = encodePatchMessage({ baseSeq: 1, width: 10, height: 10, rects: [rect(8, 0, 4, 1, [1])] }, 2, 0, 0);
    expect(() => decodePatch(outside)).toThrow(/outside the 10x10 screen/);
    const cut = encodePatchMessage({ baseSeq: 1, width: 10, height: 10, rects: [rect(0, 0, 1, 1, [1, 2, 3, 4])] }, 2, 0, 0);
    expect(() => decodePatch(cut.subarray(0, cut.length - 1))).toThrow(/past the message end/);
    expect(() => decodePatch(cut.subarray(0, 30))).toThrow(/shorter than its fixed part/);
    expect(() => decodePatch(cut.subarray(0, 40))).toThrow(/cut off/);
  });

  it('names the MIME type of each format it defines, and none for an unknown one', () => {
    expect(patchFormatMime(PatchFormat.Png)).toBe('image/png');
    expect(patchFormatMime(PatchFormat.Jpeg)).toBe('image/jpeg');
    expect(patchFormatMime(0)).toBeNull();
    expect(patchFormatMime(3)).toBeNull();
  });
});
