import { describe, expect, it } from 'vitest';
import { MessageBudget } from './message-budget.js';

describe('MessageBudget', () => {
  it('allows a burst of twice the rate, then the rate', () => {
    const b = new MessageBudget(10, 0);
    let n = 0;
    while (b.take(0)) n++;
    expect(n).toBe(20);
    expect(b.take(99)).toBe(false); // 0.99 of a message earned
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
    // A long pause refills to the burst, no further.
    n = 0;
    while (b.take(60_000)) n++;
    expect(n).toBe(20);
  });

  it('earns nothing for the time it spent full', () => {
    const b = new MessageBudget(10, 0);
    expect(b.take(10_000)).toBe(true); // full for 10 s: still a burst of 20, no more
    let n = 1;
    while (b.take(10_000)) n++;
    expect(n).toBe(20);
  });
});
