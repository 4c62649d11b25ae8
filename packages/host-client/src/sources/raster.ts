/**
 * An 8-bit greyscale pixel buffer and the few drawing operations the synthetic
 * e-ink page needs. Pure (no I/O), so rendering is deterministic and testable
 * without decoding a JPEG.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './bitmap-font.js';

/** 0 = black, 255 = white. Row-major, one byte per pixel. */
export interface GreyRaster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

export function createRaster(width: number, height: number, fill = 255): GreyRaster {
  return { width, height, pixels: new Uint8Array(width * height).fill(fill) };
}

export function cloneRaster(r: GreyRaster): GreyRaster {
  return { width: r.width, height: r.height, pixels: r.pixels.slice() };
}

/** Fills a rectangle, clipped to the raster. */
export function fillRect(r: GreyRaster, x: number, y: number, w: number, h: number, value: number): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(r.width, Math.floor(x + w));
  const y1 = Math.min(r.height, Math.floor(y + h));
  for (let yy = y0; yy < y1; yy++) r.pixels.fill(value, yy * r.width + x0, yy * r.width + x1);
}

/** A 1-pixel-wide rectangle outline of thickness `t`. */
export function strokeRect(r: GreyRaster, x: number, y: number, w: number, h: number, value: number, t = 1): void {
  fillRect(r, x, y, w, t, value);
  fillRect(r, x, y + h - t, w, t, value);
  fillRect(r, x, y, t, h, value);
  fillRect(r, x + w - t, y, t, h, value);
}

/** Draws `text` with its top-left corner at (x, y), each font pixel a `scale`x`scale` square. */
export function drawText(r: GreyRaster, text: string, x: number, y: number, scale: number, value = 0): void {
  let cx = x;
  for (const ch of text) {
    const bits = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (bits[gy * GLYPH_WIDTH + gx]) fillRect(r, cx + gx * scale, y + gy * scale, scale, scale, value);
      }
    }
    cx += (GLYPH_WIDTH + 1) * scale;
  }
}

/** A filled disc, the pen's nib. */
export function fillDisc(r: GreyRaster, cx: number, cy: number, radius: number, value: number): void {
  const rr = radius * radius;
  const y0 = Math.max(0, Math.floor(cy - radius));
  const y1 = Math.min(r.height - 1, Math.ceil(cy + radius));
  for (let y = y0; y <= y1; y++) {
    const dy = y - cy;
    const span = rr - dy * dy;
    if (span < 0) continue;
    const half = Math.sqrt(span);
    const x0 = Math.max(0, Math.ceil(cx - half));
    const x1 = Math.min(r.width - 1, Math.floor(cx + half));
    if (x1 >= x0) r.pixels.fill(value, y * r.width + x0, y * r.width + x1 + 1);
  }
}

/** A thick line: discs stamped every pixel along the segment, like a pen moving across the glass. */
export function drawLine(r: GreyRaster, x0: number, y0: number, x1: number, y1: number, radius: number, value = 0): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    fillDisc(r, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, radius, value);
  }
}
