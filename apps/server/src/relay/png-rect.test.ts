import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeRectPng } from './png-rect.js';

/** A 40×30 RGB screen: a grey gradient with one coloured pixel at (35, 25). */
function screen(): Buffer {
  const w = 40;
  const raw = Buffer.alloc(w * 30 * 3);
  for (let y = 0; y < 30; y++) for (let x = 0; x < w; x++) raw.fill((x * 6 + y) & 0xff, (y * w + x) * 3, (y * w + x) * 3 + 3);
  raw[(25 * w + 35) * 3] = 255;
  return raw;
}

async function decode(png: Buffer) {
  return sharp(png).raw().toBuffer({ resolveWithObject: true });
}

describe('encodeRectPng', () => {
  it('writes a greyscale PNG of a grey rectangle that decodes to exactly its pixels', async () => {
    const raw = screen();
    const r = { x: 3, y: 2, w: 17, h: 9 };
    const png = encodeRectPng(raw, 40, r);
    expect(await sharp(png).metadata()).toMatchObject({ width: 17, height: 9, channels: 1, space: 'b-w' });
    // sharp hands greyscale back as sRGB: every channel carries the grey value.
    const { data, info } = await decode(png);
    for (let y = 0; y < r.h; y++) for (let x = 0; x < r.w; x++) expect(data[(y * r.w + x) * info.channels]).toBe(raw[((r.y + y) * 40 + r.x + x) * 3]);
  });

  it('keeps colour when any pixel is not grey', async () => {
    const raw = screen();
    const r = { x: 30, y: 20, w: 10, h: 10 };
    const { data, info } = await decode(encodeRectPng(raw, 40, r));
    expect(info.channels).toBe(3);
    for (let y = 0; y < r.h; y++) {
      expect(data.subarray(y * r.w * 3, (y + 1) * r.w * 3)).toEqual(raw.subarray(((r.y + y) * 40 + r.x) * 3, ((r.y + y) * 40 + r.x + r.w) * 3));
    }
  });
});
