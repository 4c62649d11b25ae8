/**
 * Data saver (issue #17): what patches give and cost. A device sends the demo
 * tablet's writing sequence at 10 fps, 936x702 (a pen stroke grows every frame,
 * every 12th frame is a page turn), to a fresh relay per phase. Each phase has
 * 1 full-frame viewer plus N = 1 or 10 more viewers:
 *   full-N      N more full-frame viewers          the baseline
 *   <method>-N  N patch viewers, per PATCH_METHOD (auto = jpeg-delta, sharp)
 * Added CPU per distinct frame = <method>-N − full-N: the same number of
 * viewers either way, so it is the encoder's cost (once per frame, whatever N)
 * net of what sending patches instead of whole frames saves. Beside it, the
 * relay's own encode time per frame (booxstream_patch_encode_seconds: wall
 * time; jpeg-delta is synchronous, so that is its CPU; sharp also works on
 * libvips threads). Bytes: per frame, what the first patch viewer received
 * over what the full-frame viewer received for the same frame, during strokes
 * (frames the patch viewer got whole, page turns and keyframes, counted apart).
 * Latency: receipt − the header's ingest time (one machine, one clock).
 * Viewers ack like the web app (ViewerAcker). Server only: the floor has no
 * patches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderEinkFrame } from '@booxstream/host-client';
import { ViewerAcker, ViewerFrameKind, decodeViewerFrameHeader } from '@booxstream/protocol';
import type { PatchMethod } from '@booxstream/server';
import WebSocket from 'ws';
import type { Figures } from '../figures.js';
import { percentileSorted as percentile } from '../percentiles.js';
import { startRelayProcess, type RelayKind } from '../relay-process.js';
import type { ModeContext } from './context.js';

export interface PatchesOptions {
  /** Measured window per phase. */
  readonly windowMs: number;
  /** Frames sent before the window (JIT, the encoder's first frames). */
  readonly warmupMs: number;
  readonly methods: readonly PatchMethod[];
}

type Extra = 1 | 10;
type Kind = 'full' | PatchMethod;

interface Received { readonly seq: number; readonly bytes: number; readonly whole: boolean; readonly latencyMs: number }

interface PhaseResult {
  readonly cpuPerFrameMs: number;
  readonly encodeMsPerFrame: number;
  readonly full: readonly Received[];
  readonly patch: readonly Received[];
}

