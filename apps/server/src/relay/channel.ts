/**
 * One host's channel: its streaming device (at most one), its viewers, and the
 * newest frame. A frame is prepared once (`encodeViewerFrame`) and that same
 * buffer is offered to every viewer.
 *
 * Hot path, per device message: compare with the previous frame's bytes
 * (memcmp) before any decoding, since consecutive e-ink frames are usually
 * identical; then decode once, straight into the viewer frame buffer behind
 * room for its header, and offer that buffer to each viewer. Metrics are
 * counted once per fan-out, not per viewer. No logging, no SQLite, no JSON.
 */
import {
  decodeBase64Jpeg, encodeViewerFrame, viewerFrameSeq, writeViewerFrameHeader, VIEWER_HEADER_BYTES, type HostStatus, type ViewerEvent,
} from '@booxstream/protocol';
import type { Metrics } from '../metrics.js';
import type { PatchUpdate } from './patch-encoder.js';
import { RateWindow } from './rate-window.js';
import type { Viewer, ViewerHost } from './viewer.js';

/** What a channel knows about its streaming connection. */
export interface DeviceLink {
  close(code: number, message: string): void;
}

/** A host's patch encoder, as the channel uses it (patch-encoder.ts). */
export interface Patcher {
  push(jpeg: Buffer, frame: Buffer): void;
  reset(): void;
  /** Seq of the screen it holds decoded (what the next patch is taken against), or null. */
  readonly baseSeq: number | null;
}

export type PatcherFactory = (deliver: (update: PatchUpdate) => void) => Patcher;

/** Receives each distinct frame's JPEG bytes; must return at once (hot path). */
export type DistinctFrameSink = (uuid: string, jpeg: Buffer, at: number) => void;

export interface ChannelStats {
  fps: number;
  framesIn: number;
  framesDeduplicated: number;
  framesOut: number;
  framesSkipped: number;
  bytesIn: number;
  lastFrameAt: number | null;
}

export class Channel implements ViewerHost {
  readonly uuid: string;
  status: HostStatus;
  device: DeviceLink | null = null;
  readonly viewers = new Set<Viewer>();

  latest: Buffer | null = null;
  latestIngestAt = 0;
  #seq = 0;
  /** The previous distinct frame as received (base64 view or JPEG view), for dedup. */
  #previous: Buffer | null = null;
  #previousIsBase64 = false;

  framesIn = 0;
  framesDeduplicated = 0;
  framesOut = 0;
  framesSkipped = 0;
  bytesIn = 0;
  lastFrameAt: number | null = null;
  /** `lastFrameAt` as last written to SQLite. */
  persistedLastSeen = 0;
  readonly #fps = new RateWindow(5);
  readonly #metrics: Metrics;
  /** The stats event last broadcast, its audience and when (see statsEventIfChanged). */
  #lastStatsEvent = '';
  #lastStatsViewers = -1;
  #lastStatsAt = Number.NEGATIVE_INFINITY;

  /** Called once per distinct frame with the JPEG as received (history); never per viewer. */
  readonly #onDistinct: DistinctFrameSink | null;

  /** Makes this host's patch encoder when a viewer first asks for patches (null: patches are off). */
  readonly #makePatcher: PatcherFactory | null;
  #patcher: Patcher | null = null;

  constructor(uuid: string, status: HostStatus, metrics: Metrics, onDistinct: DistinctFrameSink | null = null, makePatcher: PatcherFactory | null = null) {
    this.uuid = uuid;
    this.status = status;
    this.#metrics = metrics;
    this.#onDistinct = onDistinct;
    this.#makePatcher = makePatcher;
  }

  get streaming(): boolean {
    return this.device !== null;
  }

  /** The newest JPEG exactly as the device sent it (a view of `latest`). */
  get latestJpeg(): Buffer | null {
    return this.latest ? this.latest.subarray(VIEWER_HEADER_BYTES) : null;
  }

  /**
   * A legacy frame: `base64` is a view of the received message. Throws
   * ProtocolError (invalid base64, not a JPEG) without touching the channel.
   */
  ingestBase64(base64: Buffer, hostTs: number | undefined, messageBytes: number): void {
    const now = Date.now();
    if (this.#previousIsBase64 && this.#previous !== null && base64.equals(this.#previous)) {
      this.#countIn(messageBytes, now);
      this.#countDedup();
      return;
    }
    const frame = decodeBase64Jpeg(base64, VIEWER_HEADER_BYTES);
    this.#previous = base64;
    this.#previousIsBase64 = true;
    this.#countIn(messageBytes, now);
    this.#publish(writeViewerFrameHeader(frame, this.#nextSeq(), now, hostTs), now);
  }

  /** A binary v1 frame (`jpeg` already checked by the parser). */
  ingestJpeg(jpeg: Buffer, hostTs: number, messageBytes: number): void {
    const now = Date.now();
    this.#countIn(messageBytes, now);
    if (!this.#previousIsBase64 && this.#previous !== null && jpeg.equals(this.#previous)) {
      this.#countDedup();
      return;
    }
    this.#previous = jpeg;
    this.#previousIsBase64 = false;
    this.#publish(encodeViewerFrame(jpeg, this.#nextSeq(), now, hostTs), now);
  }

  /** A binary v1 "unchanged" marker. */
  ingestUnchanged(messageBytes: number): void {
    this.#countIn(messageBytes, Date.now());
    this.#countDedup();
  }

