/**
 * The viewer app in a real Chromium against the real server and a real demo
 * device on loopback. Each test asserts what a person sees: text on the page
 * and pixels on the canvas. Tests run in order and share one server, device
 * and browser, as a person's session would.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyntheticEinkSource, registerDevice, startDevice, type DeviceHandle } from '@booxstream/host-client';
import { startServer, type RunningServer, type ServerConfig } from '@booxstream/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../build.mjs';
import { launchChromium, readCanvas, saveScreenshot, waitForNewPicture } from './harness.js';

const DEMO_NAME = 'Note Air demo';
const PENDING_NAME = 'Tablet waiting <b>approval</b>';

let workDir: string;
let webRoot: string;
let dataDir: string;
let serverOptions: Partial<ServerConfig>;
let server: RunningServer;
let device: DeviceHandle;
let demoToken: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const demoUuid = randomUUID();
const pendingUuid = randomUUID();
const pageErrors: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'booxstream-web-e2e-'));
  webRoot = join(workDir, 'web');
  dataDir = join(workDir, 'data');
  await buildWeb({ outdir: webRoot });
  serverOptions = {
    port: 0, host: '127.0.0.1', devicePort: null, dataDir, webRoot,
    devUser: 'alice', devGroups: ['authentik Admins'], logLevel: 'silent',
  };
  server = await startServer(serverOptions);
  serverOptions = { ...serverOptions, port: server.port };
  ({ token: demoToken } = await registerDevice(server.url, { uuid: demoUuid, name: DEMO_NAME }));
  server.approveDevice(demoUuid, 'alice');
  device = await startDemoDevice();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  // Uncaught exceptions and CSP violations. Chromium also logs refused WebSockets and 401s as
  // console errors; those are expected here.
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) pageErrors.push(msg.text());
  });
});

/** The demo tablet: a new pen stroke every 300 ms, sent on the app's fixed 10 fps timer; reconnects by itself. */
async function startDemoDevice(): Promise<DeviceHandle> {
  const handle = await startDevice({
    apiUrl: server.url,
    // The app's rule sends a dotted-IPv4 API host to the LAN port; the device port is off here.
    wsUrl: `${server.url.replace(/^http/, 'ws')}/android-ws`,
    uuid: demoUuid,
    token: demoToken,
    source: createSyntheticEinkSource({ changeEveryMs: 300 }),
    fps: 10,
    reconnect: { delayMs: 250 },
  });
  await handle.authenticated;
  return handle;
}

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await device?.stop().catch(() => undefined);
  await server?.close().catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** The live view's banner title, or null when no banner shows. */
async function bannerTitle(): Promise<string | null> {
  const banner = page.locator('.live .banner');
  return (await banner.isVisible()) ? banner.locator('.banner-title').textContent() : null;
}

