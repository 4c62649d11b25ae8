/**
 * Turns the runs into RESULTS.md: the machine line and exact command, each
 * target of issue #6 with pass/miss and the margin, and per mode a table of
 * medians [min-max] over the runs for the server and the floor with their
 * ratio (computed within each run, then the median taken).
 */
import { VIEWER_ACK_WINDOW } from '@booxstream/protocol';
import type { Figures } from './figures.js';
import { spread, type Spread } from './percentiles.js';

export interface RunRecord {
  readonly run: number;
  server?: Figures;
  floor?: Figures;
  error?: string;
}

export interface ModeRecord {
  readonly name: string;
  readonly title: string;
  readonly shape: string;
  readonly records: RunRecord[];
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly date: string;
  readonly loadAtStart: readonly number[];
  readonly openFilesLimit: string;
}

export interface BenchResults {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly runs: number;
  readonly smoke: boolean;
  readonly serverConfig: Record<string, unknown>;
  readonly modes: ModeRecord[];
  finishedAt?: string;
  loadAtEnd?: readonly number[];
  profiles?: { mode: string; kind: string; file: string; summary: string }[];
}

/** Per-run values of one figure of one relay in one mode. */
export function values(results: BenchResults, mode: string, kind: 'server' | 'floor', key: string): number[] {
  const m = results.modes.find((x) => x.name === mode);
  return m ? m.records.map((r) => r[kind]?.[key] ?? Number.NaN) : [];
}

/** Per-run server/floor ratios of one figure. */
export function ratios(results: BenchResults, mode: string, key: string): number[] {
  const m = results.modes.find((x) => x.name === mode);
  return m ? m.records.map((r) => (r.server?.[key] ?? Number.NaN) / (r.floor?.[key] ?? Number.NaN)) : [];
}

export interface TargetResult {
  readonly target: string;
  /** The figure judged, formatted with its spread. */
  readonly figure: string;
  /** The same figure for the floor relay, where it has one. */
  readonly floor: string;
  readonly limit: string;
  /** null when the figure could not be measured (mode not run). */
  readonly pass: boolean | null;
  readonly margin: string;
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a !== 0 && (a < 0.001 || a >= 100000)) return x.toExponential(2);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(digits);
}

