/**
 * One host's patch encoder: once per distinct frame (never per viewer), and
 * only while a viewer of the host asked for patches, find what changed since
 * the previous frame and send only that. Two ways, the first when it is built:
 *
 * - jpeg-delta (@booxstream/jpeg-delta, the system's libjpeg-turbo): compare
 *   the JPEG's quantised DCT blocks with the previous frame's and cut the
 *   changed tiles out of the device's JPEG as small JPEGs, no pixel decoded or
 *   re-encoded. About 1.3 ms per 936×702 frame; a viewer that applies them
 *   gets the pixels of the whole frame's decode (exactly for grey content).
 * - sharp (libvips): decode to RGB, compare in tiles, encode the changed
 *   rectangles as PNG, lossless. About 9–11 ms per frame.
 *
 * Work happens off the hot path and at most one frame at a time: a frame that
 * arrives while one is being encoded waits as the only pending one (a newer
 * one replaces it), and the next patch is then taken against whatever was
 * encoded last, which its `baseSeq` says. Decoding is bounded in pixels and
 * time; a frame the decoder refuses still reaches patch viewers whole.
 */
import { encodePatchMessage, PatchFormat, viewerFrameSeq, type PatchRect } from '@booxstream/protocol';
import { loadJpegDelta, type JpegDelta } from '@booxstream/jpeg-delta';
import type { PatchMethod } from '../config.js';
import sharp from 'sharp';
import { encodeRectPng } from './png-rect.js';
import { diffBlocks, diffTiles, type Rect } from './tile-diff.js';

/** What the channel delivers to its patch viewers for one frame. */
export interface PatchUpdate {
  readonly seq: number;
  /** The screen the patch applies to; null when there is no patch. */
  readonly baseSeq: number | null;
  /** The patch message, or null: send `frame` (first frame, most of the screen changed, decode failed). */
  readonly patch: Buffer | null;
  /** The full viewer frame for `seq`. */
  readonly frame: Buffer;
}

export interface PatchEncoderOptions {
  /** Tile edge in pixels (a multiple of JPEG's 16-pixel blocks keeps unchanged blocks out). */
  readonly tile: number;
  /** Above this share of the screen changed, a full frame is smaller to send and cheaper to apply. */
  readonly maxAreaShare: number;
  /** Frames larger than this many pixels are not decoded (full frames only). */
  readonly maxPixels: number;
  /** A decode and encode taking longer than this is abandoned (full frame). */
  readonly timeoutSeconds: number;
  /** Which way to find and code changes: jpeg-delta where it is built (the default), or sharp. */
  readonly method: PatchMethod;
}

export const PATCH_DEFAULTS: PatchEncoderOptions = { tile: 32, maxAreaShare: 0.5, maxPixels: 4096 * 4096, timeoutSeconds: 2, method: 'auto' };

/** The way `method` resolves to on this machine, and why (logged at start). */
export function patchMethod(method: PatchMethod): { readonly method: 'jpeg-delta' | 'sharp'; readonly reason: string } {
  if (method === 'sharp') return { method: 'sharp', reason: 'asked for' };
  const loaded = loadJpegDelta();
  return loaded.ok ? { method: 'jpeg-delta', reason: `libjpeg-turbo ${loaded.delta.libjpegTurbo}` } : { method: 'sharp', reason: loaded.reason };
}

export interface PatchEncoderEvents {
  deliver(update: PatchUpdate): void;
  /** A frame could not be decoded (reported; its viewers got it whole). */
  failed(err: Error): void;
  /** Time spent on one frame, and whether it became a patch. */
  encoded(ms: number, patched: boolean): void;
}

interface Decoded {
  readonly seq: number;
  readonly raw: Buffer;
  readonly width: number;
  readonly height: number;
}

interface Job {
  readonly jpeg: Buffer;
  readonly frame: Buffer;
}

export class PatchEncoder {
  readonly #o: PatchEncoderOptions;
  readonly #events: PatchEncoderEvents;
  /** The jpeg-delta state (it holds the previous frame's blocks), or null: the sharp way. */
  readonly #delta: JpegDelta | null;
  /** Seq of the frame the jpeg-delta state holds. */
  #deltaSeq: number | null = null;
  #base: Decoded | null = null;
  #busy = false;
  #pending: Job | null = null;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;

  constructor(events: PatchEncoderEvents, options: PatchEncoderOptions = PATCH_DEFAULTS) {
    this.#events = events;
    this.#o = options;
    const loaded = options.method === 'auto' ? loadJpegDelta() : null;
    this.#delta = loaded?.ok ? loaded.delta.create({ maxPixels: options.maxPixels, timeoutMs: options.timeoutSeconds * 1000 }) : null;
  }

  /** Which way this encoder works. */
  get method(): 'jpeg-delta' | 'sharp' {
    return this.#delta ? 'jpeg-delta' : 'sharp';
  }