async function post(path: string): Promise<void> {
  const res = await fetch(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/json' } });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('host list', () => {
  it('shows the demo device, who is signed in, and its live figures', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.locator('#whoami').textContent()).toBe('Signed in as alice · admin · local dev user');
    const card = page.locator('li.host', { hasText: DEMO_NAME });
    await card.waitFor({ timeout: 10_000 });
    await expect.poll(() => card.locator('.badge').textContent()).toBe('Approved');
    // Streaming and a recent frame show once the list has polled the running stream.
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('Streaming');
    expect(await card.textContent()).toContain('alice');
    await saveScreenshot(page, 'list-desktop');
  });

  it('highlights a pending device, escapes its name, and lets an admin approve then delete it', async () => {
    await registerDevice(server.url, { uuid: pendingUuid, name: PENDING_NAME });
    const card = page.locator('li.host', { hasText: PENDING_NAME });
    await card.waitFor({ timeout: 10_000 });
    expect(await card.getAttribute('class')).toContain('is-pending');
    expect(await card.locator('.badge').textContent()).toBe('Pending approval');
    // The name is text, not markup: no <b> element came out of it.
    expect(await card.locator('.host-name b').count()).toBe(0);
    // Pending first: it needs an admin.
    expect(await page.locator('li.host').first().getAttribute('data-uuid')).toBe(pendingUuid);

    await page.setViewportSize({ width: 360, height: 760 });
    await saveScreenshot(page, 'list-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Its live view says what is going on instead of showing an empty canvas.
    await page.goto(`${server.url}/#/host/${pendingUuid}`);
    await expect.poll(bannerTitle, { timeout: 10_000 }).toBe('Waiting for approval by an admin');
    expect(await page.locator('canvas.screen').isVisible()).toBe(false);
    await saveScreenshot(page, 'live-pending');

    await page.goto(`${server.url}/#/`);
    await card.getByRole('button', { name: `Approve ${PENDING_NAME}` }).click();
    await expect.poll(() => card.locator('.badge').textContent()).toBe('Approved');
    expect(await card.getAttribute('class')).not.toContain('is-pending');

    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: `Delete ${PENDING_NAME}` }).click();
    await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(0);
    // Focus does not vanish with the deleted card.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Devices');
  });

  it('shows a device that registered again from a new network and lets its owner confirm it', async () => {
    const uuid = randomUUID();
    const name = 'Tablet that moved';
    await registerDevice(server.url, { uuid, name });
    server.approveDevice(uuid, 'alice');
    // The same uuid from another network, as the trusted proxy (loopback) reports the client.
    const again = await fetch(new URL('/api/hosts/register', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'cf-connecting-ip': '198.51.100.23' },
      body: JSON.stringify({ uuid, name, public_ip: null }),
    });
    expect(again.status).toBe(200);
    await page.goto(server.url);
    const card = page.locator('li.host', { hasText: name });
    await card.waitFor({ timeout: 10_000 });
    await expect.poll(() => card.locator('.host-rereg').textContent(), { timeout: 10_000 })
      .toMatch(/^Registered again from a new network \(198\.51\.100\.0\/24\)/);
    expect(await card.getAttribute('class')).toContain('is-reregistered');
    await saveScreenshot(page, 'list-reregistered');
    await card.getByRole('button', { name: `Confirm new network ${name}` }).click();
    await expect.poll(() => card.locator('.host-rereg').isVisible(), { timeout: 10_000 }).toBe(false);
    const hosts = (await (await fetch(new URL('/api/hosts', server.url))).json()) as { uuid: string; reregistration: unknown }[];
    expect(hosts.find((h) => h.uuid === uuid)?.reregistration).toBeNull();
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: `Delete ${name}` }).click();
    await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(0);
  });
});