export function fmtSpread(s: Spread, digits = 3): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]`;
}

const ORIGINAL = { cpu1: 1.15, cpu10: 0.185, cpu100: 0.062, p99at10: 6.8, p99at100: 21.6, burstFps: 1000 };

type Judge = (results: BenchResults) => TargetResult;

/** `value <= limit` (or >= with `atLeast`), with the margin as a percentage of the limit. */
function judge(
  target: string,
  s: Spread,
  limit: number,
  unit: string,
  opts: { atLeast?: boolean; limitText?: string; digits?: number; floor?: Spread } = {},
): TargetResult {
  const figure = `${fmtSpread(s, opts.digits)}${unit}`;
  const floor = opts.floor && opts.floor.n > 0 ? `${fmtSpread(opts.floor, opts.digits)}${unit}` : '';
  const limitText = opts.limitText ?? `${opts.atLeast ? '≥' : '≤'} ${fmt(limit, opts.digits)}${unit}`;
  if (s.n === 0) return { target, figure, floor, limit: limitText, pass: null, margin: 'not measured' };
  const v = s.median;
  const pass = opts.atLeast ? v >= limit : v <= limit;
  const rel = (v / limit - 1) * 100;
  const by = Math.abs(rel) > 300 ? `${fmt(v / limit, 1)}x the limit` : `${fmt(Math.abs(rel), 1)}%`;
  const margin = pass
    ? `met with ${fmt(Math.abs(rel), 1)}% to spare`
    : `missed by ${by} (${opts.atLeast ? `${fmt(limit - v, opts.digits)}${unit} short` : `${fmt(v - limit, opts.digits)}${unit} over`})`;
  return { target, figure, floor, limit: limitText, pass, margin };
}

const fl = (r: BenchResults, mode: string, key: string, map: (x: number) => number = (x) => x): Spread =>
  spread(values(r, mode, 'floor', key).map(map));

export function targets(modes: { n100: string; idle: string }): Judge[] {
  const { n100, idle } = modes;
  return [
    (r) => judge('CPU/delivered frame, server/floor, 10 viewers', spread(ratios(r, 'steady-10', 'cpuPerDelivered')), 1.3, 'x', { digits: 2 }),
    (r) => judge(`CPU/delivered frame, server/floor, ${n100.slice(7)} viewers`, spread(ratios(r, n100, 'cpuPerDelivered')), 1.3, 'x', { digits: 2 }),
    (r) => judge('CPU/delivered frame, 1 viewer, ≤ ⅓ of original 1.15 ms', spread(values(r, 'steady-1', 'server', 'cpuPerDelivered')), ORIGINAL.cpu1 / 3, ' ms', { floor: fl(r, 'steady-1', 'cpuPerDelivered') }),
    (r) => judge('CPU/delivered frame, 10 viewers, ≤ ⅓ of original 0.185 ms', spread(values(r, 'steady-10', 'server', 'cpuPerDelivered')), ORIGINAL.cpu10 / 3, ' ms', { digits: 4, floor: fl(r, 'steady-10', 'cpuPerDelivered') }),
    (r) => judge(`CPU/delivered frame, ${n100.slice(7)} viewers, ≤ ⅓ of original 0.062 ms`, spread(values(r, n100, 'server', 'cpuPerDelivered')), ORIGINAL.cpu100 / 3, ' ms', { digits: 4, floor: fl(r, n100, 'cpuPerDelivered') }),
    (r) => judge(`Latency p99, ${n100.slice(7)} viewers x 10 fps`, spread(values(r, n100, 'server', 'latP99')), 10, ' ms', { digits: 2, floor: fl(r, n100, 'latP99') }),
    (r) => judge('Stalled viewer: server RSS growth over the stall (trend)', spread(values(r, 'stall-10', 'server', 'rssTrendMB')), 5, ' MB', { digits: 2, floor: fl(r, 'stall-10', 'rssTrendMB') }),
    (r) => judge("Stalled viewer: others' p99 vs no-stall window", spread(values(r, 'stall-10', 'server', 'othersP99Change').map((x) => x * 100)), 20, '%', { digits: 1, limitText: '≤ +20%', floor: fl(r, 'stall-10', 'othersP99Change', (x) => x * 100) }),
    (r) => judge('Stalled viewer: newest frame after resume', spread(values(r, 'stall-10', 'server', 'resumeMs')), 200, ' ms', { digits: 1, floor: fl(r, 'stall-10', 'resumeMs') }),
    // "Not a backlog": what reaches the viewer first on resume. An acking viewer
    // holds at most the ack window (VIEWER_ACK_WINDOW) of unacked frames, however
    // long it stalled; without acks the kernel's buffers held ~300 (30 s of frames).
    (r) => judge('Stalled viewer: older frames received on resume before the newest ("not a backlog")', spread(values(r, 'stall-10', 'server', 'staleFramesOnResume')), VIEWER_ACK_WINDOW, ' frames', { digits: 0, limitText: `≤ ${VIEWER_ACK_WINDOW} (the ack window)`, floor: fl(r, 'stall-10', 'staleFramesOnResume') }),
    (r) => judge('Static screen: share of frame bytes reaching viewers', spread(values(r, 'static-10', 'server', 'staticByteShare').map((x) => x * 100)), 1, '%', { digits: 3, limitText: '< 1%' }),
    (r) => {
      const st = values(r, 'static-10', 'server', 'cpuPerIngested');
      const di = values(r, 'steady-10', 'server', 'cpuPerIngested');
      const perRun = st.map((v, i) => v / (di[i] ?? Number.NaN));
      return judge('Static screen: CPU/ingested frame vs distinct frames (10 viewers)', spread(perRun), 1 / 3, 'x', { digits: 3, limitText: '≤ 0.333x' });
    },
    (r) => judge('Burst: device frames/s ingested, 10 viewers', spread(values(r, 'burst-10', 'server', 'ingestFps')), 2000, ' fps', { atLeast: true, digits: 0, floor: fl(r, 'burst-10', 'ingestFps') }),
    (r) => judge("Attack: healthy viewers' p99 vs the same load without attack", spread(values(r, 'attack-10', 'server', 'attackP99Change').map((x) => x * 100)), 20, '%', { digits: 1, limitText: '≤ +20%' }),
    (r) => judge('Attack: server RSS growth over the attack (peak − before)', spread(values(r, 'attack-10', 'server', 'attackRssPeakDeltaMB')), 20, ' MB', { digits: 1 }),
    (r) => judge('Soak: server RSS slope after the warm-up (least squares), 5 hosts x 100 viewers', spread(values(r, 'soak', 'server', 'soakSlopeMBPerMin')), 0.2, ' MB/min', { digits: 3 }),
    (r) => judge('Patches: bytes to a patch viewer per stroke frame, vs a full-frame viewer (median frame)', spread(values(r, 'patches', 'server', 'patchStrokeBytesPct')), 10, '%', { digits: 1 }),
    (r) => judge('Patches: added relay CPU per distinct frame, 1 patch viewer (jpeg-delta)', spread(values(r, 'patches', 'server', 'patchAddedCpu1Ms')), 3, ' ms', { digits: 2 }),
    (r) => judge('Patches: added relay CPU per distinct frame, 10 patch viewers (jpeg-delta)', spread(values(r, 'patches', 'server', 'patchAddedCpu10Ms')), 3, ' ms', { digits: 2 }),
    (r) => judge('Idle: server memory per viewer connection', spread(values(r, idle, 'server', 'kbPerConnection')), 50, ' KB', { digits: 1, floor: fl(r, idle, 'kbPerConnection') }),
  ];
}

/** Correctness failures across all runs (these fail the bench). */
export function correctnessFailures(results: BenchResults): string[] {
  const out: string[] = [];
  for (const m of results.modes) {
    for (const rec of m.records) {
      if (rec.error) out.push(`${m.name} run ${rec.run}: ${rec.error}`);
      for (const kind of ['server', 'floor'] as const) {
        const f = rec[kind];
        if (!f) continue;
        if ((f.crossHost ?? 0) > 0) out.push(`${m.name} run ${rec.run} ${kind}: ${f.crossHost} frame(s) reached another host's viewers`);
        if ((f.hashMismatches ?? 0) > 0) out.push(`${m.name} run ${rec.run} ${kind}: ${f.hashMismatches} frame(s) differ from the device's JPEG`);
        if ((f.unmarked ?? 0) > 0) out.push(`${m.name} run ${rec.run} ${kind}: ${f.unmarked} frame(s) without the bench marker`);
        if (m.name.startsWith('static') && kind === 'server' && (f.staticByteShare ?? 0) > 0.05) {
          out.push(`${m.name} run ${rec.run} server: ${(f.staticByteShare! * 100).toFixed(1)}% of static frame bytes were sent to viewers (dedup not working)`);
        }
        if (m.name === 'patches' && kind === 'server' && ((f.patchFramesPatched ?? 0) === 0 || (f.sharpPatchFramesPatched ?? 0) === 0)) {
          out.push(`${m.name} run ${rec.run} server: a patch viewer received no patch (jpeg-delta ${f.patchFramesPatched ?? 0}, sharp ${f.sharpPatchFramesPatched ?? 0})`);
        }
        if (m.name.startsWith('idle') && f.openAfterIdle !== f.connections) {
          out.push(`${m.name} run ${rec.run} ${kind}: only ${f.openAfterIdle} of ${f.connections} idle connections stayed open`);
        }
      }
    }
  }
  return out;
}

