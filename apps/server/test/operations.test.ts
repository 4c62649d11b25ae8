/**
 * Operations: registration validation and rate limit, /readyz, /metrics,
 * secrets kept out of logs and the audit log, SIGTERM on the real process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { CloseCode } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, api, appFrame, approvedDevice, connect, makeJpeg, register, runMain, start, streamingDevice, tempDataDir, viewer, wsUrl, type TestServer, serversPerTest,
} from './helpers.js';

const server = serversPerTest();

function post(s: TestServer, path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${s.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
}

describe('registration input', () => {
  it.each([
    ['not json', '{"uuid":', 'HTTP_ERR_MALFORMED_JSON', undefined],
    ['an array', '[1]', 'HTTP_ERR_MALFORMED_JSON', undefined],
    ['no uuid', '{"name":"x"}', 'HTTP_ERR_INVALID_FIELD', 'uuid'],
    ['a bad uuid', '{"uuid":"1234-not-a-uuid"}', 'HTTP_ERR_INVALID_FIELD', 'uuid'],
    ['a long name', JSON.stringify({ uuid: randomUUID(), name: 'n'.repeat(101) }), 'HTTP_ERR_INVALID_FIELD', 'name'],
    ['a numeric name', JSON.stringify({ uuid: randomUUID(), name: 5 }), 'HTTP_ERR_INVALID_FIELD', 'name'],
    ['a long public_ip', JSON.stringify({ uuid: randomUUID(), public_ip: '1'.repeat(65) }), 'HTTP_ERR_INVALID_FIELD', 'public_ip'],
  ])('refuses %s with 400 naming the field', async (_what, body, code, field) => {
    const s = await server();
    const res = await post(s, '/api/hosts/register', body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; field?: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.field).toBe(field);
    expect(json.error.message.length).toBeGreaterThan(10);
    // Nothing was stored, and the server keeps serving.
    expect(await (await api(s, '/api/hosts', { identity: ADMIN })).json()).toEqual([]);
    expect((await register(s)).status).toBe(201);
  });

  it('refuses a body over 16 KB with 413', async () => {
    const s = await server();
    const res = await post(s, '/api/hosts/register', JSON.stringify({ uuid: randomUUID(), name: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'HTTP_ERR_BODY_TOO_LARGE' } });
  });

  it('rate-limits registration per client address with 429 and Retry-After', async () => {
    const s = await server({ registerRatePerMinute: 10, registerBurst: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await register(s)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const limited = await post(s, '/api/hosts/register', JSON.stringify({ uuid: randomUUID() }));
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ error: { code: 'HTTP_ERR_RATE_LIMITED' } });
    // Behind the trusted proxy, each forwarded client has its own bucket.
    const other = await post(s, '/api/hosts/register', JSON.stringify({ uuid: randomUUID() }), { 'X-Forwarded-For': '198.51.100.9' });
    expect(other.status).toBe(201);
  });
});

describe('health, readiness and metrics', () => {
  it('reports ready while the database answers', async () => {
    const s = await server();
    expect(await (await api(s, '/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('exposes relay metrics without any uuid', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    const v = await viewer(s, dev.uuid);
    const jpeg = await makeJpeg(1);
    device.ws.send(appFrame(jpeg));
    device.ws.send(appFrame(jpeg));
    device.ws.send(appFrame(await makeJpeg(2)));
    await v.until(() => v.binaries.length === 2, 'frames');
    const text = await (await api(s, '/metrics')).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('booxstream_frames_in_total')).toBe(3);
    expect(value('booxstream_frames_deduplicated_total')).toBe(1);
    expect(value('booxstream_frames_out_total')).toBe(2);
    expect(value('booxstream_viewers')).toBe(1);
    expect(value('booxstream_hosts_streaming')).toBe(1);
    expect(text).toMatch(/^booxstream_hosts\{status="approved"\} 1$/m);
    expect(text).toMatch(/^booxstream_relay_latency_seconds_count 2$/m);
    expect(text).toContain('booxstream_frames_skipped_total');
    expect(text).toContain('booxstream_bytes_in_total');
    expect(text).not.toContain(dev.uuid);
    expect(text).not.toContain(dev.uuid.slice(0, 8));
    device.close();
    v.close();
  });
});

describe('secrets', () => {
  it('never writes a token, a full uuid or frame data to the logs or the audit log', async () => {
    const s = await server();
    const dev = await register(s);
    const pendingTry = await streamingDevice(s, dev.token);
    await pendingTry.closed;
    s.approveDevice(dev.uuid, 'alice');
    const again = await register(s, dev.uuid);
    const stale = await streamingDevice(s, dev.token);
    await stale.closed;
    const device = await streamingDevice(s, again.token);
    const jpeg = await makeJpeg(3);
    device.ws.send(appFrame(jpeg));
    device.ws.send('{"type":"frame","data":"@@@@"}');
    await device.until(() => device.texts.length === 2, 'error for the bad frame');
    await api(s, `/api/hosts/${dev.uuid}/revoke`, { method: 'POST', identity: ADMIN });
    await device.closed;
    await s.close();

    const secrets = [dev.token, again.token, dev.uuid, jpeg.toString('base64').slice(0, 40)];
    const logs = s.logs.join('\n');
    expect(logs).toContain(dev.uuid.slice(0, 8));
    for (const secret of secrets) expect(logs).not.toContain(secret);

    const db = new Database(join(s.dataDir, 'booxstream.db'), { readonly: true });
    const rows = db.prepare('SELECT event, device_prefix, actor, detail FROM audit_log ORDER BY id').all() as Record<string, string | null>[];
    db.close();
    expect(rows.map((r) => r.event)).toEqual(['register', 'auth_failure', 'approve', 'reregister', 'auth_failure', 'revoke']);
    expect(rows.map((r) => r.detail)).toContain('pending');
    expect(rows.map((r) => r.detail)).toContain('replaced');
    const dump = JSON.stringify(rows);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(rows.every((r) => r.device_prefix === dev.uuid.slice(0, 8))).toBe(true);
  });
});

describe('the server process', () => {
  it('stops with a message naming a malformed variable', async () => {
    const { code, stderr } = await runMain({ DEVICE_APPROVAL: 'sometimes' }, null);
    expect(code).toBe(78);
    expect(stderr).toMatch(/DEVICE_APPROVAL/);
    const typo = await runMain({ DEVICE_APROVAL: 'auto' }, null);
    expect(typo.stderr).toMatch(/DEVICE_APROVAL: unknown variable; did you mean DEVICE_APPROVAL\?/);
  }, 30_000);

  it('on SIGTERM closes sockets with 1001 and the database cleanly', async () => {
    const dataDir = tempDataDir();
    const { code, sockets } = await runMain({ DATA_DIR: dataDir }, async (url) => {
      const dev = await approvedDeviceVia(url);
      const device = await streamingDevice({ url }, dev.token);
      const v = await connect(wsUrl({ url }, `/api/hosts/${dev.uuid}/stream`), ADMIN);
      return [device, v];
    });
    expect(code).toBe(0);
    expect(sockets).toEqual([CloseCode.GoingAway, CloseCode.GoingAway]);
    // A clean close checkpoints the WAL and removes it.
    expect(existsSync(join(dataDir, 'booxstream.db-wal'))).toBe(false);
    const db = new Database(join(dataDir, 'booxstream.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  }, 30_000);
});

/** Registers through HTTP and approves as an admin through the API. */
async function approvedDeviceVia(url: string) {
  const r = await register({ url });
  const res = await fetch(`${url}/api/hosts/${r.uuid}/approve`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
  return r;
}
