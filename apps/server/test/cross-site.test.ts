/**
 * Cross-site writes: a page on another site can make an admin's browser send a
 * form POST with the gateway cookie; the server must refuse it. Real server,
 * real HTTP requests with the headers a browser sends.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN, api, register, serversPerTest, viewer } from './helpers.js';

const server = serversPerTest();

function raw(url: string, method: string, headers: Record<string, string>, body?: string) {
  return fetch(url, { method, headers: { ...ADMIN, ...headers }, body });
}

describe('state-changing requests', () => {
  it.each([
    ['a urlencoded form from another site', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'a=1'],
    ['a text/plain form from another site', { 'content-type': 'text/plain', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, '{"x":1}'],
    ['a form with only a foreign Origin', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, 'a=1'],
    ['a form with no Origin and no Sec-Fetch-Site', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'],
    ['JSON from a sibling site of the gateway', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, '{}'],
  ])('refuses %s with 403 on approve, revoke and delete, changing nothing', async (_what, headers, body) => {
    const s = await server();
    const dev = await register(s);
    for (const [method, path] of [['POST', 'approve'], ['POST', 'revoke'], ['DELETE', '']] as const) {
      const res = await raw(`${s.url}/api/hosts/${dev.uuid}${path ? `/${path}` : ''}`, method, headers, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'AUTH_ERR_BAD_ORIGIN' } });
    }
    const hosts = (await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as { status: string }[];
    expect(hosts.map((h) => h.status)).toEqual(['pending']);
  });

  it('refuses an Origin that differs from this server only by scheme', async () => {
    const s = await server();
    const dev = await register(s);
    const host = new URL(s.url).host;
    const res = await raw(`${s.url}/api/hosts/${dev.uuid}/approve`, 'POST', { origin: `https://${host}`, 'content-type': 'application/json' });
    expect(res.status).toBe(403);
  });

  it('lets the web app (same origin) and scripts (JSON content type) through', async () => {
    const s = await server();
    const host = new URL(s.url).host;
    const a = await register(s);
    // What Chromium sends for the web app's fetch: Origin and Sec-Fetch-Site, no body.
    expect((await raw(`${s.url}/api/hosts/${a.uuid}/approve`, 'POST', { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await raw(`${s.url}/api/hosts/${a.uuid}/revoke`, 'POST', { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    // Behind a TLS-terminating trusted proxy the expected scheme is its X-Forwarded-Proto.
    expect((await raw(`${s.url}/api/hosts/${a.uuid}/approve`, 'POST', {
      origin: 'https://booxstream.example.dev', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'booxstream.example.dev',
    })).status).toBe(200);
  });

  it('with PUBLIC_URL, only that origin is accepted', async () => {
    const s = await server({ publicUrl: 'https://booxstream.example.dev' });
    const a = await register(s);
    const host = new URL(s.url).host;
    expect((await raw(`${s.url}/api/hosts/${a.uuid}/approve`, 'POST', { origin: `http://${host}` })).status).toBe(403);
    expect((await raw(`${s.url}/api/hosts/${a.uuid}/approve`, 'POST', { origin: 'http://booxstream.example.dev' })).status).toBe(403);
    expect((await raw(`${s.url}/api/hosts/${a.uuid}/approve`, 'POST', { origin: 'https://booxstream.example.dev' })).status).toBe(200);
  });

  it('keeps the device routes working exactly as the app calls them', async () => {
    const s = await server();
    // The app sends no Origin; a browser form to these routes changes nothing an attacker can use.
    const r = await register(s);
    expect(r.status).toBe(201);
    s.approveDevice(r.uuid, 'alice');
    const res = await fetch(`${s.url}/api/hosts/update-ip`, { method: 'POST', headers: { Authorization: `Bearer ${r.token}`, 'content-type': 'text/plain' }, body: '{"public_ip":"1.2.3.4"}' });
    expect(res.status).toBe(200);
  });
});

describe('viewer socket origin', () => {
  it('compares the scheme too', async () => {
    const s = await server();
    const dev = await register(s);
    s.approveDevice(dev.uuid, 'alice');
    const host = new URL(s.url).host;
    await expect(viewer(s, dev.uuid, { ...ADMIN, Origin: `https://${host}` })).rejects.toMatchObject({ status: 403 });
    const ok = await viewer(s, dev.uuid, { ...ADMIN, Origin: `http://${host}` });
    ok.close();
  });
});