/** Figures shown per mode, in order, with labels. Keys a mode lacks are left out. */
const ROWS: readonly [key: string, label: string, digits?: number][] = [
  ['cpuPerDelivered', 'CPU ms / delivered frame', 4],
  ['cpuPerIngested', 'CPU ms / ingested device frame', 3],
  ['cpuMs', 'CPU ms in window (utime+stime, getrusage in the relay: µs)', 0],
  ['cpuUserMs', '… of which user', 0],
  ['cpuSysMs', '… of which system (kernel: socket writes, loopback TCP)', 0],
  ['cpuMainThreadMs', '… of which the JS thread (rest: GC/compiler helpers)', 0],
  ['cpuStatMs', 'CPU ms in window from /proc/<pid>/stat (10 ms ticks; cross-check)', 0],
  ['windowMs', 'window ms', 0],
  ['framesSent', 'device frames sent', 0],
  ['delivered', 'frames delivered (all viewers)', 0],
  ['skipped', 'frames skipped (expected − delivered)', 0],
  ['relaySkipped', "skips in the relay's own counter", 0],
  ['deduplicated', 'device frames deduplicated', 0],
  ['bytesToViewers', 'bytes to viewers', 0],
  ['latP50', 'latency p50 ms', 2],
  ['latP95', 'latency p95 ms', 2],
  ['latP99', 'latency p99 ms', 2],
  ['latMax', 'latency max ms', 2],
  ['ingestFps', 'device frames/s ingested', 0],
  ['deviceWriteFps', 'device frames/s written by the driver', 0],
  ['cpuBoundIngestFps', 'frames/s one full core would ingest (1000 / CPU ms per ingested frame)', 0],
  ['staticByteShare', 'share of frame bytes sent (static)', 4],
  ['refOthersP99', "others' p99 ms, reference window (no stall, no attack)", 2],
  ['stallOthersP99', "others' p99 ms, during stall", 2],
  ['othersP99Change', "others' p99 change", 3],
  ['rssTrendMB', 'RSS growth over the stall, least-squares trend MB', 2],
  ['rssGrowthMB', 'RSS growth over the stall, end − start MB', 2],
  ['rssPeakGrowthMB', 'RSS peak growth over the stall MB', 2],
  ['resumeMs', 'resume → newest frame ms', 1],
  ['staleFramesOnResume', 'older frames received before it', 0],
  ['stalledGotDuringStall', 'frames the stalled viewer got during the stall', 0],
  ['refCpuMsPerSec', 'relay CPU ms/s, reference window (no attack)', 1],
  ['attackCpuMsPerSec', 'relay CPU ms/s, under attack', 1],
  ['attackOthersP99', "healthy viewers' p99 ms, under attack", 2],
  ['attackP99Change', "healthy viewers' p99 change vs no attack", 3],
  ['othersDeliveredShare', 'share of frames the healthy viewers received', 3],
  ['attackRssPeakDeltaMB', 'RSS peak over the attack − RSS before MB', 1],
  ['attackRssTrendMB', 'RSS growth over the attack, least-squares trend MB', 2],
  ['floodConnections', 'flooding device: connections opened (each closed by the relay)', 0],
  ['floodRefused', 'flooding device: connections refused (upgrade or auth) while cooling down', 0],
  ['floodMB', 'flooding device: MB of invalid messages written', 1],
  ['invalidAnswered', 'invalid messages the relay parsed and answered', 0],
  ['fragmentConnections', 'fragment holder: connections accepted', 0],
  ['fragmentRefused', 'fragment holder: upgrades refused (429)', 0],
  ['fragmentHeldAtEnd', 'fragment holder: connections open at the end', 0],
  ['attackCpuMsPerAttempt', 'relay CPU ms per attacker connection attempt (CPU over the reference rate ÷ attempts)', 2],
  ['socketsCut', 'sockets the relay cut off (booxstream_sockets_cut_total)', 0],
  ['upgradesRefused', 'upgrades refused by a socket cap', 0],
  ['soakMinutes', 'soak minutes (measured)', 2],
  ['soakWarmupS', 'warm-up left out of the slope s', 0],
  ['soakSlopeSamples', 'RSS samples in the slope (1 per s)', 0],
  ['soakSlopeMBPerMin', 'RSS slope after the warm-up, least squares MB/min', 3],
  ['patchBaseCpu1Ms', 'CPU ms per distinct frame, 1 + 1 full-frame viewers (baseline)', 3],
  ['patchBaseCpu10Ms', 'CPU ms per distinct frame, 1 + 10 full-frame viewers (baseline)', 3],
  ['patchAddedCpu1Ms', 'jpeg-delta: added CPU ms per distinct frame, 1 patch viewer instead of 1 full', 3],
  ['patchAddedCpu10Ms', 'jpeg-delta: added CPU ms per distinct frame, 10 patch viewers instead of 10 full', 3],
  ['patchEncode1Ms', "jpeg-delta: relay's encode ms per distinct frame (1 patch viewer)", 3],
  ['patchEncode10Ms', "jpeg-delta: relay's encode ms per distinct frame (10 patch viewers)", 3],
  ['patchStrokeBytesPct', 'jpeg-delta: patch bytes / full-frame bytes per stroke frame, median %', 1],
  ['patchStrokeBytesP90Pct', 'jpeg-delta: the same, p90 %', 1],
  ['patchBytesOverallPct', 'jpeg-delta: patch viewer bytes / full-frame viewer bytes overall (page turns included) %', 1],
  ['patchFramesPatched', 'jpeg-delta: frames the patch viewer got as patches', 0],
  ['patchFramesWhole', 'jpeg-delta: frames it got whole (page turns, keyframes)', 0],
  ['patchLatencyP50Ms', 'jpeg-delta: latency ingest→patch viewer p50 ms', 1],
  ['patchLatencyP99Ms', 'jpeg-delta: latency ingest→patch viewer p99 ms', 1],
  ['patchFullLatencyP50Ms', 'jpeg-delta phase: latency ingest→full-frame viewer p50 ms', 1],
  ['patchFullLatencyP99Ms', 'jpeg-delta phase: latency ingest→full-frame viewer p99 ms', 1],
  ['sharpPatchAddedCpu1Ms', 'sharp: added CPU ms per distinct frame, 1 patch viewer instead of 1 full', 3],
  ['sharpPatchAddedCpu10Ms', 'sharp: added CPU ms per distinct frame, 10 patch viewers instead of 10 full', 3],
  ['sharpPatchEncode1Ms', "sharp: relay's encode ms per distinct frame (1 patch viewer)", 3],
  ['sharpPatchStrokeBytesPct', 'sharp: patch bytes / full-frame bytes per stroke frame, median %', 1],
  ['sharpPatchLatencyP50Ms', 'sharp: latency ingest→patch viewer p50 ms', 1],
  ['sharpPatchLatencyP99Ms', 'sharp: latency ingest→patch viewer p99 ms', 1],
  ['soakLateSlopeMBPerMin', 'RSS slope over the second half only MB/min (settling: below the whole)', 3],
  ['soakHeapSlopeMBPerMin', 'V8 heapUsed slope after the warm-up MB/min (a JS leak; sampled every 5 s)', 3],
  ['soakExternalSlopeMBPerMin', 'external (Buffers) slope after the warm-up MB/min', 3],
  ['rssAfterWarmupMB', 'RSS at the end of the warm-up MB', 1],
  ['rssEndMB', 'RSS at the end MB', 1],
  ['benchLoopP99Ms', "bench process's event-loop delay p99 ms (did the bench keep up)", 1],
  ['benchLoopMaxMs', "bench process's event-loop delay max ms", 1],
  ['benchCpuShare', "bench process's CPU, cores", 2],
  ['rssReadyMB', 'RSS at start (ready, no clients) MB', 1],
  ['rssStartMB', 'RSS with clients, before frames MB', 1],
  ['rssPeakMB', 'RSS peak MB', 1],
  ['rssBeforeMB', 'RSS before connections MB', 1],
  ['rssAfterMB', 'RSS after connections MB', 1],
  ['kbPerConnection', 'KB per idle connection', 1],
  ['idleCpuMsPerSec', 'CPU ms/s while idle', 2],
  ['openAfterIdle', 'connections open after idle', 0],
  ['hashChecked', 'JPEGs hash-checked', 0],
  ['crossHost', 'frames at the wrong host', 0],
];

