/**
 * Reconnect delays: exponential backoff with jitter, so a restarted server is
 * not hit by every viewer in the same millisecond.
 */
export interface BackoffOptions {
  /** Delay before the first retry. [baseMs=500] */
  readonly baseMs?: number;
  /** Ceiling of the exponential part. [maxMs=10000] */
  readonly maxMs?: number;
  /** Share of the delay that is randomised, 0..1. [jitter=0.5] */
  readonly jitter?: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry). The result lies in
 * `[d·(1-jitter), d]` where `d = min(maxMs, baseMs·2^(attempt-1))`.
 * `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseMs = 500, maxMs = 10_000, jitter = 0.5 } = options;
  const exponent = Math.max(0, Math.min(30, attempt - 1));
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling * (1 - jitter * random()));
}
