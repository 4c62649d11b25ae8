/**
 * What data saver (patches, issue #17) gives and costs, in one run against the
 * server bundled and run on plain node in its own process:
 *
 *   pnpm --filter @booxstream/bench probe:patches [--seconds 20] [--rounds 2] [--methods auto,sharp]
 *
 * A device sends the demo tablet's writing sequence at 10 fps, 936x702: a pen
 * stroke grows every frame, and every 12th frame is a page turn. Phases, each
 * after a warm-up, alternating order per round, each with 1 full-frame viewer
 * plus N = 1 or 10 more viewers:
 *   full-N      N more full-frame viewers          the baseline
 *   <method>-N  N patch viewers, per --methods (the server's PATCH_METHOD:
 *               auto = jpeg-delta, sharp)          bytes and latency of both kinds
 * Added CPU per distinct frame = <method>-N − full-N, the same number of
 * viewers either way, so it is the encoder's cost (once per frame, whatever N)
 * net of whatever sending patches instead of whole frames saves. Beside it the
 * relay's own encode time per frame (booxstream_patch_encode_seconds, wall
 * time; jpeg-delta is synchronous, so that is its CPU). Bytes: per frame, what the patch viewer
 * received over what the full-frame viewer received, during strokes (frames the
 * patch viewer got whole, page turns and keyframes, are counted apart). Latency:
 * receipt − the header's ingest time (the server's clock is this machine's).
 * Viewers ack like the web app (ViewerAcker).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderEinkFrame } from '@booxstream/host-client';
import { ViewerAcker, ViewerFrameKind, decodeViewerFrameHeader } from '@booxstream/protocol';
import WebSocket from 'ws';
import { PATCH_METHODS, type PatchMethod } from '@booxstream/server';
import { bundleChildren } from '../bundle-children.js';
import { killAllRelays, startRelayProcess, type RelayProcess } from '../relay-process.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, rounds: { type: 'string', default: '2' }, methods: { type: 'string', default: 'auto' } } });
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
if (!(seconds >= 1 && seconds <= 600) || !Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error('--seconds 1..600, --rounds 1..10');
const methods = args.methods.split(',') as PatchMethod[];
if (methods.length === 0 || methods.some((m) => !PATCH_METHODS.includes(m))) throw new Error(`--methods: a comma-separated list of ${PATCH_METHODS.join(', ')}, got ${args.methods}`);

const outDir = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'out', 'patch-probe');
mkdirSync(outDir, { recursive: true });
const bundles = await bundleChildren(outDir);
// Two pages of writing: 24 distinct screens, then it starts over (another page turn).
const screens = await Promise.all(Array.from({ length: 24 }, (_, i) => renderEinkFrame(i, { width: 936, height: 702, seed: 7 })));

interface Received { seq: number; bytes: number; whole: boolean; latencyMs: number }

class ProbeViewer {
  readonly got: Received[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  constructor(url: string, patches: boolean) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}${patches ? '?patches=1' : ''}`, {
      headers: { 'x-authentik-username': 'bench', 'x-authentik-groups': 'authentik Admins' }, perMessageDeflate: false,
    });
    const acker = new ViewerAcker();
    this.ws.on('message', (data: Buffer, binary) => {
      if (!binary) return;
      const h = decodeViewerFrameHeader(data);
      this.got.push({ seq: h.seq, bytes: data.length, whole: h.kind === ViewerFrameKind.Jpeg, latencyMs: Date.now() - h.serverTs });
      const ack = acker.onFrame(h.seq);
      if (ack !== null) this.ws.send(ack);
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
}

type Extra = 1 | 10;
/** 1 full-frame viewer plus `Extra` more, full-frame (`full`) or patch viewers of a method. */
type Phase = `${'full' | PatchMethod}-${Extra}`;
const phaseOf = (kind: 'full' | PatchMethod, extra: Extra): Phase => `${kind}-${extra}`;
const extraIn = (phase: Phase): number => Number(phase.split('-').at(-1));
const kindOf = (phase: Phase): 'full' | PatchMethod => phase.split('-')[0] as 'full' | PatchMethod;

interface PhaseResult { cpuPerFrameMs: number; encodeMsPerFrame: number; full?: Received[]; patch?: Received[] }

