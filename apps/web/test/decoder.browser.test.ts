/**
 * The app's decoder module in a real Chromium: both decode paths work on the
 * demo device's JPEGs, the startup race picks one of them, and a burst of
 * frames is dropped down to the newest instead of queued.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness.js';
import { startDecodeLab, type DecodeLab } from './support/decode-lab.js';

const FRAMES = 6;
let lab: DecodeLab;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  lab = await startDecodeLab(FRAMES);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(lab.url);
  await page.waitForFunction(() => 'decodeLab' in globalThis);
  expect(await page.evaluate((n) => globalThis.decodeLab.load(n), FRAMES)).toBe(FRAMES);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await lab?.close();
});

describe('decoder in Chromium', () => {
  it('has both decode paths, and each decodes every frame', async () => {
    const paths = await page.evaluate(() => globalThis.decodeLab.paths());
    expect(paths.sort()).toEqual(['ImageDecoder', 'createImageBitmap']);
    for (const kind of paths) {
      const timings = await page.evaluate((k) => globalThis.decodeLab.measure(k), kind);
      expect(timings.decodePaintMs).toHaveLength(FRAMES);
      for (const ms of timings.decodePaintMs) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    }
  });

  it('races the paths and keeps one that works', async () => {
    const choice = await page.evaluate(() => globalThis.decodeLab.race());
    expect(['ImageDecoder', 'createImageBitmap']).toContain(choice.kind);
    expect(Object.keys(choice.medianMs).sort()).toEqual(['ImageDecoder', 'createImageBitmap']);
  });

  it('drops a burst down to the newest frame instead of queueing it', async () => {
    const result = await page.evaluate(() => globalThis.decodeLab.burst(20));
    // The first frame was already decoding; of the 19 that arrived meanwhile only the newest survives.
    expect(result.painted).toEqual([0, 19]);
    expect(result.dropped).toBe(18);
  });
});
