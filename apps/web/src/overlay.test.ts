import { describe, expect, it } from 'vitest';
import { formatAge, formatOverlay, plausibleLatency, StreamMeter } from './overlay.js';

describe('plausibleLatency', () => {
  it('keeps sane clock differences and clamps tiny negative skew to 0', () => {
    expect(plausibleLatency(42)).toBe(42);
    expect(plausibleLatency(-20)).toBe(0);
  });

  it('rejects differences that only clock skew explains', () => {
    expect(plausibleLatency(-5000)).toBeNull();
    expect(plausibleLatency(3_600_000)).toBeNull();
    expect(plausibleLatency(Number.NaN)).toBeNull();
  });
});

describe('StreamMeter', () => {
  it('reports paint rate, bandwidth and median latencies over its window', () => {
    const meter = new StreamMeter(2000);
    const wall = 1_700_000_000_000;
    for (let i = 0; i < 10; i++) {
      const t = 1000 + i * 100;
      meter.recordReceived(50_000, t, wall + t, wall + t - 5 - i);
      meter.recordPaint(t + 3, wall + t + 3, wall + t - 40, 2 + i);
    }
    const f = meter.snapshot(2000);
    expect(f.fps).toBe(5);
    expect(f.kBps).toBe(250);
    expect(f.relayMs).toBe(9.5);
    expect(f.captureMs).toBe(43);
    expect(f.paintMs).toBe(6.5);
    expect(f.lastFrameAgeS).toBeCloseTo(0.097);
  });

  it('forgets samples older than the window and ignores unknown device clocks', () => {
    const meter = new StreamMeter(1000);
    meter.recordReceived(1000, 0, 0, 0);
    meter.recordPaint(0, 0, Number.NaN, 1);
    const f = meter.snapshot(5000);
    expect(f.fps).toBe(0);
    expect(f.kBps).toBe(0);
    expect(f.relayMs).toBeNull();
    expect(f.captureMs).toBeNull();
    expect(f.lastFrameAgeS).toBe(5);
  });
});

describe('formatOverlay', () => {
  it('prints every figure, with dashes for unknown latencies', () => {
    expect(formatOverlay({
      fps: 9.96, kBps: 123.4, relayMs: 3.25, captureMs: null, paintMs: 12.6, decoder: 'createImageBitmap',
      width: 936, height: 702, dropped: 2, viewers: 2, lastFrameAgeS: 0.2,
    })).toEqual([
      '10.0 fps · 123 kB/s · 2 viewers',
      'relay 3.3 ms · capture –',
      'decode+paint 13 ms · createImageBitmap',
      '936×702 · dropped 2 · last frame now',
    ]);
  });
});

describe('formatAge', () => {
  it('uses the largest whole unit', () => {
    expect([0.4, 12, 150, 7300, 200_000, Number.POSITIVE_INFINITY].map(formatAge))
      .toEqual(['now', '12 s ago', '2 min ago', '2 h ago', '2 d ago', 'never']);
  });
});
