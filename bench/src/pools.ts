/**
 * Payload pools per host: JPEG-shaped 60 KiB frames (distinct), one frame
 * repeated (static screen), and real e-ink JPEGs from the demo device's
 * generator (`renderEinkFrame`, 936x702 at quality 60, like the app's half
 * resolution). Built once per bench process, before any measured window;
 * hosts get different seeds so their frames differ too.
 */
import { renderEinkFrame } from '@booxstream/host-client';
import { FrameMessage, shapedPool, withMarker } from './payloads.js';

export const FRAME_BYTES = 60 * 1024;
/** Distinct bodies per host; the marker makes every frame distinct anyway. */
const POOL_SIZE = 8;
/** Real frames per host: one page of the synthetic notebook, stroke by stroke. */
const REAL_POOL_SIZE = 12;

export type PoolFn = (hostIndex: number) => FrameMessage[];

function cached(make: (h: number) => FrameMessage[]): PoolFn {
  const cache = new Map<number, FrameMessage[]>();
  return (h) => {
    let pool = cache.get(h);
    if (!pool) cache.set(h, (pool = make(h)));
    return pool;
  };
}

export function shapedPools(): PoolFn {
  return cached((h) => shapedPool(POOL_SIZE, FRAME_BYTES, 1000 * (h + 1)));
}

export function staticPools(): PoolFn {
  // A fresh message per session: static mode stamps it once and repeats it.
  return (h) => shapedPool(1, FRAME_BYTES, 7000 + h);
}

/** Renders the real JPEGs for `hosts` hosts up front (sharp is async), then serves them. */
export async function realPools(hosts: number): Promise<PoolFn> {
  const pools = new Map<number, FrameMessage[]>();
  for (let h = 0; h < hosts; h++) {
    const frames: FrameMessage[] = [];
    for (let i = 0; i < REAL_POOL_SIZE; i++) {
      const jpeg = await renderEinkFrame(i, { seed: h + 1, label: `BENCH HOST ${h + 1}` });
      frames.push(new FrameMessage(withMarker(jpeg)));
    }
    pools.set(h, frames);
  }
  return (h) => {
    const pool = pools.get(h);
    if (!pool) throw new Error(`no real JPEG pool rendered for host ${h}`);
    return pool;
  };
}

/** Mean JPEG size of a pool, bytes. */
export function meanJpegBytes(pool: readonly FrameMessage[]): number {
  return pool.reduce((n, m) => n + m.jpeg.length, 0) / pool.length;
}
