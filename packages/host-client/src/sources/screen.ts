/**
 * The screen a frame source renders for: size and JPEG quality, with the
 * Android app's half-resolution Note Air defaults, validated once.
 */
import { InvalidOptionError } from '../errors.js';

export interface ScreenOptions {
  /** [width=936] */
  readonly width?: number;
  /** [height=702] */
  readonly height?: number;
  /** JPEG quality, like the app's `Bitmap.compress(JPEG, 60)`. [quality=60] */
  readonly quality?: number;
}

export interface Screen {
  readonly width: number;
  readonly height: number;
  readonly quality: number;
}

/** Fills the defaults and checks the ranges; `minimum` is the smallest size the source can draw. */
export function resolveScreen(o: ScreenOptions, minimum: { width: number; height: number } = { width: 1, height: 1 }): Screen {
  const width = o.width ?? 936;
  const height = o.height ?? 702;
  const quality = o.quality ?? 60;
  if (!Number.isInteger(width) || width < minimum.width || width > 8192) {
    throw new InvalidOptionError('width', `must be an integer from ${minimum.width} to 8192, got ${String(width)}`);
  }
  if (!Number.isInteger(height) || height < minimum.height || height > 8192) {
    throw new InvalidOptionError('height', `must be an integer from ${minimum.height} to 8192, got ${String(height)}`);
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new InvalidOptionError('quality', `must be an integer from 1 to 100, got ${String(quality)}`);
  }
  return { width, height, quality };
}
