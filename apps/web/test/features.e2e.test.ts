/**
 * Share links, the history timeline and per-viewer rotation in a real Chromium
 * against the real server and a real demo device on loopback. The server has
 * no development identity: a signed-in page carries the trusted proxy's headers
 * (loopback is a trusted proxy by default), a share link's page carries none.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyntheticEinkSource, registerDevice, startDevice, type DeviceHandle } from '@booxstream/host-client';
import { startServer, type RunningServer } from '@booxstream/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../build.mjs';
import { launchChromium, readCanvas, saveScreenshot, waitForNewPicture } from './harness.js';

const ALICE = { 'x-authentik-username': 'alice', 'x-authentik-groups': 'authentik Admins' };

let workDir: string;
let server: RunningServer;
let device: DeviceHandle;
let browser: Browser;
let signedIn: BrowserContext;
let page: Page;
const uuid = randomUUID();
const pageErrors: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'booxstream-web-features-'));
  const webRoot = join(workDir, 'web');
  await buildWeb({ outdir: webRoot });
  server = await startServer({ port: 0, host: '127.0.0.1', devicePort: null, dataDir: join(workDir, 'data'), webRoot, logLevel: 'silent' });
  const { token } = await registerDevice(server.url, { uuid, name: 'History tablet' });
  server.approveDevice(uuid, 'alice');
  device = await startDevice({
    apiUrl: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/android-ws`,
    uuid,
    token,
    // A new stroke every 150 ms: several distinct pages a second for the history.
    source: createSyntheticEinkSource({ changeEveryMs: 150 }),
    fps: 10,
    reconnect: { delayMs: 250 },
  });
  await device.authenticated;
  browser = await launchChromium();
  signedIn = await browser.newContext({ viewport: { width: 1100, height: 860 }, extraHTTPHeaders: ALICE });
  page = await signedIn.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
});

afterAll(async () => {
  await signedIn?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await device?.stop().catch(() => undefined);
  await server?.close().catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function bannerTitle(p: Page): Promise<string | null> {
  const banner = p.locator('.live .banner');
  return (await banner.isVisible()) ? banner.locator('.banner-title').textContent() : null;
}

describe('share link', () => {
  it('shows the live screen to someone signed out, read-only, and says when the link was revoked', async () => {
    const res = await fetch(`${server.url}/api/hosts/${uuid}/shares`, {
      method: 'POST', headers: { ...ALICE, 'content-type': 'application/json' }, body: JSON.stringify({ expiresInHours: 2 }),
    });
    expect(res.status).toBe(201);
    const share = (await res.json()) as { id: string; url: string };
    const anonymous = await browser.newContext({ viewport: { width: 900, height: 760 } });
    try {
      const guest = await anonymous.newPage();
      const guestErrors: string[] = [];
      guest.on('pageerror', (err) => guestErrors.push(String(err)));
      await guest.goto(share.url);
      await expect.poll(() => guest.locator('#whoami').textContent()).toBe('Shared view (read-only)');
      const first = await waitForNewPicture(guest, null);
      expect(first.width).toBe(936);
      await waitForNewPicture(guest, first);
      // Read-only: no way back to a device list, no history, no sharing.
      expect(await guest.getByRole('link', { name: '← Devices' }).isVisible()).toBe(false);
      expect(await guest.getByRole('button', { name: 'History' }).isVisible()).toBe(false);
      expect(await guest.getByRole('button', { name: 'Share' }).isVisible()).toBe(false);
      // The browser itself is not signed in.
      expect(await guest.evaluate(async () => (await fetch('/api/hosts')).status)).toBe(401);
      await saveScreenshot(guest, 'share-live');

      const del = await fetch(`${server.url}/api/hosts/${uuid}/shares/${share.id}`, { method: 'DELETE', headers: { ...ALICE, 'content-type': 'application/json' } });
      expect(del.status).toBe(204);
      await expect.poll(() => bannerTitle(guest), { timeout: 5000 }).toBe('This share link has ended');
      // Nothing of the screen stays on show once the owner has taken the link back.
      expect(await guest.locator('canvas.screen').isVisible()).toBe(false);
      await saveScreenshot(guest, 'share-revoked');
      // Opening it again (a fresh load, not a same-page fragment change) shows the ended page.
      await guest.goto('about:blank');
      const again = await guest.goto(share.url);
      expect(again?.status()).toBe(410);
      expect(guestErrors).toEqual([]);
    } finally {
      await anonymous.close();
    }
  });

  it('is created, copied and revoked from the live view by its owner', async () => {
    await page.goto(`${server.url}/#/host/${uuid}`);
    await waitForNewPicture(page, null);
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByRole('button', { name: 'Create link' }).click();
    const link = page.getByRole('textbox', { name: 'New share link' });
    await expect.poll(() => link.inputValue()).toMatch(/\/share\/[A-Za-z0-9_-]{16}#[A-Za-z0-9_-]{43}$/);
    await expect.poll(() => page.locator('.share-item.is-active').count()).toBe(1);
    await saveScreenshot(page, 'share-panel');
    await page.locator('.share-item.is-active').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.locator('.share-item.is-active').count()).toBe(0);
    await page.getByRole('button', { name: 'Share' }).click();
  });
});

describe('history timeline', () => {
  it('scrubs back to an older page and returns to live', async () => {
    await page.goto(`${server.url}/#/host/${uuid}`);
    const live = await waitForNewPicture(page, null);
    // Let a few distinct pages reach the history.
    await page.waitForTimeout(1200);
    await page.getByRole('button', { name: 'History' }).click();
    const label = page.locator('.timeline-time');
    await expect.poll(() => label.textContent()).toMatch(/ of \d+$/);
    const count = Number(/ of (\d+)$/.exec((await label.textContent()) ?? '')![1]);
    expect(count).toBeGreaterThan(3);
    const kept = (await (await fetch(`${server.url}/api/hosts/${uuid}/history?limit=2`, { headers: ALICE })).json()) as { entries: { id: number }[] };
    const shownId = () => page.locator('section.live').getAttribute('data-history-id');

    // To the oldest kept page: the canvas shows it, and live frames no longer repaint it.
    await page.locator('input.timeline').fill('0');
    await expect.poll(() => label.textContent()).toMatch(new RegExp(`1 of ${count}$`));
    await expect.poll(shownId).toBe(String(kept.entries[0]!.id));
    const oldest = (await readCanvas(page))!;
    expect(oldest.hash).not.toBe(live.hash);
    await page.waitForTimeout(600);
    expect((await readCanvas(page))!.hash).toBe(oldest.hash);
    await saveScreenshot(page, 'history-oldest');

    // One step newer, then back to live: the live screen moves on again.
    await page.getByRole('button', { name: 'Newer ▶' }).click();
    await expect.poll(() => label.textContent()).toMatch(new RegExp(`2 of ${count}$`));
    await expect.poll(shownId).toBe(String(kept.entries[1]!.id));
    const second = (await readCanvas(page))!;
    expect(second.hash).not.toBe(oldest.hash);
    await page.getByRole('button', { name: 'Back to live' }).click();
    const back = await waitForNewPicture(page, second);
    await waitForNewPicture(page, back);
    expect(await page.locator('.history').isVisible()).toBe(false);
  });

  it('downloads the range as a ZIP', async () => {
    await page.getByRole('button', { name: 'History' }).click();
    await expect.poll(() => page.locator('.timeline-time').textContent()).toMatch(/ of \d+$/);
    const href = await page.getByRole('link', { name: 'Download ZIP' }).getAttribute('href');
    const res = await page.evaluate(async (url) => {
      const r = await fetch(url!);
      return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
    }, href);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/zip');
    expect(res.size).toBeGreaterThan(1000);
    await page.getByRole('button', { name: 'Back to live' }).click();
  });
});

describe('rotation and fit', () => {
  it('rotates the screen a quarter turn, fits it, and remembers the choice for this device', async () => {
    await page.goto(`${server.url}/#/host/${uuid}`);
    await waitForNewPicture(page, null);
    const canvas = page.locator('canvas.screen');
    const before = (await canvas.boundingBox())!;
    expect(before.width).toBeGreaterThan(before.height);
    await page.getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Rotated 90°' }).count()).toBe(1);
    // Turned: the landscape screen now stands taller than wide, inside the stage.
    const turned = (await canvas.boundingBox())!;
    expect(turned.height).toBeGreaterThan(turned.width);
    const stage = (await page.locator('.stage').boundingBox())!;
    expect(turned.y).toBeGreaterThanOrEqual(stage.y - 1);
    expect(turned.y + turned.height).toBeLessThanOrEqual(stage.y + stage.height + 1);
    expect(turned.x).toBeGreaterThanOrEqual(stage.x - 1);
    await saveScreenshot(page, 'rotated-90');

    await page.getByRole('button', { name: 'Fit: page' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Fit: width' }).count()).toBe(1);
    const wide = (await canvas.boundingBox())!;
    expect(Math.round(wide.width)).toBeGreaterThanOrEqual(Math.floor(stage.width) - 20);

    await page.reload();
    await waitForNewPicture(page, null);
    expect(await page.getByRole('button', { name: 'Rotated 90°' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Fit: width' }).count()).toBe(1);
    // Back to the defaults for whoever runs next.
    await page.getByRole('button', { name: 'Fit: width' }).click();
    await page.getByRole('button', { name: 'Fit: height' }).click();
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: /^Rotate/ }).click();
    expect(await page.getByRole('button', { name: 'Rotate', exact: true }).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
