/**
 * Soak (issue #12): 5 devices × 100 viewers at 10 fps with distinct frames for
 * 20 minutes (`--soak-minutes`), the relay's RSS sampled every second. Judged:
 * the least-squares slope of RSS after a warm-up (soak-trend.ts), which a leak
 * per frame, per viewer or per second would tilt; shown beside it RSS at the
 * start, end and peak, frames delivered, latency and skipped frames, and
 * whether the bench itself kept up (its event-loop delay and CPU share: 500
 * viewer sockets in one process on a shared machine).
 *
 * Server only: the floor has no state to leak, and a second 10-minute run
 * would only double the mode's time.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { windowFigures, type Figures } from '../figures.js';
import type { RelayKind } from '../relay-process.js';
import { cpuDelta, Session } from '../session.js';
import { SOAK_WARMUP_SHARE, soakTrend } from '../soak-trend.js';
import { sessionOptions, type ModeContext } from './context.js';

export interface SoakOptions {
  readonly hosts: number;
  readonly viewersPerHost: number;
  readonly fps: number;
  readonly warmupFrames: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** RSS sampling period. [sampleMs=1000] */
  readonly sampleMs?: number;
}

const MB = 1024 * 1024;
/** process.memoryUsage() of the relay, over IPC, this often. */
const HEAP_SAMPLE_MS = 5000;

export async function runSoak(ctx: ModeContext, kind: RelayKind, o: SoakOptions): Promise<Figures> {
  if (kind === 'floor') return {};
  const session = await Session.open(sessionOptions(ctx, kind, { hosts: o.hosts, viewersPerHost: o.viewersPerHost, payload: 'shaped' }));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    await session.warmUp(o.warmupFrames, o.fps, o.warmupMs);
    const fromId = session.hosts[0]!.ledger.sent;
    const before = await Promise.all(session.hosts.map((rig) => session.counters(rig)));
    const cpu0 = await session.cpuSnapshot();
    const benchCpu0 = process.cpuUsage();
    session.rss.start(o.sampleMs ?? 1000);
    loop.enable();
    const t0 = performance.now();
    // Where RSS growth would sit: the V8 heap (a JS leak) or Buffers (external).
    const heap: { timesMs: number[]; heapUsed: number[]; external: number[] } = { timesMs: [], heapUsed: [], external: [] };
    const sampleHeap = async () => {
      const m = await session.relay.memoryUsage();
      heap.timesMs.push(performance.now() - t0);
      heap.heapUsed.push(m.heapUsed);
      heap.external.push(m.external);
    };
    const heapTimer = setInterval(() => void sampleHeap().catch(() => undefined), HEAP_SAMPLE_MS);
    const count = Math.round((o.durationMs / 1000) * o.fps);
    // Every frame gets a new id stamped into its JPEG (payloads.ts): distinct bytes, never deduplicated.
    await session.paced(o.fps, count);
    await session.drained(2000);
    const t1 = performance.now();
    clearInterval(heapTimer);
    loop.disable();
    const benchCpu = process.cpuUsage(benchCpu0);
    const cpu = cpuDelta(cpu0, await session.cpuSnapshot());
    const rss = session.rss.stop();
    const { timesMs, rssBytes } = session.rss.series();
    const after = await Promise.all(session.hosts.map((rig) => session.counters(rig)));
    const toId = session.hosts[0]!.ledger.sent;
    const figures = windowFigures({
      session,
      fromId,
      toId,
      cpu,
      windowMs: t1 - t0,
      framesSent: count * o.hosts,
      distinctPerHost: toId - fromId,
      before,
      after,
    });
    const warmupMs = SOAK_WARMUP_SHARE * (t1 - t0);
    const trend = soakTrend(timesMs, rssBytes, warmupMs);
    figures.soakSlopeMBPerMin = trend.slopeMBPerMin;
    figures.soakSlopeSamples = trend.samples;
    // Second half only: growth that is settling shows a smaller slope here than over the whole window.
    figures.soakLateSlopeMBPerMin = soakTrend(timesMs, rssBytes, (t1 - t0) / 2).slopeMBPerMin;
    figures.soakHeapSlopeMBPerMin = soakTrend(heap.timesMs, heap.heapUsed, warmupMs).slopeMBPerMin;
    figures.soakExternalSlopeMBPerMin = soakTrend(heap.timesMs, heap.external, warmupMs).slopeMBPerMin;
    figures.soakWarmupS = warmupMs / 1000;
    figures.soakMinutes = (t1 - t0) / 60_000;
    figures.rssEndMB = rss.end / MB;
    const afterWarmup = rssBytes.filter((_, i) => timesMs[i]! >= warmupMs);
    figures.rssAfterWarmupMB = (afterWarmup[0] ?? Number.NaN) / MB;
    figures.benchLoopP99Ms = loop.percentile(99) / 1e6;
    figures.benchLoopMaxMs = loop.max / 1e6;
    figures.benchCpuShare = (benchCpu.user + benchCpu.system) / 1000 / (t1 - t0);
    return figures;
  } finally {
    loop.disable();
    await session.close();
  }
}
