import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import { createSyntheticEinkSource, renderEinkFrame, renderEinkRaster, STROKES_PER_PAGE } from './synthetic-eink.js';

async function decode(jpeg: Buffer) {
  return sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
}

/** Ink pixels (darker than mid-grey) inside a rectangle of a raster. */
function inkIn(r: { width: number; pixels: Uint8Array }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (r.pixels[y * r.width + x]! < 128) n++;
  return n;
}

describe('renderEinkFrame', () => {
  it('produces a 936x702 JPEG, the app half-resolution Note Air frame, that is grey only', async () => {
    const jpeg = await renderEinkFrame(0);
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 936, height: 702 });
    const { data, info } = await decode(jpeg);
    expect(info.channels).toBe(3);
    let maxChroma = 0;
    let dark = 0;
    for (let i = 0; i < data.length; i += 3) {
      maxChroma = Math.max(maxChroma, Math.abs(data[i]! - data[i + 1]!), Math.abs(data[i + 1]! - data[i + 2]!));
      if (data[i]! < 64) dark++;
    }
    expect(maxChroma).toBeLessThanOrEqual(2);
    // Mostly white paper with real ink on it: text and the pen stroke.
    const share = dark / (data.length / 3);
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.4);
  });

  it('is deterministic for a given index and seed, and distinct across indices and seeds', async () => {
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const again = await Promise.all([renderEinkFrame(3), renderEinkFrame(3)]);
    expect(again[0]).toEqual(again[1]);
    const indices = await Promise.all(Array.from({ length: 2 * STROKES_PER_PAGE + 1 }, (_, i) => renderEinkFrame(i, { width: 320, height: 240 })));
    expect(new Set(indices.map(hash)).size).toBe(indices.length);
    const otherSeed = await renderEinkFrame(3, { seed: 2 });
    expect(otherSeed.equals(again[0]!)).toBe(false);
  });

  it('honours size and quality', async () => {
    const small = await renderEinkFrame(0, { width: 468, height: 351, quality: 30 });
    expect(await sharp(small).metadata()).toMatchObject({ width: 468, height: 351 });
    const hq = await renderEinkFrame(0, { width: 468, height: 351, quality: 90 });
    expect(hq.length).toBeGreaterThan(small.length);
  });

  it.each([
    [{ width: 10 }, 'width'],
    [{ height: 1.5 }, 'height'],
    [{ quality: 0 }, 'quality'],
    [{ seed: 0.5 }, 'seed'],
  ])('rejects %o naming %s', (opts, field) => {
    expect(() => renderEinkRaster(0, opts)).toThrow(InvalidOptionError);
    try {
      renderEinkRaster(0, opts);
    } catch (err) {
      expect((err as InvalidOptionError).field).toBe(field);
    }
  });

  it('rejects a negative index', () => {
    expect(() => renderEinkRaster(-1)).toThrow(/index/);
  });
});

describe('renderEinkRaster', () => {
  it('grows the pen stroke on every update of a page, then starts a new page', () => {
    const panel = (i: number) => inkIn(renderEinkRaster(i), 600, 140, 930, 560);
    const counts = Array.from({ length: STROKES_PER_PAGE }, (_, i) => panel(i));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]!);
    expect(panel(STROKES_PER_PAGE)).toBeLessThan(counts[counts.length - 1]!);
  });

  it('draws text with the built-in font (no system font involved)', () => {
    const r = renderEinkRaster(0);
    // Header label, chapter title and body lines all put ink on the left column.
    expect(inkIn(r, 0, 0, 400, 48)).toBeGreaterThan(500);
    expect(inkIn(r, 24, 100, 560, 600)).toBeGreaterThan(10_000);
  });
});

describe('createSyntheticEinkSource', () => {
  it('returns the same bytes between changes and new bytes after changeEveryMs', async () => {
    const src = createSyntheticEinkSource({ changeEveryMs: 3000, startMs: 0 });
    expect([src.width, src.height]).toEqual([936, 702]);
    const a = await src.frameAt(0);
    const a2 = await src.frameAt(2999);
    expect(a2).toBe(a); // cached: the same Buffer, costs nothing
    const b = await src.frameAt(3000);
    expect(b.equals(a)).toBe(false);
    expect(b).toEqual(await renderEinkFrame(1));
    expect(await src.frameAt(5999)).toBe(b);
    src.close?.();
  });

  it('shares one encode between concurrent calls for the same update', async () => {
    const src = createSyntheticEinkSource({ startMs: 1000 });
    const [x, y] = await Promise.all([src.frameAt(1500), src.frameAt(1600)]);
    expect(x).toBe(y);
  });

  it('shows update 0 before startMs', async () => {
    const src = createSyntheticEinkSource({ startMs: 10_000, width: 320, height: 240 });
    expect(await src.frameAt(0)).toEqual(await renderEinkFrame(0, { width: 320, height: 240 }));
  });

  it.each([0, -5, Number.NaN])('rejects changeEveryMs %s', (changeEveryMs) => {
    expect(() => createSyntheticEinkSource({ changeEveryMs })).toThrow(/changeEveryMs/);
  });
});
