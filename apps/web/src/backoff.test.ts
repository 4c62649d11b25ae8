import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the ceiling without jitter', () => {
    const none = (): number => 0;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, {}, none))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('takes off at most the jitter share', () => {
    expect(backoffDelay(3, { jitter: 0.5 }, () => 0.999_999)).toBe(1000);
    expect(backoffDelay(3, { jitter: 0.5 }, () => 0.5)).toBe(1500);
    expect(backoffDelay(3, { jitter: 0.2 }, () => 1)).toBe(1600);
  });

  it('stays finite for huge attempt numbers', () => {
    expect(backoffDelay(10_000, { maxMs: 30_000 }, () => 0)).toBe(30_000);
  });
});
