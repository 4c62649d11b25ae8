/**
 * The figures of one relay over one measured window, computed from what the
 * viewers recorded, the relay's CPU time and memory, and (server only) the
 * relay's own counters.
 */
import type { RelayCounters } from './child-ipc.js';
import type { ViewerDriver } from './drivers/viewer.js';
import { Sample, summarize } from './percentiles.js';
import type { CpuWindow, Session } from './session.js';

/** Named numbers; NaN where a figure does not apply (e.g. dedup on the floor). */
export type Figures = Record<string, number>;

const MB = 1024 * 1024;

export interface WindowInput {
  readonly session: Session;
  /** Ids [fromId, toId) of each host sent within the window (same for every host). */
  readonly fromId: number;
  readonly toId: number;
  readonly cpu: CpuWindow;
  readonly windowMs: number;
  /** Device frames sent by all hosts in the window. */
  readonly framesSent: number;
  /** Distinct frames per host in the window (static mode: 0 or 1). */
  readonly distinctPerHost: number;
  readonly before: readonly (RelayCounters | null)[];
  readonly after: readonly (RelayCounters | null)[];
  /** Count receipts by time instead of by id (static mode: every frame has the same id). */
  readonly byTime?: { from: number; to: number };
}

/** Latency p99/p50 and frames received by `viewers` for frame ids [fromId, toId). */
export function latencyOf(viewers: readonly ViewerDriver[], fromId: number, toId: number): { p99: number; p50: number; frames: number } {
  const s = new Sample(4096);
  let frames = 0;
  for (const v of viewers) {
    const w = v.byIds(fromId, toId);
    frames += w.frames;
    for (const l of w.latencies) s.push(l);
  }
  const sum = summarize(s.values());
  return { p99: sum.p99, p50: sum.p50, frames };
}

export function windowFigures(input: WindowInput): Figures {
  const { session } = input;
  const latencies = new Sample(4096);
  let delivered = 0;
  let bytes = 0;
  let viewers = 0;
  for (const rig of session.hosts) {
    for (const v of rig.viewers) {
      viewers++;
      const w = input.byTime ? v.byTime(input.byTime.from, input.byTime.to) : v.byIds(input.fromId, input.toId);
      delivered += w.frames;
      bytes += w.bytes;
      for (const l of w.latencies) latencies.push(l);
    }
  }
  const lat = summarize(latencies.values());
  const expected = input.distinctPerHost * viewers;
  const counterDelta = (key: keyof RelayCounters): number => {
    let sum = 0;
    for (let i = 0; i < input.after.length; i++) {
      const a = input.after[i];
      const b = input.before[i];
      if (!a || !b) return Number.NaN;
      sum += a[key] - b[key];
    }
    return sum;
  };
  const all = session.allViewers();
  const rss = session.rss.stop();
  return {
    viewers,
    windowMs: input.windowMs,
    cpuMs: input.cpu.totalMs,
    cpuStatMs: input.cpu.statTotalMs,
    cpuUserMs: input.cpu.userMs,
    cpuSysMs: input.cpu.sysMs,
    cpuMainThreadMs: input.cpu.mainThreadMs,
    framesSent: input.framesSent,
    delivered,
    expected,
    skipped: Math.max(0, expected - delivered),
    deduplicated: counterDelta('framesDeduplicated'),
    relaySkipped: counterDelta('framesSkipped'),
    bytesToViewers: bytes,
    cpuPerDelivered: delivered > 0 ? input.cpu.totalMs / delivered : Number.NaN,
    cpuPerIngested: input.framesSent > 0 ? input.cpu.totalMs / input.framesSent : Number.NaN,
    latP50: lat.p50,
    latP95: lat.p95,
    latP99: lat.p99,
    latMax: lat.max,
    latCount: lat.count,
    rssReadyMB: session.rssReady / MB,
    rssStartMB: rss.start / MB,
    rssPeakMB: rss.peak / MB,
    crossHost: all.reduce((n, v) => n + v.crossHost, 0),
    unmarked: all.reduce((n, v) => n + v.unmarked, 0),
    hashChecked: all.reduce((n, v) => n + v.hashChecked, 0),
    hashMismatches: all.reduce((n, v) => n + v.hashMismatches, 0),
  };
}
