import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/database.js';
import { HistoryStore, type HistoryLimits } from './history-store.js';

const UUID = '0b5e1f3a-0000-4000-8000-000000000001';
const open: { db: Db; dir: string; store: HistoryStore }[] = [];

function make(limits: Partial<HistoryLimits> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'booxstream-history-'));
  const db = openDatabase(dir);
  const dropped: string[] = [];
  const store = new HistoryStore(db, dir, {
    maxBytesPerHost: 1 << 20, maxAgeMs: 3_600_000, segmentBytes: 4096, maxQueuedBytes: 1 << 20, batchMs: 1000, ...limits,
  }, { onStored: () => undefined, onDropped: (r) => dropped.push(r) });
  open.push({ db, dir, store });
  return { db, dir, store, dropped };
}

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.store.close();
    o.db.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

const frame = (n: number, size = 1000): Buffer => Buffer.alloc(size, n);

describe('HistoryStore', () => {
  it('leaves frames out, counted, when the disk queue is full, never buffering past its bound', async () => {
    const { store, dropped } = make({ maxQueuedBytes: 2500 });
    for (let i = 0; i < 5; i++) store.record(UUID, frame(i), 1000 + i);
    expect(store.queuedBytes).toBe(2000);
    expect(dropped).toEqual(['queue_full', 'queue_full', 'queue_full']);
    await store.flush();
    expect(store.queuedBytes).toBe(0);
    expect(store.list(UUID, { limit: 10 }).map((e) => e.at)).toEqual([1000, 1001]);
  });

  it('rotates segments and drops the ones whose newest frame is past the age limit', async () => {
    const { store, dir } = make({ segmentBytes: 2000, maxAgeMs: 1000 });
    for (let i = 0; i < 6; i++) store.record(UUID, frame(i), 10_000 + i * 100);
    await store.flush();
    expect(readdirSync(join(dir, 'history', UUID)).sort()).toEqual(['1.seg', '2.seg', '3.seg']);
    // Segment 1 holds frames at 10000 and 10100; segment 2 at 10200 and 10300.
    await store.pruneByAge(11_350);
    expect(store.list(UUID, { limit: 10 }).map((e) => e.at)).toEqual([10_400, 10_500]);
    expect(readdirSync(join(dir, 'history', UUID))).toEqual(['3.seg']);
    expect(await store.read(UUID, store.list(UUID, { limit: 1 })[0]!.id)).toEqual(frame(4));
    expect(store.totalBytes(UUID)).toBe(2000);
  });

  it('answers null for a frame of another device or one that was pruned', async () => {
    const { store } = make({ segmentBytes: 1000, maxBytesPerHost: 2000 });
    for (let i = 0; i < 3; i++) store.record(UUID, frame(i), i);
    await store.flush();
    const ids = store.list(UUID, { limit: 10 }).map((e) => e.id);
    expect(ids).toHaveLength(2);
    expect(await store.read(UUID, ids[0]! - 1)).toBeNull();
    expect(await store.read('0b5e1f3a-0000-4000-8000-000000000002', ids[0]!)).toBeNull();
  });
});
