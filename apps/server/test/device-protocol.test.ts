/**
 * The installed Android app's exact messages, end to end, on /android-ws and on
 * the LAN device port; token states; bad input on the device socket.
 */
import { connect as netConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { CloseCode, VIEWER_HEADER_BYTES, decodeViewerFrameHeader, encodeDeviceFrame } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, api, appFrame, approvedDevice, connect, eventually, lastText, makeJpeg, register, streamingDevice, viewer, wsUrl, serversPerTest,
} from './helpers.js';

const server = serversPerTest();

describe('the Android app on /android-ws and on DEVICE_PORT', () => {
  it('registers with the exact app request and gets the fields Gson reads', async () => {
    const s = await server();
    const uuid = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
    const res = await fetch(`${s.url}/api/hosts/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: `{"uuid":"${uuid}","public_ip":null,"name":"NoteAir2"}`,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { success: boolean; token: string; host: unknown };
    expect(body.success).toBe(true);
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.host).toEqual({ uuid: uuid.toLowerCase(), public_ip: null, name: 'NoteAir2' });
  });

  it('streams on the root path of the device port exactly like on /android-ws', async () => {
    const s = await server({ devicePort: 0 });
    expect(s.devicePort).toBeGreaterThan(0);
    const dev = await approvedDevice(s);
    const device = await streamingDevice({ url: `http://127.0.0.1:${s.devicePort}` }, dev.token, '');
    expect(device.texts[0]).toMatchObject({ type: 'authenticated', uuid: dev.uuid });
    const v = await viewer(s, dev.uuid);
    const jpeg = await makeJpeg(7);
    device.ws.send(appFrame(jpeg));
    await v.until(() => v.binaries.length === 1, 'frame via device port');
    expect(v.binaries[0]!.subarray(VIEWER_HEADER_BYTES).equals(jpeg)).toBe(true);
    // The HTTP side of the device port only says where to go.
    expect((await fetch(`http://127.0.0.1:${s.devicePort}/`)).status).toBe(426);
    device.close();
    v.close();
  });

  it('accepts binary v1 frames after the JSON auth, and counts "unchanged" as deduplicated', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    const a = await makeJpeg(1);
    const b = await makeJpeg(2);
    device.ws.send(encodeDeviceFrame(a, 1000));
    device.ws.send(encodeDeviceFrame(null, 1100));
    device.ws.send(encodeDeviceFrame(a, 1200));
    device.ws.send(encodeDeviceFrame(b, 1300));
    await v.until(() => v.binaries.length === 2, 'two distinct frames');
    expect(v.binaries.map((m) => decodeViewerFrameHeader(m).hostTs)).toEqual([1000, 1300]);
    expect(v.binaries[1]!.subarray(VIEWER_HEADER_BYTES).equals(b)).toBe(true);
    expect(s.relayStats(dev.uuid)).toMatchObject({ framesIn: 4, framesDeduplicated: 2 });
    device.close();
    v.close();
  });

  it('does not resend byte-identical consecutive frames', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    const same = appFrame(await makeJpeg(3), 5);
    for (let i = 0; i < 5; i++) device.ws.send(same);
    device.ws.send(appFrame(await makeJpeg(4), 6));
    await v.until(() => v.binaries.length >= 2, 'the distinct frame after the repeats');
    // Messages on one socket are handled in order, so every repeat was seen before the last frame.
    expect(v.binaries).toHaveLength(2);
    expect(v.binaries.map((m) => decodeViewerFrameHeader(m).seq)).toEqual([1, 2]);
    expect(s.relayStats(dev.uuid)).toMatchObject({ framesIn: 6, framesDeduplicated: 4, framesOut: 2 });
    device.close();
    v.close();
  });

  it('gives a joining viewer the latest frame at once', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const first = await viewer(s, dev.uuid);
    const jpeg = await makeJpeg(9);
    device.ws.send(appFrame(jpeg));
    await first.until(() => first.binaries.length === 1, 'frame');
    const late = await viewer(s, dev.uuid);
    await late.until(() => late.binaries.length === 1, 'latest frame on join');
    expect(late.texts[0]).toMatchObject({ type: 'status', streaming: true });
    expect(late.binaries[0]!.equals(first.binaries[0]!)).toBe(true);
    // Snapshot returns the same bytes.
    const snap = await api(s, `/api/hosts/${dev.uuid}/snapshot`, { identity: ADMIN });
    expect(snap.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await snap.arrayBuffer()).equals(jpeg)).toBe(true);
    device.close();
    first.close();
    late.close();
  });
});

