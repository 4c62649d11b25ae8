/**
 * One rectangle of an RGB screen as a PNG, written with Node's own zlib
 * (deflate and CRC-32): greyscale when every pixel in it is grey (e-ink), else
 * RGB; 8 bits, no filter, no interlace. Measured here, sharp took 0.93 ms of
 * CPU per small rectangle (its per-call pipeline), zlib's deflate 0.026 ms:
 * with a rectangle per pen stroke, that per-call cost was most of the encoder's.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_GREY = 0;
const COLOUR_RGB = 2;

export function encodeRectPng(raw: Buffer, width: number, r: PixelRect): Buffer {
  const grey = isGrey(raw, width, r);
  const channels = grey ? 1 : 3;
  const stride = r.w * channels;
  // Each scanline: filter byte 0 (none), then its pixels.
  const scanlines = Buffer.allocUnsafe((stride + 1) * r.h);
  for (let y = 0; y < r.h; y++) {
    const out = y * (stride + 1);
    scanlines[out] = 0;
    const src = ((r.y + y) * width + r.x) * 3;
    if (grey) {
      for (let x = 0; x < r.w; x++) scanlines[out + 1 + x] = raw[src + x * 3]!;
    } else {
      raw.copy(scanlines, out + 1, src, src + stride);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(r.w, 0);
  ihdr.writeUInt32BE(r.h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = grey ? COLOUR_GREY : COLOUR_RGB;
  // compression 0 (deflate), filter method 0, no interlace: bytes 10-12 stay 0.
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(scanlines, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function isGrey(raw: Buffer, width: number, r: PixelRect): boolean {
  for (let y = r.y; y < r.y + r.h; y++) {
    let i = (y * width + r.x) * 3;
    const end = i + r.w * 3;
    for (; i < end; i += 3) if (raw[i] !== raw[i + 1] || raw[i] !== raw[i + 2]) return false;
  }
  return true;
}
