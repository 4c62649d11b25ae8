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

  it('clears every stale bucket after a gap of a whole ring or more, from second 0 on', () => {
    const w = new RateWindow(5);
    for (let i = 0; i < 3; i++) w.record(100 + i);
    expect(w.rate(1000)).toBe(0.6);
    // Six seconds later the ring comes back to the same bucket: it must start empty.
    w.record(6500);
    expect(w.rate(7000)).toBe(0.2);
    // A one-second step clears the one bucket it enters.
    for (let i = 0; i < 5; i++) w.record(7100 + i);
    w.record(8000 + 6000);
    expect(w.rate(14_500)).toBe(0);
    expect(w.rate(15_000)).toBe(0.2);
  });

  it('keeps counting in the newest second when the clock steps back', () => {
    const w = new RateWindow(5);
    const t0 = 1_000_000_000;
    w.record(t0 + 10_500);
    expect(w.rate(t0 + 9_000)).toBe(0);
    w.record(t0 + 10_200);
    expect(w.rate(t0 + 11_000)).toBe(0.4);
  });

  it('clears the buckets of each second passed over', () => {
    const w = new RateWindow(5);
    for (let s = 0; s < 6; s++) for (let i = 0; i <= s; i++) w.record(s * 1000 + i);
    // Seconds 1..5 held 2+3+4+5+6; two seconds later 3..5 and two empty ones remain.
    expect(w.rate(6000)).toBe(4);
    expect(w.rate(8000)).toBe(3);
  });
});
