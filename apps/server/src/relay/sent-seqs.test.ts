import { describe, expect, it } from 'vitest';
import { SentSeqs } from './sent-seqs.js';

describe('SentSeqs', () => {
  it('counts frames sent, not the distance between seqs, and forgets through a cumulative ack', () => {
    const sent = new SentSeqs(8);
    for (const seq of [10, 25, 26, 90]) sent.push(seq);
    expect(sent.size).toBe(4);
    sent.ackThrough(26);
    expect(sent.size).toBe(1);
    expect(sent.newest).toBe(90);
    sent.ackThrough(90);
    expect(sent.size).toBe(0);
    expect(sent.newest).toBe(90);
  });

  it('ignores an ack older than everything it holds', () => {
    const sent = new SentSeqs(4);
    sent.push(100);
    sent.push(101);
    sent.ackThrough(99);
    expect(sent.size).toBe(2);
  });

  it('keeps the newest `capacity` seqs when pushed past full (a viewer that has not acked yet)', () => {
    const sent = new SentSeqs(3);
    for (let seq = 1; seq <= 10; seq++) sent.push(seq);
    expect(sent.size).toBe(3);
    sent.ackThrough(8);
    expect(sent.size).toBe(2);
    sent.ackThrough(10);
    expect(sent.size).toBe(0);
  });

  it('compares modulo 2^32 across the wrap', () => {
    const sent = new SentSeqs(4);
    for (const seq of [0xffff_fffe, 0xffff_ffff, 0, 1]) sent.push(seq);
    sent.ackThrough(0xffff_ffff);
    expect(sent.size).toBe(2);
    sent.ackThrough(1);
    expect(sent.size).toBe(0);
    expect(sent.newest).toBe(1);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SentSeqs(0)).toThrow(/capacity must be a positive integer/);
  });
});
