/**
 * Steady streaming: every host's device sends at a fixed rate (10 fps, like
 * the app's timer) while N viewers per host watch. Covers the 1/10/100-viewer
 * runs, the two-host run, the real-JPEG run and the static-screen run.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { windowFigures, type Figures } from '../figures.js';
import type { RelayKind } from '../relay-process.js';
import { monotonicUs } from '../profile-summary.js';
import { cpuDelta, Session } from '../session.js';
import { sessionOptions, type ModeContext, type PayloadKind } from './context.js';

export interface SteadyOptions {
  readonly hosts: number;
  readonly viewersPerHost: number;
  readonly fps: number;
  /** Frames of the warm-up burst (see Session.warmUp). */
  readonly warmupFrames: number;
  /** Paced frames after the burst, before the window. */
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly payload: PayloadKind;
}

export async function runSteady(ctx: ModeContext, kind: RelayKind, o: SteadyOptions): Promise<Figures> {
  const session = await Session.open(sessionOptions(ctx, kind, o));
  try {
    const isStatic = o.payload === 'static';
    session.rss.start(250);
    // Warm-up: JIT (a burst), socket buffers, and (static) the one distinct frame.
    await session.warmUp(o.warmupFrames, o.fps, o.warmupMs, isStatic);

    const fromId = session.hosts[0]!.ledger.sent;
    const before = await Promise.all(session.hosts.map((rig) => session.counters(rig)));
    const cpu0 = await session.cpuSnapshot();
    const mono0 = monotonicUs();
    const t0 = performance.now();
    const count = Math.round((o.durationMs / 1000) * o.fps);
    await session.paced(o.fps, count, isStatic);
    if (isStatic) await sleep(200);
    else await session.drained(1000);
    const t1 = performance.now();
    const cpu = cpuDelta(cpu0, await session.cpuSnapshot());
    const mono1 = monotonicUs();
    const after = await Promise.all(session.hosts.map((rig) => session.counters(rig)));
    const toId = session.hosts[0]!.ledger.sent;
    const figures = windowFigures({
      session,
      fromId,
      toId,
      cpu,
      windowMs: t1 - t0,
      framesSent: count * o.hosts,
      distinctPerHost: isStatic ? 0 : toId - fromId,
      before,
      after,
      ...(isStatic ? { byTime: { from: t0, to: t1 } } : {}),
    });
    if (isStatic) {
      const frameBytes = session.hosts[0]!.pool[0]!.jpeg.length;
      // Share of the bytes a relay without dedup would have sent.
      figures.staticByteShare = figures.bytesToViewers! / (count * o.viewersPerHost * o.hosts * frameBytes);
    }
    figures.windowFromUs = mono0;
    figures.windowToUs = mono1;
    return figures;
  } finally {
    await session.close();
  }
}
