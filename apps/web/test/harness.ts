/**
 * Real parts for the browser tests: Debian's Chromium driven by playwright-core,
 * and helpers that look at the page the way a person does (text, pixels).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's package; `.ci/run` installs it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (root in CI), and the background services off: the
 * machine has no network besides loopback and Chromium would keep retrying them.
 * Playwright gives every launch a fresh temporary profile (it refuses `--user-data-dir`).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

/** Saves a full-page PNG screenshot under test-artifacts/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What the live canvas shows: a hash of every pixel, and how much is dark and light. */
export interface CanvasPicture {
  readonly width: number;
  readonly height: number;
  readonly hash: number;
  /** Share of pixels darker than mid-grey. */
  readonly dark: number;
  /** Share of pixels lighter than mid-grey. */
  readonly light: number;
}

/** Reads the live view's canvas pixels; null while it is hidden or empty. */
export function readCanvas(page: Page): Promise<CanvasPicture | null> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas.screen');
    if (!canvas || canvas.hidden || canvas.width === 0 || canvas.height === 0) return null;
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let hash = 0x811c9dc5;
    let dark = 0;
    let light = 0;
    for (let i = 0; i < data.length; i += 4) {
      const grey = ((data[i] as number) + (data[i + 1] as number) + (data[i + 2] as number)) / 3;
      if (grey < 128) dark++;
      else light++;
      hash = Math.imul(hash ^ (data[i] as number) ^ ((data[i + 1] as number) << 8) ^ ((data[i + 2] as number) << 16), 0x01000193);
    }
    const pixels = data.length / 4;
    return { width: canvas.width, height: canvas.height, hash: hash >>> 0, dark: dark / pixels, light: light / pixels };
  });
}

/** Waits until the canvas shows a picture other than `before` (a new frame was decoded and painted). */
export async function waitForNewPicture(page: Page, before: CanvasPicture | null, timeoutMs = 10_000): Promise<CanvasPicture> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await readCanvas(page);
    if (now && now.hash !== before?.hash) return now;
    if (Date.now() > deadline) throw new Error(`the canvas did not change within ${timeoutMs} ms (last: ${JSON.stringify(now)})`);
    await page.waitForTimeout(100);
  }
}
