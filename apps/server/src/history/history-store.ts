/**
 * Each device's distinct frames, kept on disk so a viewer can scroll back
 * through what the screen showed. E-ink pages change rarely and the relay
 * already drops identical frames, so every distinct frame is worth keeping.
 *
 * Layout: JPEG bytes appended, exactly as received, to segment files
 * `<dataDir>/history/<uuid>/<n>.seg`; one SQLite row per frame (time, segment,
 * offset, length). Bytes go to disk before their row, so the index never points
 * at unwritten data; a crash can leave unindexed bytes at a segment's end, never
 * a row without bytes.
 *
 * The hot path only queues a reference to the frame buffer the relay already
 * holds (`record`); writes happen asynchronously in batches. The queue is
 * bounded in bytes: when the disk cannot keep up, frames are left out of the
 * history (counted), never buffered without limit. Pruning drops whole segments,
 * oldest first, when a device exceeds its byte budget or a segment ages out.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/database.js';

export interface HistoryLimits {
  /** Bytes of JPEG kept per device; 0 turns history off. */
  readonly maxBytesPerHost: number;
  /** Frames older than this are pruned (whole segments). */
  readonly maxAgeMs: number;
  /**
   * A segment file is closed and a new one started past this size; pruning
   * drops whole segments, so this is the granularity of what is forgotten.
   */
  readonly segmentBytes: number;
  /** Frames waiting for the disk, in bytes, before new ones are left out. */
  readonly maxQueuedBytes: number;
  /** Queued frames are written this long after the first of them (a crash loses at most this much history). */
  readonly batchMs: number;
}

export interface HistoryEntry {
  readonly id: number;
  readonly at: number;
  readonly bytes: number;
}

export interface HistoryCounters {
  /** A frame was written to history. */
  onStored(bytes: number): void;
  /** A frame was left out because the disk fell behind or failed. */
  onDropped(reason: 'queue_full' | 'write_failed'): void;
}

interface Pending {
  readonly uuid: string;
  readonly jpeg: Buffer;
  readonly at: number;
}

interface OpenSegment {
  readonly n: number;
  readonly handle: FileHandle;
  size: number;
}

const NO_COUNTERS: HistoryCounters = { onStored: () => undefined, onDropped: () => undefined };

export class HistoryStore {
  readonly #db: Db;
  readonly #root: string;
  readonly #limits: HistoryLimits;
  readonly #counters: HistoryCounters;
  readonly #queue: Pending[] = [];
  #queuedBytes = 0;
  #draining: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #segments = new Map<string, OpenSegment>();
  /** Bytes indexed per device, kept in step with the rows. */
  readonly #totals = new Map<string, number>();
  /** The number the device's next segment file gets. */
  readonly #nextSegment = new Map<string, number>();
  /** Devices deleted while their frames were in flight: their writes are dropped. */
  readonly #deleted = new Set<string>();
  #closed = false;

  readonly #insert;
  readonly #oldestSegment;
  readonly #segmentRows;
  readonly #dropSegment;

  constructor(db: Db, dataDir: string, limits: HistoryLimits, counters: HistoryCounters = NO_COUNTERS) {
    this.#db = db;
    this.#root = join(dataDir, 'history');
    this.#limits = limits;
    this.#counters = counters;
    this.#insert = db.prepare('INSERT INTO history_frames (uuid, at, segment, offset, bytes) VALUES (?, ?, ?, ?, ?)');
    this.#oldestSegment = db.prepare('SELECT MIN(segment) AS n FROM history_frames WHERE uuid = ?');
    this.#segmentRows = db.prepare('SELECT COUNT(*) AS frames, COALESCE(SUM(bytes), 0) AS bytes, MAX(at) AS newest FROM history_frames WHERE uuid = ? AND segment = ?');
    this.#dropSegment = db.prepare('DELETE FROM history_frames WHERE uuid = ? AND segment = ?');
    for (const row of db.prepare('SELECT uuid, SUM(bytes) AS bytes FROM history_frames GROUP BY uuid').all() as { uuid: string; bytes: number }[]) {
      this.#totals.set(row.uuid, row.bytes);
    }
  }

  get enabled(): boolean {
    return this.#limits.maxBytesPerHost > 0;
  }

  /** Bytes waiting to be written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Bytes of history indexed for a device. */
  totalBytes(uuid: string): number {
    return this.#totals.get(uuid) ?? 0;
  }

