/**
 * What one host's device sent: the send time of each frame id (on the bench's
 * one clock, `performance.now()`), and the JPEG hash of sampled ids, so a
 * viewer can turn a receipt into a latency and check the bytes it got.
 */
export class Ledger {
  readonly tag: number;
  #sendAt: Float64Array;
  readonly hashes = new Map<number, string>();
  /** Ids sent so far: the next id is `sent`. */
  sent = 0;

  constructor(tag: number, capacity = 4096) {
    this.tag = tag;
    this.#sendAt = new Float64Array(capacity).fill(Number.NaN);
  }

  record(id: number, at: number): void {
    if (id >= this.#sendAt.length) {
      const grown = new Float64Array(Math.max(id + 1, this.#sendAt.length * 2)).fill(Number.NaN);
      grown.set(this.#sendAt);
      this.#sendAt = grown;
    }
    this.#sendAt[id] = at;
    if (id >= this.sent) this.sent = id + 1;
  }

  /** Send time of `id`, NaN if never sent. */
  sendAt(id: number): number {
    return id < this.#sendAt.length ? this.#sendAt[id]! : Number.NaN;
  }
}
