/**
 * One viewer socket. Frames are never queued: at most one frame is in flight
 * per viewer (tracked by the send callback, which fires once the bytes are
 * handed to the kernel). A frame offered while one is in flight, or while the
 * socket holds more than the buffered-bytes limit, is skipped and the viewer is
 * marked stale; when its in-flight send completes it gets the newest frame,
 * never a backlog. So a congested viewer holds at most one frame of server
 * memory and never delays the others.
 *
 * The send callback only says the kernel took the bytes, and the kernel's
 * socket buffers (sender and receiver, autotuned to tens of MB) can hold
 * hundreds of frames for a viewer that stopped reading. Viewers ack their
 * frames (`{"type":"ack","seq"}`, cumulative, see @booxstream/protocol), and a
 * viewer is also congested while VIEWER_ACK_WINDOW frames it was sent are
 * unacknowledged, from its very first frame on, so what it reads after a
 * stall is at most that many older frames, then the newest.
 *
 * Budgets (README "Budgets"): a viewer sending messages faster than its rate
 * is closed with 4008; one whose socket would queue more than its cap is cut
 * off with 4012. Skipped frames are counted only once the viewer can no
 * longer get them (a newer frame superseded them, or it left).
 */
import { CloseCode, PATCH_KEYFRAME_EVERY, VIEWER_ACK_WINDOW, ViewerFrameKind, parseViewerAckBytes, parseViewerClientMessage, viewerFrameSeq } from '@booxstream/protocol';
import type { PatchUpdate } from './patch-encoder.js';
import { WebSocket } from 'ws';
import type { Identity } from '../identity/identity.js';
import { MessageBudget } from './message-budget.js';
import { cutOff, type RelaySocket } from './relay-socket.js';
import { SentSeqs } from './sent-seqs.js';

export interface ViewerHost {
  /** The newest viewer frame of the channel, if any. */
  readonly latest: Buffer | null;
  /** `performance.now()` at the newest frame's ingest. */
  readonly latestIngestAt: number;
  /** `count` sends of a `bytes` frame, the last `latencyMs` after its ingest (null: not a relay). */
  onViewerSent(count: number, bytes: number, latencyMs: number | null): void;
  onViewerSkipped(): void;
}

/** The relay's own accounting for one viewer (exposed for tests and debugging). */
export interface ViewerSnapshot {
  readonly username: string;
  readonly framesSent: number;
  readonly framesSkipped: number;
  readonly inFlight: boolean;
  /** Whether the viewer acks frames (flow control beyond the kernel's buffers). */
  readonly acking: boolean;
  /** Frames sent but not yet acked (at most VIEWER_ACK_WINDOW). */
  readonly unacked: number;
  /** Bytes the socket holds unsent now. */
  readonly bufferedBytes: number;
  /** The most bytes the socket held right after any of our sends. */
  readonly peakBufferedBytes: number;
  /** Of `framesSent`, how many were patches. */
  readonly patchesSent: number;
}

/** Shared by every send: frames are JPEG, compressing them again would only cost CPU. */
const FRAME_SEND_OPTIONS = Object.freeze({ binary: true, compress: false });

export interface ViewerOptions {
  /** A socket holding more unsent bytes than this is skipped. */
  readonly maxBufferedBytes: number;
  /** A socket that would hold more unsent bytes than this is cut off as not reading (4012). */
  readonly maxQueuedBytes: number;
  /** Messages per second the viewer may send (bursts of twice that); over it, close 4008. */
  readonly messageRate: number;
  /** Called when the viewer breaks a budget and is cut off. */
  readonly onCut: (viewer: Viewer, reason: 'message-rate' | 'not-reading') => void;
  /** Called once when the socket has closed. */
  readonly onClose: (viewer: Viewer) => void;
  /** The viewer asked for patches (`?patches=1`). */
  readonly patches?: boolean;
}

