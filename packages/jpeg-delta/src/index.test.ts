/**
 * The addon against real JPEGs (sharp encodes them with libjpeg-turbo, as a
 * device's encoder would): which iMCUs it flags, that a crop decodes to the
 * same pixels as the full frame's region, and that bad input is refused with
 * a typed error and leaves the state usable.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ADDON_BUILD_PATH, JpegDeltaError, loadJpegDelta, type JpegDelta } from './index.js';

const W = 936;
const H = 702;
const LIMITS = { maxPixels: 4096 * 4096, timeoutMs: 2000 };

function delta(limits = LIMITS): JpegDelta {
  const loaded = loadJpegDelta({});
  if (!loaded.ok) throw new Error(`the addon must be built for these tests: ${loaded.reason}`);
  return loaded.delta.create(limits);
}

/** An e-ink-like page: paper grey, a few dark lines, and `marks` dark squares [x, y, size]. */
function page(marks: ReadonlyArray<readonly [number, number, number]> = [], colour = false): Buffer {
  const raw = Buffer.alloc(W * H * 3, 236);
  for (let y = 40; y < H; y += 37) raw.fill(40, (y * W + 30) * 3, (y * W + W - 30) * 3);
  if (colour) {
    // A photo-like gradient in the top-left quarter: chroma that varies from block to block.
    for (let y = 0; y < H / 2; y++) for (let x = 0; x < W / 2; x++) raw.set([(x * 3) & 255, (y * 5) & 255, (x + y) & 255], (y * W + x) * 3);
  }
  for (const [mx, my, size] of marks) {
    for (let y = my; y < my + size; y++) raw.fill(10, (y * W + mx) * 3, (y * W + mx + size) * 3);
  }
  return raw;
}

function jpeg(raw: Buffer, options: sharp.JpegOptions = {}): Promise<Buffer> {
  return sharp(raw, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 80, ...options }).toBuffer();
}

async function decode(image: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function region(img: { data: Buffer; width: number }, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h * 3);
  for (let row = 0; row < h; row++) img.data.copy(out, row * w * 3, ((y + row) * img.width + x) * 3, ((y + row) * img.width + x + w) * 3);
  return out;
}

function psnr(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / a.length));
}

function flagged(changed: Uint8Array, cols: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  changed.forEach((v, i) => v && out.push([i % cols, Math.floor(i / cols)]));
  return out;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(JpegDeltaError);
    return (err as JpegDeltaError).code;
  }
  throw new Error('expected a JpegDeltaError');
}

describe('scan', () => {
  it('has nothing to compare on the first frame, and gives the iMCU grid of a 4:2:0 frame', async () => {
    const scan = delta().scan(await jpeg(page()));
    expect(scan).toEqual({ width: W, height: H, mcuWidth: 16, mcuHeight: 16, cols: 59, rows: 44, changed: null });
  });

  it('gives an 8×8 grid for greyscale and 4:4:4 frames', async () => {
    const d = delta();
    expect(d.scan(await jpeg(page(), { chromaSubsampling: '4:4:4' }))).toMatchObject({ mcuWidth: 8, mcuHeight: 8, cols: 117, rows: 88 });
    const grey = await sharp(page(), { raw: { width: W, height: H, channels: 3 } }).toColourspace('b-w').jpeg().toBuffer();
    expect(d.scan(grey)).toMatchObject({ mcuWidth: 8, mcuHeight: 8, cols: 117, rows: 88, changed: null });
  });

  it('flags exactly the iMCUs a stroke touched, and nothing for the same pixels encoded again', async () => {
    const d = delta();
    d.scan(await jpeg(page()));
    const same = d.scan(await jpeg(page()));
    expect(same.changed!.every((v) => v === 0)).toBe(true);
    // One square inside iMCU (6, 12), one across the corner of (21..22, 31..32).
    const marked = d.scan(await jpeg(page([[100, 200, 6], [348, 508, 6]])));
    expect(flagged(marked.changed!, marked.cols)).toEqual([[6, 12], [21, 31], [22, 31], [21, 32], [22, 32]]);
    // Back to the blank page: the same iMCUs, compared with the held (marked) frame.
    const back = d.scan(await jpeg(page()));
    expect(flagged(back.changed!, back.cols)).toEqual([[6, 12], [21, 31], [22, 31], [21, 32], [22, 32]]);
  });

  it('compares a progressive frame with a baseline one by coefficients: same pixels, nothing changed', async () => {
    const d = delta();
    d.scan(await jpeg(page([[100, 200, 6]])));
    const progressive = d.scan(await jpeg(page([[100, 200, 6]]), { progressive: true }));
    expect(progressive.changed!.every((v) => v === 0)).toBe(true);
  });

  it('has nothing to compare after a change of quality (tables), size or a reset', async () => {
    const d = delta();
    d.scan(await jpeg(page()));
    expect(d.scan(await jpeg(page(), { quality: 60 })).changed).toBeNull();
    expect(d.scan(await jpeg(page(), { quality: 60 })).changed).not.toBeNull();
    const smaller = await sharp(page(), { raw: { width: W, height: H, channels: 3 } }).resize(468, 351).jpeg({ quality: 60 }).toBuffer();
    expect(d.scan(smaller).changed).toBeNull();
    d.reset();
    expect(d.scan(smaller).changed).toBeNull();
    expect(d.scan(smaller).changed).not.toBeNull();
  });
});

