/**
 * One host's patch encoder: once per distinct frame (never per viewer), and
 * only while a viewer of the host asked for patches, decode the JPEG (sharp:
 * libvips with libjpeg-turbo), compare it with the previous decode in tiles
 * and encode the changed rectangles as PNG, lossless, so a viewer that applies
 * them holds exactly the decode of the newest frame.
 *
 * Work happens off the hot path and at most one frame at a time: a frame that
 * arrives while one is being encoded waits as the only pending one (a newer
 * one replaces it), and the next patch is then taken against whatever was
 * encoded last, which its `baseSeq` says. Decoding is bounded in pixels and
 * time; a frame the decoder refuses still reaches patch viewers whole.
 */
import { encodePatchMessage, PatchFormat, viewerFrameSeq, type PatchRect } from '@booxstream/protocol';
import sharp from 'sharp';
import { encodeRectPng } from './png-rect.js';
import { diffTiles } from './tile-diff.js';

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
}

export const PATCH_DEFAULTS: PatchEncoderOptions = { tile: 32, maxAreaShare: 0.5, maxPixels: 4096 * 4096, timeoutSeconds: 2 };

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
  #base: Decoded | null = null;
  #busy = false;
  #pending: Job | null = null;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;

  constructor(events: PatchEncoderEvents, options: PatchEncoderOptions = PATCH_DEFAULTS) {
    this.#events = events;
    this.#o = options;
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
    return this.#base?.seq ?? null;
  }

  /** Forgets the previous decode (no patch viewers left: its memory is not worth keeping). */
  reset(): void {
    this.#base = null;
  }

  /** Resolves when nothing is being encoded (tests and shutdown). */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  async #run(job: Job): Promise<void> {
    for (let next: Job | null = job; next !== null; next = this.#pending, this.#pending = null) {
      const started = performance.now();
      let update: PatchUpdate;
      let patched = false;
      try {
        update = await this.#encode(next);
        patched = update.patch !== null;
      } catch (err) {
        this.#base = null;
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
    const rects: PatchRect[] = diff.rects.map((r) => ({ ...r, format: PatchFormat.Png, image: encodeRectPng(data, info.width, r) }));
    const patch = encodePatchMessage(
      { baseSeq: base.seq, width: info.width, height: info.height, rects },
      seq, job.frame.readDoubleBE(8), job.frame.readDoubleBE(16),
    );
    return { seq, baseSeq: base.seq, patch, frame: job.frame };
  }
}
