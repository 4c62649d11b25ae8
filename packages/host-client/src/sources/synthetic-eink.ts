/**
 * A synthetic e-ink screen: a notebook page of text with a pen stroke that grows
 * every `changeEveryMs`, and identical frames in between, as a real Boox screen
 * behaves (it repaints when the user writes or turns a page, not continuously).
 * No clock to the second on purpose: it would change every frame, which an
 * e-ink screen does not.
 *
 * Pixels come from our own raster code and built-in font (no system fonts), so
 * a given (seed, index) renders to the same JPEG bytes on every machine that has
 * the same sharp/libvips build.
 */
import sharp from 'sharp';
import { InvalidOptionError } from '../errors.js';
import { textWidth } from './bitmap-font.js';
import type { FrameSource } from './frame-source.js';
import { mulberry32 } from './prng.js';
import { resolveScreen, type ScreenOptions } from './screen.js';
import { cloneRaster, createRaster, drawLine, drawText, fillRect, strokeRect, type GreyRaster } from './raster.js';

/** Options shared by the synthetic source and {@link renderEinkFrame}; the screen's defaults are a Note Air at the app's half resolution. */
export interface EinkPageOptions extends ScreenOptions {
  /** [seed=1] picks the page text and the pen's path; the same seed gives the same pages. */
  readonly seed?: number;
  /** [label='BOOXSTREAM DEMO DEVICE'] printed in the header, e.g. to tell several demo devices apart. */
  readonly label?: string;
}

export interface SyntheticEinkOptions extends EinkPageOptions {
  /** [changeEveryMs=3000] how long the screen stays identical between pen strokes. */
  readonly changeEveryMs?: number;
  /**
   * [startMs=the time the source is created] the moment of update #0. The update shown at
   * `nowMs` is `floor((nowMs - startMs) / changeEveryMs)`, so output is a pure function of
   * (options, nowMs) once `startMs` is fixed.
   */
  readonly startMs?: number;
}

/** Pen strokes per page; the page text changes after this many updates. */
export const STROKES_PER_PAGE = 12;

interface ResolvedPage {
  readonly width: number;
  readonly height: number;
  readonly quality: number;
  readonly seed: number;
  readonly label: string;
}

function resolvePage(o: EinkPageOptions): ResolvedPage {
  // The page layout (header band, text column, pen box) needs at least 160x120.
  const { width, height, quality } = resolveScreen(o, { width: 160, height: 120 });
  const seed = o.seed ?? 1;
  const label = o.label ?? 'BOOXSTREAM DEMO DEVICE';
  if (!Number.isInteger(seed)) throw new InvalidOptionError('seed', `must be an integer, got ${String(seed)}`);
  if (typeof label !== 'string') throw new InvalidOptionError('label', 'must be a string');
  return { width, height, quality, seed, label };
}

/** Uniform in [0, 1), deterministic from the seed: enough for filler text. */
function prng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'bo', 'xe', 'da', 'pe', 'ri', 'zu', 'en', 'or', 'al', 'is'];

function word(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 3);
  let w = '';
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
  return w;
}

/** Layout of the page for a given size; all in pixels. */
function layout(p: ResolvedPage) {
  const scale = p.width >= 600 ? 2 : 1;
  const header = 24 * scale;
  const margin = 12 * scale;
  const panelW = Math.floor(p.width * 0.36);
  const panel = { x: p.width - margin - panelW, y: header + margin, w: panelW, h: p.height - header - 2 * margin };
  const text = { x: margin, y: header + margin, w: panel.x - 2 * margin, h: panel.h };
  return { scale, header, margin, panel, text, lineHeight: 11 * scale };
}

// The page without the pen stroke and counter, cached because text rendering is the
// slowest part and it only changes every STROKES_PER_PAGE updates.
let basePageCache: { key: string; raster: GreyRaster } | undefined;

function basePage(p: ResolvedPage, page: number): GreyRaster {
  const key = `${p.width}x${p.height}:${p.seed}:${page}:${p.label}`;
  if (basePageCache?.key === key) return basePageCache.raster;
  const L = layout(p);
  const r = createRaster(p.width, p.height, 255);
  // Header band in a light grey, as e-ink reader chrome is.
  fillRect(r, 0, 0, p.width, L.header, 221);
  drawText(r, p.label.slice(0, Math.floor((p.width * 0.45) / (6 * L.scale))), L.margin, (L.header - 7 * L.scale) / 2, L.scale, 0);
  // Text column: justified-looking filler lines, a paragraph break every few lines.
  const rand = prng((p.seed * 7919 + page * 104729) | 0);
  const maxChars = Math.floor(L.text.w / (6 * L.scale));
  const title = `CHAPTER ${page + 1}`;
  drawText(r, title, L.text.x, L.text.y, L.scale + 1, 0);
  let y = L.text.y + 7 * (L.scale + 1) + L.lineHeight;
  while (y + 7 * L.scale <= L.text.y + L.text.h) {
    if (rand() < 0.12) {
      y += L.lineHeight; // paragraph break
      continue;
    }
    let line = '';
    for (;;) {
      const w = word(rand);
      if (line.length + w.length + 1 > maxChars) break;
      line += (line ? ' ' : '') + w;
    }
    drawText(r, line, L.text.x, y, L.scale, rand() < 0.08 ? 85 : 0);
    y += L.lineHeight;
  }
  // Drawing panel: border, faint ruling, and the 16 grey levels of an e-ink panel.
  const { x, y: py, w, h } = L.panel;
  strokeRect(r, x, py, w, h, 0, L.scale);
  for (let ry = py + 4 * L.lineHeight; ry < py + h - 6 * L.lineHeight; ry += 2 * L.lineHeight) fillRect(r, x + L.scale * 4, ry, w - L.scale * 8, 1, 200);
  const swatchH = 4 * L.lineHeight;
  const swatchY = py + h - swatchH - 4 * L.scale;
  for (let i = 0; i < 16; i++) {
    const sx = x + 4 * L.scale + Math.floor(((w - 8 * L.scale) * i) / 16);
    const sw = Math.floor((w - 8 * L.scale) / 16);
    fillRect(r, sx, swatchY, sw, swatchH, i * 17);
  }
  basePageCache = { key, raster: r };
  return r;
}

