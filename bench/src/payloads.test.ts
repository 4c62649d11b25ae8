import { describe, expect, it } from 'vitest';
import { FrameMessage, jpegShaped, readMarker, sha1, shapedPool, withMarker, writeMarker } from './payloads.js';

describe('jpegShaped', () => {
  it('has JPEG start and end markers, the exact size, and no stray 0xFF in the body', () => {
    const j = jpegShaped(4096, 7);
    expect(j.length).toBe(4096);
    expect([...j.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
    expect([...j.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(j.subarray(30, -2).includes(0xff)).toBe(false);
  });

  it('is deterministic per seed and distinct across seeds', () => {
    expect(jpegShaped(1000, 1).equals(jpegShaped(1000, 1))).toBe(true);
    expect(jpegShaped(1000, 1).equals(jpegShaped(1000, 2))).toBe(false);
  });
});

describe('markers', () => {
  it('inserts a COM segment after APP0 with the marker at a multiple of 3', () => {
    const { jpeg, markerOffset } = withMarker(jpegShaped(1000, 1));
    expect(markerOffset % 3).toBe(0);
    expect([jpeg[20], jpeg[21]]).toEqual([0xff, 0xfe]);
    expect([...jpeg.subarray(2, 4)]).toEqual([0xff, 0xe0]);
    writeMarker(jpeg, markerOffset, 3, 99);
    expect(readMarker(jpeg)).toEqual({ tag: 3, id: 99 });
  });

  it('inserts right after SOI when there is no APP0, padding to a multiple of 3', () => {
    const bare = Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x02, 0xff, 0xd9]);
    const { jpeg, markerOffset } = withMarker(bare);
    expect(markerOffset % 3).toBe(0);
    expect([jpeg[2], jpeg[3]]).toEqual([0xff, 0xfe]);
    expect(jpeg.readUInt16BE(4)).toBe(2 + (markerOffset - 6) + 12);
    writeMarker(jpeg, markerOffset, 1, 2);
    expect(readMarker(jpeg)).toEqual({ tag: 1, id: 2 });
  });

  it('finds the marker after a viewer header and returns null when absent', () => {
    const { jpeg, markerOffset } = withMarker(jpegShaped(500, 1));
    writeMarker(jpeg, markerOffset, 0xffffffff, 123456);
    const framed = Buffer.concat([Buffer.alloc(24, 0x11), jpeg]);
    expect(readMarker(framed, 24)).toEqual({ tag: 0xffffffff, id: 123456 });
    expect(readMarker(jpegShaped(500, 1))).toBeNull();
  });

  it('rejects a non-JPEG', () => {
    expect(() => withMarker(Buffer.from('GIF89a'))).toThrow(/not a JPEG/);
  });
});

describe('FrameMessage', () => {
  it('is the app\'s exact JSON, and stamping in place keeps base64 and JPEG in step', () => {
    const [msg] = shapedPool(1, 2048, 5);
    msg!.stampId(2, 41);
    msg!.stampTime(1732170000123);
    const parsed = JSON.parse(msg!.buffer.toString('latin1')) as { type: string; data: string; timestamp: number };
    expect(Object.keys(parsed)).toEqual(['type', 'data', 'timestamp']);
    expect(parsed.type).toBe('frame');
    expect(parsed.timestamp).toBe(1732170000123);
    const decoded = Buffer.from(parsed.data, 'base64');
    expect(decoded.length).toBe(2048);
    expect(decoded.equals(msg!.jpeg)).toBe(true);
    expect(readMarker(decoded)).toEqual({ tag: 2, id: 41 });
    expect(sha1(decoded)).toBe(msg!.jpegHash());
    msg!.stampId(2, 42);
    expect(readMarker(Buffer.from(JSON.parse(msg!.buffer.toString('latin1')).data, 'base64'))).toEqual({ tag: 2, id: 42 });
  });

  it('rejects a timestamp that is not 13 digits', () => {
    const [msg] = shapedPool(1, 1024);
    expect(() => msg!.stampTime(5)).toThrow(RangeError);
  });

  it('gives distinct messages across a pool', () => {
    const pool = shapedPool(4, 1024);
    const texts = new Set(pool.map((m) => m.buffer.toString('latin1')));
    expect(texts.size).toBe(4);
  });

  it('accepts an unaligned marker offset only through withMarker', () => {
    expect(() => new FrameMessage({ jpeg: jpegShaped(100, 1), markerOffset: 4 })).toThrow(/multiple of 3/);
  });
});
