import { describe, expect, it } from 'vitest';
import {
  decodeBase64Jpeg,
  encodeDeviceFrame,
  encodeLegacyFrame,
  parseDeviceMessage,
} from './device.js';
import { ProtocolError } from './errors.js';

// Smallest byte string that passes the JPEG start-marker check, plus some body.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
const text = (s: string) => parseDeviceMessage(Buffer.from(s), false);

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('parseDeviceMessage (legacy JSON)', () => {
  it('reads the Android auth message', () => {
    expect(text('{"type":"auth","token":"abc"}')).toEqual({ type: 'auth', token: 'abc' });
  });

  it('reads the Android frame message on the fast path without copying the base64', () => {
    const raw = Buffer.from(encodeLegacyFrame(JPEG, 1732170000123));
    const msg = parseDeviceMessage(raw, false);
    expect(msg.type).toBe('frame');
    if (msg.type !== 'frame') return;
    expect(msg.timestamp).toBe(1732170000123);
    expect(msg.base64.buffer).toBe(raw.buffer);
    expect(decodeBase64Jpeg(msg.base64)).toEqual(JPEG);
  });

  it('accepts other key orders, spacing and escaped slashes through the full parser', () => {
    const b64 = JPEG.toString('base64');
    const escaped = `{ "timestamp": 5, "data": "${b64.replace(/\//g, '\\/')}", "type": "frame" }`;
    const msg = text(escaped);
    expect(msg).toMatchObject({ type: 'frame', timestamp: 5 });
    if (msg.type === 'frame') expect(decodeBase64Jpeg(msg.base64)).toEqual(JPEG);
    const slashy = Buffer.from([0xff, 0xd8, 0xff, 0xfb, 0xff, 0xff]); // base64 "/9j/+///"
    const withSlash = `{"type":"frame","data":"${slashy.toString('base64').replace(/\//g, '\\/')}","timestamp":1}`;
    const m2 = text(withSlash);
    if (m2.type === 'frame') expect(decodeBase64Jpeg(m2.base64)).toEqual(slashy);
  });

  it('accepts a frame without timestamp', () => {
    const msg = text(`{"type":"frame","data":"${JPEG.toString('base64')}"}`);
    expect(msg).toMatchObject({ type: 'frame', timestamp: undefined });
  });

  it.each([
    ['{"type":"auth"', 'PROTO_ERR_MALFORMED_JSON', undefined],
    ['[1,2]', 'PROTO_ERR_MALFORMED_JSON', undefined],
    ['{"token":"x"}', 'PROTO_ERR_INVALID_FIELD', 'type'],
    ['{"type":"hello"}', 'PROTO_ERR_UNKNOWN_TYPE', 'type'],
    ['{"type":"auth","token":""}', 'PROTO_ERR_INVALID_FIELD', 'token'],
    ['{"type":"auth","token":42}', 'PROTO_ERR_INVALID_FIELD', 'token'],
    ['{"type":"frame","data":7}', 'PROTO_ERR_INVALID_FIELD', 'data'],
    ['{"type":"frame","data":"AAAA","timestamp":"now"}', 'PROTO_ERR_INVALID_FIELD', 'timestamp'],
  ])('rejects %s with %s', (raw, code, field) => {
    const err = protocolError(() => text(raw));
    expect(err.code).toBe(code);
    expect(err.field).toBe(field);
  });

  it('falls back to the full parser when the fast-path tail is not what the app sends', () => {
    const err = protocolError(() => text('{"type":"frame","data":"AAAA","timestamp":1,"extra":}'));
    expect(err.code).toBe('PROTO_ERR_MALFORMED_JSON');
  });
});

describe('decodeBase64Jpeg', () => {
  it.each([
    ['a length not a multiple of 4', 'AAA', 'PROTO_ERR_INVALID_BASE64'],
    ['empty data', '', 'PROTO_ERR_INVALID_BASE64'],
    ['characters outside the alphabet', '/9j/4A*Q', 'PROTO_ERR_INVALID_BASE64'],
    ['a PNG', Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').toString('base64'), 'PROTO_ERR_NOT_JPEG'],
  ])('rejects %s', (_what, b64, code) => {
    const err = protocolError(() => decodeBase64Jpeg(Buffer.from(b64, 'latin1')));
    expect(err.code).toBe(code);
    expect(err.field).toBe('data');
  });
});

describe('binary v1 device frames', () => {
  it('round-trips a JPEG frame', () => {
    const msg = parseDeviceMessage(encodeDeviceFrame(JPEG, 1234.5), true);
    expect(msg).toEqual({ type: 'binary-frame', jpeg: JPEG, timestamp: 1234.5 });
  });

  it('round-trips an unchanged marker', () => {
    expect(parseDeviceMessage(encodeDeviceFrame(null, 99), true)).toEqual({ type: 'unchanged', timestamp: 99 });
  });

  it('skips header bytes it does not know (forward compatible)', () => {
    const v1 = encodeDeviceFrame(JPEG, 1);
    const longer = Buffer.concat([v1.subarray(0, 12), Buffer.alloc(4), JPEG]);
    longer.writeUInt16BE(16, 2);
    expect(parseDeviceMessage(longer, true)).toMatchObject({ type: 'binary-frame', jpeg: JPEG });
  });

  it.each([
    ['too short', Buffer.alloc(5), 'PROTO_ERR_BAD_HEADER'],
    ['another version', (() => { const b = encodeDeviceFrame(JPEG, 1); b[0] = 9; return b; })(), 'PROTO_ERR_UNSUPPORTED_VERSION'],
    ['an unknown kind', (() => { const b = encodeDeviceFrame(JPEG, 1); b[1] = 7; return b; })(), 'PROTO_ERR_UNKNOWN_TYPE'],
    ['a header length past the end', (() => { const b = encodeDeviceFrame(JPEG, 1); b.writeUInt16BE(999, 2); return b; })(), 'PROTO_ERR_BAD_HEADER'],
    ['a non-JPEG payload', encodeDeviceFrame(Buffer.from('GIF89a'), 1), 'PROTO_ERR_NOT_JPEG'],
  ])('rejects %s', (_what, buf, code) => {
    expect(protocolError(() => parseDeviceMessage(buf, true)).code).toBe(code);
  });
});

describe('decodeBase64Jpeg with headroom', () => {
  it('leaves the requested bytes free before the JPEG, for a header written in place', () => {
    const out = decodeBase64Jpeg(Buffer.from(JPEG.toString('base64'), 'latin1'), 24);
    expect(out.length).toBe(24 + JPEG.length);
    expect(out.subarray(24)).toEqual(JPEG);
  });

  it('validates the JPEG after the headroom, not the headroom', () => {
    const png = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').toString('base64');
    expect(protocolError(() => decodeBase64Jpeg(Buffer.from(png, 'latin1'), 24)).code).toBe('PROTO_ERR_NOT_JPEG');
  });
});
