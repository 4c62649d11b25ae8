import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './rate-limit.js';

describe('TokenBucketLimiter', () => {
  it('allows the burst, then the sustained rate, per key', () => {
    const l = new TokenBucketLimiter(10, 5);
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) expect(l.take('a', t).ok).toBe(true);
    const refused = l.take('a', t);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 6 });
    expect(l.take('b', t).ok).toBe(true);
    expect(l.take('a', t + 6000).ok).toBe(true);
    expect(l.take('a', t + 6000).ok).toBe(false);
  });

  it('bounds the number of tracked addresses', () => {
    const l = new TokenBucketLimiter(10, 5, 100);
    for (let i = 0; i < 1000; i++) l.take(`10.0.${i >> 8}.${i & 255}`, 1000);
    expect(l.size).toBeLessThanOrEqual(100);
  });
});
