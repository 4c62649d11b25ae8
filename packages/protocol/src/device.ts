/**
 * Device side of the wire: what a streaming tablet sends and receives.
 *
 * Two encodings share one socket (`/android-ws`, or the root of the LAN device port):
 *  - legacy JSON text frames, exactly as the installed Android app sends them
 *    (packages/protocol/ANDROID-APP.md §2): `auth`, then `frame`
 *    messages carrying a base64 JPEG;
 *  - binary v1 frames for new clients, after the same JSON `auth`: a 12-byte
 *    header and the raw JPEG, with no base64 and no JSON to parse.
 *
 * Parsing is written for the hot path: a legacy frame message is ~55-160 KB and
 * arrives 10 times a second per device, so the common shape is recognised by
 * its prefix without `JSON.parse`, and the base64 text is handed back as a view
 * of the received buffer so the relay can compare it with the previous frame
 * before paying for the decode.
 */
import { ProtocolError } from './errors.js';

/** `{"type":"auth","token":"…"}`: the first message on a device socket. */
export interface AuthMessage {
  readonly type: 'auth';
  readonly token: string;
}

/** A legacy `frame` message. `base64` is a view of the received bytes, not a copy. */
export interface Base64FrameMessage {
  readonly type: 'frame';
  readonly base64: Buffer;
  /** Device clock, epoch ms; `undefined` if the client sent none. */
  readonly timestamp: number | undefined;
}

/** A binary v1 frame from a new client. */
export interface BinaryFrameMessage {
  readonly type: 'binary-frame';
  /** The JPEG, a view of the received bytes. */
  readonly jpeg: Buffer;
  readonly timestamp: number;
}

/** A binary v1 "nothing changed since my previous frame" marker. */
export interface UnchangedMessage {
  readonly type: 'unchanged';
  readonly timestamp: number;
}

export type DeviceMessage = AuthMessage | Base64FrameMessage | BinaryFrameMessage | UnchangedMessage;

/** Server → device answers (JSON text). The Android app only logs `authenticated`. */
export interface AuthenticatedReply {
  readonly type: 'authenticated';
  readonly uuid: string;
  /** Encodings this server accepts after auth; unknown fields are ignored by the app. */
  readonly protocols: readonly DeviceEncoding[];
}
export interface DeviceErrorReply {
  readonly type: 'error';
  /** Plain words: the Android app shows nothing else before it stops streaming. */
  readonly message: string;
}
export type DeviceEncoding = 'json-base64/1' | 'binary/1';
export const DEVICE_ENCODINGS: readonly DeviceEncoding[] = ['json-base64/1', 'binary/1'];

// ---------------------------------------------------------------------------
// Binary v1 device frame
//
//   offset size  field
//   0      u8    version        = 1
//   1      u8    kind           1 = JPEG frame, 2 = unchanged (no payload)
//   2      u16   header length  bytes before the payload (>= 12; larger = future fields)
//   4      f64   timestamp      device clock, epoch ms
//   12     ...   payload        the JPEG (kind 1)
//
// All integers big-endian (network order).
// ---------------------------------------------------------------------------
export const DEVICE_BINARY_VERSION = 1;
export const DeviceFrameKind = { Jpeg: 1, Unchanged: 2 } as const;
export const DEVICE_HEADER_BYTES = 12;

/** Builds a binary v1 device message (used by new clients and tests). */
export function encodeDeviceFrame(jpeg: Buffer | null, timestamp: number): Buffer {
  const out = Buffer.allocUnsafe(DEVICE_HEADER_BYTES + (jpeg?.length ?? 0));
  out.writeUInt8(DEVICE_BINARY_VERSION, 0);
  out.writeUInt8(jpeg ? DeviceFrameKind.Jpeg : DeviceFrameKind.Unchanged, 1);
  out.writeUInt16BE(DEVICE_HEADER_BYTES, 2);
  out.writeDoubleBE(timestamp, 4);
  if (jpeg) jpeg.copy(out, DEVICE_HEADER_BYTES);
  return out;
}

function parseBinary(buf: Buffer): BinaryFrameMessage | UnchangedMessage {
  if (buf.length < DEVICE_HEADER_BYTES) {
    throw new ProtocolError('PROTO_ERR_BAD_HEADER', `binary frame is ${buf.length} bytes, shorter than its ${DEVICE_HEADER_BYTES}-byte header`);
  }
  const version = buf.readUInt8(0);
  if (version !== DEVICE_BINARY_VERSION) {
    throw new ProtocolError('PROTO_ERR_UNSUPPORTED_VERSION', `binary frame version ${version} is not supported (expected ${DEVICE_BINARY_VERSION})`, 'version');
  }
  const headerLength = buf.readUInt16BE(2);
  if (headerLength < DEVICE_HEADER_BYTES || headerLength > buf.length) {
    throw new ProtocolError('PROTO_ERR_BAD_HEADER', `binary frame header length ${headerLength} is out of range`, 'headerLength');
  }
  const timestamp = buf.readDoubleBE(4);
  if (!Number.isFinite(timestamp)) {
    throw new ProtocolError('PROTO_ERR_INVALID_FIELD', 'binary frame timestamp is not a finite number', 'timestamp');
  }
  const kind = buf.readUInt8(1);
  if (kind === DeviceFrameKind.Unchanged) return { type: 'unchanged', timestamp };
  if (kind !== DeviceFrameKind.Jpeg) {
    throw new ProtocolError('PROTO_ERR_UNKNOWN_TYPE', `binary frame kind ${kind} is unknown`, 'kind');
  }
  const jpeg = buf.subarray(headerLength);
  assertJpeg(jpeg);
  return { type: 'binary-frame', jpeg, timestamp };
}

