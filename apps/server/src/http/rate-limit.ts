/**
 * In-memory token buckets keyed by client address. Memory is bounded: idle,
 * full buckets are dropped, and past `maxKeys` the stalest half is evicted.
 */
export interface TakeResult {
  readonly ok: boolean;
  /** Seconds until one more request would be allowed (0 when ok). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  /**
   * @param ratePerMinute sustained rate
   * @param burst bucket size
   * @param maxKeys addresses tracked at once [maxKeys=10000]
   */
  constructor(ratePerMinute: number, burst: number, maxKeys = 10_000) {
    this.#perMs = ratePerMinute / 60_000;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
  }

  take(key: string, now = Date.now()): TakeResult {
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#evict(now);
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000)) };
  }

  get size(): number {
    return this.#buckets.size;
  }

  #evict(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
    if (this.#buckets.size < this.#maxKeys) return;
    // Map iteration is insertion order: drop the oldest half.
    let n = Math.floor(this.#buckets.size / 2);
    for (const key of this.#buckets.keys()) {
      if (n-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}
