/**
 * Events per second over a sliding window of whole seconds: a ring of
 * per-second counters, so recording is O(1) and allocation-free.
 */
export class RateWindow {
  readonly #buckets: Uint32Array;
  #second = -1;

  /** @param seconds window length [seconds=5] */
  constructor(readonly seconds = 5) {
    this.#buckets = new Uint32Array(seconds + 1);
  }

  record(nowMs: number): void {
    this.#advance(Math.floor(nowMs / 1000));
    this.#buckets[this.#second % this.#buckets.length]!++;
  }

  /** Average rate over the last `seconds` complete seconds (the current partial second is left out). */
  rate(nowMs: number): number {
    this.#advance(Math.floor(nowMs / 1000));
    let sum = 0;
    for (let i = 1; i <= this.seconds; i++) {
      sum += this.#buckets[(this.#second - i + this.#buckets.length * 2) % this.#buckets.length]!;
    }
    return Math.round((sum / this.seconds) * 10) / 10;
  }

  #advance(second: number): void {
    if (this.#second < 0) {
      this.#second = second;
      return;
    }
    if (second <= this.#second) return;
    const steps = Math.min(second - this.#second, this.#buckets.length);
    for (let i = 1; i <= steps; i++) this.#buckets[(this.#second + i) % this.#buckets.length] = 0;
    this.#second = second;
  }
}
