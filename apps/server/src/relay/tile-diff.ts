/**
 * Which parts of the screen changed between two decoded frames: the tiles
 * whose pixels differ, merged into a few rectangles. Pure; the relay's patch
 * encoder calls it once per distinct frame. Rows that did not change are
 * skipped with one memcmp each, so a pen stroke costs a few tile compares,
 * not a pass over every pixel in JS.
 */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface TileDiff {
  readonly rects: readonly Rect[];
  /** Pixels covered by the rectangles (the share of the screen a patch would carry). */
  readonly area: number;
}

/** Past this many rectangles they are merged into their bounding box: each costs an image header and an encode. */
export const MAX_RECTS = 24;

/**
 * Compares `prev` and `next`, both `width`×`height` pixels of `channels` bytes,
 * row-major, in `tile`-pixel tiles. Returns the changed tiles as rectangles:
 * runs of changed tiles in a tile row, stacked with identical runs below them.
 */
export function diffTiles(prev: Buffer, next: Buffer, width: number, height: number, channels: number, tile: number): TileDiff {
  const stride = width * channels;
  if (prev.length < stride * height || next.length < stride * height) throw new RangeError('diffTiles: buffers are smaller than width × height × channels');
  const tilesX = Math.ceil(width / tile);
  const tilesY = Math.ceil(height / tile);
  const changed = new Uint8Array(tilesX * tilesY);
  const tileBytes = tile * channels;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    if (next.compare(prev, row, row + stride, row, row + stride) === 0) continue;
    const base = Math.floor(y / tile) * tilesX;
    for (let tx = 0; tx < tilesX; tx++) {
      if (changed[base + tx]) continue;
      const start = row + tx * tileBytes;
      const end = Math.min(start + tileBytes, row + stride);
      if (next.compare(prev, start, end, start, end) !== 0) changed[base + tx] = 1;
    }
  }
  return withArea(mergeTiles(changed, tilesX, tilesY, tile, width, height));
}

/**
 * A per-block change map (one byte per `cols`×`rows` block, as jpeg-delta's
 * scan gives per iMCU) → the same map per tile of `perX`×`perY` blocks, and
 * then rectangles as {@link diffTiles} makes them.
 */
export function diffBlocks(changed: Uint8Array, cols: number, rows: number, blockW: number, blockH: number, tile: number, width: number, height: number): TileDiff {
  if (changed.length < cols * rows) throw new RangeError('diffBlocks: map is smaller than cols × rows');
  if (tile % blockW !== 0 || tile % blockH !== 0) throw new RangeError(`diffBlocks: tile ${tile} is not a multiple of the ${blockW}×${blockH} block`);
  const perX = tile / blockW;
  const perY = tile / blockH;
  const tilesX = Math.ceil(cols / perX);
  const tilesY = Math.ceil(rows / perY);
  const tiles = new Uint8Array(tilesX * tilesY);
  for (let by = 0; by < rows; by++) {
    const row = by * cols;
    const tileRow = Math.floor(by / perY) * tilesX;
    for (let bx = 0; bx < cols; bx++) if (changed[row + bx]) tiles[tileRow + Math.floor(bx / perX)] = 1;
  }
  return withArea(mergeTiles(tiles, tilesX, tilesY, tile, width, height));
}

function withArea(rects: Rect[]): TileDiff {
  let area = 0;
  for (const r of rects) area += r.w * r.h;
  return { rects, area };
}

/** Tile flags → pixel rectangles (runs per tile row, stacked when a run repeats below), clipped to the screen. */
export function mergeTiles(changed: Uint8Array, tilesX: number, tilesY: number, tile: number, width: number, height: number): Rect[] {
  type Open = { x0: number; x1: number; y0: number; y1: number };
  const done: Open[] = [];
  let open: Open[] = [];
  for (let ty = 0; ty < tilesY; ty++) {
    const runs: [number, number][] = [];
    for (let tx = 0; tx < tilesX; tx++) {
      if (!changed[ty * tilesX + tx]) continue;
      const last = runs[runs.length - 1];
      if (last && last[1] === tx) last[1] = tx + 1;
      else runs.push([tx, tx + 1]);
    }
    const next: Open[] = [];
    for (const [x0, x1] of runs) {
      const above = open.find((o) => o.x0 === x0 && o.x1 === x1);
      if (above) {
        above.y1 = ty + 1;
        next.push(above);
      } else {
        next.push({ x0, x1, y0: ty, y1: ty + 1 });
      }
    }
    for (const o of open) if (!next.includes(o)) done.push(o);
    open = next;
  }
  done.push(...open);
  let rects = done.map((o) => toPixels(o.x0, o.y0, o.x1, o.y1, tile, width, height));
  if (rects.length > MAX_RECTS) {
    const x0 = Math.min(...rects.map((r) => r.x));
    const y0 = Math.min(...rects.map((r) => r.y));
    const x1 = Math.max(...rects.map((r) => r.x + r.w));
    const y1 = Math.max(...rects.map((r) => r.y + r.h));
    rects = [{ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }];
  }
  return rects.sort((a, b) => a.y - b.y || a.x - b.x);
}

function toPixels(tx0: number, ty0: number, tx1: number, ty1: number, tile: number, width: number, height: number): Rect {
  const x = tx0 * tile;
  const y = ty0 * tile;
  return { x, y, w: Math.min(tx1 * tile, width) - x, h: Math.min(ty1 * tile, height) - y };
}