  /**
   * Hot path, once per distinct frame: queues the frame (no copy; the caller
   * never mutates a published frame) and returns at once. Writes go out in
   * batches every `batchMs`: on this kind of VM each extra event-loop wake-up
   * costs ~0.25 ms of CPU, and writing per frame (a thread-pool write and its
   * completion) cost 0.4 ms per frame at 10 fps (bench: probe:history).
   */
  record(uuid: string, jpeg: Buffer, at: number): void {
    if (!this.enabled || this.#closed) return;
    if (this.#queuedBytes + jpeg.length > this.#limits.maxQueuedBytes) {
      this.#counters.onDropped('queue_full');
      return;
    }
    this.#deleted.delete(uuid);
    this.#queue.push({ uuid, jpeg, at });
    this.#queuedBytes += jpeg.length;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#draining !== null || this.#queue.length === 0) return;
    this.#timer = setTimeout(this.#kick, this.#limits.batchMs);
    this.#timer.unref();
  }

  readonly #kick = (): void => {
    this.#timer = null;
    this.#draining ??= this.#drain();
  };

  /** Writes what is queued now and resolves when every frame queued so far is on disk and indexed. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#timer !== null) {
        clearTimeout(this.#timer);
        this.#kick();
      }
      if (this.#draining === null) {
        if (this.#queue.length === 0) return;
        this.#kick();
      }
      await this.#draining;
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#queue.length);
        const byHost = new Map<string, Pending[]>();
        for (const frame of batch) {
          this.#queuedBytes -= frame.jpeg.length;
          if (this.#deleted.has(frame.uuid) || this.#closed) continue;
          let list = byHost.get(frame.uuid);
          if (!list) byHost.set(frame.uuid, (list = []));
          list.push(frame);
        }
        const rows: [string, number, number, number, number][] = [];
        for (const [uuid, frames] of byHost) await this.#write(uuid, frames, rows);
        if (this.#closed) return;
        const live = rows.filter((r) => !this.#deleted.has(r[0]));
        this.#db.transaction(() => {
          for (const r of live) this.#insert.run(...r);
        })();
        for (const [uuid, , , , bytes] of live) {
          this.#totals.set(uuid, (this.#totals.get(uuid) ?? 0) + bytes);
          this.#counters.onStored(bytes);
        }
        for (const uuid of new Set(live.map((r) => r[0]))) await this.#pruneBytes(uuid);
      }
    } finally {
      this.#draining = null;
      this.#schedule();
    }
  }

  /** Appends one device's frames, one `writev` per segment they fill; pushes an index row per frame written whole. */
  async #write(uuid: string, frames: Pending[], rows: [string, number, number, number, number][]): Promise<void> {
    let i = 0;
    while (i < frames.length) {
      let seg: OpenSegment;
      try {
        seg = await this.#segmentFor(uuid, frames[i]!.jpeg.length);
      } catch {
        for (; i < frames.length; i++) this.#counters.onDropped('write_failed');
        return;
      }
      const chunk: Pending[] = [];
      let end = seg.size;
      do {
        chunk.push(frames[i]!);
        end += frames[i]!.jpeg.length;
        i++;
      } while (i < frames.length && end + frames[i]!.jpeg.length <= this.#limits.segmentBytes);
      const start = seg.size;
      let written = 0;
      try {
        ({ bytesWritten: written } = await seg.handle.writev(chunk.map((f) => f.jpeg), start));
      } catch {
        written = 0;
      }
      // A short write keeps the frames it holds whole; the rest are left out (the tail is never indexed).
      seg.size = start + written;
      let offset = start;
      for (const f of chunk) {
        if (offset + f.jpeg.length <= start + written) rows.push([uuid, f.at, seg.n, offset, f.jpeg.length]);
        else this.#counters.onDropped('write_failed');
        offset += f.jpeg.length;
      }
    }
  }

