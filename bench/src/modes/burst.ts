/**
 * Burst: one device sends a bounded number of distinct frames as fast as its
 * socket drains (a new frame each time ws hands the previous one to the
 * kernel, a few in flight), N viewers watch. The figure is how many device
 * frames per second the relay ingests.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { windowFigures, type Figures } from '../figures.js';
import type { RelayKind } from '../relay-process.js';
import { monotonicUs } from '../profile-summary.js';
import { cpuDelta, Session } from '../session.js';
import { sessionOptions, type ModeContext } from './context.js';

export interface BurstOptions {
  readonly viewersPerHost: number;
  readonly frames: number;
  /** Frames of the warm-up burst before the measured one (see Session.warmUp). */
  readonly warmupFrames: number;
  /** Frames handed to ws and not yet written to the kernel. [inFlight=2] */
  readonly inFlight?: number;
  /** [timeoutMs=60000] */
  readonly timeoutMs?: number;
}

export async function runBurst(ctx: ModeContext, kind: RelayKind, o: BurstOptions): Promise<Figures> {
  const session = await Session.open(sessionOptions(ctx, kind, { hosts: 1, viewersPerHost: o.viewersPerHost, payload: 'shaped' }));
  try {
    const rig = session.hosts[0]!;
    session.rss.start(250);
    await session.warmUp(o.warmupFrames, 10, 1000);

    const fromId = rig.ledger.sent;
    const lastId = fromId + o.frames - 1;
    let lastSeenAt = Number.NaN;
    let latestReceipt = 0;
    for (const v of rig.viewers) {
      v.onFrame = (id, at) => {
        if (at > latestReceipt) latestReceipt = at;
        if (id === lastId && Number.isNaN(lastSeenAt)) lastSeenAt = at;
      };
    }
    const before = [await session.counters(rig)];
    const cpu0 = await session.cpuSnapshot();
    const mono0 = monotonicUs();
    const t0 = performance.now();
    const allWritten = session.burst(rig, o.frames, o.inFlight ?? 2, o.timeoutMs ?? 60_000);
    const writtenAt = await allWritten;
    // The relay has ingested everything once the last frame reaches a viewer.
    const deadline = performance.now() + 3000;
    while (Number.isNaN(lastSeenAt) && performance.now() < deadline) await sleep(5);
    await session.drained(1000);
    const endAt = Number.isNaN(lastSeenAt) ? latestReceipt : lastSeenAt;
    const cpu = cpuDelta(cpu0, await session.cpuSnapshot());
    const mono1 = monotonicUs();
    const t1 = performance.now();
    const after = [await session.counters(rig)];
    for (const v of rig.viewers) v.onFrame = null;

    const figures = windowFigures({
      session,
      fromId,
      toId: fromId + o.frames,
      cpu,
      windowMs: t1 - t0,
      framesSent: o.frames,
      distinctPerHost: o.frames,
      before,
      after,
    });
    figures.ingestFps = (o.frames * 1000) / (endAt - t0);
    figures.deviceWriteFps = (o.frames * 1000) / (writtenAt - t0);
    // What one full core would ingest at this CPU cost: on 2 shared cores the
    // driver (10 viewers reading ~10x the ingested bytes) competes with the relay.
    figures.cpuBoundIngestFps = 1000 / figures.cpuPerIngested!;
    figures.lastFrameDelivered = Number.isNaN(lastSeenAt) ? 0 : 1;
    figures.windowFromUs = mono0;
    figures.windowToUs = mono1;
    return figures;
  } finally {
    await session.close();
  }
}
