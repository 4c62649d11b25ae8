import { describe, expect, it } from 'vitest';
import { createRaster, drawLine, drawText, fillRect, strokeRect } from './raster.js';

const at = (r: ReturnType<typeof createRaster>, x: number, y: number) => r.pixels[y * r.width + x];

describe('raster drawing', () => {
  it('clips rectangles to the raster', () => {
    const r = createRaster(10, 10);
    fillRect(r, -5, -5, 8, 8, 0);
    expect(at(r, 0, 0)).toBe(0);
    expect(at(r, 2, 2)).toBe(0);
    expect(at(r, 3, 3)).toBe(255);
    fillRect(r, 8, 8, 100, 100, 10);
    expect(at(r, 9, 9)).toBe(10);
  });

  it('outlines a rectangle without filling it', () => {
    const r = createRaster(10, 10);
    strokeRect(r, 1, 1, 8, 8, 0);
    expect(at(r, 1, 1)).toBe(0);
    expect(at(r, 8, 8)).toBe(0);
    expect(at(r, 4, 4)).toBe(255);
  });

  it('draws glyph pixels scaled', () => {
    const r = createRaster(20, 20);
    drawText(r, 'I', 0, 0, 2); // top row of I is " ### "
    expect(at(r, 0, 0)).toBe(255);
    expect(at(r, 2, 0)).toBe(0);
    expect(at(r, 3, 1)).toBe(0);
  });

  it('draws a thick line through its end points', () => {
    const r = createRaster(30, 30);
    drawLine(r, 5, 5, 25, 25, 2);
    expect(at(r, 5, 5)).toBe(0);
    expect(at(r, 15, 15)).toBe(0);
    expect(at(r, 25, 25)).toBe(0);
    expect(at(r, 25, 5)).toBe(255);
  });
});