class MeasuredViewer {
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

/** booxstream_patch_encode_seconds sum and count, both results together. */
async function encodeTotals(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const total = (name: string) => text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return { sum: total('booxstream_patch_encode_seconds_sum'), count: total('booxstream_patch_encode_seconds_count') };
}

let screens: Promise<Buffer[]> | null = null;
/** Two pages of writing: 24 distinct screens, then it starts over (another page turn). */
function writingSequence(): Promise<Buffer[]> {
  screens ??= Promise.all(Array.from({ length: 24 }, (_, i) => renderEinkFrame(i, { width: 936, height: 702, seed: 7 })));
  return screens;
}

async function runPhase(ctx: ModeContext, kind: Kind, extra: Extra, o: PatchesOptions): Promise<PhaseResult> {
  const pages = await writingSequence();
  const dataDir = mkdtempSync(join(tmpdir(), 'booxstream-bench-patches-'));
  const relay = await startRelayProcess('server', {
    serverConfig: { ...ctx.serverConfig, dataDir, historyMaxBytesPerHost: 0, patchMethod: kind === 'sharp' ? 'sharp' : 'auto' },
    logFile: `${ctx.outDir}/logs/${ctx.label}-${kind}-${extra}.log`,
    ...(ctx.bundles ? { bundle: ctx.bundles.server } : {}),
    ...(ctx.experiments.size > 0 ? { experiments: ctx.experiments } : {}),
  });
  const sockets: WebSocket[] = [];
  try {
    const uuid = crypto.randomUUID();
    const reg = await fetch(`${relay.url}/api/hosts/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uuid, name: 'bench', public_ip: null }) });
    const { token } = (await reg.json()) as { token: string };
    await relay.approve(uuid, 'bench');
    const device = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/android-ws`, { perMessageDeflate: false });
    sockets.push(device);
    await new Promise<void>((resolve, reject) => { device.once('open', () => resolve()); device.once('error', reject); });
    device.send(JSON.stringify({ type: 'auth', token }));
    await new Promise((r) => setTimeout(r, 200));
    let i = 0;
    const send = (): void => device.send(`{"type":"frame","data":"${pages[i++ % pages.length]!.toString('base64')}","timestamp":${Date.now()}}`);
    send();
    const streamUrl = `${relay.url}/api/hosts/${uuid}/stream`;
    const full = new MeasuredViewer(streamUrl, false);
    const more = Array.from({ length: extra }, () => new MeasuredViewer(streamUrl, kind !== 'full'));
    sockets.push(full.ws, ...more.map((v) => v.ws));
    await Promise.all([full.opened, ...more.map((v) => v.opened)]);
    const paced = (ms: number) => new Promise<void>((resolve) => {
      const timer = setInterval(send, 100);
      setTimeout(() => { clearInterval(timer); resolve(); }, ms);
    });
    await paced(o.warmupMs);
    const fromSeq = full.got.at(-1)?.seq ?? 0;
    const cpu0 = await relay.cpuUsage();
    const enc0 = await encodeTotals(relay.url);
    const sentBefore = i;
    await paced(o.windowMs);
    await new Promise((r) => setTimeout(r, 300));
    const cpu1 = await relay.cpuUsage();
    const enc1 = await encodeTotals(relay.url);
    const frames = i - sentBefore;
    const inWindow = (v: MeasuredViewer) => v.got.filter((g) => g.seq > fromSeq && g.seq <= fromSeq + frames);
    return {
      cpuPerFrameMs: (cpu1.userMs + cpu1.sysMs - cpu0.userMs - cpu0.sysMs) / frames,
      encodeMsPerFrame: enc1.count > enc0.count ? (1000 * (enc1.sum - enc0.sum)) / (enc1.count - enc0.count) : Number.NaN,
      full: inWindow(full),
      patch: kind === 'full' ? [] : inWindow(more[0]!),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Figure keys per method: the first method's are unprefixed (`patchAddedCpu1Ms`), others carry it (`sharpPatchAddedCpu1Ms`). */
export function patchFigureKey(method: PatchMethod, first: boolean, key: string): string {
  return first ? key : `${method}${key[0]!.toUpperCase()}${key.slice(1)}`;
}

export async function runPatches(ctx: ModeContext, kind: RelayKind, o: PatchesOptions): Promise<Figures> {
  if (kind === 'floor') return {};
  const figures: Figures = {};
  for (const extra of [1, 10] as const) {
    const base = await runPhase(ctx, 'full', extra, o);
    figures[`patchBaseCpu${extra}Ms`] = base.cpuPerFrameMs;
    for (const [index, method] of o.methods.entries()) {
      const key = (k: string) => patchFigureKey(method, index === 0, k);
      const got = await runPhase(ctx, method, extra, o);
      ctx.log(`${ctx.label} ${method}-${extra}: ${got.cpuPerFrameMs.toFixed(3)} ms CPU per distinct frame (full-${extra}: ${base.cpuPerFrameMs.toFixed(3)}), encode ${got.encodeMsPerFrame.toFixed(3)} ms`);
      figures[key(`patchAddedCpu${extra}Ms`)] = got.cpuPerFrameMs - base.cpuPerFrameMs;
      figures[key(`patchEncode${extra}Ms`)] = got.encodeMsPerFrame;
      if (extra !== 1) continue;
      const fullBySeq = new Map(got.full.map((g) => [g.seq, g]));
      const strokes: number[] = [];
      let whole = 0;
      for (const g of got.patch) {
        const f = fullBySeq.get(g.seq);
        if (!f) continue;
        if (g.whole) whole++;
        else strokes.push((100 * g.bytes) / f.bytes);
      }
      const sorted = [...strokes].sort((a, b) => a - b);
      figures[key('patchStrokeBytesPct')] = percentile(sorted, 50);
      figures[key('patchStrokeBytesP90Pct')] = percentile(sorted, 90);
      figures[key('patchFramesPatched')] = strokes.length;
      figures[key('patchFramesWhole')] = whole;
      figures[key('patchBytesOverallPct')] = (100 * got.patch.reduce((n, g) => n + g.bytes, 0)) / got.full.reduce((n, g) => n + g.bytes, 0);
      const latPatch = got.patch.map((g) => g.latencyMs).sort((a, b) => a - b);
      const latFull = got.full.map((g) => g.latencyMs).sort((a, b) => a - b);
      figures[key('patchLatencyP50Ms')] = percentile(latPatch, 50);
      figures[key('patchLatencyP99Ms')] = percentile(latPatch, 99);
      figures[key('patchFullLatencyP50Ms')] = percentile(latFull, 50);
      figures[key('patchFullLatencyP99Ms')] = percentile(latFull, 99);
    }
  }
  return figures;
}
