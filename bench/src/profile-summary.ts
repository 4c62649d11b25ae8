/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and aggregates self time
 * by function and source location, and by where the code lives (the server's
 * own source, ws, Node internals, GC), so a miss can be explained from the
 * profile in a few lines.
 *
 * Usage: tsx src/profile-summary.ts <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileRow {
  readonly name: string;
  readonly location: string;
  readonly area: string;
  readonly selfMs: number;
  /** Share of busy time (everything but `(idle)`). */
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  readonly rows: readonly ProfileRow[];
  readonly areas: readonly { readonly area: string; readonly selfMs: number; readonly share: number }[];
}

/** Where a frame's code lives, from its script URL. */
export function areaOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)' || functionName === '(root)') return 'native/program';
  if (url === '') return 'native/program';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/node_modules/')) {
    const m = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
    return m ? `dep: ${m[1]}` : 'deps';
  }
  if (url.includes('/apps/server/')) return 'apps/server';
  if (url.includes('/packages/protocol/')) return 'packages/protocol';
  if (url.includes('/bench/')) return 'bench (floor)';
  return 'other';
}

/** This checkout's root as a file URL (with a trailing slash), wherever it was cloned. */
const CHECKOUT_URL = new URL('../../', import.meta.url).href;

function shortLocation(url: string, line: number): string {
  if (url === '') return '';
  const inCheckout = url.startsWith(CHECKOUT_URL) ? url.slice(CHECKOUT_URL.length) : url;
  const trimmed = inCheckout.replace(/^file:\/\//, '').replace(/^.*\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '');
  return `${trimmed}:${line + 1}`;
}

/**
 * A time range in the profile's clock: V8's TimeTicks, CLOCK_MONOTONIC in µs
 * on Linux, the same clock as `process.hrtime` in any process on the machine,
 * so a window the bench measured can select the samples taken inside it.
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** CLOCK_MONOTONIC now, in µs: comparable with profile timestamps. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summarizeProfile(profile: CpuProfile, top = 25, window?: ProfileWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the gap before sample i; the time until the next sample is the sample's own.
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (window && (t < window.fromUs || t >= window.toUs)) continue;
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, dt));
  }
  const rows = new Map<string, { name: string; location: string; area: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const area = areaOf(url, name);
    totalUs += us;
    if (area === 'idle') {
      idleUs += us;
      continue;
    }
    const location = shortLocation(url, lineNumber);
    const key = `${name}\u0000${location}`;
    const row = rows.get(key) ?? { name, location, area, us: 0 };
    row.us += us;
    rows.set(key, row);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    rows: [...rows.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((r) => ({ name: r.name, location: r.location, area: r.area, selfMs: r.us / 1000, share: share(r.us) })),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfMs: us / 1000, share: share(us) })),
  };
}

export function formatProfileSummary(s: ProfileSummary, title: string, windowNote = ''): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `#### ${title}`,
    '',
    `Busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms profiled${windowNote}.`,
    '',
    '| area | self ms | share of busy |',
    '|---|---:|---:|',
    ...s.areas.map((a) => `| ${a.area} | ${a.selfMs.toFixed(1)} | ${pct(a.share)} |`),
    '',
    '| function | location | area | self ms | share |',
    '|---|---|---|---:|---:|',
    ...s.rows.map((r) => `| \`${r.name}\` | ${r.location} | ${r.area} | ${r.selfMs.toFixed(1)} | ${pct(r.share)} |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx src/profile-summary.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatProfileSummary(summarizeProfile(profile, top), file));
}