  async #segmentFor(uuid: string, bytes: number): Promise<OpenSegment> {
    let seg = this.#segments.get(uuid);
    if (seg && seg.size > 0 && seg.size + bytes > this.#limits.segmentBytes) {
      this.#segments.delete(uuid);
      await seg.handle.close();
      seg = undefined;
    }
    if (!seg) {
      // A fresh segment after every start: appending to an old one would have to trust its tail.
      // Numbers come from memory: the rows of the segment being closed may not be indexed yet.
      const n = this.#nextSegment.get(uuid)
        ?? ((this.#db.prepare('SELECT MAX(segment) AS n FROM history_frames WHERE uuid = ?').get(uuid) as { n: number | null }).n ?? 0) + 1;
      this.#nextSegment.set(uuid, n + 1);
      const dir = join(this.#root, uuid);
      mkdirSync(dir, { recursive: true });
      seg = { n, handle: await open(join(dir, `${n}.seg`), 'w'), size: 0 };
      this.#segments.set(uuid, seg);
    }
    return seg;
  }

  /**
   * Drops whole segments, oldest first, while a device is over its byte budget.
   * When only the segment being written is left, it is closed and dropped too
   * (the next frame starts a new one), so the budget holds after every batch.
   */
  async #pruneBytes(uuid: string): Promise<void> {
    while ((this.#totals.get(uuid) ?? 0) > this.#limits.maxBytesPerHost) {
      const oldest = (this.#oldestSegment.get(uuid) as { n: number | null }).n;
      if (oldest === null) return;
      const current = this.#segments.get(uuid);
      if (current?.n === oldest) {
        this.#segments.delete(uuid);
        await current.handle.close().catch(() => undefined);
      }
      await this.#removeSegment(uuid, oldest);
    }
  }

  async #removeSegment(uuid: string, n: number): Promise<void> {
    const { bytes } = this.#segmentRows.get(uuid, n) as { bytes: number };
    this.#dropSegment.run(uuid, n);
    this.#totals.set(uuid, (this.#totals.get(uuid) ?? 0) - bytes);
    await unlink(join(this.#root, uuid, `${n}.seg`)).catch(() => undefined);
  }

  /** Drops segments whose newest frame is older than the age limit. Called from the relay's slow tick. */
  async pruneByAge(now = Date.now()): Promise<void> {
    const cutoff = now - this.#limits.maxAgeMs;
    const stale = this.#db.prepare(
      'SELECT uuid, segment FROM history_frames GROUP BY uuid, segment HAVING MAX(at) < ?',
    ).all(cutoff) as { uuid: string; segment: number }[];
    for (const { uuid, segment } of stale) {
      const current = this.#segments.get(uuid);
      if (current?.n === segment) {
        this.#segments.delete(uuid);
        await current.handle.close().catch(() => undefined);
      }
      await this.#removeSegment(uuid, segment);
    }
  }

  /** Oldest first; `after` is the last id of the previous page. */
  list(uuid: string, options: { after?: number; limit: number; from?: number; to?: number }): HistoryEntry[] {
    return this.#db.prepare(
      'SELECT id, at, bytes FROM history_frames WHERE uuid = ? AND id > ? AND at >= ? AND at <= ? ORDER BY id LIMIT ?',
    ).all(uuid, options.after ?? 0, options.from ?? 0, options.to ?? Number.MAX_SAFE_INTEGER, options.limit) as HistoryEntry[];
  }

  /** The JPEG bytes of one frame exactly as received, or null if it is not (or no longer) in this device's history. */
  async read(uuid: string, id: number): Promise<Buffer | null> {
    const row = this.#db.prepare('SELECT segment, offset, bytes FROM history_frames WHERE uuid = ? AND id = ?').get(uuid, id) as
      { segment: number; offset: number; bytes: number } | undefined;
    if (!row) return null;
    let handle: FileHandle;
    try {
      handle = await open(join(this.#root, uuid, `${row.segment}.seg`), 'r');
    } catch {
      return null; // pruned between the lookup and the open
    }
    try {
      const buf = Buffer.allocUnsafe(row.bytes);
      const { bytesRead } = await handle.read(buf, 0, row.bytes, row.offset);
      return bytesRead === row.bytes ? buf : null;
    } finally {
      await handle.close();
    }
  }

  /** Forgets a device's history: rows, segment files, frames in flight. */
  async deleteHost(uuid: string): Promise<void> {
    this.#deleted.add(uuid);
    const seg = this.#segments.get(uuid);
    this.#segments.delete(uuid);
    await seg?.handle.close().catch(() => undefined);
    this.#db.prepare('DELETE FROM history_frames WHERE uuid = ?').run(uuid);
    this.#totals.delete(uuid);
    this.#nextSegment.delete(uuid);
    rmSync(join(this.#root, uuid), { recursive: true, force: true });
  }

  /** Writes what is queued, then closes the segment files. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const open = [...this.#segments.values()];
    this.#segments.clear();
    await Promise.all(open.map((s) => s.handle.close().catch(() => undefined)));
  }
}

/** Reads a whole segment (tests and repair tools). */
export function readSegment(dataDir: string, uuid: string, n: number): Promise<Buffer> {
  return readFile(join(dataDir, 'history', uuid, `${n}.seg`));
}
