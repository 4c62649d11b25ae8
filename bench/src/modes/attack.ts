/**
 * Attack (issue #12): 10 viewers watch one host at 10 fps for a reference
 * window; then, for the same length of time, an approved device floods
 * invalid one-byte messages (reconnecting whenever the relay closes it) and
 * a second client holds unauthenticated device connections (`fragmentSockets`)
 * whose unfinished fragments grow towards the maximum message size. Judged:
 * the healthy viewers' p99 under attack against the reference, and the
 * relay's RSS growth over the attack (trend, peak).
 *
 * The attackers run in a process of their own (attack-process.ts).
 *
 * Server only: the floor relay has no budgets to measure (its run returns no
 * figures), and a flood that it parses in full would only measure the floor.
 */
import { performance } from 'node:perf_hooks';
import { latencyOf, windowFigures, type Figures } from '../figures.js';
import { startAttackProcess, type AttackProcess } from '../attack-process.js';
import { readMemory } from '../proc-stat.js';
import type { RelayKind } from '../relay-process.js';
import { cpuDelta, Session } from '../session.js';
import { addHost } from '../targets.js';
import { sessionOptions, type ModeContext } from './context.js';

export interface AttackOptions {
  readonly viewersPerHost: number;
  readonly fps: number;
  readonly warmupFrames: number;
  readonly warmupMs: number;
  /** Each of the two windows: without, then with the attack. */
  readonly windowMs: number;
  /** Connections the fragment holder tries to keep open. */
  readonly fragmentSockets: number;
}

const MB = 1024 * 1024;
/** The server's default MAX_MESSAGE_BYTES: how far the holder grows each unfinished message. */
const MAX_MESSAGE_BYTES = 4 * MB;

/** `booxstream_<name>` summed over its samples, from the relay's /metrics. */
async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) sum += Number(m[2]);
  }
  return sum;
}

export async function runAttack(ctx: ModeContext, kind: RelayKind, o: AttackOptions): Promise<Figures> {
  if (kind === 'floor') return {};
  const session = await Session.open(sessionOptions(ctx, kind, { hosts: 1, viewersPerHost: o.viewersPerHost, payload: 'shaped' }));
  let attack: AttackProcess | null = null;
  try {
    const rig = session.hosts[0]!;
    const frames = Math.max(1, Math.round((o.windowMs / 1000) * o.fps));
    await session.warmUp(o.warmupFrames, o.fps, o.warmupMs);

    // Reference: the same load, nobody attacking.
    const refCpu0 = await session.cpuSnapshot();
    const refT0 = performance.now();
    const refFrom = rig.ledger.sent;
    await session.paced(o.fps, frames);
    const refTo = rig.ledger.sent;
    await session.drained(1000);
    const refCpu = cpuDelta(refCpu0, await session.cpuSnapshot());
    const refMs = performance.now() - refT0;
    const reference = latencyOf(rig.viewers, refFrom, refTo);

    // Attack.
    const target = await addHost(session.relay, 99);
    const cutBefore = await metricSum(session.relay.url, 'booxstream_sockets_cut_total');
    const refusedBefore = await metricSum(session.relay.url, 'booxstream_upgrades_refused_total');
    const rejectedBefore = await metricSum(session.relay.url, 'booxstream_frames_rejected_total');
    const rssBefore = readMemory(session.relay.pid).rss;
    session.rss.start(250);
    const cpu0 = await session.cpuSnapshot();
    const t0 = performance.now();
    attack = await startAttackProcess({ deviceUrl: target.deviceUrl, token: target.token, fragmentSockets: o.fragmentSockets, fragmentMaxBytes: MAX_MESSAGE_BYTES });
    const before = [await session.counters(rig)];
    const from = rig.ledger.sent;
    await session.paced(o.fps, frames);
    const to = rig.ledger.sent;
    await session.drained(1000);
    const t1 = performance.now();
    const report = await attack.stop();
    attack = null;
    const cpu = cpuDelta(cpu0, await session.cpuSnapshot());
    const rss = session.rss.stop();
    const after = [await session.counters(rig)];

    const figures = windowFigures({
      session,
      fromId: from,
      toId: to,
      cpu,
      windowMs: t1 - t0,
      framesSent: to - from,
      distinctPerHost: to - from,
      before,
      after,
    });
    const during = latencyOf(rig.viewers, from, to);
    figures.refCpuMsPerSec = (refCpu.totalMs / refMs) * 1000;
    figures.attackCpuMsPerSec = (cpu.totalMs / (t1 - t0)) * 1000;
    figures.refOthersP99 = reference.p99;
    figures.attackOthersP99 = during.p99;
    figures.attackP99Change = during.p99 / reference.p99 - 1;
    figures.othersDeliveredShare = during.frames / ((to - from) * rig.viewers.length);
    figures.attackRssPeakDeltaMB = (rss.peak - rssBefore) / MB;
    figures.attackRssTrendMB = (rss.slopePerSec * (t1 - t0)) / 1000 / MB;
    figures.floodConnections = report.flood.connections;
    figures.floodMB = report.flood.bytes / MB;
    figures.fragmentConnections = report.fragments.connections;
    figures.fragmentRefused = report.fragments.refused;
    figures.fragmentHeldAtEnd = report.heldOpen;
    figures.socketsCut = (await metricSum(session.relay.url, 'booxstream_sockets_cut_total')) - cutBefore;
    figures.upgradesRefused = (await metricSum(session.relay.url, 'booxstream_upgrades_refused_total')) - refusedBefore;
    figures.invalidAnswered = (await metricSum(session.relay.url, 'booxstream_frames_rejected_total')) - rejectedBefore;
    // What one attacker connection costs the relay: its CPU over the reference rate, per connection or refusal.
    const attempts = report.flood.connections + report.flood.refused + report.fragments.connections + report.fragments.refused;
    figures.attackCpuMsPerAttempt = ((figures.attackCpuMsPerSec - figures.refCpuMsPerSec) * (t1 - t0)) / 1000 / attempts;
    figures.floodRefused = report.flood.refused;
    return figures;
  } finally {
    await attack?.stop().catch(() => undefined);
    await session.close();
  }
}
