/**
 * Stream statistics as a viewer sees them: paint rate, bandwidth, relay and
 * capture latency, decode time. {@link StreamMeter} collects, {@link formatOverlay}
 * turns a snapshot into the overlay's lines (pure, so it is unit-tested).
 */
import { median } from './decoder.js';

/** A snapshot of the meter. Latencies are null when unknown or when clocks disagree. */
export interface OverlayFigures {
  /** Frames painted per second over the window. */
  readonly fps: number;
  /** Frame bytes received per second over the window, in kB (1000 B). */
  readonly kBps: number;
  /** Browser clock at a frame's arrival minus the server's ingest time, median over the window. */
  readonly relayMs: number | null;
  /** Browser clock at paint minus the device's capture time, median over the window. */
  readonly captureMs: number | null;
  /** Decode+paint time, median over the window. */
  readonly paintMs: number | null;
  readonly decoder: string | null;
  readonly width: number;
  readonly height: number;
  readonly dropped: number;
  /** Viewers of this host, per the server's last `stats` event; null before one arrives. */
  readonly viewers: number | null;
  /** Seconds since the last painted frame, or null before the first. */
  readonly lastFrameAgeS: number | null;
}

/**
 * Turns a clock difference into a latency if it looks like one. The browser,
 * the server and the device keep their own clocks; a negative or huge value
 * means they are not in sync and says nothing about latency.
 */
export function plausibleLatency(ms: number): number | null {
  if (!Number.isFinite(ms) || ms < -50 || ms > 60_000) return null;
  return Math.max(0, ms);
}

interface Sample {
  readonly at: number;
  readonly value: number;
}

/** Collects per-frame figures over a sliding window. `now` is `performance.now()`, `wallNow` is `Date.now()`. */
export class StreamMeter {
  private readonly received: Sample[] = [];
  private readonly painted: Sample[] = [];
  private readonly relay: Sample[] = [];
  private readonly capture: Sample[] = [];
  private lastPaintAt: number | null = null;
  decoder: string | null = null;
  width = 0;
  height = 0;
  dropped = 0;
  viewers: number | null = null;

  constructor(private readonly windowMs = 2000) {}

  /** A frame message of `bytes` bytes arrived; `serverTs` is its header's ingest time (NaN if unknown). */
  recordReceived(bytes: number, now: number, wallNow: number, serverTs: number): void {
    push(this.received, { at: now, value: bytes });
    // At arrival, not at paint: this is what the relay and the network add, decoding aside.
    const relay = plausibleLatency(wallNow - serverTs);
    if (relay !== null) push(this.relay, { at: now, value: relay });
  }

  /** A frame was painted; capture latency runs from the device's capture to this paint. */
  recordPaint(now: number, wallNow: number, hostTs: number, paintMs: number): void {
    this.lastPaintAt = now;
    push(this.painted, { at: now, value: paintMs });
    const capture = plausibleLatency(wallNow - hostTs);
    if (capture !== null) push(this.capture, { at: now, value: capture });
  }

  /** Figures over the last window. */
  snapshot(now: number): OverlayFigures {
    const since = now - this.windowMs;
    for (const list of [this.received, this.painted, this.relay, this.capture]) prune(list, since);
    const seconds = this.windowMs / 1000;
    const bytes = this.received.reduce((sum, s) => sum + s.value, 0);
    return {
      fps: this.painted.length / seconds,
      kBps: bytes / 1000 / seconds,
      relayMs: medianOrNull(this.relay),
      captureMs: medianOrNull(this.capture),
      paintMs: medianOrNull(this.painted),
      decoder: this.decoder,
      width: this.width,
      height: this.height,
      dropped: this.dropped,
      viewers: this.viewers,
      lastFrameAgeS: this.lastPaintAt === null ? null : (now - this.lastPaintAt) / 1000,
    };
  }
}

// Bounded so a tab left open for days cannot grow these without limit.
const MAX_SAMPLES = 512;

function push(list: Sample[], sample: Sample): void {
  list.push(sample);
  if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
}

function prune(list: Sample[], since: number): void {
  let drop = 0;
  while (drop < list.length && (list[drop] as Sample).at < since) drop++;
  if (drop > 0) list.splice(0, drop);
}

function medianOrNull(list: readonly Sample[]): number | null {
  return list.length === 0 ? null : median(list.map((s) => s.value));
}

function ms(value: number | null): string {
  if (value === null) return '–';
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

/** The overlay's text lines. */
export function formatOverlay(f: OverlayFigures): string[] {
  const size = f.width > 0 ? `${f.width}×${f.height}` : 'no frame yet';
  const age = f.lastFrameAgeS === null ? '' : ` · last frame ${formatAge(f.lastFrameAgeS)}`;
  const viewers = f.viewers === null ? '' : ` · ${f.viewers} ${f.viewers === 1 ? 'viewer' : 'viewers'}`;
  return [
    `${f.fps.toFixed(1)} fps · ${f.kBps < 10 ? f.kBps.toFixed(1) : Math.round(f.kBps)} kB/s${viewers}`,
    `relay ${ms(f.relayMs)} · capture ${ms(f.captureMs)}`,
    `decode+paint ${ms(f.paintMs)}${f.decoder ? ` · ${f.decoder}` : ''}`,
    `${size} · dropped ${f.dropped}${age}`,
  ];
}

/** "now", "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 1) return 'now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
