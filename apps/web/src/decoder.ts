/**
 * JPEG decoding for the live view.
 *
 * Two browser decoders, raced on the first real frame and the faster kept:
 * Chromium is fastest with `createImageBitmap`, Firefox with WebCodecs'
 * `ImageDecoder` (selkies PR #367 measured both). Base64 data URLs are never
 * used: they copy and inflate every frame.
 *
 * {@link FramePipeline} decodes one frame at a time and keeps only the newest
 * frame that arrived meanwhile: when decoding falls behind, frames are dropped,
 * never queued, so what is on screen is always as recent as possible.
 */

/** Names of the decode paths, as shown in the stats overlay. */
export type DecoderKind = 'createImageBitmap' | 'ImageDecoder';

/** A decoded image ready for `drawImage`; `close()` frees it at once instead of at GC. */
export interface DecodedImage {
  readonly source: CanvasImageSource;
  readonly width: number;
  readonly height: number;
  close(): void;
}

/**
 * Decodes one JPEG. Bytes are typed as backed by a plain `ArrayBuffer` (what a
 * WebSocket delivers) because `Blob` and `ImageDecoder` refuse shared memory.
 */
export type JpegBytes = Uint8Array<ArrayBuffer>;
export type DecodeFn = (jpeg: JpegBytes) => Promise<DecodedImage>;

/** `createImageBitmap(Blob)`: Chromium decodes it off the main thread. */
export const decodeWithImageBitmap: DecodeFn = async (jpeg) => {
  const bitmap = await createImageBitmap(new Blob([jpeg], { type: 'image/jpeg' }));
  return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
};

/** WebCodecs `ImageDecoder`: one decoder per frame, since every frame is a whole JPEG. */
export const decodeWithImageDecoder: DecodeFn = async (jpeg) => {
  const decoder = new ImageDecoder({ data: jpeg, type: 'image/jpeg' });
  try {
    const { image } = await decoder.decode();
    return { source: image, width: image.displayWidth, height: image.displayHeight, close: () => image.close() };
  } finally {
    decoder.close();
  }
};

/** The decode paths this browser has. */
export async function availableDecoders(): Promise<Map<DecoderKind, DecodeFn>> {
  const found = new Map<DecoderKind, DecodeFn>();
  if (typeof createImageBitmap === 'function') found.set('createImageBitmap', decodeWithImageBitmap);
  if (typeof ImageDecoder === 'function') {
    try {
      if (await ImageDecoder.isTypeSupported('image/jpeg')) found.set('ImageDecoder', decodeWithImageDecoder);
    } catch {
      // Some builds expose the constructor but throw here; skip the path.
    }
  }
  return found;
}

/** Result of {@link raceDecoders}: the winner and each path's median time. */
export interface DecoderChoice {
  readonly kind: DecoderKind;
  readonly decode: DecodeFn;
  readonly medianMs: ReadonlyMap<DecoderKind, number>;
}

/**
 * Decodes and draws `sample` `rounds` times with every available path,
 * alternating so neither gets a warmer cache, and picks the lowest median.
 * Drawing counts: ImageDecoder hands back a YUV frame whose colour conversion
 * happens at `drawImage`, so its decode alone looks faster than it is. A path
 * that fails is left out; throws only when none works.
 */
export async function raceDecoders(sample: JpegBytes, rounds = 5): Promise<DecoderChoice> {
  const paths = await availableDecoders();
  const times = new Map<DecoderKind, number[]>();
  const scratch = scratchCanvas();
  for (let round = 0; round < rounds; round++) {
    for (const [kind, decode] of paths) {
      const start = performance.now();
      try {
        const image = await decode(sample);
        try {
          drawAndFlush(scratch, image);
        } finally {
          image.close();
        }
      } catch {
        paths.delete(kind);
        times.delete(kind);
        continue;
      }
      const list = times.get(kind) ?? [];
      list.push(performance.now() - start);
      times.set(kind, list);
    }
  }
  const medianMs = new Map<DecoderKind, number>();
  for (const [kind, list] of times) medianMs.set(kind, median(list));
  let best: DecoderKind | null = null;
  for (const [kind, ms] of medianMs) {
    if (best === null || ms < (medianMs.get(best) ?? Infinity)) best = kind;
  }
  const decode = best === null ? undefined : paths.get(best);
  if (best === null || decode === undefined) throw new Error('This browser cannot decode JPEG frames.');
  return { kind: best, decode, medianMs };
}

