/**
 * History with real sockets and files: exactly the distinct frames, byte for
 * byte, within the per-device byte bound under a long run, kept across a
 * restart, with the live stream's visibility, exported as ZIP or PDF, and gone
 * with its device.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, USER, api, appFrame, approvedDevice, eventually, jpegVariant, makeJpeg, start, streamingDevice, serversPerTest,
} from './helpers.js';

const server = serversPerTest();

interface Page { entries: { id: number; at: number; bytes: number }[]; next: number | null }

async function history(s: { url: string }, uuid: string, query = '', identity = ADMIN): Promise<Page> {
  const res = await api(s, `/api/hosts/${uuid}/history${query}`, { identity });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function frameBytes(s: { url: string }, uuid: string, id: number): Promise<Buffer> {
  const res = await api(s, `/api/hosts/${uuid}/history/${id}`, { identity: ADMIN });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/jpeg');
  return Buffer.from(await res.arrayBuffer());
}

describe('history', () => {
  it('keeps exactly the distinct frames, byte-identical, and keeps them across a restart', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const base = await makeJpeg(3, 120, 90);
    const sent = [base, base, jpegVariant(base, 1), jpegVariant(base, 1), jpegVariant(base, 2), base];
    for (const jpeg of sent) device.ws.send(appFrame(jpeg));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === sent.length, 'frames in');
    await s.flushHistory();
    const distinct = [base, jpegVariant(base, 1), jpegVariant(base, 2), base];
    const page = await history(s, dev.uuid);
    expect(page.entries.map((e) => e.bytes)).toEqual(distinct.map((j) => j.length));
    expect(page.next).toBeNull();
    for (let i = 0; i < distinct.length; i++) expect(await frameBytes(s, dev.uuid, page.entries[i]!.id)).toEqual(distinct[i]);
    const ats = page.entries.map((e) => e.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);

    // Paging: oldest first, `after` the last id seen.
    const p1 = await history(s, dev.uuid, '?limit=3');
    expect(p1.entries).toHaveLength(3);
    expect(p1.next).toBe(p1.entries[2]!.id);
    const p2 = await history(s, dev.uuid, `?limit=3&after=${p1.next}`);
    expect([...p1.entries, ...p2.entries]).toEqual(page.entries);

    device.close();
    await s.close();
    const again = await start({ dataDir: s.dataDir });
    try {
      const kept = await history(again, dev.uuid);
      expect(kept.entries).toEqual(page.entries);
      expect(await frameBytes(again, dev.uuid, kept.entries[3]!.id)).toEqual(base);
    } finally {
      await again.close();
    }
  });

  it('stays within its byte bound over a long run, forgetting the oldest first', async () => {
    const budget = 300 * 1024;
    const s = await server({ historyMaxBytesPerHost: budget });
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const base = await makeJpeg(9, 160, 120);
    const total = 400;
    for (let i = 1; i <= total; i++) {
      device.ws.send(appFrame(jpegVariant(base, i)));
      if (i % 50 === 0) {
        await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === i, 'frames in');
        await s.flushHistory();
        const all = await history(s, dev.uuid, '?limit=1000');
        const bytes = all.entries.reduce((n, e) => n + e.bytes, 0);
        expect(bytes).toBeLessThanOrEqual(budget);
        // Pruning forgets at most a segment (a sixteenth of the budget, at least 64 KiB) beyond the budget's worth.
        expect(bytes).toBeGreaterThan(budget - 64 * 1024 - base.length - 8);
      }
    }
    const all = await history(s, dev.uuid, '?limit=1000');
    // The newest frame is kept, and what is kept is a contiguous tail of what was sent.
    const newest = all.entries[all.entries.length - 1]!;
    expect(await frameBytes(s, dev.uuid, newest.id)).toEqual(jpegVariant(base, total));
    const oldest = await frameBytes(s, dev.uuid, all.entries[0]!.id);
    const first = total - all.entries.length + 1;
    expect(oldest).toEqual(jpegVariant(base, first));
    const segments = readdirSync(join(s.dataDir, 'history', dev.uuid));
    expect(segments.length).toBeLessThanOrEqual(Math.ceil(budget / (64 * 1024)) + 1);
    device.close();
  });

  it('follows the live stream\'s visibility rules', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    expect((await api(s, `/api/hosts/${dev.uuid}/history`)).status).toBe(401);
    expect((await api(s, `/api/hosts/${dev.uuid}/history`, { identity: USER })).status).toBe(403);
    expect((await api(s, `/api/hosts/${dev.uuid}/history/1`, { identity: USER })).status).toBe(403);
    expect((await api(s, `/api/hosts/${dev.uuid}/history/export`, { identity: USER })).status).toBe(403);
    expect((await api(s, `/api/hosts/${dev.uuid}/history/999`, { identity: ADMIN })).status).toBe(404);
    const bad = await api(s, `/api/hosts/${dev.uuid}/history?limit=abc`, { identity: ADMIN });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('limit');
  });

  it('exports a time range as a ZIP of the exact JPEGs or as one PDF page per frame', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const frames = [await makeJpeg(1, 96, 64), await makeJpeg(2, 96, 64), await makeJpeg(3, 96, 64)];
    for (const f of frames) device.ws.send(appFrame(f));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 3, 'frames in');
    await s.flushHistory();
    const page = await history(s, dev.uuid);
    const from = page.entries[1]!.at;

    const zip = await api(s, `/api/hosts/${dev.uuid}/history/export?format=zip&from=${from}`, { identity: ADMIN });
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-disposition')).toMatch(/attachment; filename="booxstream-.*\.zip"/);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const inZip = Object.keys(files).sort().map((k) => Buffer.from(files[k]!));
    // Every frame at or after `from`; identical timestamps may put the first one in too.
    const expected = page.entries.filter((e) => e.at >= from).map((e) => frames[page.entries.indexOf(e)]!);
    expect(inZip).toEqual(expected);

    const pdf = await api(s, `/api/hosts/${dev.uuid}/history/export?format=pdf`, { identity: ADMIN });
    expect(pdf.status).toBe(200);
    const doc = await PDFDocument.load(new Uint8Array(await pdf.arrayBuffer()));
    expect(doc.getPageCount()).toBe(3);
    expect(doc.getPage(0).getSize()).toEqual({ width: 96, height: 64 });

    expect((await api(s, `/api/hosts/${dev.uuid}/history/export?format=gif`, { identity: ADMIN })).status).toBe(400);
    expect((await api(s, `/api/hosts/${dev.uuid}/history/export?from=${Date.now() + 60_000}`, { identity: ADMIN })).status).toBe(404);
    device.close();
  });

  it('goes with its device', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    device.ws.send(appFrame(await makeJpeg(5)));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 1, 'frame in');
    await s.flushHistory();
    expect(existsSync(join(s.dataDir, 'history', dev.uuid))).toBe(true);
    expect((await api(s, `/api/hosts/${dev.uuid}`, { method: 'DELETE', identity: ADMIN })).status).toBe(204);
    await eventually(() => existsSync(join(s.dataDir, 'history', dev.uuid)), (e) => !e, 'history directory removed');
    // Registering the same uuid again starts with an empty history.
    const res = await fetch(`${s.url}/api/hosts/register`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ uuid: dev.uuid, name: 'again', public_ip: null }),
    });
    expect(res.status).toBe(201);
    s.approveDevice(dev.uuid, 'alice');
    expect((await history(s, dev.uuid)).entries).toEqual([]);
  });

  it('is off with a zero budget', async () => {
    const s = await server({ historyMaxBytesPerHost: 0 });
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    device.ws.send(appFrame(await makeJpeg(6)));
    await eventually(() => s.relayStats(dev.uuid)?.framesIn ?? 0, (n) => n === 1, 'frame in');
    await s.flushHistory();
    expect((await history(s, dev.uuid)).entries).toEqual([]);
    device.close();
  });
});
