/**
 * Viewer side of the wire: what the server sends a signed-in browser on
 * `GET /api/hosts/:uuid/stream` (WebSocket).
 *
 * Binary messages are frames. Each is a 24-byte header followed by the JPEG
 * exactly as the device sent it (base64-decoded once on ingest). The server
 * builds one such buffer per frame and sends that same buffer to every viewer.
 *
 *   offset size  field
 *   0      u8    version        = 1
 *   1      u8    kind           1 = JPEG frame, 2 = patch (patch.ts; only to viewers that ask)
 *   2      u16   header length  bytes before the JPEG (24 in v1; skip unknown extra bytes)
 *   4      u32   seq            per-host frame number, +1 per distinct frame ingested
 *   8      f64   serverTs       server clock at ingest, epoch ms
 *   16     f64   hostTs         device clock when captured, epoch ms (NaN if unknown)
 *   24     ...   JPEG
 *
 * All integers big-endian. A viewer that sees a gap in `seq` was skipped over
 * (it was congested, or joined late): frames are dropped, never queued.
 *
 * Text messages are JSON {@link ViewerEvent}s: host status, and stats (on join,
 * when the audience changes, and every few seconds while the counters change).
 *
 * Flow control: a viewer acks cumulatively with a text message
 * `{"type":"ack","seq":<seq>}`, the seq of the newest frame it has received,
 * on its first frame and then once every {@link VIEWER_ACK_EVERY} frames
 * ({@link ViewerAcker} does exactly that). From its first ack on, the server
 * keeps at most {@link VIEWER_ACK_WINDOW} frames unacknowledged and skips to the
 * newest frame otherwise. Without acks the server can only see its own send
 * buffer, while the kernel's socket buffers (tens of MB on Linux with
 * autotuning) can still hold hundreds of old frames for a viewer that stopped
 * reading; with acks, a viewer that resumes gets the newest frame after at most
 * the window, not a backlog. The window is twice the ack interval so a viewer
 * that keeps up never waits for its own ack; acking every k-th frame, not every
 * frame, divides the cost of acks (a message each way through two kernels) by k.
 * A viewer that acks every frame is still correct, only dearer.
 */
import { ProtocolError } from './errors.js';
import type { HostStatus } from './api.js';

export const VIEWER_PROTOCOL_VERSION = 1;
/** `Jpeg`: a whole frame; `Patch`: the changed rectangles since an earlier frame (patch.ts). */
export const ViewerFrameKind = { Jpeg: 1, Patch: 2 } as const;
export const VIEWER_HEADER_BYTES = 24;
/** Where `seq` sits in the header (see the layout above). */
const SEQ_OFFSET = 4;

export interface ViewerFrameHeader {
  readonly version: number;
  readonly kind: number;
  readonly headerLength: number;
  readonly seq: number;
  readonly serverTs: number;
  readonly hostTs: number;
}

/** Builds the one buffer that goes to every viewer of a host for this frame. */
export function encodeViewerFrame(jpeg: Uint8Array, seq: number, serverTs: number, hostTs: number | undefined): Buffer {
  const out = Buffer.allocUnsafe(VIEWER_HEADER_BYTES + jpeg.length);
  out.set(jpeg, VIEWER_HEADER_BYTES);
  return writeViewerFrameHeader(out, seq, serverTs, hostTs);
}

/**
 * Writes the header into the first {@link VIEWER_HEADER_BYTES} of `frame`, whose
 * JPEG already follows them (e.g. decoded there by `decodeBase64Jpeg(b64, VIEWER_HEADER_BYTES)`).
 * Returns `frame`.
 */
export function writeViewerFrameHeader(frame: Buffer, seq: number, serverTs: number, hostTs: number | undefined): Buffer {
  frame.writeUInt8(VIEWER_PROTOCOL_VERSION, 0);
  frame.writeUInt8(ViewerFrameKind.Jpeg, 1);
  frame.writeUInt16BE(VIEWER_HEADER_BYTES, 2);
  frame.writeUInt32BE(seq >>> 0, SEQ_OFFSET);
  frame.writeDoubleBE(serverTs, 8);
  frame.writeDoubleBE(hostTs ?? Number.NaN, 16);
  return frame;
}

/**
 * The seq of a frame this side built (no checks, no allocation: the relay
 * reads it once per send, on frames it wrote with {@link writeViewerFrameHeader}).
 * Use {@link decodeViewerFrameHeader} on frames from the wire.
 */
export function viewerFrameSeq(frame: Buffer): number {
  return frame.readUInt32BE(SEQ_OFFSET);
}

/**
 * Reads a frame header. Works on any ArrayBuffer view, so the browser can call
 * it on a WebSocket `ArrayBuffer` without Node's Buffer.
 */
