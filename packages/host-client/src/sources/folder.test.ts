import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameSourceError } from '../errors.js';
import { createFolderSource, createImageSource, loadScreenJpeg } from './folder.js';
import { renderEinkFrame } from './synthetic-eink.js';

let dir: string;
let screenJpeg: Buffer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'host-client-folder-'));
  // a.png: a small colour PNG that must be converted and fitted to the screen.
  const png = await sharp({ create: { width: 100, height: 50, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
  writeFileSync(join(dir, 'a.png'), png);
  // b.jpg: already a screen-sized JPEG, streamed as is.
  screenJpeg = await renderEinkFrame(0);
  writeFileSync(join(dir, 'b.JPG'), screenJpeg);
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  writeFileSync(join(dir, 'broken.jpeg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadScreenJpeg', () => {
  it('keeps a screen-sized JPEG byte for byte', async () => {
    expect(await loadScreenJpeg(join(dir, 'b.JPG'))).toEqual(screenJpeg);
  });

  it('converts a PNG once into a screen-sized JPEG on white', async () => {
    const jpeg = await loadScreenJpeg(join(dir, 'a.png'));
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 936, height: 702 });
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data.subarray(0, 3)).every((v) => v > 240)).toBe(true); // letterbox is white
  });

  it('names the file it cannot decode or read', async () => {
    await expect(loadScreenJpeg(join(dir, 'broken.jpeg'))).rejects.toThrow(FrameSourceError);
    await expect(loadScreenJpeg(join(dir, 'broken.jpeg'))).rejects.toThrow(/broken\.jpeg/);
    await expect(loadScreenJpeg(join(dir, 'missing.png'))).rejects.toThrow(/missing\.png/);
  });
});

describe('createFolderSource', () => {
  it('cycles through the images in name order, each for intervalMs', async () => {
    const imagesOnly = mkdtempSync(join(tmpdir(), 'host-client-folder-'));
    try {
      writeFileSync(join(imagesOnly, '2.jpg'), screenJpeg);
      const other = await renderEinkFrame(5);
      writeFileSync(join(imagesOnly, '1.jpeg'), other);
      const src = await createFolderSource(imagesOnly, { intervalMs: 1000, startMs: 0 });
      expect(await src.frameAt(0)).toEqual(other);
      expect(await src.frameAt(999)).toBe(await src.frameAt(0));
      expect(await src.frameAt(1000)).toEqual(screenJpeg);
      expect(await src.frameAt(2000)).toBe(await src.frameAt(0));
      src.close?.();
    } finally {
      rmSync(imagesOnly, { recursive: true, force: true });
    }
  });

  it('ignores non-image files and reports a folder without images', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'host-client-folder-'));
    try {
      writeFileSync(join(empty, 'x.gif'), 'GIF89a');
      await expect(createFolderSource(empty)).rejects.toThrow(/no \.jpg, \.jpeg or \.png/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reports a path that is not a folder', async () => {
    await expect(createFolderSource(join(dir, 'a.png'))).rejects.toThrow(FrameSourceError);
    await expect(createFolderSource(join(dir, 'nope'))).rejects.toThrow(/nope/);
  });

  it('rejects a bad intervalMs', async () => {
    await expect(createFolderSource(dir, { intervalMs: 0 })).rejects.toThrow(/intervalMs/);
  });
});

describe('createImageSource', () => {
  it('returns the same Buffer for every frame', async () => {
    const src = await createImageSource(join(dir, 'a.png'), { width: 320, height: 240 });
    expect([src.width, src.height]).toEqual([320, 240]);
    const a = await src.frameAt(0);
    expect(await src.frameAt(1e9)).toBe(a);
    expect(await sharp(a).metadata()).toMatchObject({ width: 320, height: 240 });
  });
});
