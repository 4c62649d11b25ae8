import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, USER, api, register, tempDataDir, serversPerTest,
} from './helpers.js';

const server = serversPerTest();

describe('viewer API', () => {
  it('answers /healthz without identity and /api/me with the proxy identity', async () => {
    const s = await server();
    expect((await api(s, '/healthz')).status).toBe(200);
    const me = await api(s, '/api/me', { identity: ADMIN });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      username: 'alice', email: 'alice@example.test', name: null, uid: null,
      groups: ['users', 'authentik Admins'], admin: true, source: 'proxy',
    });
    const anon = await api(s, '/api/me');
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('AUTH_ERR_UNAUTHENTICATED');
  });

  it('lists a pending device to admins only, and to its owner once approved', async () => {
    const s = await server();
    const dev = await register(s);
    expect(dev.status).toBe(201);
    const asAdmin = (await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as { uuid: string; status: string; owner: string | null }[];
    expect(asAdmin).toEqual([
      { uuid: dev.uuid, name: 'Note Air', status: 'pending', owner: null, streaming: false, viewers: 0, fps: 0, lastFrameAt: null, bytesIn: 0, reregistration: null },
    ]);
    expect(await (await api(s, '/api/hosts', { identity: USER })).json()).toEqual([]);
    s.approveDevice(dev.uuid, 'bob');
    const asBob = (await (await api(s, '/api/hosts', { identity: USER })).json()) as { uuid: string; status: string; owner: string }[];
    expect(asBob.map((h) => [h.uuid, h.status, h.owner])).toEqual([[dev.uuid, 'approved', 'bob']]);
  });

  it('serves the web app to signed-in users and a sign-in page to others', async () => {
    const webRoot = join(tempDataDir(), 'web');
    mkdirSync(webRoot);
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>BooxStream app</title>');
    writeFileSync(join(webRoot, 'app.js'), 'console.log(1)');
    const s = await server({ webRoot });
    const page = await api(s, '/', { identity: ADMIN });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('BooxStream app');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await api(s, '/app.js', { identity: ADMIN })).status).toBe(200);
    expect(await (await api(s, '/hosts/some-client-route', { identity: ADMIN })).text()).toContain('BooxStream app');
    const anon = await api(s, '/');
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain('Sign in through the gateway');
    const missing = await server({ webRoot: join(webRoot, 'nope') });
    const notBuilt = await api(missing, '/', { identity: ADMIN });
    expect(notBuilt.status).toBe(503);
    expect(await notBuilt.text()).toContain('pnpm --filter @booxstream/web build');
  });
});
