/**
 * The soak mode's memory figure: how fast the relay's RSS grows once it has
 * settled, as the least-squares slope of RSS over time after a warm-up
 * (allocator arenas, V8's heap sizing and socket buffers grow at first and
 * then stop; a leak keeps growing). A GC sawtooth tilts a line through its
 * end points but barely a fit through every sample.
 */
import { slope } from './proc-stat.js';

const MB = 1024 * 1024;

/** Share of a soak discarded as warm-up: 2 min of the 10, and the same share of a shorter run. */
export const SOAK_WARMUP_SHARE = 0.2;

export interface SoakTrend {
  /** Least-squares slope of RSS over the samples after the warm-up, MB per minute; NaN with fewer than two. */
  readonly slopeMBPerMin: number;
  /** Samples the slope was fitted to. */
  readonly samples: number;
}

/**
 * @param timesMs sample times, ms from the start of the soak (ascending)
 * @param rssBytes RSS at each time, bytes
 * @param warmupMs samples before this time are left out
 */
export function soakTrend(timesMs: readonly number[], rssBytes: readonly number[], warmupMs: number): SoakTrend {
  if (timesMs.length !== rssBytes.length) throw new RangeError(`${timesMs.length} times but ${rssBytes.length} RSS samples`);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < timesMs.length; i++) {
    if (timesMs[i]! < warmupMs) continue;
    x.push(timesMs[i]! / 60_000);
    y.push(rssBytes[i]! / MB);
  }
  return { slopeMBPerMin: slope(x, y), samples: x.length };
}
