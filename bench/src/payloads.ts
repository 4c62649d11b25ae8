/**
 * Device payloads: JPEG-shaped byte strings and the legacy JSON frame message
 * that carries them, built once before a measured window and re-stamped in
 * place per send, so the driver spends nearly nothing per frame.
 *
 * Each JPEG carries a marker in a COM segment: magic `BXB1`, a u32 stream tag
 * (which host sent it) and a u32 frame id. Viewers read it back to match a
 * receipt to its send time and host, on the server (whose viewer frames carry
 * the JPEG unchanged after a header) and on the floor relay (which sends the
 * bare JPEG) alike. The marker starts at a multiple of 3 in the JPEG, so its
 * 12 bytes map to exactly 16 base64 characters that can be overwritten in the
 * prepared message without re-encoding the rest.
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '@booxstream/host-client';

export const MARKER_MAGIC = Buffer.from('BXB1', 'latin1');
export const MARKER_BYTES = 12;
/** The marker is looked for in the first bytes only: it sits right after SOI/APP0. */
const MARKER_SEARCH_BYTES = 256;

const SOI = [0xff, 0xd8];
const EOI = [0xff, 0xd9];
// APP0 "JFIF" 1.1, no density, no thumbnail: what libjpeg writes first.
const APP0_JFIF = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
// Start of scan, one component: entropy-coded data follows.
const SOS = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00];

/**
 * A JPEG-shaped buffer of exactly `size` bytes: SOI, APP0 JFIF, SOS, random
 * entropy-coded bytes (no 0xFF, so no accidental marker), EOI. Not decodable
 * as an image; shaped like one for every byte a relay looks at.
 */
export function jpegShaped(size: number, seed: number): Buffer {
  const head = [...SOI, ...APP0_JFIF, ...SOS];
  if (size < head.length + EOI.length + 16) throw new RangeError(`a JPEG-shaped payload needs at least ${head.length + 18} bytes`);
  const out = Buffer.allocUnsafe(size);
  out.set(head, 0);
  // The demo device's generator, so payloads are reproducible from a seed.
  const next = mulberry32(seed);
  const end = size - EOI.length;
  let i = head.length;
  for (; i + 4 <= end; i += 4) out.writeUInt32LE((next() & 0xfefefefe) >>> 0, i);
  for (; i < end; i++) out[i] = next() & 0xfe;
  out.set(EOI, end);
  return out;
}

export interface MarkedJpeg {
  readonly jpeg: Buffer;
  /** Offset of the 12 marker bytes; a multiple of 3. */
  readonly markerOffset: number;
}

/**
 * Inserts a COM segment holding a (zeroed) marker after SOI, or after a
 * leading APP0 so JFIF stays the first segment. The COM body is padded so the
 * marker starts at a multiple of 3.
 */
export function withMarker(jpeg: Buffer): MarkedJpeg {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[2] !== 0xff) {
    throw new Error('not a JPEG: missing FF D8 FF');
  }
  let at = 2;
  if (jpeg[3] === 0xe0 && jpeg.length >= 6) at = 4 + jpeg.readUInt16BE(4);
  const pad = (3 - ((at + 4) % 3)) % 3;
  const bodyLength = pad + MARKER_BYTES;
  const segment = Buffer.alloc(4 + bodyLength);
  segment[0] = 0xff;
  segment[1] = 0xfe;
  segment.writeUInt16BE(2 + bodyLength, 2);
  const markerOffset = at + 4 + pad;
  const out = Buffer.concat([jpeg.subarray(0, at), segment, jpeg.subarray(at)]);
  MARKER_MAGIC.copy(out, markerOffset);
  return { jpeg: out, markerOffset };
}

export function writeMarker(target: Buffer, offset: number, tag: number, id: number): void {
  MARKER_MAGIC.copy(target, offset);
  target.writeUInt32BE(tag >>> 0, offset + 4);
  target.writeUInt32BE(id >>> 0, offset + 8);
}

export interface Marker {
  readonly tag: number;
  readonly id: number;
}

/** Finds the marker in the first bytes of a JPEG (or of any buffer that contains one); null if absent. */
export function readMarker(bytes: Buffer, from = 0): Marker | null {
  const end = Math.min(bytes.length, from + MARKER_SEARCH_BYTES);
  const at = bytes.subarray(from, end).indexOf(MARKER_MAGIC);
  if (at < 0 || from + at + MARKER_BYTES > bytes.length) return null;
  const o = from + at;
  return { tag: bytes.readUInt32BE(o + 4), id: bytes.readUInt32BE(o + 8) };
}

const FRAME_PREFIX = '{"type":"frame","data":"';
const TIMESTAMP_DIGITS = 13; // epoch ms from 2001 to 2286

/**
 * One legacy frame message, `{"type":"frame","data":"<base64>","timestamp":<ms>}`,
 * byte for byte what the Android app sends, prepared once and re-stamped in
 * place with a frame id and a timestamp before each send. Send `buffer` as a
 * text WebSocket message; ws copies it while masking, so the next stamp does
 * not race the previous send.
 */
export class FrameMessage {
  /** The JPEG as the viewers should receive it, kept in step with the message. */
  readonly jpeg: Buffer;
  readonly buffer: Buffer;
  readonly #markerOffset: number;
  readonly #markerB64At: number;
  readonly #timestampAt: number;
  readonly #scratch = Buffer.allocUnsafe(MARKER_BYTES);

  constructor(marked: MarkedJpeg) {
    if (marked.markerOffset % 3 !== 0) throw new Error('marker offset must be a multiple of 3');
    this.jpeg = Buffer.from(marked.jpeg);
    this.#markerOffset = marked.markerOffset;
    const text = `${FRAME_PREFIX}${this.jpeg.toString('base64')}","timestamp":${'1'.padEnd(TIMESTAMP_DIGITS, '0')}}`;
    this.buffer = Buffer.from(text, 'latin1');
    this.#markerB64At = FRAME_PREFIX.length + (marked.markerOffset / 3) * 4;
    this.#timestampAt = this.buffer.length - 1 - TIMESTAMP_DIGITS;
  }

  /** Writes the marker (stream tag, frame id) into both the JPEG and its base64 text. */
  stampId(tag: number, id: number): void {
    writeMarker(this.#scratch, 0, tag, id);
    this.#scratch.copy(this.jpeg, this.#markerOffset);
    this.buffer.write(this.#scratch.toString('base64'), this.#markerB64At, 'latin1');
  }

  /** Writes the device timestamp (epoch ms, 13 digits). */
  stampTime(epochMs: number): void {
    const digits = String(Math.trunc(epochMs));
    if (digits.length !== TIMESTAMP_DIGITS) throw new RangeError(`timestamp ${epochMs} is not a 13-digit epoch ms`);
    this.buffer.write(digits, this.#timestampAt, 'latin1');
  }

  /** SHA-1 of the JPEG as currently stamped: what a viewer must receive. */
  jpegHash(): string {
    return sha1(this.jpeg);
  }
}

export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** `count` distinct JPEG-shaped frame messages whose JPEGs are `size` bytes each, marker segment included. */
export function shapedPool(count: number, size: number, seed = 1): FrameMessage[] {
  return Array.from({ length: count }, (_, i) => {
    // After SOI + APP0 (20 bytes) the COM segment is 4 + 12 bytes with no padding.
    const marked = withMarker(jpegShaped(size - 4 - MARKER_BYTES, seed + i));
    return new FrameMessage(marked);
  });
}
