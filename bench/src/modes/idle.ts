/**
 * Idle connections: one approved host, no frames, `connections` signed-in
 * viewers. The figure is the relay's RSS growth per connection once things
 * settle (no GC can be forced from outside; a settle delay and the median of
 * several samples stand in for it), and its CPU while idle (heartbeats,
 * stats events).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Figures } from '../figures.js';
import { percentileSorted } from '../percentiles.js';
import { readMemory } from '../proc-stat.js';
import type { RelayKind } from '../relay-process.js';
import { cpuDelta, Session } from '../session.js';
import { sessionOptions, type ModeContext } from './context.js';

export interface IdleOptions {
  readonly connections: number;
  readonly settleMs: number;
  readonly idleMs: number;
}

async function settledRss(pid: number, ms: number): Promise<number> {
  await sleep(ms);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(readMemory(pid).rss);
    await sleep(100);
  }
  return percentileSorted(samples.sort((a, b) => a - b), 50);
}

export async function runIdle(ctx: ModeContext, kind: RelayKind, o: IdleOptions): Promise<Figures> {
  const session = await Session.open(
    sessionOptions(ctx, kind, { hosts: 1, viewersPerHost: 0, payload: 'shaped', connectDevices: false }),
  );
  try {
    const pid = session.relay.pid;
    const rig = session.hosts[0]!;
    // A few connections first, so code paths are loaded before the baseline.
    const warm = await session.addViewers(rig, 10);
    for (const v of warm) v.terminate();
    rig.viewers.length = 0;
    const before = await settledRss(pid, o.settleMs);
    await session.addViewers(rig, o.connections);
    const afterRss = await settledRss(pid, o.settleMs);
    const open = rig.viewers.filter((v) => v.closeCode === null).length;
    const cpu0 = await session.cpuSnapshot();
    await sleep(o.idleMs);
    const idleCpu = cpuDelta(cpu0, await session.cpuSnapshot()).totalMs;
    const stillOpen = rig.viewers.filter((v) => v.closeCode === null).length;
    return {
      connections: o.connections,
      openAfterConnect: open,
      openAfterIdle: stillOpen,
      rssBeforeMB: before / (1024 * 1024),
      rssAfterMB: afterRss / (1024 * 1024),
      kbPerConnection: (afterRss - before) / 1024 / o.connections,
      idleCpuMsPerSec: (idleCpu * 1000) / o.idleMs,
    };
  } finally {
    await session.close();
  }
}
