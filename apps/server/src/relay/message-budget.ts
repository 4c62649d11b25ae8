/**
 * A socket's message budget: a token bucket of `ratePerSecond` messages with
 * bursts of twice that. Checked once per message before any parsing, so a
 * flood costs at most the burst's worth of work before the socket is closed.
 */
export class MessageBudget {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(readonly ratePerSecond: number, now = performance.now()) {
    this.#perMs = ratePerSecond / 1000;
    this.#burst = 2 * ratePerSecond;
    this.#tokens = this.#burst;
    this.#at = now;
  }

  /** Spends one message; false once the budget is exhausted. */
  take(now = performance.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
