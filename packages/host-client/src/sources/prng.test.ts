import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';

describe('mulberry32', () => {
  it('gives the reference sequence for a seed (the bench and the demo screen rely on it being reproducible)', () => {
    const next = mulberry32(1);
    expect([next(), next(), next()]).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('takes the seed modulo 2^32 and returns unsigned 32-bit integers', () => {
    expect(mulberry32(2 ** 32 + 1)()).toBe(mulberry32(1)());
    const next = mulberry32(-7);
    for (let i = 0; i < 1000; i++) {
      const v = next();
      expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
    }
  });
});
