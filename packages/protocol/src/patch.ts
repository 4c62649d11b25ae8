/**
 * Patch messages: only the parts of the screen that changed since a frame the
 * viewer already shows, for viewers that ask for them
 * (`/api/hosts/:uuid/stream?patches=1`). A writing hand changes a few strokes
 * per 100 ms frame; sending the changed rectangles instead of the whole JPEG
 * cuts a remote viewer's bandwidth by an order of magnitude.
 *
 * A patch is a binary message with the viewer frame header (viewer.ts) of kind
 * {@link ViewerFrameKind.Patch}; its `seq` is the seq of the frame whose screen
 * it produces (the same seq a full-frame viewer sees for that frame). After the
 * header:
 *
 *   offset size  field
 *   0      u32   baseSeq   seq of the screen this patch applies to
 *   4      u16   width     screen width in pixels
 *   6      u16   height    screen height in pixels
 *   8      u16   count     rectangles that follow
 *   10     u16   reserved  0
 *   12     ...   count × rectangle:
 *                  u16 x, u16 y, u16 w, u16 h   where it goes (pixels)
 *                  u8  format                   1 = PNG, 2 = JPEG
 *                  u8  reserved                 0
 *                  u32 length                   image bytes that follow
 *                  ...                          a w×h image
 *
 * All integers big-endian. A viewer applies a patch only onto the screen of
 * `baseSeq`, drawing the rectangles in order; the relay sends a full frame
 * instead whenever that would not hold (on join, after a skip, when most of the
 * screen changed, and every {@link PATCH_KEYFRAME_EVERY} patches).
 */
import { ProtocolError } from './errors.js';
import { VIEWER_HEADER_BYTES, VIEWER_PROTOCOL_VERSION, ViewerFrameKind } from './viewer.js';

/**
 * How a rectangle's image is coded. `Jpeg`: a region cut from the device's own
 * JPEG without re-encoding pixels (its 8×8 blocks are the full frame's, so it
 * decodes to the same pixels); `Png`: lossless pixels, where the relay had to
 * decode the frame.
 */
export const PatchFormat = { Png: 1, Jpeg: 2 } as const;

/** The MIME type a browser needs to decode a rectangle of `format`, or null for a format this version does not know. */
export function patchFormatMime(format: number): string | null {
  return format === PatchFormat.Png ? 'image/png' : format === PatchFormat.Jpeg ? 'image/jpeg' : null;
}
export const PATCH_FIXED_BYTES = 12;
export const PATCH_RECT_BYTES = 14;
/** After this many patches in a row a viewer gets a full frame, so any drift cannot last. */
export const PATCH_KEYFRAME_EVERY = 50;

export interface PatchRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly format: number;
  /** The encoded image (a view into the message when decoded). */
  readonly image: Uint8Array;
}

export interface Patch {
  readonly baseSeq: number;
  readonly width: number;
  readonly height: number;
  readonly rects: readonly PatchRect[];
}

/** Builds a patch message: header (kind Patch) + layout above. */
export function encodePatchMessage(patch: Patch, seq: number, serverTs: number, hostTs: number | undefined): Buffer {
  let size = VIEWER_HEADER_BYTES + PATCH_FIXED_BYTES;
  for (const r of patch.rects) size += PATCH_RECT_BYTES + r.image.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt8(VIEWER_PROTOCOL_VERSION, 0);
  out.writeUInt8(ViewerFrameKind.Patch, 1);
  out.writeUInt16BE(VIEWER_HEADER_BYTES, 2);
  out.writeUInt32BE(seq >>> 0, 4);
  out.writeDoubleBE(serverTs, 8);
  out.writeDoubleBE(hostTs ?? Number.NaN, 16);
  let o = VIEWER_HEADER_BYTES;
  out.writeUInt32BE(patch.baseSeq >>> 0, o);
  out.writeUInt16BE(patch.width, o + 4);
  out.writeUInt16BE(patch.height, o + 6);
  out.writeUInt16BE(patch.rects.length, o + 8);
  out.writeUInt16BE(0, o + 10);
  o += PATCH_FIXED_BYTES;
  for (const r of patch.rects) {
    out.writeUInt16BE(r.x, o);
    out.writeUInt16BE(r.y, o + 2);
    out.writeUInt16BE(r.w, o + 4);
    out.writeUInt16BE(r.h, o + 6);
    out.writeUInt8(r.format, o + 8);
    out.writeUInt8(0, o + 9);
    out.writeUInt32BE(r.image.length, o + 10);
    out.set(r.image, o + PATCH_RECT_BYTES);
    o += PATCH_RECT_BYTES + r.image.length;
  }
  return out;
}

/**
 * Reads a patch message's body (after its header of `headerLength` bytes).
 * Every rectangle must lie inside the screen and every length inside the message.
 */
export function decodePatch(bytes: ArrayBuffer | ArrayBufferView, headerLength = VIEWER_HEADER_BYTES): Patch {
  const u8 = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  let o = headerLength;
  if (u8.length < o + PATCH_FIXED_BYTES) throw new ProtocolError('PROTO_ERR_BAD_HEADER', 'patch message is shorter than its fixed part');
  const baseSeq = view.getUint32(o);
  const width = view.getUint16(o + 4);
  const height = view.getUint16(o + 6);
  const count = view.getUint16(o + 8);
  o += PATCH_FIXED_BYTES;
  const rects: PatchRect[] = [];
  for (let i = 0; i < count; i++) {
    if (u8.length < o + PATCH_RECT_BYTES) throw new ProtocolError('PROTO_ERR_BAD_HEADER', `patch rectangle ${i} is cut off`, 'rects');
    const x = view.getUint16(o);
    const y = view.getUint16(o + 2);
    const w = view.getUint16(o + 4);
    const h = view.getUint16(o + 6);
    const format = view.getUint8(o + 8);
    const length = view.getUint32(o + 10);
    o += PATCH_RECT_BYTES;
    if (w === 0 || h === 0 || x + w > width || y + h > height) {
      throw new ProtocolError('PROTO_ERR_BAD_HEADER', `patch rectangle ${i} (${x},${y} ${w}x${h}) is outside the ${width}x${height} screen`, 'rects');
    }
    if (o + length > u8.length) throw new ProtocolError('PROTO_ERR_BAD_HEADER', `patch rectangle ${i} claims ${length} bytes past the message end`, 'rects');
    rects.push({ x, y, w, h, format, image: u8.subarray(o, o + length) });
    o += length;
  }
  return { baseSeq, width, height, rects };
}