  #countIn(messageBytes: number, now: number): void {
    this.framesIn++;
    this.bytesIn += messageBytes;
    this.lastFrameAt = now;
    this.#metrics.framesIn.inc();
    this.#metrics.bytesIn.inc(messageBytes);
  }

  #countDedup(): void {
    this.framesDeduplicated++;
    this.#metrics.framesDeduplicated.inc();
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  #publish(frame: Buffer, now: number): void {
    this.#fps.record(now);
    this.latestIngestAt = performance.now();
    this.latest = frame;
    this.#onDistinct?.(this.uuid, frame.subarray(VIEWER_HEADER_BYTES), now);
    let sent = 0;
    let patchViewers = 0;
    for (const viewer of this.viewers) {
      // Patch viewers get this frame from the encoder, as a patch or whole, once it is encoded.
      if (viewer.patches && this.#makePatcher !== null) patchViewers++;
      else if (viewer.offer(frame)) sent++;
    }
    if (sent > 0) this.onViewerSent(sent, frame.length, performance.now() - this.latestIngestAt);
    if (patchViewers > 0) {
      this.#patcher ??= this.#makePatcher!((update) => this.#deliverPatch(update));
      this.#patcher.push(frame.subarray(VIEWER_HEADER_BYTES), frame);
    } else {
      // Nobody wants patches: no decoding, and no decoded screen kept.
      this.#patcher?.reset();
    }
  }

  /**
   * A patch viewer joined (and was sent the latest frame): make sure the encoder
   * holds that screen's decode, so the next frame can already be a patch.
   */
  primePatches(): void {
    if (this.#makePatcher === null || this.latest === null) return;
    this.#patcher ??= this.#makePatcher((update) => this.#deliverPatch(update));
    if (this.#patcher.baseSeq !== viewerFrameSeq(this.latest)) this.#patcher.push(this.latest.subarray(VIEWER_HEADER_BYTES), this.latest);
  }

  /** An encoded frame for the patch viewers: each gets the patch if it shows its base, else the whole frame. */
  #deliverPatch(update: PatchUpdate): void {
    let sent = 0;
    let bytes = 0;
    for (const viewer of this.viewers) {
      if (!viewer.patches) continue;
      const message = viewer.offerPatch(update);
      if (message) {
        sent++;
        bytes += message.length;
      }
    }
    if (sent === 0) return;
    this.framesOut += sent;
    this.#metrics.framesOut.inc(sent);
    this.#metrics.bytesOut.inc(bytes);
    // serverTs (epoch ms) is in the frame header: latency from ingest to the patch viewers' sends.
    this.#metrics.relayLatency.observe(Math.max(0, Date.now() - update.frame.readDoubleBE(8)) / 1000);
  }

  /** Forgets the dedup reference, so the next frame is relayed whatever it is (new device connection). */
  resetDedup(): void {
    this.#previous = null;
  }

  /**
   * `count` viewers were sent a frame of `bytes`; `latencyMs` is from its ingest to
   * the last of those sends (null: not a relay, e.g. the catch-up frame for a
   * joining viewer). One call per fan-out keeps prom-client off the per-viewer
   * path, where three metric updates would cost more than the send.
   */
  onViewerSent(count: number, bytes: number, latencyMs: number | null): void {
    this.framesOut += count;
    this.#metrics.framesOut.inc(count);
    this.#metrics.bytesOut.inc(count * bytes);
    if (latencyMs !== null) this.#metrics.relayLatency.observe(latencyMs / 1000);
  }

  onViewerSkipped(): void {
    this.framesSkipped++;
    this.#metrics.framesSkipped.inc();
  }

  stats(now = Date.now()): ChannelStats {
    return {
      fps: this.#fps.rate(now),
      framesIn: this.framesIn,
      framesDeduplicated: this.framesDeduplicated,
      framesOut: this.framesOut,
      framesSkipped: this.framesSkipped,
      bytesIn: this.bytesIn,
      lastFrameAt: this.lastFrameAt,
    };
  }

  statusEvent(): string {
    const event: ViewerEvent = { type: 'status', uuid: this.uuid, status: this.status, streaming: this.streaming };
    return JSON.stringify(event);
  }

  statsEvent(now = Date.now()): string {
    const s = this.stats(now);
    const event: ViewerEvent = {
      type: 'stats',
      uuid: this.uuid,
      fps: s.fps,
      viewers: this.viewers.size,
      bytesIn: s.bytesIn,
      lastFrameAt: s.lastFrameAt,
      framesIn: s.framesIn,
      framesDeduplicated: s.framesDeduplicated,
    };
    return JSON.stringify(event);
  }

  /**
   * The stats event to broadcast at this tick, or null. The audience changing
   * is news at once; counters and fps are refreshed every `refreshMs`, and
   * never when nothing changed. Viewers measure fps and throughput themselves
   * (the web app reads only `viewers`), and a message to every viewer every
   * second cost the server ~1 ms of CPU per second at 10 viewers (bench:
   * `--experiment stats-60000`), a tenth of its figure per delivered frame.
   */
  statsEventIfChanged(now: number, refreshMs: number): string | null {
    const viewers = this.viewers.size;
    if (viewers === this.#lastStatsViewers && now - this.#lastStatsAt < refreshMs) return null;
    const text = this.statsEvent(now);
    if (text === this.#lastStatsEvent) return null;
    this.#lastStatsEvent = text;
    this.#lastStatsViewers = viewers;
    this.#lastStatsAt = now;
    return text;
  }

  /** Sends a status event to every viewer (never dropped for congestion: it is small and rare). */
  broadcastStatus(): void {
    const text = this.statusEvent();
    for (const viewer of this.viewers) viewer.sendText(text, true);
  }
}
