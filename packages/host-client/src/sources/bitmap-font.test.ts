import { describe, expect, it } from 'vitest';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, hasGlyph, textWidth } from './bitmap-font.js';

describe('bitmap font', () => {
  it('has every character the synthetic page prints', () => {
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+=#/()\'"!?%_') expect(hasGlyph(ch)).toBe(true);
  });

  it('draws lower case as upper case and unknown characters as a box', () => {
    expect(glyph('a')).toEqual(glyph('A'));
    expect(hasGlyph('é')).toBe(false);
    const box = glyph('é');
    expect(box.length).toBe(GLYPH_WIDTH * GLYPH_HEIGHT);
    expect(box[0]).toBe(1);
    expect(box[GLYPH_WIDTH + 1]).toBe(0);
  });

  it('gives distinct bitmaps to distinct characters', () => {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    expect(new Set([...chars].map((c) => Array.from(glyph(c)).join(''))).size).toBe(chars.length);
  });

  it('measures text with one blank column between glyphs', () => {
    expect(textWidth('', 2)).toBe(0);
    expect(textWidth('A', 1)).toBe(5);
    expect(textWidth('AB', 2)).toBe(22);
  });
});