type Scratch = OffscreenCanvas | HTMLCanvasElement;

function scratchCanvas(): Scratch {
  return typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
}

/** Draws at full size, then reads one pixel back so the draw really happens before the clock stops. */
function drawAndFlush(canvas: Scratch, image: DecodedImage): void {
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  const ctx = canvas.getContext('2d', { alpha: false, willReadFrequently: false }) as
    CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(image.source, 0, 0);
  ctx.getImageData(0, 0, 1, 1);
}

/** Median of a non-empty list (NaN if empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What the pipeline knows about a frame besides its bytes. */
export interface FrameMeta {
  readonly seq: number;
  readonly serverTs: number;
  readonly hostTs: number;
  /** `performance.now()` when the message arrived. */
  readonly receivedAt: number;
}

export interface FramePipelineHandlers<M extends FrameMeta> {
  /** Draws a decoded image; the pipeline closes it afterwards. */
  paint(image: DecodedImage, meta: M, decodeMs: number): void;
  /** Called once, when the race has picked a decoder. */
  onDecoderChosen?(choice: DecoderChoice): void;
  /** A frame could not be decoded (corrupt JPEG); the stream goes on. */
  onError?(err: unknown, meta: M): void;
}

/**
 * Decode-then-paint, one frame at a time, newest wins. The first frame races
 * the decoders unless a choice is passed in (kept across live views).
 */
export class FramePipeline<M extends FrameMeta = FrameMeta> {
  private busy = false;
  private next: { jpeg: JpegBytes; meta: M } | null = null;
  private choice: Promise<DecoderChoice> | null;
  private stopped = false;
  /** Frames replaced by a newer one before they were decoded. */
  dropped = 0;

  constructor(private readonly handlers: FramePipelineHandlers<M>, choice?: DecoderChoice) {
    this.choice = choice ? Promise.resolve(choice) : null;
  }

  /** Offers a frame; it is decoded now, or kept as the newest waiting frame (replacing, and dropping, an older one). */
  push(jpeg: JpegBytes, meta: M): void {
    if (this.stopped) return;
    if (this.busy) {
      if (this.next) this.dropped++;
      this.next = { jpeg, meta };
      return;
    }
    void this.run(jpeg, meta);
  }

  /** Stops painting; a decode under way finishes and is discarded. */
  stop(): void {
    this.stopped = true;
    this.next = null;
  }

  private async run(jpeg: JpegBytes, meta: M): Promise<void> {
    this.busy = true;
    try {
      let item: { jpeg: JpegBytes; meta: M } | null = { jpeg, meta };
      while (item && !this.stopped) {
        await this.decodeAndPaint(item.jpeg, item.meta);
        item = this.next;
        this.next = null;
      }
    } finally {
      this.busy = false;
    }
  }

  private async decodeAndPaint(jpeg: JpegBytes, meta: M): Promise<void> {
    if (this.choice === null) {
      this.choice = raceDecoders(jpeg);
      this.choice.then((c) => this.handlers.onDecoderChosen?.(c), () => undefined);
    }
    let image: DecodedImage;
    let start = performance.now();
    try {
      const { decode } = await this.choice;
      // Time the decode alone: the race on the first frame is a one-off.
      start = performance.now();
      image = await decode(jpeg);
    } catch (err) {
      this.handlers.onError?.(err, meta);
      return;
    }
    try {
      if (!this.stopped) this.handlers.paint(image, meta, performance.now() - start);
    } finally {
      image.close();
    }
  }
}
