import { describe, expect, it } from 'vitest';
import { RateWindow } from './rate-window.js';

describe('RateWindow', () => {
  it('averages complete seconds over the window', () => {
    const w = new RateWindow(5);
    const t0 = 1_000_000_000;
    for (let s = 0; s < 5; s++) for (let i = 0; i < 10; i++) w.record(t0 + s * 1000 + i * 100);
    expect(w.rate(t0 + 5000)).toBe(10);
    // The current partial second is left out.
    w.record(t0 + 5000);
    expect(w.rate(t0 + 5500)).toBe(10);
  });

  it('forgets seconds that left the window', () => {
    const w = new RateWindow(5);
    const t0 = 2_000_000_000;
    for (let i = 0; i < 30; i++) w.record(t0 + i * 10);
    expect(w.rate(t0 + 1000)).toBe(6);
    expect(w.rate(t0 + 5999)).toBe(6);
    expect(w.rate(t0 + 6000)).toBe(0);
    expect(w.rate(t0 + 60_000)).toBe(0);
  });
});
