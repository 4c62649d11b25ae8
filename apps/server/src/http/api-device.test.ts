/**
 * The device routes' exact behaviour, pinned against a real server and SQLite
 * file: status codes, error bodies word for word (the app shows them to the
 * user as "Erreur HTTP <code>: <body>"), what is stored, audited and counted.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BANNABLE_DEVICE_AUTH_REASONS, RELAY_LOG_MESSAGES } from '@booxstream/gateway';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { serversPerTest, type TestServer } from '../../test/helpers.js';
import { NAME_MAX_CHARS, optionalText, parseJsonBody, PUBLIC_IP_MAX_CHARS } from './api-device.js';

const server = serversPerTest();

function post(s: TestServer, path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${s.url}${path}`, { method: 'POST', headers, body });
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}

function rows(s: TestServer, sql: string, ...args: unknown[]): Record<string, unknown>[] {
  const db = new Database(join(s.dataDir, 'booxstream.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...args) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

function row(s: TestServer, sql: string, ...args: unknown[]): Record<string, unknown> | undefined {
  return rows(s, sql, ...args)[0];
}

async function registered(s: TestServer, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const uuid = randomUUID();
  const res = await post(s, '/api/hosts/register', JSON.stringify({ uuid, ...extra }), headers);
  return { res, uuid, body: (await res.json()) as { success: boolean; token: string; host: Record<string, unknown> } };
}

describe('parseJsonBody', () => {
  it.each([
    [undefined, 'The request body must be a JSON object; it was empty.'],
    ['', 'The request body must be a JSON object; it was empty.'],
    ['  \n', 'The request body must be a JSON object; it was empty.'],
    ['{', 'The request body is not valid JSON.'],
    ['null', 'The request body must be a JSON object.'],
    ['[]', 'The request body must be a JSON object.'],
    ['7', 'The request body must be a JSON object.'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseJsonBody(text)).toThrow(expect.objectContaining({ status: 400, code: 'HTTP_ERR_MALFORMED_JSON', message }));
  });

  it('returns the object', () => {
    expect(parseJsonBody(' {"a":1} ')).toEqual({ a: 1 });
  });
});

describe('optionalText', () => {
  it('maps absent, null and blank to null, and trims', () => {
    expect(optionalText({}, 'name', 5)).toBeNull();
    expect(optionalText({ name: null }, 'name', 5)).toBeNull();
    expect(optionalText({ name: '   ' }, 'name', 5)).toBeNull();
    expect(optionalText({ name: '  abcde  ' }, 'name', 5)).toBe('abcde');
  });

  it.each([
    [{ name: 5 }, '"name" must be a string or null.'],
    [{ name: 'abcdef' }, '"name" is 6 characters long; at most 5 are allowed.'],
    [{ name: 'a\u007fb' }, '"name" contains control characters.'],
    [{ name: 'a\u009fb' }, '"name" contains control characters.'],
    [{ name: '\u0000' }, '"name" contains control characters.'],
    [{ name: 'a\u001f' }, '"name" contains control characters.'],
  ])('refuses %j naming the field', (body, message) => {
    expect(() => optionalText(body, 'name', 5)).toThrow(expect.objectContaining({ status: 400, code: 'HTTP_ERR_INVALID_FIELD', field: 'name', message }));
  });

  it('accepts printable characters next to the control ranges', () => {
    expect(optionalText({ name: ' ~\u00a0é' }, 'name', 5)).toBe('~\u00a0é');
    expect(NAME_MAX_CHARS).toBe(100);
    expect(PUBLIC_IP_MAX_CHARS).toBe(64);
  });
});

describe('POST /api/hosts/register', () => {
  it('answers a new device 201 and a known one 200, with the fields the app reads, storing the trimmed values', async () => {
    const s = await server();
    const uuid = randomUUID().toUpperCase();
    const first = await post(s, '/api/hosts/register', JSON.stringify({ uuid, name: ' Note ', public_ip: ' 203.0.113.7 ' }), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(first.status).toBe(201);
    const body = (await first.json()) as { token: string };
    expect(body).toEqual({ success: true, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), host: { uuid: uuid.toLowerCase(), public_ip: '203.0.113.7', name: 'Note' } });
    expect(row(s, 'SELECT name, public_ip, status FROM devices WHERE uuid = ?', uuid.toLowerCase())).toEqual({ name: 'Note', public_ip: '203.0.113.7', status: 'pending' });
    const again = await post(s, '/api/hosts/register', JSON.stringify({ uuid }));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true, token: expect.any(String), host: { uuid: uuid.toLowerCase(), public_ip: null, name: null } });
    const audit = row(s, "SELECT group_concat(event || ':' || detail || ':' || actor, ',') AS e FROM audit_log");
    expect(audit).toEqual({ e: 'register:status pending:127.0.0.1,reregister:status pending:127.0.0.1' });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('booxstream_registrations_total{kind="new"} 1');
    expect(metrics).toContain('booxstream_registrations_total{kind="again"} 1');
    expect(s.logs.some((l) => l.includes('"msg":"device registered"') && l.includes('"created":true'))).toBe(true);
  });

  it('approves at once with DEVICE_APPROVAL=auto', async () => {
    const s = await server({ deviceApproval: 'auto' });
    const { res, uuid } = await registered(s);
    expect(res.status).toBe(201);
    expect(row(s, 'SELECT status, approved_at IS NOT NULL AS a FROM devices WHERE uuid = ?', uuid)).toEqual({ status: 'approved', a: 1 });
  });

  it('answers an unconfirmed re-registration with what the device sent, counted and audited as such', async () => {
    const s = await server();
    const { uuid } = await registered(s, { name: 'Home', public_ip: '1.1.1.1' }, { 'cf-connecting-ip': '192.0.2.1' });
    s.approveDevice(uuid, 'alice');
    const res = await post(s, '/api/hosts/register', JSON.stringify({ uuid, name: 'Away', public_ip: '2.2.2.2' }), { 'cf-connecting-ip': '198.51.100.1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, token: expect.any(String), host: { uuid, public_ip: '2.2.2.2', name: 'Away' } });
    expect(row(s, 'SELECT name, public_ip FROM devices WHERE uuid = ?', uuid)).toEqual({ name: 'Home', public_ip: '1.1.1.1' });
    expect(row(s, "SELECT actor, detail FROM audit_log WHERE event = 'reregister_unconfirmed'")).toEqual({
      actor: '198.51.100.1', detail: 'from network 198.51.100.0/24; waits for confirmation',
    });
    expect(await (await fetch(`${s.url}/metrics`)).text()).toContain('booxstream_registrations_total{kind="unconfirmed"} 1');
    expect(s.logs.some((l) => l.includes('"msg":"device registered"') && l.includes('"unconfirmed":true'))).toBe(true);
  });

  it('refuses a bad uuid word for word', async () => {
    const s = await server();
    const res = await post(s, '/api/hosts/register', '{"uuid":"nope"}');
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({ code: 'HTTP_ERR_INVALID_FIELD', message: '"uuid" must be a UUID like 123e4567-e89b-12d3-a456-426614174000.', field: 'uuid' });
  });

  it('rate-limits with 429, Retry-After and the wait in the message, before reading the body', async () => {
    const s = await server({ registerBurst: 1, registerRatePerMinute: 1 });
    expect((await registered(s)).res.status).toBe(201);
    const res = await post(s, '/api/hosts/register', 'not even json');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await errorOf(res)).toEqual({ code: 'HTTP_ERR_RATE_LIMITED', message: 'Too many device requests from this address; retry in 60 s.' });
    expect((await post(s, '/api/hosts/update-ip', '{}', { authorization: 'Bearer x' })).status).toBe(429);
  });

  it('refuses a body over 16 KB on both routes', async () => {
    const s = await server();
    const big = JSON.stringify({ uuid: randomUUID(), name: 'x'.repeat(17 * 1024) });
    expect((await post(s, '/api/hosts/register', big)).status).toBe(413);
    expect((await post(s, '/api/hosts/update-ip', big, { authorization: 'Bearer x' })).status).toBe(413);
  });
});

describe('POST /api/hosts/update-ip', () => {
  it('stores the new address for the current token, whatever the scheme case and spacing', async () => {
    const s = await server();
    const { uuid, body } = await registered(s, { public_ip: '1.1.1.1' });
    const res = await post(s, '/api/hosts/update-ip', '{"public_ip":" 9.9.9.9 "}', { authorization: `bearer   ${body.token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(row(s, 'SELECT public_ip FROM devices WHERE uuid = ?', uuid)).toEqual({ public_ip: '9.9.9.9' });
    expect((await post(s, '/api/hosts/update-ip', '{"public_ip":null}', { authorization: `Bearer ${body.token}` })).status).toBe(200);
    expect(row(s, 'SELECT public_ip FROM devices WHERE uuid = ?', uuid)).toEqual({ public_ip: null });
  });

  it.each([
    [{}, 'Send the device token as "Authorization: Bearer <token>".'],
    [{ authorization: 'Basic abc' }, 'Send the device token as "Authorization: Bearer <token>".'],
    [{ authorization: 'Bearer' }, 'Send the device token as "Authorization: Bearer <token>".'],
    [{ authorization: `Bearer ${'a'.repeat(513)}` }, 'Send the device token as "Authorization: Bearer <token>".'],
    [{ authorization: 'Bearer two words' }, 'Send the device token as "Authorization: Bearer <token>".'],
    [{ authorization: 'NotBearer abc' }, 'Send the device token as "Authorization: Bearer <token>".'],
  ])('refuses a missing or malformed Authorization (%j) with 401 naming it', async (headers, message) => {
    const s = await server();
    const res = await post(s, '/api/hosts/update-ip', '{"public_ip":"1.2.3.4"}', headers);
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toEqual({ code: 'DEVICE_ERR_TOKEN_MISSING', message, field: 'authorization' });
  });

  it('refuses unknown, replaced, unconfirmed and revoked tokens word for word, storing nothing', async () => {
    const s = await server();
    const a = await registered(s, { public_ip: '1.1.1.1' }, { 'cf-connecting-ip': '192.0.2.1' });
    s.approveDevice(a.uuid, 'alice');
    const again = (await (await post(s, '/api/hosts/register', JSON.stringify({ uuid: a.uuid, public_ip: '1.1.1.1' }), { 'cf-connecting-ip': '192.0.2.2' })).json()) as { token: string };
    const moved = (await (await post(s, '/api/hosts/register', JSON.stringify({ uuid: a.uuid, public_ip: '1.1.1.1' }), { 'cf-connecting-ip': '198.51.100.2' })).json()) as { token: string };
    const cases: [string, number, Record<string, string>][] = [
      [`a${'b'.repeat(42)}`, 401, { code: 'DEVICE_ERR_TOKEN_UNKNOWN', message: 'This token is not known to the server; register the device again.' }],
      [a.body.token, 401, { code: 'DEVICE_ERR_TOKEN_REPLACED', message: 'This device registered again; the older token was replaced.' }],
      [moved.token, 403, { code: 'DEVICE_ERR_UNCONFIRMED', message: 'This device registered again from a new network; its owner must confirm it in BooxStream first.' }],
    ];
    for (const [token, status, error] of cases) {
      const res = await post(s, '/api/hosts/update-ip', '{"public_ip":"6.6.6.6"}', { authorization: `Bearer ${token}` });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toEqual(error);
    }
    await fetch(`${s.url}/api/hosts/${a.uuid}/revoke`, { method: 'POST', headers: { 'x-authentik-username': 'alice', 'x-authentik-groups': 'authentik Admins', 'content-type': 'application/json' } });
    const revoked = await post(s, '/api/hosts/update-ip', '{"public_ip":"6.6.6.6"}', { authorization: `Bearer ${again.token}` });
    expect(revoked.status).toBe(403);
    expect(await errorOf(revoked)).toEqual({ code: 'DEVICE_ERR_REVOKED', message: 'This device was revoked by an administrator.' });
    expect(row(s, 'SELECT public_ip FROM devices WHERE uuid = ?', a.uuid)).toEqual({ public_ip: '1.1.1.1' });
  });

  it('audits a change of address (who, from, to), and not the same address reported again', async () => {
    const s = await server();
    const { uuid, body } = await registered(s, { public_ip: '1.1.1.1' });
    const auth = { authorization: `Bearer ${body.token}`, 'cf-connecting-ip': '192.0.2.44' };
    const audits = () => rows(s, "SELECT device_prefix, actor, detail FROM audit_log WHERE event = 'update_ip' ORDER BY id");
    expect((await post(s, '/api/hosts/update-ip', '{"public_ip":"1.1.1.1"}', auth)).status).toBe(200);
    expect(audits()).toEqual([]);
    expect((await post(s, '/api/hosts/update-ip', '{"public_ip":"9.9.9.9"}', auth)).status).toBe(200);
    expect((await post(s, '/api/hosts/update-ip', '{"public_ip":"9.9.9.9"}', auth)).status).toBe(200);
    expect((await post(s, '/api/hosts/update-ip', '{"public_ip":null}', auth)).status).toBe(200);
    expect(audits()).toEqual([
      { device_prefix: uuid.slice(0, 8), actor: '192.0.2.44', detail: 'public_ip 1.1.1.1 -> 9.9.9.9' },
      { device_prefix: uuid.slice(0, 8), actor: '192.0.2.44', detail: 'public_ip 9.9.9.9 -> none' },
    ]);
    expect(JSON.stringify(audits())).not.toContain(body.token);
  });

  it("logs each refused token as the streaming socket does, in the shape CrowdSec's relay scenario reads, never the token", async () => {
    const s = await server();
    const a = await registered(s, {}, { 'cf-connecting-ip': '192.0.2.1' });
    const again = (await (await post(s, '/api/hosts/register', JSON.stringify({ uuid: a.uuid }), { 'cf-connecting-ip': '192.0.2.2' })).json()) as { token: string };
    const unknown = `u${'v'.repeat(42)}`;
    const from = { 'cf-connecting-ip': '203.0.113.9' };
    expect((await post(s, '/api/hosts/update-ip', '{}', { ...from, authorization: `Bearer ${unknown}` })).status).toBe(401);
    expect((await post(s, '/api/hosts/update-ip', '{}', { ...from, authorization: `Bearer ${a.body.token}` })).status).toBe(401);
    expect((await post(s, '/api/hosts/update-ip', '{}', { ...from, authorization: 'Basic abc' })).status).toBe(401);
    const refused = s.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === RELAY_LOG_MESSAGES.authRefused);
    expect(refused.map(({ svc, device, address, reason, route }) => ({ svc, device, address, reason, route }))).toEqual([
      { svc: 'booxstream-server', device: null, address: '203.0.113.9', reason: 'unknown', route: 'update-ip' },
      { svc: 'booxstream-server', device: a.uuid.slice(0, 8), address: '203.0.113.9', reason: 'replaced', route: 'update-ip' },
      { svc: 'booxstream-server', device: null, address: '203.0.113.9', reason: 'protocol', route: 'update-ip' },
    ]);
    // All three count towards a ban there.
    for (const l of refused) expect(BANNABLE_DEVICE_AUTH_REASONS).toContain(l.reason);
    const all = s.logs.join('\n');
    for (const secret of [unknown, a.body.token, again.token]) expect(all).not.toContain(secret);
  });
});
