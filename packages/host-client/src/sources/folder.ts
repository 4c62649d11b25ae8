/**
 * Frame sources backed by image files: one still image, or a folder cycled
 * through like a slideshow (a user turning pages every `intervalMs`).
 *
 * Every frame has the configured screen size, as a real screen does. A JPEG
 * that already has that size is streamed byte for byte as it is on disk (so a
 * real capture from a tablet can be replayed exactly); anything else (PNG, or a
 * JPEG of another size) is converted once with sharp, fitted inside the screen
 * on a white background, and the result cached.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { isJpeg } from '@booxstream/protocol';
import { FrameSourceError, InvalidOptionError } from '../errors.js';
import type { FrameSource } from './frame-source.js';
import { resolveScreen, type ScreenOptions } from './screen.js';

/** The screen every image is fitted to; the quality applies to converted images. */
export type ImageSourceOptions = ScreenOptions;

export interface FolderSourceOptions extends ImageSourceOptions {
  /** [intervalMs=3000] how long each image stays on screen. */
  readonly intervalMs?: number;
  /** [startMs=creation time] the moment the first image is shown. */
  readonly startMs?: number;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** Reads one image file and returns the JPEG to stream for it (see the module comment). */
export async function loadScreenJpeg(file: string, options: ImageSourceOptions = {}): Promise<Buffer> {
  const screen = resolveScreen(options);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new FrameSourceError(`cannot read image ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    if (isJpeg(bytes)) {
      const meta = await sharp(bytes).metadata();
      if (meta.width === screen.width && meta.height === screen.height) return bytes;
    }
    return await sharp(bytes)
      .rotate() // honour EXIF orientation, as a photo viewer on the tablet would
      .resize(screen.width, screen.height, { fit: 'contain', background: '#ffffff' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: screen.quality, chromaSubsampling: '4:2:0' })
      .toBuffer();
  } catch (err) {
    throw new FrameSourceError(`cannot decode image ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** A source that always shows the same image: every frame is the same Buffer. */
export async function createImageSource(file: string, options: ImageSourceOptions = {}): Promise<FrameSource> {
  const screen = resolveScreen(options);
  const jpeg = await loadScreenJpeg(file, screen);
  return { width: screen.width, height: screen.height, frameAt: () => Promise.resolve(jpeg) };
}

/**
 * A source that cycles through the `.jpg`, `.jpeg` and `.png` files of `dir` (sorted by
 * name, not recursive), each shown for `intervalMs`.
 *
 * @throws FrameSourceError when `dir` cannot be read or holds no such file
 */
export async function createFolderSource(dir: string, options: FolderSourceOptions = {}): Promise<FrameSource> {
  const screen = resolveScreen(options);
  const intervalMs = options.intervalMs ?? 3000;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new InvalidOptionError('intervalMs', `must be a positive number of milliseconds, got ${String(intervalMs)}`);
  const startMs = options.startMs ?? Date.now();
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    names = await readdir(dir);
  } catch (err) {
    throw new FrameSourceError(`cannot read folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const files = names
    .filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort()
    .map((n) => join(dir, n));
  if (files.length === 0) throw new FrameSourceError(`folder ${dir} has no .jpg, .jpeg or .png file`);
  // Converted lazily and once: a folder of large PNGs would otherwise delay the first frame.
  const cache = new Map<number, Promise<Buffer>>();
  return {
    width: screen.width,
    height: screen.height,
    frameAt(nowMs: number): Promise<Buffer> {
      const index = Math.max(0, Math.floor((nowMs - startMs) / intervalMs)) % files.length;
      let jpeg = cache.get(index);
      if (!jpeg) {
        jpeg = loadScreenJpeg(files[index]!, screen);
        const entry = jpeg;
        cache.set(index, entry);
        entry.catch(() => {
          if (cache.get(index) === entry) cache.delete(index);
        });
      }
      return jpeg;
    },
    close(): void {
      cache.clear();
    },
  };
}
