import { describe, expect, it } from 'vitest';
import { percentileSorted, Sample, spread, summarize } from './percentiles.js';

describe('percentileSorted', () => {
  it('interpolates between closest ranks', () => {
    const s = [1, 2, 3, 4];
    expect(percentileSorted(s, 0)).toBe(1);
    expect(percentileSorted(s, 50)).toBe(2.5);
    expect(percentileSorted(s, 100)).toBe(4);
    expect(percentileSorted(s, 25)).toBeCloseTo(1.75);
  });

  it('gives NaN for an empty sample and rejects p outside 0-100', () => {
    expect(percentileSorted([], 50)).toBeNaN();
    expect(() => percentileSorted([1], 101)).toThrow(RangeError);
  });

  it('matches the type-7 definition on 1..100', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(s, 99)).toBeCloseTo(99.01);
    expect(percentileSorted(s, 95)).toBeCloseTo(95.05);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports p50/p95/p99/max/mean', () => {
    const input = [5, 1, 4, 2, 3];
    const s = summarize(input);
    expect(s).toMatchObject({ count: 5, p50: 3, max: 5, mean: 3 });
    expect(input).toEqual([5, 1, 4, 2, 3]);
  });
});

describe('spread', () => {
  it('takes the median, min and max and leaves NaN out', () => {
    expect(spread([3, Number.NaN, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([Number.NaN]).n).toBe(0);
  });
});

describe('Sample', () => {
  it('grows past its capacity and keeps order', () => {
    const s = new Sample(16);
    for (let i = 0; i < 100; i++) s.push(i);
    expect(s.length).toBe(100);
    expect(s.values()[99]).toBe(99);
    expect(s.values().length).toBe(100);
  });
});
