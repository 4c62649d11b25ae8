import { describe, expect, it } from 'vitest';
import { soakTrend } from './soak-trend.js';

const MB = 1024 * 1024;
/** One sample a second for `minutes`, RSS from `rss(tMinutes)` in MB. */
function series(minutes: number, rss: (t: number) => number): { t: number[]; y: number[] } {
  const t: number[] = [];
  const y: number[] = [];
  for (let s = 0; s <= minutes * 60; s++) {
    t.push(s * 1000);
    y.push(rss(s / 60) * MB);
  }
  return { t, y };
}

describe('soakTrend', () => {
  it('gives the slope of a straight line in MB/min', () => {
    const { t, y } = series(10, (m) => 80 + 0.15 * m);
    const r = soakTrend(t, y, 0);
    expect(r.slopeMBPerMin).toBeCloseTo(0.15, 9);
    expect(r.samples).toBe(601);
  });

  it('leaves the warm-up out: a steep start then a flat line is flat', () => {
    // 20 MB of growth in the first 2 min (heap sizing), then nothing.
    const { t, y } = series(10, (m) => (m < 2 ? 60 + 10 * m : 80));
    expect(soakTrend(t, y, 120_000).slopeMBPerMin).toBeCloseTo(0, 9);
    expect(soakTrend(t, y, 120_000).samples).toBe(481);
    // Kept in, the warm-up alone would miss a 0.2 MB/min target.
    expect(soakTrend(t, y, 0).slopeMBPerMin).toBeGreaterThan(0.2);
  });

  it('is not tilted by a GC sawtooth around a flat line', () => {
    // 4 MB teeth every 30 s: whole periods after the warm-up.
    const { t, y } = series(10, (m) => 100 + 4 * (((m * 2) % 1) - 0.5));
    expect(Math.abs(soakTrend(t, y, 120_000).slopeMBPerMin)).toBeLessThan(0.05);
  });

  it('sees a slow leak under a sawtooth', () => {
    const { t, y } = series(10, (m) => 100 + 0.5 * m + 4 * (((m * 2) % 1) - 0.5));
    expect(soakTrend(t, y, 120_000).slopeMBPerMin).toBeCloseTo(0.5, 1);
  });

  it('is NaN with fewer than two samples after the warm-up, and refuses mismatched series', () => {
    expect(soakTrend([0, 1000], [MB, 2 * MB], 1000).slopeMBPerMin).toBeNaN();
    expect(() => soakTrend([0, 1000], [MB], 0)).toThrow(/2 times but 1 RSS/);
  });
});