export class Viewer {
  readonly ws: RelaySocket;
  readonly identity: Identity;
  readonly #host: ViewerHost;
  readonly #maxBuffered: number;
  readonly #options: ViewerOptions;
  readonly #messages: MessageBudget;
  #cut = false;
  #inFlight = false;
  /** The newest frame this viewer was skipped over and may still get (the catch-up sends it); null when none. */
  #staleFrame: Buffer | null = null;
  #lastSent: Buffer | null = null;
  /** Seqs sent and not yet acked, oldest first (counted in frames: seqs skip over skipped frames). */
  readonly #unacked = new SentSeqs(VIEWER_ACK_WINDOW);
  #lastAckedSeq = 0;
  #acking = false;
  #framesSent = 0;
  #framesSkipped = 0;
  #peakBuffered = 0;
  /** Whether this viewer asked for patches instead of every full frame. */
  readonly patches: boolean;
  /** Seq of the screen this viewer was last sent (a frame or a patch); null before the first. */
  #shownSeq: number | null = null;
  /** Patches sent since the last full frame. */
  #patchRun = 0;
  #patchesSent = 0;

  /** Takes an open, authorised socket and every listener on it (the heartbeat adds its own). */
  constructor(ws: RelaySocket, identity: Identity, host: ViewerHost, options: ViewerOptions) {
    this.ws = ws;
    this.identity = identity;
    this.#host = host;
    this.#maxBuffered = options.maxBufferedBytes;
    this.patches = options.patches ?? false;
    this.#options = options;
    this.#messages = new MessageBudget(options.messageRate);
    ws.on('message', this.#onMessage);
    // A viewer's socket errors (a reset, a framing error) are its own; ws closes the socket after them.
    ws.on('error', () => undefined);
    ws.once('close', () => {
      // A frame it was skipped over and never got after all.
      if (this.#staleFrame !== null) this.#countSkip();
      this.#staleFrame = null;
      options.onClose(this);
    });
  }

  /**
   * True when a frame offered now would be skipped. The ack window applies
   * from the first frame: a viewer that has not acked yet (a tab frozen right
   * after joining) gets no more than the window either, since the kernel's
   * buffers would hold whatever more it was sent.
   */
  get congested(): boolean {
    return this.#inFlight || this.ws.bufferedAmount > this.#maxBuffered || this.#unacked.size >= VIEWER_ACK_WINDOW;
  }

  /**
   * Offers the channel's newest frame; sends it now or marks the viewer stale.
   * Returns true if sent; the caller counts the send (once per fan-out).
   */
  offer(frame: Buffer): boolean {
    if (frame === this.#lastSent) return false;
    if (this.congested) {
      // Skipped frames are counted once they can no longer reach the viewer: the
      // previous stale frame now, this one when a newer frame supersedes it.
      if (this.#staleFrame !== null) this.#countSkip();
      this.#staleFrame = frame;
      return false;
    }
    this.#send(frame);
    return true;
  }

  /**
   * Patch viewers: the encoded form of a distinct frame. The patch goes out when
   * this viewer shows exactly its base, and no keyframe is due; otherwise the
   * whole frame (after a skip, on join, every PATCH_KEYFRAME_EVERY patches). A
   * viewer that already has this screen (it caught up with a newer full frame)
   * gets nothing. Returns the message sent, or null.
   */
  offerPatch(update: PatchUpdate): Buffer | null {
    if (this.#shownSeq !== null && ((this.#shownSeq - update.seq) >>> 0) < 0x80000000) return null;
    if (this.congested) {
      // As in offer(): counted once it can no longer reach the viewer.
      if (this.#staleFrame !== null) this.#countSkip();
      this.#staleFrame = update.frame;
      return null;
    }
    const usePatch = update.patch !== null && update.baseSeq === this.#shownSeq && this.#patchRun < PATCH_KEYFRAME_EVERY;
    const message = usePatch ? update.patch! : update.frame;
    this.#send(message);
    if (usePatch) {
      this.#patchRun++;
      this.#patchesSent++;
    }
    return message;
  }

  /** Sends a small JSON event unless the socket is congested (stats may be dropped; status events use `force`). */
  sendText(text: string, force = false): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (!force && this.ws.bufferedAmount > this.#maxBuffered) return;
    if (!this.#roomFor(text.length)) return;
    this.ws.send(text);
  }

  snapshot(): ViewerSnapshot {
    return {
      username: this.identity.username,
      framesSent: this.#framesSent,
      framesSkipped: this.#framesSkipped,
      inFlight: this.#inFlight,
      acking: this.#acking,
      unacked: this.#unacked.size,
      bufferedBytes: this.ws.bufferedAmount,
      peakBufferedBytes: this.#peakBuffered,
      patchesSent: this.#patchesSent,
    };
  }

  #countSkip(): void {
    this.#framesSkipped++;
    this.#host.onViewerSkipped();
  }

  /** False (and the viewer cut off) when `bytes` more would pass the queued-bytes cap: a viewer that does not read is never buffered for. */
  #roomFor(bytes: number): boolean {
    if (this.ws.bufferedAmount + bytes <= this.#options.maxQueuedBytes) return true;
    this.#cutOff('not-reading', CloseCode.NotReading, 'The viewer does not read what the server sends.');
    return false;
  }

  #cutOff(reason: 'message-rate' | 'not-reading', code: number, message: string): void {
    if (this.#cut) return;
    this.#cut = true;
    this.#options.onCut(this, reason);
    cutOff(this.ws, code, message);
  }

  #send(frame: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN || !this.#roomFor(frame.length)) return;
    if (this.#staleFrame !== null && this.#staleFrame !== frame) this.#countSkip();
    this.#staleFrame = null;
    this.#inFlight = true;
    this.#lastSent = frame;
    const seq = viewerFrameSeq(frame);
    this.#shownSeq = seq;
    // A full frame starts a new run of patches (offerPatch counts the patches).
    if (frame[1] !== ViewerFrameKind.Patch) this.#patchRun = 0;
    this.#unacked.push(seq);
    this.#framesSent++;
    this.ws.send(frame, FRAME_SEND_OPTIONS, this.#onSent);
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.#peakBuffered) this.#peakBuffered = buffered;
  }

  /** A viewer that was skipped gets the newest frame as soon as it is no longer congested. */
  #catchUp(): void {
    if (this.#staleFrame === null || this.congested) return;
    const latest = this.#host.latest;
    if (latest && latest !== this.#lastSent) {
      this.#send(latest);
      this.#host.onViewerSent(1, latest.length, performance.now() - this.#host.latestIngestAt);
    } else {
      this.#countSkip();
      this.#staleFrame = null;
    }
  }

  readonly #onSent = (err?: Error | null): void => {
    this.#inFlight = false;
    if (!err) this.#catchUp();
  };

  readonly #onMessage = (data: Buffer, isBinary: boolean): void => {
    if (this.#cut) return;
    if (!this.#messages.take()) {
      this.#cutOff('message-rate', CloseCode.TooManyMessages, `Too many messages: more than ${this.#options.messageRate} per second.`);
      return;
    }
    if (isBinary) return;
    const seq = parseViewerAckBytes(data) ?? parseViewerClientMessage(data.toString())?.seq;
    if (seq === undefined) return; // viewers have nothing else to say; unknown messages are ignored
    // Only acks for frames this viewer was sent, and only forward: a stray or
    // stale seq must not open or shut the window.
    const newest = this.#unacked.newest;
    if (newest === undefined || ((newest - seq) >>> 0) > 0x7fffffff) return;
    if (this.#acking && ((seq - this.#lastAckedSeq) >>> 0) > 0x7fffffff) return;
    this.#acking = true;
    this.#lastAckedSeq = seq;
    this.#unacked.ackThrough(seq);
    this.#catchUp();
  };
}
