/**
 * One stalled viewer among N: a reference window with everyone reading, then
 * viewer 0 stops reading its socket (the kernel buffers fill, the relay sees
 * a congested viewer) for `stallMs` while the device keeps sending, then it
 * resumes. Measures the relay's RSS growth over the stall, the other viewers'
 * latency against the reference window, and what the stalled viewer gets on
 * resume: how long until the newest frame, and how many older frames first.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { latencyOf, windowFigures, type Figures } from '../figures.js';
import { readMemory } from '../proc-stat.js';
import type { RelayKind } from '../relay-process.js';
import { monotonicUs } from '../profile-summary.js';
import { cpuDelta, Session } from '../session.js';
import type { ViewerDriver } from '../drivers/viewer.js';
import { sessionOptions, type ModeContext } from './context.js';

export interface StallOptions {
  readonly viewersPerHost: number;
  readonly fps: number;
  readonly warmupFrames: number;
  readonly warmupMs: number;
  /** Reference window with nobody stalled, for the others' p99. */
  readonly referenceMs: number;
  readonly stallMs: number;
  readonly afterMs: number;
}

const MB = 1024 * 1024;

export async function runStall(ctx: ModeContext, kind: RelayKind, o: StallOptions): Promise<Figures> {
  const session = await Session.open(sessionOptions(ctx, kind, { hosts: 1, viewersPerHost: o.viewersPerHost, payload: 'shaped' }));
  try {
    const rig = session.hosts[0]!;
    const [stalled, ...others] = rig.viewers as [ViewerDriver, ...ViewerDriver[]];
    const frames = (ms: number) => Math.max(1, Math.round((ms / 1000) * o.fps));
    session.rss.start(250);
    await session.warmUp(o.warmupFrames, o.fps, o.warmupMs);

    // Reference: nobody stalled.
    const refFrom = rig.ledger.sent;
    await session.paced(o.fps, frames(o.referenceMs));
    const refTo = rig.ledger.sent;
    await session.drained(1000);
    const reference = latencyOf(others, refFrom, refTo);

    // Stall.
    stalled.pause();
    // ws resumes a socket it paused for its own backpressure; keep ours paused.
    const keepPaused = setInterval(() => stalled.pause(), 200);
    keepPaused.unref();
    const stallFrom = rig.ledger.sent;
    const before = [await session.counters(rig)];
    const cpu0 = await session.cpuSnapshot();
    const mono0 = monotonicUs();
    const t0 = performance.now();
    session.rss.start(250);
    const rssAtPause = readMemory(session.relay.pid).rss;
    await session.paced(o.fps, frames(o.stallMs));
    const rssAtResume = readMemory(session.relay.pid).rss;
    const stallRss = session.rss.stop();
    const stallTo = rig.ledger.sent;
    const cpu = cpuDelta(cpu0, await session.cpuSnapshot());
    const mono1 = monotonicUs();
    const t1 = performance.now();
    const after = [await session.counters(rig)];

    // Resume: the newest frame sent so far is what the viewer should see next.
    clearInterval(keepPaused);
    const newest = rig.ledger.sent - 1;
    let staleFrames = 0;
    let resumeMs = Number.NaN;
    const resumedAt = performance.now();
    stalled.onFrame = (id, at) => {
      if (!Number.isNaN(resumeMs)) return;
      if (id >= newest) resumeMs = at - resumedAt;
      else staleFrames++;
    };
    stalled.resume();
    await session.paced(o.fps, frames(o.afterMs));
    await session.drained(1000);
    stalled.onFrame = null;

    const figures = windowFigures({
      session,
      fromId: stallFrom,
      toId: stallTo,
      cpu,
      windowMs: t1 - t0,
      framesSent: stallTo - stallFrom,
      distinctPerHost: stallTo - stallFrom,
      before,
      after,
    });
    const during = latencyOf(others, stallFrom, stallTo);
    figures.refOthersP99 = reference.p99;
    figures.stallOthersP99 = during.p99;
    figures.othersP99Change = during.p99 / reference.p99 - 1;
    figures.othersDeliveredShare = during.frames / ((stallTo - stallFrom) * others.length);
    figures.rssAtPauseMB = rssAtPause / MB;
    figures.rssGrowthMB = (rssAtResume - rssAtPause) / MB;
    // The judged figure: the RSS trend over the stall (least squares over the
    // 250 ms samples), which one GC's timing at either end cannot swing.
    figures.rssTrendMB = (stallRss.slopePerSec * (t1 - t0)) / 1000 / MB;
    figures.rssPeakGrowthMB = (stallRss.peak - rssAtPause) / MB;
    figures.resumeMs = resumeMs;
    figures.staleFramesOnResume = staleFrames;
    figures.stalledGotDuringStall = stalled.byIds(stallFrom, stallTo).frames;
    figures.windowFromUs = mono0;
    figures.windowToUs = mono1;
    return figures;
  } finally {
    await session.close();
  }
}
