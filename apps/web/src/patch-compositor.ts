/**
 * Data saver: the live screen built from patches (only the rectangles that
 * changed, see @booxstream/protocol patch.ts) on top of the last whole frame.
 *
 * Unlike full frames, patches cannot be dropped: each applies onto the screen
 * of its `baseSeq`. So everything goes through one queue, in order: a whole
 * frame replaces whatever was still waiting (it supersedes it), a patch waits
 * its turn. A patch whose base is not the screen before it (something was
 * lost) is dropped and the screen stays as it is until the next whole frame,
 * which the relay sends on a skip, a reconnect and at its keyframe interval.
 */
import { decodePatch, patchFormatMime, type Patch } from '@booxstream/protocol/patch';
import { decodeWithImageBitmap, type DecodedImage, type FrameMeta, type JpegBytes } from './decoder.js';

export interface CompositorTarget {
  /** A whole frame decoded: size the screen to it and draw it. */
  drawFrame(image: DecodedImage, meta: FrameMeta, decodeMs: number): void;
  /** One patch decoded: draw each rectangle, in order. */
  drawPatch(images: readonly { x: number; y: number; image: ImageBitmap }[], meta: FrameMeta, decodeMs: number): void;
}

type Item =
  | { readonly kind: 'frame'; readonly jpeg: JpegBytes; readonly meta: FrameMeta }
  | { readonly kind: 'patch'; readonly patch: Patch; readonly meta: FrameMeta };

export class PatchCompositor {
  readonly #target: CompositorTarget;
  readonly #queue: Item[] = [];
  #running = false;
  #stopped = false;
  /** Seq of the screen once everything queued is drawn; null until the first whole frame. */
  #screenSeq: number | null = null;
  /** Patches dropped because their base was not the screen (counted for the overlay and tests). */
  dropped = 0;

  constructor(target: CompositorTarget) {
    this.#target = target;
  }

  pushFrame(jpeg: JpegBytes, meta: FrameMeta): void {
    // A whole frame makes everything queued before it moot.
    this.#queue.length = 0;
    this.#queue.push({ kind: 'frame', jpeg, meta });
    this.#screenSeq = meta.seq;
    this.#run();
  }

  /** `message` is the whole binary message; `headerLength` from its viewer header. */
  pushPatch(message: ArrayBuffer, headerLength: number, meta: FrameMeta): void {
    const patch = decodePatch(message, headerLength);
    if (patch.baseSeq !== this.#screenSeq) {
      this.dropped++;
      return;
    }
    this.#queue.push({ kind: 'patch', patch, meta });
    this.#screenSeq = meta.seq;
    this.#run();
  }

  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
  }

  #run(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void (async () => {
      try {
        while (this.#queue.length > 0 && !this.#stopped) {
          const item = this.#queue.shift()!;
          const started = performance.now();
          if (item.kind === 'frame') {
            const image = await decodeWithImageBitmap(item.jpeg);
            if (this.#stopped) return image.close();
            this.#target.drawFrame(image, item.meta, performance.now() - started);
            image.close();
          } else {
            const images = await Promise.all(item.patch.rects.map(async (r) => ({
              x: r.x,
              y: r.y,
              image: await createImageBitmap(new Blob([r.image as Uint8Array<ArrayBuffer>], { type: patchFormatMime(r.format) ?? 'application/octet-stream' })),
            })));
            if (!this.#stopped) this.#target.drawPatch(images, item.meta, performance.now() - started);
            for (const i of images) i.image.close();
          }
        }
      } catch {
        // An image the browser cannot decode: the screen may be off until the next whole frame.
        this.#screenSeq = null;
        this.#queue.length = 0;
      } finally {
        this.#running = false;
      }
      if (this.#queue.length > 0) this.#run();
    })();
  }
}

const LAN_HOST = /^(localhost|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|\[?::1\]?|\[?f[cd][0-9a-f:]*\]?|\[?fe80:[0-9a-f:]*\]?)$|\.local$|\.lan$|\.home\.arpa$/i;

/**
 * Data saver is on by default when the page is reached through a name or an
 * address that is not on the LAN (the gateway, through the tunnel: the owner's
 * upload pays for every byte), off on the server's own LAN address.
 */
export function defaultDataSaver(hostname: string): boolean {
  return !LAN_HOST.test(hostname);
}

const KEY = 'booxstream.dataSaver';

export function loadDataSaver(storage: Pick<Storage, 'getItem'> | null, hostname: string): boolean {
  try {
    const v = storage?.getItem(KEY);
    if (v === 'on') return true;
    if (v === 'off') return false;
  } catch {
    // Storage disabled: the default.
  }
  return defaultDataSaver(hostname);
}

export function saveDataSaver(storage: Pick<Storage, 'setItem'> | null, on: boolean): void {
  try {
    storage?.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // Private mode: the choice lasts for this page.
  }
}