describe('live view', () => {
  it('opens from the keyboard and paints frames that change', async () => {
    await page.goto(`${server.url}/#/`);
    const link = page.getByRole('link', { name: `Watch ${DEMO_NAME}` });
    await link.waitFor();
    // Tab through the page like a keyboard user until the device's link has focus.
    let focused = '';
    for (let i = 0; i < 12 && focused !== `Watch ${DEMO_NAME}`; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    }
    expect(focused).toBe(`Watch ${DEMO_NAME}`);
    await saveScreenshot(page, 'list-keyboard-focus');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1').textContent()).toBe(DEMO_NAME);

    const first = await waitForNewPicture(page, null);
    expect(first.width).toBe(936);
    expect(first.height).toBe(702);
    // A notebook page: mostly paper, some ink. A blank or black canvas would fail this.
    expect(first.light).toBeGreaterThan(0.5);
    expect(first.dark).toBeGreaterThan(0.001);
    const second = await waitForNewPicture(page, first);
    expect(second.hash).not.toBe(first.hash);
    expect(await bannerTitle()).toBeNull();

    // The overlay reports what this viewer gets.
    await expect.poll(() => page.locator('.overlay').innerText(), { timeout: 5000 }).toMatch(/[1-9][\d.]* fps/);
    const overlay = await page.locator('.overlay').innerText();
    expect(overlay).toMatch(/kB\/s/);
    expect(overlay).toMatch(/relay \d/);
    expect(overlay).toMatch(/createImageBitmap|ImageDecoder/);
    await expect.poll(() => page.locator('.overlay').innerText(), { timeout: 5000 }).toMatch(/1 viewer\b/);
    // The page acks every frame, so the relay bounds its backlog by the ack window, not the kernel's buffers.
    await expect.poll(() => server.relayStats(demoUuid)?.viewers.map((v) => v.acking)).toEqual([true]);
    await saveScreenshot(page, 'live-desktop');

    // Full screen from the keyboard, and back.
    await page.keyboard.press('f');
    await expect.poll(() => page.evaluate(() => document.fullscreenElement?.className ?? null)).toBe('stage');
    // The label follows the fullscreenchange event, which fires after fullscreenElement is set.
    await expect.poll(() => page.getByRole('button', { name: 'Exit full screen' }).isVisible()).toBe(true);
    await page.keyboard.press('f');
    await expect.poll(() => page.evaluate(() => document.fullscreenElement)).toBeNull();

    // Fit-to-window keeps the 936:702 aspect ratio at any window size.
    await page.setViewportSize({ width: 360, height: 740 });
    await expect.poll(async () => {
      const box = await page.locator('canvas.screen').boundingBox();
      return box ? Math.abs(box.width / box.height - 936 / 702) < 0.01 && box.width <= 360 : false;
    }).toBe(true);
    await saveScreenshot(page, 'live-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Escape returns to the list.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Devices');
  });

  it('shows reconnecting while the server is down, then frames again', async () => {
    await page.goto(`${server.url}/#/host/${demoUuid}`);
    const before = await waitForNewPicture(page, null);
    await server.close();
    await expect.poll(bannerTitle, { timeout: 10_000 }).toMatch(/^Reconnecting… \(attempt \d+\)$/);
    // The last screen stays up under the banner instead of a blank canvas.
    expect(await page.locator('canvas.screen').isVisible()).toBe(true);
    await saveScreenshot(page, 'live-reconnecting');

    server = await startServer(serverOptions);
    await expect.poll(bannerTitle, { timeout: 20_000 }).toBeNull();
    const after = await waitForNewPicture(page, before, 15_000);
    await waitForNewPicture(page, after);
  });

  it('shows an offline device as offline with its last screen, then streams again', async () => {
    await page.goto(`${server.url}/#/host/${demoUuid}`);
    await waitForNewPicture(page, null);
    await device.stop();
    await expect.poll(bannerTitle, { timeout: 10_000 }).toBe('Device offline — waiting for it to stream');
    expect(await page.locator('canvas.screen').isVisible()).toBe(true);
    await saveScreenshot(page, 'live-device-offline');
    const still = await readCanvas(page);
    device = await startDemoDevice();
    await expect.poll(bannerTitle, { timeout: 10_000 }).toBeNull();
    await waitForNewPicture(page, still);
  });

  it('shows a revoked device as revoked', async () => {
    await page.goto(`${server.url}/#/host/${demoUuid}`);
    await waitForNewPicture(page, null);
    await post(`/api/hosts/${demoUuid}/revoke`);
    await expect.poll(bannerTitle, { timeout: 10_000 }).toBe('Revoked');
    await saveScreenshot(page, 'live-revoked');
    await page.goto(`${server.url}/#/`);
    const card = page.locator('li.host', { hasText: DEMO_NAME });
    await expect.poll(() => card.locator('.badge').textContent(), { timeout: 10_000 }).toBe('Revoked');
  });

  it('says "Not signed in" when the gateway session goes away, stops reconnecting, and resumes after signing in again', async () => {
    await post(`/api/hosts/${demoUuid}/approve`);
    await page.goto(`${server.url}/#/host/${demoUuid}`);
    await waitForNewPicture(page, null);
    // Same port and data, no identity for the page's requests: what an expired gateway session looks like.
    await server.close();
    server = await startServer({ ...serverOptions, devUser: null });
    await expect.poll(bannerTitle, { timeout: 20_000 }).toBe('Not signed in');
    await expect.poll(() => page.locator('#whoami').textContent()).toBe('Not signed in');
    const signIn = page.locator('.live .banner button', { hasText: 'Sign in again' });
    expect(await signIn.isVisible()).toBe(true);
    await saveScreenshot(page, 'live-signed-out');
    // No more upgrade attempts: each would be refused until the person signs in (backoff retries come within 4 s).
    let attempts = 0;
    const count = (): void => {
      attempts++;
    };
    page.on('websocket', count);
    await page.waitForTimeout(6000);
    page.off('websocket', count);
    expect(attempts).toBe(0);

    // Signing in again (the gateway's round trip is a page load) brings the stream back.
    await server.close();
    server = await startServer(serverOptions);
    await signIn.click();
    await expect.poll(bannerTitle, { timeout: 20_000 }).toBeNull();
    await waitForNewPicture(page, null, 15_000);
    expect(pageErrors).toEqual([]);
  });
});