describe('device tokens', () => {
  it('refuses an unknown token with a plain message and close 4001', async () => {
    const s = await server();
    const c = await streamingDevice(s, randomBytes(32).toString('base64url'));
    expect(c.texts[0]).toEqual({ type: 'error', message: expect.stringMatching(/not known to the server/) });
    expect((await c.closed).code).toBe(CloseCode.Unauthorized);
  });

  it('keeps a new device pending until approved (close 4005), then streams', async () => {
    const s = await server();
    const dev = await register(s);
    const pending = await streamingDevice(s, dev.token);
    expect(lastText(pending)).toEqual({ type: 'error', message: expect.stringMatching(/waiting for an administrator to approve/) });
    expect((await pending.closed).code).toBe(CloseCode.PendingApproval);
    const approve = await api(s, `/api/hosts/${dev.uuid}/approve`, { method: 'POST', identity: ADMIN });
    expect(approve.status).toBe(200);
    expect(await approve.json()).toMatchObject({ status: 'approved', owner: 'alice' });
    const ok = await streamingDevice(s, dev.token);
    expect(ok.texts[0]).toMatchObject({ type: 'authenticated', uuid: dev.uuid });
    ok.close();
  });

  it('auto-approves with DEVICE_APPROVAL=auto', async () => {
    const s = await server({ deviceApproval: 'auto' });
    const dev = await register(s);
    const c = await streamingDevice(s, dev.token);
    expect(c.texts[0]).toMatchObject({ type: 'authenticated' });
    c.close();
  });

  it('re-registration keeps the status and replaces the older token', async () => {
    const s = await server();
    const first = await approvedDevice(s);
    const again = await register(s, first.uuid.toUpperCase(), 'Renamed');
    expect(again.status).toBe(200);
    expect(again.token).not.toBe(first.token);
    const old = await streamingDevice(s, first.token);
    expect(old.texts[0]).toEqual({ type: 'error', message: expect.stringMatching(/registered again; the older token was replaced/) });
    expect((await old.closed).code).toBe(CloseCode.Unauthorized);
    const fresh = await streamingDevice(s, again.token);
    expect(fresh.texts[0]).toMatchObject({ type: 'authenticated', uuid: first.uuid });
    const hosts = (await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as { name: string; status: string; owner: string }[];
    expect(hosts).toMatchObject([{ name: 'Renamed', status: 'approved', owner: 'alice' }]);
    fresh.close();
  });

  it('revoking closes the live connection, tells viewers, and refuses the token afterwards', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    await v.until(() => v.texts.length >= 1, 'status');
    const res = await api(s, `/api/hosts/${dev.uuid}/revoke`, { method: 'POST', identity: ADMIN });
    expect(res.status).toBe(200);
    expect(lastText(device)).toEqual({ type: 'error', message: expect.stringMatching(/revoked by an administrator/) });
    expect((await device.closed).code).toBe(CloseCode.Unauthorized);
    await v.until(() => v.texts.some((t) => (t as { status?: string }).status === 'revoked'), 'revoked status');
    const again = await streamingDevice(s, dev.token);
    expect(again.texts[0]).toEqual({ type: 'error', message: expect.stringMatching(/revoked/) });
    expect((await again.closed).code).toBe(CloseCode.Unauthorized);
    v.close();
  });

  it('a second streaming connection replaces the first (4009)', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const first = await streamingDevice(s, dev.token);
    const second = await streamingDevice(s, dev.token);
    expect((await first.closed).code).toBe(CloseCode.Replaced);
    const v = await viewer(s, dev.uuid);
    second.ws.send(appFrame(await makeJpeg(5)));
    await v.until(() => v.binaries.length === 1, 'frame from the second connection');
    second.close();
    v.close();
  });

  it('closes a socket that sends no auth in time with 4010', async () => {
    const s = await server({ authTimeoutMs: 150 });
    const c = await connect(wsUrl(s, '/android-ws'));
    expect((await c.closed).code).toBe(CloseCode.AuthTimeout);
    expect(c.texts[0]).toMatchObject({ type: 'error' });
  });

  it('a device registered before a restart still streams after it (same DATA_DIR)', async () => {
    const s1 = await server();
    const dev = await approvedDevice(s1);
    await s1.close();
    const s2 = await server({ dataDir: s1.dataDir });
    const device = await streamingDevice(s2, dev.token);
    expect(device.texts[0]).toMatchObject({ type: 'authenticated', uuid: dev.uuid });
    const v = await viewer(s2, dev.uuid);
    const jpeg = await makeJpeg(11);
    device.ws.send(appFrame(jpeg));
    await v.until(() => v.binaries.length === 1, 'frame after restart');
    expect(v.binaries[0]!.subarray(VIEWER_HEADER_BYTES).equals(jpeg)).toBe(true);
    device.close();
    v.close();
  });

  it('update-ip takes the bearer token and refuses others', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const ok = await fetch(`${s.url}/api/hosts/update-ip`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${dev.token}`, 'Content-Type': 'application/json' },
      body: '{"public_ip":"198.51.100.4"}',
    });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { Authorization: 'Bearer nope' }, body: '{"public_ip":"1.2.3.4"}' });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('DEVICE_ERR_TOKEN_UNKNOWN');
  });
});

describe('bad device input', () => {
  it('answers each bad message with a clear error and keeps relaying good frames', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    const cases: [string | Buffer, string, string | undefined][] = [
      ['{"type":"frame","data":', 'PROTO_ERR_MALFORMED_JSON', undefined],
      ['{"type":"selfie","data":"AAAA"}', 'PROTO_ERR_UNKNOWN_TYPE', 'type'],
      ['{"type":"frame","data":"not*base64!!","timestamp":1}', 'PROTO_ERR_INVALID_BASE64', 'data'],
      [`{"type":"frame","data":"${Buffer.from('\x89PNG\r\n\x1a\nrest-of-a-png').toString('base64')}","timestamp":1}`, 'PROTO_ERR_NOT_JPEG', 'data'],
      [Buffer.from([9, 1, 0, 12]), 'PROTO_ERR_BAD_HEADER', undefined],
    ];
    for (const [msg, code, field] of cases) {
      const before = device.texts.length;
      device.ws.send(msg);
      await device.until(() => device.texts.length > before, code);
      const err = lastText(device);
      expect(err).toMatchObject({ type: 'error', code });
      expect(typeof err.message).toBe('string');
      if (field) expect(err.field).toBe(field);
    }
    const jpeg = await makeJpeg(21);
    device.ws.send(appFrame(jpeg));
    await v.until(() => v.binaries.length === 1, 'good frame after bad ones');
    expect(v.binaries[0]!.subarray(VIEWER_HEADER_BYTES).equals(jpeg)).toBe(true);
    expect(device.ws.readyState).toBe(device.ws.OPEN);
    device.close();
    v.close();
  });

  it('refuses a 20 MB message from its header alone (1009) while other devices keep streaming', async () => {
    const s = await server();
    const other = await approvedDevice(s);
    const otherDevice = await streamingDevice(s, other.token);
    const v = await viewer(s, other.uuid);
    const bad = await approvedDevice(s);

    // A raw client: handshake, auth, then only the header of a 20 MB text frame.
    const sock = netConnect(s.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET /android-ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let received = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    await eventually(() => received.toString('latin1'), (t) => t.includes('\r\n\r\n'), 'handshake answer');
    expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 101/);
    received = Buffer.alloc(0);
    sock.write(maskedFrame(0x1, Buffer.from(JSON.stringify({ type: 'auth', token: bad.token }))));
    await eventually(() => received.length, (n) => n > 0, 'authenticated');
    received = Buffer.alloc(0);
    const header = Buffer.alloc(14);
    header[0] = 0x81; // FIN + text
    header[1] = 0x80 | 127; // masked, 64-bit length
    header.writeBigUInt64BE(20n * 1024n * 1024n, 2);
    randomBytes(4).copy(header, 10);
    sock.write(Buffer.concat([header, Buffer.alloc(1024, 0x41)]));
    const closeFrame = await eventually(() => received, (b) => b.length >= 4, 'close frame');
    expect(closeFrame[0]).toBe(0x88);
    expect(closeFrame.readUInt16BE(2)).toBe(CloseCode.MessageTooBig);
    sock.destroy();

    otherDevice.ws.send(appFrame(await makeJpeg(31)));
    await v.until(() => v.binaries.length === 1, 'the other device still relays');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^booxstream_frames_rejected_total 1$/m);
    expect(s.logs.some((l) => l.includes('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'))).toBe(true);
    otherDevice.close();
    v.close();
  });

  it('rejects a frame before auth, and malformed auth', async () => {
    const s = await server();
    const early = await connect(wsUrl(s, '/android-ws'));
    early.ws.send(appFrame(await makeJpeg(1)));
    expect((await early.closed).code).toBe(CloseCode.Unauthorized);
    expect(early.texts[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/Authenticate first/) });
    const garbled = await connect(wsUrl(s, '/android-ws'));
    garbled.ws.send('{"type":"auth"}');
    expect((await garbled.closed).code).toBe(CloseCode.ProtocolError);
    expect(garbled.texts[0]).toMatchObject({ type: 'error', code: 'PROTO_ERR_INVALID_FIELD', field: 'token' });
  });
});

/** A client-to-server frame (clients must mask). */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

