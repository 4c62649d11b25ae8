/**
 * Data saver in a real Chromium: with patches on, the canvas ends on the same
 * picture as a direct decode of the device's newest frame (PSNR >= 40 dB, or
 * identical), after strokes, after the page stalled, and after reconnecting.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyntheticEinkSource, registerDevice, startDevice, type DeviceHandle } from '@booxstream/host-client';
import { startServer, type RunningServer } from '@booxstream/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../build.mjs';
import { launchChromium, readCanvas, saveScreenshot, waitForNewPicture } from './harness.js';

let workDir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
let token: string;
const uuid = randomUUID();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'booxstream-web-patches-'));
  const webRoot = join(workDir, 'web');
  await buildWeb({ outdir: webRoot });
  server = await startServer({
    port: 0, host: '127.0.0.1', devicePort: null, dataDir: join(workDir, 'data'), webRoot,
    devUser: 'alice', devGroups: ['authentik Admins'], logLevel: 'silent',
  });
  ({ token } = await registerDevice(server.url, { uuid, name: 'Writing tablet' }));
  server.approveDevice(uuid, 'alice');
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1100, height: 860 } })).newPage();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.close().catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Streams strokes for `ms`, then stops the device, leaving its last frame as the relay's newest. */
async function write(ms: number, during?: () => Promise<void>): Promise<void> {
  const device: DeviceHandle = await startDevice({
    apiUrl: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/android-ws`,
    uuid,
    token,
    source: createSyntheticEinkSource({ changeEveryMs: 120, seed: 4 }),
    fps: 10,
  });
  await device.authenticated;
  const until = Date.now() + ms;
  if (during) await during();
  while (Date.now() < until) await page.waitForTimeout(100);
  await device.stop();
}

/** PSNR in dB between the canvas and the browser's own decode of the relay's newest frame (Infinity if identical). */
function psnrAgainstSnapshot(p: Page, snapshotUrl: string): Promise<number> {
  return p.evaluate(async (url) => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas.screen')!;
    const shown = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const bitmap = await createImageBitmap(await (await fetch(url, { cache: 'no-store' })).blob());
    const ref = document.createElement('canvas');
    ref.width = bitmap.width;
    ref.height = bitmap.height;
    const rctx = ref.getContext('2d')!;
    rctx.drawImage(bitmap, 0, 0);
    if (bitmap.width !== canvas.width || bitmap.height !== canvas.height) return -1;
    const want = rctx.getImageData(0, 0, ref.width, ref.height).data;
    let se = 0;
    let n = 0;
    for (let i = 0; i < want.length; i += 4) {
      for (let c = 0; c < 3; c++) {
        const d = (shown[i + c] as number) - (want[i + c] as number);
        se += d * d;
        n++;
      }
    }
    return se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / (se / n));
  }, snapshotUrl);
}

async function settle(): Promise<void> {
  // The canvas stops changing once the last frame and its patch are drawn.
  let last = await readCanvas(page);
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(250);
    const now = await readCanvas(page);
    if (now && last && now.hash === last.hash) return;
    last = now;
  }
}

describe('data saver', () => {
  it('is off on the server\'s LAN address and turns on from the live view', async () => {
    const seed = await startDevice({
      apiUrl: server.url, wsUrl: `${server.url.replace(/^http/, 'ws')}/android-ws`, uuid, token,
      source: createSyntheticEinkSource({ changeEveryMs: 120, seed: 4 }), fps: 10,
    });
    await seed.authenticated;
    await page.goto(`${server.url}/#/host/${uuid}`);
    await waitForNewPicture(page, null);
    await seed.stop();
    expect(await page.getByRole('button', { name: 'Data saver: off' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Data saver: off' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Data saver: on' }).count()).toBe(1);
  });

  it('ends on the newest frame after strokes drawn as patches', async () => {
    const before = await readCanvas(page);
    await write(2500);
    await settle();
    const after = await readCanvas(page);
    expect(after!.hash).not.toBe(before?.hash);
    const psnr = await psnrAgainstSnapshot(page, `${server.url}/api/hosts/${uuid}/snapshot`);
    expect(psnr).toBeGreaterThanOrEqual(40);
    const stats = server.relayStats(uuid)!;
    expect(stats.viewers[0]!.patchesSent).toBeGreaterThan(5);
    await saveScreenshot(page, 'data-saver-strokes');
  });

  it('recovers after the page stalls and after a reconnect', async () => {
    await write(3000, async () => {
      await page.waitForTimeout(600);
      // The page's main thread busy for 1.5 s: messages pile up, acks stop, the relay skips.
      await page.evaluate(() => {
        const t = performance.now();
        while (performance.now() - t < 1500) { /* stall */ }
      });
    });
    await settle();
    expect(await psnrAgainstSnapshot(page, `${server.url}/api/hosts/${uuid}/snapshot`)).toBeGreaterThanOrEqual(40);

    // Reconnect: off and on again opens a new socket, which starts with a whole frame.
    await page.getByRole('button', { name: 'Data saver: on' }).click();
    await page.getByRole('button', { name: 'Data saver: off' }).click();
    await write(1500);
    await settle();
    expect(await psnrAgainstSnapshot(page, `${server.url}/api/hosts/${uuid}/snapshot`)).toBeGreaterThanOrEqual(40);
    await saveScreenshot(page, 'data-saver-after-reconnect');
  });
});