/** booxstream_patch_encode_seconds sum and count, over both results. */
async function encodeTotals(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const total = (name: string) => text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return { sum: total('booxstream_patch_encode_seconds_sum'), count: total('booxstream_patch_encode_seconds_count') };
}

async function runPhase(phase: Phase): Promise<PhaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'booxstream-patch-probe-'));
  const relay: RelayProcess = await startRelayProcess('server', {
    serverConfig: { host: '127.0.0.1', port: 0, devicePort: null, dataDir, logLevel: 'warn', historyMaxBytesPerHost: 0, patchMethod: kindOf(phase) === 'sharp' ? 'sharp' : 'auto' },
    logFile: join(outDir, `${phase}.log`),
    bundle: bundles.server,
  });
  try {
    const uuid = crypto.randomUUID();
    const reg = await fetch(`${relay.url}/api/hosts/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uuid, name: 'probe', public_ip: null }) });
    const { token } = (await reg.json()) as { token: string };
    await relay.approve(uuid, 'bench');
    const device = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/android-ws`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => { device.once('open', () => resolve()); device.once('error', reject); });
    device.send(JSON.stringify({ type: 'auth', token }));
    await new Promise((r) => setTimeout(r, 200));
    let i = 0;
    const send = (): void => device.send(`{"type":"frame","data":"${screens[i++ % screens.length]!.toString('base64')}","timestamp":${Date.now()}}`);
    send();
    const streamUrl = `${relay.url}/api/hosts/${uuid}/stream`;
    const full = new ProbeViewer(streamUrl, false);
    const extra = Array.from({ length: extraIn(phase) }, () => new ProbeViewer(streamUrl, kindOf(phase) !== 'full'));
    const patchViewers = kindOf(phase) === 'full' ? [] : extra;
    await Promise.all([full.opened, ...extra.map((v) => v.opened)]);
    const tick = (ms: number) => new Promise<void>((resolve) => {
      const timer = setInterval(send, 100);
      setTimeout(() => { clearInterval(timer); resolve(); }, ms);
    });
    await tick(3000); // warm-up: JIT and sharp's first decodes
    const fromSeq = full.got.at(-1)?.seq ?? 0;
    const cpu0 = await relay.cpuUsage();
    const enc0 = await encodeTotals(relay.url);
    const sentBefore = i;
    await tick(seconds * 1000);
    await new Promise((r) => setTimeout(r, 300));
    const cpu1 = await relay.cpuUsage();
    const enc1 = await encodeTotals(relay.url);
    const frames = i - sentBefore;
    const window = (v: ProbeViewer) => v.got.filter((g) => g.seq > fromSeq && g.seq <= fromSeq + frames);
    const result: PhaseResult = {
      cpuPerFrameMs: (cpu1.userMs + cpu1.sysMs - cpu0.userMs - cpu0.sysMs) / frames,
      encodeMsPerFrame: enc1.count > enc0.count ? (1000 * (enc1.sum - enc0.sum)) / (enc1.count - enc0.count) : Number.NaN,
      full: window(full),
      ...(patchViewers[0] ? { patch: window(patchViewers[0]) } : {}),
    };
    for (const v of [full, ...extra]) v.ws.close();
    device.close();
    return result;
  } finally {
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : Number.NaN;
};
const med = (xs: number[]) => pct(xs, 0.5);

