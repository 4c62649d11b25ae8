import { describe, expect, it } from 'vitest';
import { fitContain } from './fit.js';

describe('fitContain', () => {
  it('fills the height when the box is wider than the image', () => {
    expect(fitContain({ width: 1280, height: 702 }, { width: 936, height: 702 })).toEqual({ width: 936, height: 702 });
    expect(fitContain({ width: 2000, height: 351 }, { width: 936, height: 702 })).toEqual({ width: 468, height: 351 });
  });

  it('fills the width when the box is taller than the image (a phone)', () => {
    expect(fitContain({ width: 360, height: 640 }, { width: 936, height: 702 })).toEqual({ width: 360, height: 270 });
  });

  it('scales up as well as down', () => {
    expect(fitContain({ width: 1872, height: 1404 }, { width: 936, height: 702 })).toEqual({ width: 1872, height: 1404 });
  });

  it('never overflows the box by rounding', () => {
    for (const [w, h] of [[333, 777], [1001, 313], [359.5, 640.25]] as const) {
      const fit = fitContain({ width: w, height: h }, { width: 936, height: 702 });
      expect(fit.width).toBeLessThanOrEqual(w);
      expect(fit.height).toBeLessThanOrEqual(h);
    }
  });

  it('gives 0×0 for an empty box or image', () => {
    expect(fitContain({ width: 0, height: 500 }, { width: 936, height: 702 })).toEqual({ width: 0, height: 0 });
    expect(fitContain({ width: 500, height: 500 }, { width: 0, height: 0 })).toEqual({ width: 0, height: 0 });
  });
});