export function renderResults(results: BenchResults, judges: Judge[], commandNote: string): string {
  const m = results.machine;
  const out: string[] = [];
  out.push('# Relay benchmark results', '');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, Linux ${m.kernel}, Node ${m.node}; ` +
      `${m.date}; load average at start ${m.loadAtStart.map((x) => x.toFixed(2)).join(' ')}` +
      (results.loadAtEnd ? `, at end ${results.loadAtEnd.map((x) => x.toFixed(2)).join(' ')}` : '') +
      `; open files limit ${m.openFilesLimit}.`,
    '',
  );
  out.push(`Command: \`${results.command}\`${results.smoke ? ' (smoke: figures are not meaningful)' : ''}; ${results.runs} run(s) per mode.`, '');
  out.push(commandNote, '');
  out.push('## Targets (issue #6)', '');
  out.push('Medians over the runs, [min–max]; ratios are taken within each run (server and floor back to back), then the median.', '');
  out.push('| target | server | limit | result | floor, same figure |', '|---|---|---|---|---|');
  for (const j of judges) {
    const t = j(results);
    const verdict = t.pass === null ? 'not measured' : t.pass ? `**pass**, ${t.margin}` : `**MISS**, ${t.margin}`;
    out.push(`| ${t.target} | ${t.figure} | ${t.limit} | ${verdict} | ${t.floor} |`);
  }
  out.push('');
  const failures = correctnessFailures(results);
  out.push('## Correctness checks', '');
  out.push(
    failures.length === 0
      ? 'All passed: no frame reached another host\'s viewers, every hash-checked JPEG matched the device\'s bytes, every frame carried its marker, static frames were deduplicated, all idle connections stayed open.'
      : failures.map((f) => `- FAILED: ${f}`).join('\n'),
    '',
  );
  out.push('## Modes', '');
  for (const mode of results.modes) {
    out.push(`### ${mode.name}: ${mode.title}`, '', mode.shape + '.', '');
    const errors = mode.records.filter((r) => r.error);
    for (const e of errors) out.push(`- run ${e.run} failed: ${e.error}`);
    if (errors.length) out.push('');
    const keys = ROWS.filter(([key]) => mode.records.some((r) => r.server?.[key] !== undefined || r.floor?.[key] !== undefined));
    out.push('| figure | server | floor | server/floor |', '|---|---|---|---|');
    for (const [key, label, digits] of keys) {
      const sv = spread(values(results, mode.name, 'server', key));
      const fl = spread(values(results, mode.name, 'floor', key));
      const ratio = spread(ratios(results, mode.name, key));
      out.push(`| ${label} | ${fmtSpread(sv, digits)} | ${fmtSpread(fl, digits)} | ${ratio.n > 0 ? fmtSpread(ratio, 2) : ''} |`);
    }
    out.push('');
  }
  if (results.profiles?.length) {
    out.push('## Profiles', '');
    for (const p of results.profiles) out.push(p.summary, '');
  }
  return out.join('\n');
}