const phases: Phase[] = ([1, 10] as const).flatMap((n) => [phaseOf('full', n), ...methods.map((m) => phaseOf(m, n))]);
const cpu = new Map<Phase, number[]>(phases.map((p) => [p, []]));
interface MethodFigures { added1: number[]; added10: number[]; encode1: number[]; encode10: number[]; strokeRatios: number[]; wholeRatios: number[]; latFull: number[]; latPatch: number[] }
const figures = new Map<PatchMethod, MethodFigures>(methods.map((m) => [m, { added1: [], added10: [], encode1: [], encode10: [], strokeRatios: [], wholeRatios: [], latFull: [], latPatch: [] }]));
try {
  for (let r = 1; r <= rounds; r++) {
    const order = r % 2 ? phases : [...phases].reverse();
    const got = new Map<Phase, PhaseResult>();
    for (const phase of order) {
      const result = await runPhase(phase);
      got.set(phase, result);
      cpu.get(phase)!.push(result.cpuPerFrameMs);
      console.log(`round ${r} ${phase}: ${result.cpuPerFrameMs.toFixed(3)} ms CPU per distinct frame${kindOf(phase) === 'full' ? '' : `, encode ${result.encodeMsPerFrame.toFixed(3)} ms`}`);
    }
    for (const m of methods) {
      const f = figures.get(m)!;
      f.added1.push(got.get(phaseOf(m, 1))!.cpuPerFrameMs - got.get(phaseOf('full', 1))!.cpuPerFrameMs);
      f.added10.push(got.get(phaseOf(m, 10))!.cpuPerFrameMs - got.get(phaseOf('full', 10))!.cpuPerFrameMs);
      f.encode1.push(got.get(phaseOf(m, 1))!.encodeMsPerFrame);
      f.encode10.push(got.get(phaseOf(m, 10))!.encodeMsPerFrame);
      const p1 = got.get(phaseOf(m, 1))!;
      const fullBySeq = new Map(p1.full!.map((g) => [g.seq, g]));
      for (const g of p1.patch!) {
        const full = fullBySeq.get(g.seq);
        if (!full) continue;
        (g.whole ? f.wholeRatios : f.strokeRatios).push(g.bytes / full.bytes);
      }
      f.latFull.push(...p1.full!.map((g) => g.latencyMs));
      f.latPatch.push(...p1.patch!.map((g) => g.latencyMs));
      const bytesFull = p1.full!.reduce((n, g) => n + g.bytes, 0);
      const bytesPatch = p1.patch!.reduce((n, g) => n + g.bytes, 0);
      console.log(`round ${r} ${m} bytes: full-frame viewer ${(bytesFull / 1e6).toFixed(2)} MB, patch viewer ${(bytesPatch / 1e6).toFixed(2)} MB (${((100 * bytesPatch) / bytesFull).toFixed(1)}% overall, page turns included)`);
    }
  }
} finally {
  killAllRelays();
}

const range = (xs: number[], d = 3) => `${med(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}]`;
console.log('');
console.log(`| figure (${rounds} rounds x ${seconds} s, 936x702, 10 fps) | ${methods.map((m) => `${m}: median [min–max]`).join(' | ')} | target |`);
console.log(`|---|${methods.map(() => '---|').join('')}---|`);
const row = (label: string, cell: (f: MethodFigures) => string, target = '') => console.log(`| ${label} | ${methods.map((m) => cell(figures.get(m)!)).join(' | ')} | ${target} |`);
console.log(`| CPU per distinct frame, 1 + 1 full-frame viewers (ms) | ${methods.map(() => range(cpu.get('full-1')!)).join(' | ')} | |`);
console.log(`| CPU per distinct frame, 1 + 10 full-frame viewers (ms) | ${methods.map(() => range(cpu.get('full-10')!)).join(' | ')} | |`);
row('added CPU per distinct frame, 1 patch viewer instead of 1 full (ms)', (f) => range(f.added1), '≤ 3');
row('added CPU per distinct frame, 10 patch viewers instead of 10 full (ms)', (f) => range(f.added10), '≤ 3, same as 1');
row('relay\'s encode time per distinct frame, 1 / 10 patch viewers (ms)', (f) => `${range(f.encode1)} / ${range(f.encode10)}`, '');
row('patch bytes / full-frame bytes, per stroke frame', (f) => `${(100 * med(f.strokeRatios)).toFixed(1)}% (p90 ${(100 * pct(f.strokeRatios, 0.9)).toFixed(1)}%, ${f.strokeRatios.length} frames)`, '≤ 10%');
row('frames the patch viewer got whole (page turns, keyframes, first)', (f) => `${f.wholeRatios.length} of ${f.wholeRatios.length + f.strokeRatios.length}`);
row('latency ingest→viewer, full-frame viewer p50 / p99 (ms)', (f) => `${med(f.latFull).toFixed(1)} / ${pct(f.latFull, 0.99).toFixed(1)}`);
row('latency ingest→viewer, patch viewer p50 / p99 (ms)', (f) => `${med(f.latPatch).toFixed(1)} / ${pct(f.latPatch, 0.99).toFixed(1)}`);