// The Android app's frame messages start with exactly these bytes (org.json and
// Gson both keep insertion order and add no spaces).
const FRAME_PREFIX = Buffer.from('{"type":"frame","data":"', 'latin1');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TAIL_TIMESTAMP = /^\s*,\s*"timestamp"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*\}\s*$/;
const TAIL_EMPTY = /^\s*\}\s*$/;

/**
 * Parses one device message. `isBinary` is the WebSocket frame's opcode flag.
 * Throws {@link ProtocolError} naming the message or field at fault.
 */
export function parseDeviceMessage(data: Buffer, isBinary: boolean): DeviceMessage {
  if (isBinary) return parseBinary(data);

  if (data.length > FRAME_PREFIX.length && data.compare(FRAME_PREFIX, 0, FRAME_PREFIX.length, 0, FRAME_PREFIX.length) === 0) {
    const end = data.indexOf(QUOTE, FRAME_PREFIX.length);
    // A backslash means the sender escaped something (org.json writes "\/");
    // let the full JSON parser deal with escapes.
    if (end > 0 && data.lastIndexOf(BACKSLASH, end) < FRAME_PREFIX.length) {
      const tail = data.toString('latin1', end + 1);
      const m = TAIL_TIMESTAMP.exec(tail);
      if (m || TAIL_EMPTY.test(tail)) {
        return {
          type: 'frame',
          base64: data.subarray(FRAME_PREFIX.length, end),
          timestamp: m ? Number(m[1]) : undefined,
        };
      }
    }
  }
  return parseJsonMessage(data);
}

function parseJsonMessage(data: Buffer): DeviceMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new ProtocolError('PROTO_ERR_MALFORMED_JSON', `message is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    throw new ProtocolError('PROTO_ERR_MALFORMED_JSON', 'message must be a JSON object');
  }
  const obj = msg as Record<string, unknown>;
  switch (obj.type) {
    case 'auth':
      if (typeof obj.token !== 'string' || obj.token.length === 0 || obj.token.length > 512) {
        throw new ProtocolError('PROTO_ERR_INVALID_FIELD', 'auth message needs a "token" string of 1-512 characters', 'token');
      }
      return { type: 'auth', token: obj.token };
    case 'frame': {
      if (typeof obj.data !== 'string') {
        throw new ProtocolError('PROTO_ERR_INVALID_FIELD', 'frame message needs a "data" string (base64 JPEG)', 'data');
      }
      if (obj.timestamp !== undefined && (typeof obj.timestamp !== 'number' || !Number.isFinite(obj.timestamp))) {
        throw new ProtocolError('PROTO_ERR_INVALID_FIELD', 'frame "timestamp" must be a number (epoch ms)', 'timestamp');
      }
      return { type: 'frame', base64: Buffer.from(obj.data, 'latin1'), timestamp: obj.timestamp as number | undefined };
    }
    case undefined:
      throw new ProtocolError('PROTO_ERR_INVALID_FIELD', 'message has no "type" field', 'type');
    default:
      throw new ProtocolError('PROTO_ERR_UNKNOWN_TYPE', `message type ${JSON.stringify(obj.type).slice(0, 40)} is unknown`, 'type');
  }
}

/**
 * Decodes a frame's base64 text into JPEG bytes and checks them.
 *
 * `headroom` bytes are left unwritten before the JPEG, so the caller can write a
 * header in place (the relay puts the viewer frame header there) instead of
 * allocating and copying the frame a second time. The returned buffer is the
 * headroom followed by the JPEG.
 *
 * Node's decoder skips characters outside the alphabet instead of failing, so
 * validity is checked by length: well-formed padded base64 of length n decodes
 * to exactly 3n/4 - padding bytes; any skipped character makes it shorter.
 */
export function decodeBase64Jpeg(base64: Buffer, headroom = 0): Buffer {
  const n = base64.length;
  if (n === 0 || n % 4 !== 0) {
    throw new ProtocolError('PROTO_ERR_INVALID_BASE64', `frame "data" is not padded base64 (length ${n} is not a positive multiple of 4)`, 'data');
  }
  const padding = (base64[n - 1] === 0x3d ? 1 : 0) + (base64[n - 2] === 0x3d ? 1 : 0);
  const expected = (n / 4) * 3 - padding;
  const out = Buffer.allocUnsafe(headroom + expected);
  const written = out.write(base64.toString('latin1'), headroom, 'base64');
  if (written !== expected) {
    throw new ProtocolError('PROTO_ERR_INVALID_BASE64', 'frame "data" contains characters outside the base64 alphabet', 'data');
  }
  assertJpeg(headroom === 0 ? out : out.subarray(headroom));
  return out;
}

/** JPEG files start with SOI (FF D8) followed by a marker (FF). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function assertJpeg(bytes: Buffer): void {
  if (!isJpeg(bytes)) {
    throw new ProtocolError('PROTO_ERR_NOT_JPEG', 'frame data is not a JPEG image (missing the FF D8 FF start marker)', 'data');
  }
}

/** Serialises the legacy frame message exactly as the Android app does. */
export function encodeLegacyFrame(jpeg: Buffer, timestamp: number): string {
  return `{"type":"frame","data":"${jpeg.toString('base64')}","timestamp":${Math.trunc(timestamp)}}`;
}