describe('crop', () => {
  it('decodes to exactly the full frame\'s pixels for e-ink content, edges included', async () => {
    const d = delta();
    const frame = await jpeg(page([[100, 200, 6], [900, 690, 12]]));
    d.scan(frame);
    const full = await decode(frame);
    // Inside, and at the right and bottom edges (936 and 702 are not multiples of 16).
    for (const [x, y, w, h] of [[96, 192, 32, 32], [0, 0, 64, 16], [896, 672, 40, 30], [0, 0, W, H]] as const) {
      const part = await decode(d.crop(x, y, w, h));
      expect([part.width, part.height]).toEqual([w, h]);
      expect(part.data.equals(region(full, x, y, w, h)), `crop ${x},${y} ${w}x${h}`).toBe(true);
    }
  });

  it('is lossless for 4:4:4 colour and within 40 dB for 4:2:0 colour (chroma upsampling at the crop edge)', async () => {
    const d = delta();
    const exact = await jpeg(page([], true), { chromaSubsampling: '4:4:4' });
    d.scan(exact);
    const fullExact = await decode(exact);
    expect((await decode(d.crop(120, 80, 64, 48))).data.equals(region(fullExact, 120, 80, 64, 48))).toBe(true);
    const subsampled = await jpeg(page([], true));
    d.scan(subsampled);
    const full = await decode(subsampled);
    expect(psnr((await decode(d.crop(128, 80, 64, 48))).data, region(full, 128, 80, 64, 48))).toBeGreaterThan(40);
  });

  it('is a fraction of the frame for a stroke-sized region', async () => {
    const d = delta();
    const frame = await jpeg(page([[100, 200, 6]]));
    d.scan(frame);
    expect(d.crop(96, 192, 32, 32).length).toBeLessThan(frame.length / 20);
  });

  it('refuses a region off the iMCU grid or outside the image, and works without a frame only after one', async () => {
    const d = delta();
    expect(code(() => d.crop(0, 0, 16, 16))).toBe('JPEG_DELTA_STATE');
    d.scan(await jpeg(page()));
    expect(code(() => d.crop(8, 0, 16, 16))).toBe('JPEG_DELTA_RANGE');
    expect(code(() => d.crop(0, 0, W + 1, 16))).toBe('JPEG_DELTA_RANGE');
    expect(code(() => d.crop(928, 0, 16, 16))).toBe('JPEG_DELTA_RANGE');
    expect(code(() => d.crop(0, 0, 0, 16))).toBe('JPEG_DELTA_RANGE');
    expect(d.crop(0, 0, 16, 16).length).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  it('refuses garbage, a truncated header and an empty buffer with typed errors, and drops the held frame', async () => {
    const d = delta();
    const good = await jpeg(page());
    d.scan(good);
    expect(code(() => d.scan(Buffer.from('not a jpeg at all')))).toBe('JPEG_DELTA_DECODE');
    expect(code(() => d.crop(0, 0, 16, 16))).toBe('JPEG_DELTA_STATE');
    expect(code(() => d.scan(good.subarray(0, 100)))).toBe('JPEG_DELTA_DECODE');
    expect(code(() => d.scan(Buffer.alloc(0)))).toBe('JPEG_DELTA_INPUT');
    // Still usable: a good frame starts a new comparison.
    expect(d.scan(good).changed).toBeNull();
    expect(d.scan(good).changed).not.toBeNull();
  });

  it('decodes a frame cut short in its entropy data, as a browser would (libjpeg pads it)', async () => {
    const d = delta();
    const good = await jpeg(page([[100, 200, 6]]));
    const scan = d.scan(good.subarray(0, Math.floor(good.length * 0.6)));
    expect(scan.width).toBe(W);
  });

  it('refuses a JPEG that ends after its start marker', () => {
    expect(code(() => delta().scan(Buffer.from([0xff, 0xd8])))).toBe('JPEG_DELTA_DECODE');
  });

  it('names the pixel limit', async () => {
    const d = delta({ maxPixels: W * H - 1, timeoutMs: 2000 });
    const frame = await jpeg(page());
    expect(code(() => d.scan(frame))).toBe('JPEG_DELTA_PIXELS');
    expect(delta({ maxPixels: W * H, timeoutMs: 2000 }).scan(frame).width).toBe(W);
  });

  it('gives up past its time limit', async () => {
    const frame = await jpeg(page([], true), { progressive: true });
    expect(code(() => delta({ maxPixels: LIMITS.maxPixels, timeoutMs: -1 }).scan(frame))).toBe('JPEG_DELTA_TIMEOUT');
  });
});

describe('loadJpegDelta', () => {
  it('says why it is not there: a missing file, a file that is not an addon', () => {
    const missing = loadJpegDelta({ JPEG_DELTA_ADDON: '/nonexistent/jpeg_delta.node' });
    expect(missing.ok === false && missing.reason).toMatch(/not built/);
    const dir = mkdtempSync(join(tmpdir(), 'jpeg-delta-'));
    writeFileSync(join(dir, 'bad.node'), 'not an addon');
    const bad = loadJpegDelta({ JPEG_DELTA_ADDON: join(dir, 'bad.node') });
    expect(bad.ok === false && bad.reason).toMatch(/does not load/);
    const ok = loadJpegDelta({});
    expect(ok.ok && ok.delta.libjpegTurbo).toMatch(/^\d+\.\d+/);
  });

  it('looks for libjpeg beside itself first (the Docker image ships it there), then in the system', () => {
    const dynamic = execFileSync('readelf', ['-d', ADDON_BUILD_PATH], { encoding: 'utf8' });
    expect(dynamic).toMatch(/\(RUNPATH\)\s+Library runpath: \[\$ORIGIN\]/);
    expect(dynamic).toMatch(/\(NEEDED\)\s+Shared library: \[libjpeg\.so\.62\]/);
  });
});