/** The pen's path for a page: a smooth seeded curve across the panel, as points. */
function penPath(p: ResolvedPage, page: number): Array<[number, number]> {
  const L = layout(p);
  const rand = prng((p.seed * 31337 + page * 2654435761) | 0);
  const a1 = 0.5 + rand() * 1.5;
  const a2 = 2 + rand() * 3;
  const ph1 = rand() * Math.PI * 2;
  const ph2 = rand() * Math.PI * 2;
  const left = L.panel.x + 10 * L.scale;
  const right = L.panel.x + L.panel.w - 10 * L.scale;
  const top = L.panel.y + 3 * L.lineHeight;
  const bottom = L.panel.y + L.panel.h - 6 * L.lineHeight;
  const rows = 3;
  const pts: Array<[number, number]> = [];
  const perRow = 60;
  // Handwriting-like: three lines of loops, left to right, each row lower on the panel.
  for (let row = 0; row < rows; row++) {
    const base = top + ((row + 0.5) * (bottom - top)) / rows;
    const amp = ((bottom - top) / rows) * 0.3;
    for (let i = 0; i <= perRow; i++) {
      const t = i / perRow;
      const xx = left + t * (right - left);
      const yy = base + amp * (0.6 * Math.sin(t * Math.PI * 2 * a2 + ph1 + row) + 0.4 * Math.sin(t * Math.PI * 2 * a1 * 3 + ph2));
      pts.push([xx, yy]);
    }
  }
  return pts;
}

/**
 * Renders update number `index` of the synthetic page to greyscale pixels (pure).
 * Page `floor(index / 12)`, with `index % 12 + 1` twelfths of its pen stroke drawn.
 */
export function renderEinkRaster(index: number, options: EinkPageOptions = {}): GreyRaster {
  if (!Number.isInteger(index) || index < 0) throw new InvalidOptionError('index', `must be a non-negative integer, got ${String(index)}`);
  const p = resolvePage(options);
  const L = layout(p);
  const page = Math.floor(index / STROKES_PER_PAGE);
  const stroke = index % STROKES_PER_PAGE;
  const r = cloneRaster(basePage(p, page));
  const pts = penPath(p, page);
  const visible = Math.round((pts.length * (stroke + 1)) / STROKES_PER_PAGE);
  const rowLength = pts.length / 3;
  for (let i = 1; i < visible; i++) {
    if (i % rowLength === 0) continue; // pen lifted between rows
    const [ax, ay] = pts[i - 1]!;
    const [bx, by] = pts[i]!;
    drawLine(r, ax, ay, bx, by, L.scale, 0);
  }
  // The counters are what a user sees change: update number, page and stroke, right-aligned in the header.
  const counter = `PAGE ${page + 1}  STROKE ${stroke + 1}/${STROKES_PER_PAGE}  #${index}`;
  drawText(r, counter, p.width - L.margin - textWidth(counter, L.scale), (L.header - 7 * L.scale) / 2, L.scale, 0);
  return r;
}

/** Encodes a greyscale raster as the app does: JPEG at `quality`, YCbCr 4:2:0 like Android's `Bitmap.compress`. */
export function encodeRasterJpeg(r: GreyRaster, quality = 60): Promise<Buffer> {
  return sharp(r.pixels, { raw: { width: r.width, height: r.height, channels: 1 } })
    .toColourspace('srgb')
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

/**
 * Renders and encodes update number `index` of the synthetic page. Distinct indices give
 * distinct JPEGs, so the benchmark can make N real, different frames quickly.
 */
export function renderEinkFrame(index: number, options: EinkPageOptions = {}): Promise<Buffer> {
  const p = resolvePage(options);
  return encodeRasterJpeg(renderEinkRaster(index, p), p.quality);
}

/**
 * A {@link FrameSource} showing the synthetic page. The JPEG of the current update is
 * cached, so every frame between two changes is the same Buffer, byte for byte, and costs
 * nothing to produce.
 */
export function createSyntheticEinkSource(options: SyntheticEinkOptions = {}): FrameSource {
  const p = resolvePage(options);
  const changeEveryMs = options.changeEveryMs ?? 3000;
  if (!Number.isFinite(changeEveryMs) || changeEveryMs <= 0) {
    throw new InvalidOptionError('changeEveryMs', `must be a positive number of milliseconds, got ${String(changeEveryMs)}`);
  }
  const startMs = options.startMs ?? Date.now();
  if (!Number.isFinite(startMs)) throw new InvalidOptionError('startMs', `must be epoch milliseconds, got ${String(startMs)}`);
  let cached: { index: number; jpeg: Promise<Buffer> } | undefined;
  return {
    width: p.width,
    height: p.height,
    frameAt(nowMs: number): Promise<Buffer> {
      const index = Math.max(0, Math.floor((nowMs - startMs) / changeEveryMs));
      if (cached?.index === index) return cached.jpeg;
      const jpeg = renderEinkFrame(index, p);
      const entry = { index, jpeg };
      cached = entry;
      // A failed encode must not stick: the next call retries.
      jpeg.catch(() => {
        if (cached === entry) cached = undefined;
      });
      return jpeg;
    },
    close(): void {
      cached = undefined;
    },
  };
}