export function decodeViewerFrameHeader(bytes: ArrayBuffer | ArrayBufferView): ViewerFrameHeader {
  const view = bytes instanceof ArrayBuffer
    ? new DataView(bytes)
    : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.byteLength < VIEWER_HEADER_BYTES) {
    throw new ProtocolError('PROTO_ERR_BAD_HEADER', `viewer frame is ${view.byteLength} bytes, shorter than its header`);
  }
  const version = view.getUint8(0);
  if (version !== VIEWER_PROTOCOL_VERSION) {
    throw new ProtocolError('PROTO_ERR_UNSUPPORTED_VERSION', `viewer frame version ${version} is not supported`, 'version');
  }
  const headerLength = view.getUint16(2);
  if (headerLength < VIEWER_HEADER_BYTES || headerLength > view.byteLength) {
    throw new ProtocolError('PROTO_ERR_BAD_HEADER', `viewer frame header length ${headerLength} is out of range`, 'headerLength');
  }
  return {
    version,
    kind: view.getUint8(1),
    headerLength,
    seq: view.getUint32(SEQ_OFFSET),
    serverTs: view.getFloat64(8),
    hostTs: view.getFloat64(16),
  };
}

/** A viewer acks on its first frame and then once every this many frames received. */
export const VIEWER_ACK_EVERY = 4;

/** Frames the server sends an acking viewer before it waits for an ack (it skips to the newest meanwhile). */
export const VIEWER_ACK_WINDOW = 2 * VIEWER_ACK_EVERY;

/** Viewer → server text messages. */
export type ViewerClientMessage = { readonly type: 'ack'; readonly seq: number };

/** Builds the (cumulative) ack for every frame up to `seq`. */
export function encodeViewerAck(seq: number): string {
  return `{"type":"ack","seq":${seq >>> 0}}`;
}

/**
 * The viewer's side of flow control: given each frame's seq on receipt, says
 * when to ack. One per connection (a new connection must ack its first frame).
 */
export class ViewerAcker {
  readonly #every: number;
  #sinceAck = -1;

  constructor(every = VIEWER_ACK_EVERY) {
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`ViewerAcker: every must be a positive integer, got ${every}`);
    this.#every = every;
  }

  /** The ack to send now for a frame just received, or null. */
  onFrame(seq: number): string | null {
    if (this.#sinceAck >= 0 && ++this.#sinceAck < this.#every) return null;
    this.#sinceAck = 0;
    return encodeViewerAck(seq);
  }
}

// The exact bytes encodeViewerAck writes before the digits; matched on the
// socket's Buffer so the server pays no string decode or regex per ack.
// (A Uint8Array, not a Buffer: this module also runs in the browser.)
const ACK_PREFIX = Uint8Array.from('{"type":"ack","seq":', (c) => c.charCodeAt(0));
const CLOSE_BRACE = 0x7d;

/**
 * Reads an ack in exactly encodeViewerAck's spelling straight from the bytes;
 * undefined when the bytes are anything else (then use
 * {@link parseViewerClientMessage} on the text).
 */
export function parseViewerAckBytes(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  const prefix = ACK_PREFIX.length;
  if (n < prefix + 2 || n > prefix + 11 || bytes[n - 1] !== CLOSE_BRACE) return undefined;
  for (let i = 0; i < prefix; i++) if (bytes[i] !== ACK_PREFIX[i]) return undefined;
  let seq = 0;
  for (let i = prefix; i < n - 1; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    seq = seq * 10 + d;
  }
  return seq <= 0xffffffff ? seq : undefined;
}

// The exact text encodeViewerAck writes, for callers that hold a string.
const ACK_TEXT = /^\{"type":"ack","seq":(\d{1,10})\}$/;

/** Reads a viewer's text message; null if it is not one the server understands. */
export function parseViewerClientMessage(text: string): ViewerClientMessage | null {
  const fast = ACK_TEXT.exec(text);
  if (fast) {
    const seq = Number(fast[1]);
    return seq <= 0xffffffff ? { type: 'ack', seq } : null;
  }
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const { type, seq } = msg as Record<string, unknown>;
  if (type === 'ack' && typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && seq <= 0xffffffff) return { type: 'ack', seq };
  return null;
}

/** Stats of one host's stream: sent to a viewer as it joins, when the audience changes, and every few seconds while these change. */
export interface StreamStats {
  /** Distinct frames ingested per second over the last few seconds. */
  readonly fps: number;
  readonly viewers: number;
  readonly bytesIn: number;
  /** Epoch ms of the latest frame (distinct or identical), or null. */
  readonly lastFrameAt: number | null;
  readonly framesIn: number;
  readonly framesDeduplicated: number;
}

/** JSON text messages from server to viewer. */
export type ViewerEvent =
  | { readonly type: 'status'; readonly uuid: string; readonly status: HostStatus; readonly streaming: boolean }
  | ({ readonly type: 'stats'; readonly uuid: string } & StreamStats)
  | { readonly type: 'error'; readonly code: string; readonly message: string };
