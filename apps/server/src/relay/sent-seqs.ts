/**
 * The seqs of the frames one viewer was sent and has not acked yet, oldest
 * first, in a fixed ring: a viewer is sent only some of the channel's frames
 * (the rest are skipped), so "frames unacked" is a count of these, not a
 * difference of seqs. Seqs are u32 and wrap; comparisons are modulo 2^32.
 */
export class SentSeqs {
  readonly #ring: Uint32Array;
  #head = 0;
  #size = 0;
  #newest: number | undefined;

  /** Holds the newest `capacity` seqs; pushing into a full ring forgets the oldest. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SentSeqs: capacity must be a positive integer, got ${capacity}`);
    this.#ring = new Uint32Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** The last seq pushed, acked or not; undefined before the first. */
  get newest(): number | undefined {
    return this.#newest;
  }

  push(seq: number): void {
    const cap = this.#ring.length;
    if (this.#size === cap) {
      this.#head = (this.#head + 1) % cap;
      this.#size--;
    }
    this.#ring[(this.#head + this.#size) % cap] = seq;
    this.#size++;
    this.#newest = seq >>> 0;
  }

  /** Forgets every seq at or before `seq` (a cumulative ack). */
  ackThrough(seq: number): void {
    const cap = this.#ring.length;
    while (this.#size > 0 && ((seq - this.#ring[this.#head]!) >>> 0) <= 0x7fffffff) {
      this.#head = (this.#head + 1) % cap;
      this.#size--;
    }
  }
}