  /** Queues a distinct frame (its JPEG as received, and the full viewer frame built from it). */
  push(jpeg: Buffer, frame: Buffer): void {
    if (this.#busy) {
      this.#pending = { jpeg, frame };
      return;
    }
    this.#busy = true;
    this.#idle = new Promise((resolve) => (this.#markIdle = resolve));
    void this.#run({ jpeg, frame });
  }

  get baseSeq(): number | null {
    return this.#delta ? this.#deltaSeq : (this.#base?.seq ?? null);
  }

  /** Forgets the previous frame (no patch viewers left: its memory is not worth keeping). */
  reset(): void {
    this.#base = null;
    this.#deltaSeq = null;
    this.#delta?.reset();
  }

  /** Resolves when nothing is being encoded (tests and shutdown). */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  async #run(job: Job): Promise<void> {
    // jpeg-delta is synchronous: without this it would run inside the device's message handler.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let next: Job | null = job; next !== null; next = this.#pending, this.#pending = null) {
      const started = performance.now();
      let update: PatchUpdate;
      let patched = false;
      try {
        update = await this.#encode(next);
        patched = update.patch !== null;
      } catch (err) {
        this.#base = null;
        this.#deltaSeq = null;
        update = { seq: viewerFrameSeq(next.frame), baseSeq: null, patch: null, frame: next.frame };
        this.#events.failed(err instanceof Error ? err : new Error(String(err)));
      }
      this.#events.encoded(performance.now() - started, patched);
      this.#events.deliver(update);
    }
    this.#busy = false;
    this.#markIdle();
  }

  async #encode(job: Job): Promise<PatchUpdate> {
    return this.#delta ? this.#encodeBlocks(this.#delta, job) : this.#encodePixels(job);
  }

  /** jpeg-delta: changed 8×8 blocks, cut out of the device's JPEG. */
  #encodeBlocks(delta: JpegDelta, job: Job): PatchUpdate {
    const seq = viewerFrameSeq(job.frame);
    const baseSeq = this.#deltaSeq;
    // A failing scan drops the held frame (the caller then clears #deltaSeq).
    const scan = delta.scan(job.jpeg);
    this.#deltaSeq = seq;
    const full: PatchUpdate = { seq, baseSeq: null, patch: null, frame: job.frame };
    if (!scan.changed || baseSeq === null) return full;
    // Tiles on the iMCU grid (a crop must start on it), as close to `tile` as the grid allows.
    const grid = lcm(scan.mcuWidth, scan.mcuHeight);
    const tile = Math.max(1, Math.round(this.#o.tile / grid)) * grid;
    const diff = diffBlocks(scan.changed, scan.cols, scan.rows, scan.mcuWidth, scan.mcuHeight, tile, scan.width, scan.height);
    if (diff.area > this.#o.maxAreaShare * scan.width * scan.height) return full;
    const rects: PatchRect[] = diff.rects.map((r) => ({ ...r, format: PatchFormat.Jpeg, image: delta.crop(r.x, r.y, r.w, r.h) }));
    return { seq, baseSeq, patch: this.#patchMessage(baseSeq, scan.width, scan.height, rects, seq, job.frame), frame: job.frame };
  }

  #patchMessage(baseSeq: number, width: number, height: number, rects: PatchRect[], seq: number, frame: Buffer): Buffer {
    return encodePatchMessage({ baseSeq, width, height, rects }, seq, frame.readDoubleBE(8), frame.readDoubleBE(16));
  }

  /** sharp: decode to RGB, compare pixels in tiles, changed rectangles as PNG. */
  async #encodePixels(job: Job): Promise<PatchUpdate> {
    const seq = viewerFrameSeq(job.frame);
    const { data, info } = await sharp(job.jpeg, { limitInputPixels: this.#o.maxPixels, failOn: 'error', sequentialRead: true })
      .timeout({ seconds: this.#o.timeoutSeconds })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const decoded: Decoded = { seq, raw: data, width: info.width, height: info.height };
    const base = this.#base;
    this.#base = decoded;
    const full: PatchUpdate = { seq, baseSeq: null, patch: null, frame: job.frame };
    if (!base || base.width !== info.width || base.height !== info.height || info.channels !== 3) return full;
    const diff = diffTiles(base.raw, data, info.width, info.height, 3, this.#o.tile);
    if (diff.area > this.#o.maxAreaShare * info.width * info.height) return full;
    const rects: PatchRect[] = diff.rects.map((r: Rect) => ({ ...r, format: PatchFormat.Png, image: encodeRectPng(data, info.width, r) }));
    return { seq, baseSeq: base.seq, patch: this.#patchMessage(base.seq, info.width, info.height, rects, seq, job.frame), frame: job.frame };
  }
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
