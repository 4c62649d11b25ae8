import { describe, expect, it } from 'vitest';
import { diffBlocks, diffTiles, MAX_RECTS, mergeTiles } from './tile-diff.js';

function screen(width: number, height: number, fill = 255): Buffer {
  return Buffer.alloc(width * height * 3, fill);
}

function paint(buf: Buffer, width: number, x: number, y: number, value = 0): void {
  buf.fill(value, (y * width + x) * 3, (y * width + x) * 3 + 3);
}

describe('diffTiles', () => {
  it('finds nothing between identical screens', () => {
    const a = screen(100, 60);
    expect(diffTiles(a, Buffer.from(a), 100, 60, 3, 16)).toEqual({ rects: [], area: 0 });
  });

  it('gives the tile of a one-pixel change, clipped at the screen edge', () => {
    const a = screen(100, 60);
    const b = Buffer.from(a);
    paint(b, 100, 17, 33);
    expect(diffTiles(a, b, 100, 60, 3, 16).rects).toEqual([{ x: 16, y: 32, w: 16, h: 16 }]);
    const c = Buffer.from(a);
    paint(c, 100, 99, 59);
    // The last tile column is 4 pixels wide, the last tile row 12 pixels tall.
    expect(diffTiles(a, c, 100, 60, 3, 16)).toEqual({ rects: [{ x: 96, y: 48, w: 4, h: 12 }], area: 48 });
  });

  it('stacks a vertical stroke into one rectangle and keeps separate strokes apart', () => {
    const a = screen(128, 128);
    const b = Buffer.from(a);
    for (let y = 10; y < 70; y++) paint(b, 128, 5, y);
    paint(b, 128, 100, 100);
    expect(diffTiles(a, b, 128, 128, 3, 16).rects).toEqual([{ x: 0, y: 0, w: 16, h: 80 }, { x: 96, y: 96, w: 16, h: 16 }]);
  });

  it('merges a horizontal run of tiles', () => {
    const a = screen(128, 32);
    const b = Buffer.from(a);
    for (let x = 3; x < 60; x++) paint(b, 128, x, 20);
    expect(diffTiles(a, b, 128, 32, 3, 16).rects).toEqual([{ x: 0, y: 16, w: 64, h: 16 }]);
  });

  it('covers every changed pixel, whatever the change', () => {
    const w = 97;
    const h = 61;
    const a = screen(w, h);
    let seed = 7;
    for (let round = 0; round < 20; round++) {
      const b = Buffer.from(a);
      const changedPixels: [number, number][] = [];
      for (let i = 0; i < 15; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const x = seed % w;
        const y = (seed >>> 8) % h;
        paint(b, w, x, y, 1);
        changedPixels.push([x, y]);
      }
      const { rects } = diffTiles(a, b, w, h, 3, 8);
      for (const [x, y] of changedPixels) {
        expect(rects.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h), `${x},${y}`).toBe(true);
      }
      for (const r of rects) expect(r.x + r.w <= w && r.y + r.h <= h).toBe(true);
    }
  });

  it('falls back to one bounding box past MAX_RECTS rectangles', () => {
    const tilesX = 10;
    const tilesY = 10;
    const changed = new Uint8Array(tilesX * tilesY);
    for (let i = 0; i < changed.length; i += 3) changed[i] = 1;
    const rects = mergeTiles(changed, tilesX, tilesY, 10, 100, 100);
    expect(rects.length).toBe(1);
    expect(rects[0]).toEqual({ x: 0, y: 0, w: 100, h: 100 });
    const few = new Uint8Array(tilesX * tilesY);
    few[0] = few[99] = 1;
    expect(mergeTiles(few, tilesX, tilesY, 10, 100, 100).length).toBeLessThanOrEqual(MAX_RECTS);
  });

  it('refuses buffers too small for the screen', () => {
    expect(() => diffTiles(Buffer.alloc(10), Buffer.alloc(10), 10, 10, 3, 4)).toThrow(RangeError);
  });
});

describe('diffBlocks', () => {
  // 936×702 at 4:2:0: 59×44 iMCUs of 16×16 pixels, the last column 8 pixels wide, the last row 14 tall.
  const cols = 59;
  const rows = 44;
  function map(...blocks: Array<[number, number]>): Uint8Array {
    const m = new Uint8Array(cols * rows);
    for (const [bx, by] of blocks) m[by * cols + bx] = 1;
    return m;
  }

  it('finds nothing in an empty map', () => {
    expect(diffBlocks(map(), cols, rows, 16, 16, 32, 936, 702)).toEqual({ rects: [], area: 0 });
  });

  it('gives the tile holding a changed block, and merges blocks of one tile and runs of tiles', () => {
    expect(diffBlocks(map([6, 12]), cols, rows, 16, 16, 32, 936, 702).rects).toEqual([{ x: 96, y: 192, w: 32, h: 32 }]);
    // Blocks (6,12) and (7,13) are one 32-pixel tile; (8,12) starts the next one: a run of two.
    expect(diffBlocks(map([6, 12], [7, 13], [8, 12]), cols, rows, 16, 16, 32, 936, 702).rects).toEqual([{ x: 96, y: 192, w: 64, h: 32 }]);
  });

  it('clips the last tile to the image, whose size is not a multiple of the block', () => {
    expect(diffBlocks(map([58, 43]), cols, rows, 16, 16, 32, 936, 702)).toEqual({ rects: [{ x: 928, y: 672, w: 8, h: 30 }], area: 240 });
    expect(diffBlocks(map([58, 43]), cols, rows, 16, 16, 16, 936, 702).rects).toEqual([{ x: 928, y: 688, w: 8, h: 14 }]);
  });

  it('works with blocks that are not square (4:2:2: 16×8)', () => {
    const m = new Uint8Array(4 * 8);
    m[3 * 4 + 1] = 1;
    expect(diffBlocks(m, 4, 8, 16, 8, 16, 64, 64).rects).toEqual([{ x: 16, y: 16, w: 16, h: 16 }]);
  });

  it('puts every rectangle on the tile grid, covering every changed block', () => {
    let seed = 11;
    for (let round = 0; round < 20; round++) {
      const blocks: Array<[number, number]> = [];
      for (let i = 0; i < 12; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        blocks.push([seed % cols, (seed >>> 8) % rows]);
      }
      const { rects } = diffBlocks(map(...blocks), cols, rows, 16, 16, 32, 936, 702);
      for (const [bx, by] of blocks) {
        expect(rects.some((r) => bx * 16 >= r.x && bx * 16 < r.x + r.w && by * 16 >= r.y && by * 16 < r.y + r.h), `${bx},${by}`).toBe(true);
      }
      for (const r of rects) expect(r.x % 32 === 0 && r.y % 32 === 0 && r.x + r.w <= 936 && r.y + r.h <= 702).toBe(true);
    }
  });

  it('refuses a short map and a tile that is not a multiple of the block', () => {
    expect(() => diffBlocks(new Uint8Array(10), cols, rows, 16, 16, 32, 936, 702)).toThrow(/smaller than cols/);
    expect(() => diffBlocks(map(), cols, rows, 16, 16, 24, 936, 702)).toThrow(/not a multiple/);
  });
});
