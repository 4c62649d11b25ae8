/**
 * `pnpm verify` against loopback role-players: a real nginx playing the gateway (forward auth
 * through auth_request, bypass paths with identity blanked), a small outpost, and an upstream
 * that echoes the identity it receives. The same checks then run against a broken gateway and
 * must fail. All traffic stays on 127.0.0.1; every request has a timeout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_CHECK_IDS } from '../src/verify/check-ids.js';
import { formatTable, runChecks, traversalPaths, type CheckResult, type VerifyOptions } from '../src/verify/checks.js';
import { parseArgs } from '../src/verify/cli.js';
import { parseTargets, type VerifyBypass, type VerifyTargets } from '../src/verify/targets.js';
import { bypassProbePaths, loadExampleGateway, MFA_FLOW_SLUG } from '@booxstream/gateway';
import {
  AUTHENTIK_URL,
  type AuthentikRolePlayer,
  brokenGatewayConfig,
  startAuthentik,
  type BypassLocation,
  goodGatewayConfig,
  SESSION_COOKIE,
  startOutpost,
  startTraefikApi,
  startUpstream,
  type FakeTraefikApi,
  type RolePlayer,
  type TraefikApiRouter,
} from './gateway-role-players.js';
import { expectedTraefikRouters } from '../src/verify/expected-routers.js';
import { traefikRoutersLoaded, versionAtLeast } from '../src/verify/traefik-api.js';
import { freePort, startNginx, type RunningNginx } from './nginx.js';
import { probe } from '../src/verify/http-probe.js';

const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));
// The example gateway's own bypass routes: what nginx enforces and what verify probes both come from the model.
const ROUTES = loadExampleGateway().apps.find((a) => a.name === 'booxstream')!.bypassPaths;
const LOCATIONS: BypassLocation[] = ROUTES.flatMap((r) =>
  r.path !== undefined
    ? [{ location: `= ${r.path}`, methods: r.methods }]
    : [{ location: `~ "${r.pathRegexp}"`, methods: r.methods }, ...(r.paths ?? []).map((p) => ({ location: `= ${p}`, methods: r.methods }))],
);
const BYPASS: VerifyBypass[] = ROUTES.flatMap((r) => bypassProbePaths(r).map((path) => ({ path, methods: [...r.methods] })));
const SHARE_PAGE = '/share/00000verify00000';

let upstream: RolePlayer;
let outpost: RolePlayer;
let good: RunningNginx;
let broken: RunningNginx;
let traefik: FakeTraefikApi;
let authentik: AuthentikRolePlayer;
const DEFAULT_FLOW = 'default-authentication-flow';

/** The routers the renderer writes for the example model, as the program exports them. */
const EXPECTED_ROUTERS = expectedTraefikRouters(loadExampleGateway());
/** Traefik's API listing them as loaded from the file provider, next to routers of other providers. */
function liveRouters(): TraefikApiRouter[] {
  return [
    ...Object.entries(EXPECTED_ROUTERS).map(([name, r]) => ({
      entryPoints: ['web'],
      middlewares: [...r.middlewares],
      service: 'booxstream-backend',
      rule: r.rule,
      priority: r.priority,
      status: 'enabled' as const,
      using: ['web'],
      name: `${name}@file`,
      provider: 'file',
    })),
    { entryPoints: ['traefik'], service: 'api@internal', rule: 'PathPrefix(`/api`)', priority: 9223372036854775806, status: 'enabled', using: ['traefik'], name: 'api@internal', provider: 'internal' },
  ];
}

function targets(healthzPort: number): VerifyTargets {
  return {
    authentikExternalUrl: AUTHENTIK_URL,
    apps: [
      { name: 'booxstream', url: 'http://booxstream.test/', signInFlowSlug: DEFAULT_FLOW, bypassPaths: BYPASS },
      { name: 'affine', url: 'http://affine.test/', signInFlowSlug: DEFAULT_FLOW, bypassPaths: [] },
    ],
    healthzUrl: `http://127.0.0.1:${healthzPort}/healthz`,
    traefikRouters: EXPECTED_ROUTERS,
  };
}

function via(nginx: RunningNginx, extra: Partial<VerifyOptions> = {}): VerifyOptions {
  const to = { host: '127.0.0.1', port: nginx.port };
  return { timeoutMs: 5000, connectTo: new Map([['booxstream.test', to], ['affine.test', to], ['auth.test', { host: '127.0.0.1', port: authentik.port }]]), traefikApiUrl: traefik.url, ...extra };
}

const byId = (results: CheckResult[], id: string) => results.filter((r) => r.id === id);

beforeAll(async () => {
  upstream = await startUpstream();
  outpost = await startOutpost();
  authentik = await startAuthentik();
  traefik = await startTraefikApi(liveRouters());
  good = await startNginx(goodGatewayConfig(upstream.port, outpost.port, LOCATIONS));
  broken = await startNginx(brokenGatewayConfig(upstream.port, outpost.port, LOCATIONS));
}, 30_000);

afterAll(async () => {
  await good?.stop();
  await broken?.stop();
  await upstream?.close();
  await outpost?.close();
  await traefik?.close();
  await authentik?.close();
});

describe('the role-played gateway behaves like the rendered one', () => {
  it('lets a signed-in browser through with identity from the outpost only, and a forged header loses', async () => {
    const r = await probe('http://booxstream.test/api/me', {
      headers: { cookie: SESSION_COOKIE, 'X-authentik-username': 'mallory' },
      connectTo: via(good).connectTo!,
      timeoutMs: 5000,
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ username: 'alice' });
  });
});

describe('pnpm verify against a correct gateway', () => {
  let results: CheckResult[];
  beforeAll(async () => {
    results = await runChecks(targets(upstream.port), via(good));
  }, 60_000);

  it('runs every check id the checklist coverage cites, and all pass', () => {
    expect([...new Set(results.map((r) => r.id))].sort()).toEqual([...VERIFY_CHECK_IDS].sort());
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('follows the 302 of each app (Affine included) to authentik', () => {
    const redirects = byId(results, 'app-redirects-to-authentik');
    expect(redirects.map((r) => r.target)).toEqual(['booxstream http://booxstream.test/', 'affine http://affine.test/']);
    for (const r of redirects) expect(r.detail).toMatch(/^302 → http:\/\/.*\/outpost\.goauthentik\.io\/start\?rd=.* → http:\/\/auth\.test\//);
  });

  it('reaches the server on every bypass path without signing in', () => {
    const bypass = byId(results, 'bypass-reaches-server');
    expect(bypass.map((r) => r.target)).toEqual(BYPASS.map((b) => `booxstream ${b.methods.includes('POST') ? 'POST' : 'GET'} ${b.path}`));
    expect(bypass.map((r) => r.target)).toContain(`booxstream GET ${SHARE_PAGE}`);
    expect(bypass[0]!.detail).toBe('400 application/json from the server, no sign-in');
    // The requests really arrived upstream, signed out, the share page included.
    for (const b of BYPASS) expect(upstream.seen).toContain(`${b.methods.includes('POST') ? 'POST' : 'GET'} ${b.path}`);
  });

  it('stops the method a bypass route does not allow before the server', () => {
    const enforced = byId(results, 'bypass-methods-enforced');
    expect(enforced.map((r) => r.target)).toEqual(BYPASS.map((b) => `booxstream ${b.methods.includes('POST') ? 'GET' : 'POST'} ${b.path}`));
    expect(upstream.seen).not.toContain('POST /android-ws');
    expect(upstream.seen).not.toContain(`POST ${SHARE_PAGE}`);
  });

  it('sends forged identity headers to the app, each bypass path and the traversal variants, and none is believed', () => {
    const forged = byId(results, 'forged-identity-ignored');
    expect(forged.map((r) => r.detail)).toEqual([
      `${1 + BYPASS.length * 3} request(s) with forged X-authentik-* headers; none believed`,
      '1 request(s) with forged X-authentik-* headers; none believed',
    ]);
    expect(traversalPaths('/api/hosts/register', '/api/me')).toEqual([
      '/api/hosts/register/../../../api/me',
      '/api/hosts/register/%2e%2e/%2e%2e/%2e%2e/api/me',
    ]);
  });

  it('prints a PASS/FAIL table', () => {
    const table = formatTable(results);
    expect(table.split('\n')[0]).toMatch(/^CHECK\s+TARGET\s+RESULT\s+DETAIL$/);
    expect(table).toContain('All 25 checks passed.');
    expect(table).not.toContain('FAIL');
  });
});

describe('pnpm verify against a broken gateway', () => {
  let results: CheckResult[];
  beforeAll(async () => {
    upstream.healthStatus = 503;
    try {
      results = await runChecks(targets(upstream.port), via(broken));
    } finally {
      upstream.healthStatus = 200;
    }
  }, 60_000);

  it('fails the app without forward auth', () => {
    const [boox, affine] = byId(results, 'app-redirects-to-authentik');
    expect(boox!.ok).toBe(true);
    expect(affine).toMatchObject({ ok: false, detail: expect.stringMatching(/^answered 200 instead of 302/) });
  });

  it('fails forged identity where the bypass passes X-authentik-* through, and where there is no forward auth', () => {
    const [boox, affine] = byId(results, 'forged-identity-ignored');
    expect(boox).toMatchObject({ ok: false, detail: expect.stringContaining('POST /api/hosts/register: the forged X-authentik-username reached the app') });
    expect(affine).toMatchObject({ ok: false, detail: expect.stringContaining('GET /api/me: the forged X-authentik-username reached the app') });
  });

  it('fails a gateway that builds the sign-in from the client\'s X-Forwarded-Host (and the app without forward auth)', () => {
    const [boox, affine] = byId(results, 'forged-forwarded-host-ignored');
    expect(boox).toMatchObject({ ok: false, detail: expect.stringMatching(/^the client's X-Forwarded-Host reached forward auth: redirect .*verify-[0-9a-f]+\.invalid/) });
    expect(affine).toMatchObject({ ok: false, detail: expect.stringMatching(/^answered 200 to a signed-out request/) });
  });

  it('fails every bypass route without a method restriction', () => {
    const enforced = byId(results, 'bypass-methods-enforced');
    expect(enforced).toHaveLength(BYPASS.length);
    for (const r of enforced) expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('without sign-in; the route allows only') });
    expect(enforced.find((r) => r.target === `booxstream POST ${SHARE_PAGE}`)).toMatchObject({ ok: false });
  });

  it('fails an unhealthy server and reports it in the table', () => {
    expect(byId(results, 'healthz-through-gateway')[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^answered 503/) });
    expect(formatTable(results)).toMatch(/15 of 25 checks FAILED\.$/);
  });
});

describe('forged-identity-counted: the server\'s own counter, read before and after', () => {
  const counted = (results: CheckResult[]) => byId(results, 'forged-identity-counted');
  const run = async (nginx: RunningNginx, setup: Partial<RolePlayer>) => {
    const saved = { echoIdentity: upstream.echoIdentity, trustsDeviceIdentity: upstream.trustsDeviceIdentity };
    Object.assign(upstream, setup);
    try {
      return counted(await runChecks(targets(upstream.port), via(nginx)));
    } finally {
      Object.assign(upstream, saved);
    }
  };

  it('passes when the gateway blanks the header (counter unchanged, refused as an unauthenticated device)', async () => {
    const before = upstream.identityHeadersCounted;
    const [r, ...rest] = await run(good, {});
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ ok: true, target: 'booxstream /api/hosts/register /api/hosts/update-ip' });
    expect(r!.detail).toMatch(/^\/api\/hosts\/register: blanked by the gateway \(counter stayed \d+\), refused 400 DEVICE_ERR_BAD_REQUEST; \/api\/hosts\/update-ip: blanked/);
    expect(upstream.identityHeadersCounted).toBe(before);
  }, 30_000);

  it('passes when the header reaches a server that counts and ignores it', async () => {
    const [r] = await run(broken, { echoIdentity: false });
    expect(r).toMatchObject({ ok: true });
    expect(r!.detail).toMatch(/^\/api\/hosts\/register: reached the server, counted \((\d+) → \d+\), refused 400 DEVICE_ERR_BAD_REQUEST/);
  }, 30_000);

  it('fails when the header reaches a server that acts on it, or one that reflects it', async () => {
    const [trusting] = await run(broken, { echoIdentity: false, trustsDeviceIdentity: true });
    expect(trusting).toMatchObject({ ok: false, detail: expect.stringMatching(/^POST \/api\/hosts\/register with a forged identity and no device token answered 200/) });
    const [echoing] = await run(broken, {});
    expect(echoing).toMatchObject({ ok: false, detail: expect.stringContaining('carries the forged X-authentik-username') });
  }, 30_000);

  it('fails when the server has no counter or /metrics cannot be read', async () => {
    const closed = await freePort();
    const [r] = counted(await runChecks({ ...targets(upstream.port), healthzUrl: `http://127.0.0.1:${closed}/healthz` }, via(good)));
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
    // The outpost role-player has no /metrics: a server without the counter cannot prove anything.
    const [none] = counted(await runChecks({ ...targets(outpost.port) }, via(good)));
    expect(none).toMatchObject({ ok: false, detail: expect.stringMatching(/answered 404$/) });
  }, 30_000);
});

describe('traefik-routers-loaded: Traefik\'s API against the rendered routers', () => {
  const check = () => traefikRoutersLoaded(traefik.url, EXPECTED_ROUTERS, { timeoutMs: 5000 });
  const broken = async (change: (routers: TraefikApiRouter[]) => void, version = '3.7.6') => {
    const routers = liveRouters();
    change(routers);
    traefik.routers = routers;
    traefik.version = version;
    try {
      return await check();
    } finally {
      traefik.routers = liveRouters();
      traefik.version = '3.7.6';
    }
  };
  const main = Object.keys(EXPECTED_ROUTERS)[0]!;

  it('passes when every rendered router is loaded and enabled as rendered, on Traefik 3.7.6 or later', async () => {
    expect(Object.keys(EXPECTED_ROUTERS).length).toBeGreaterThan(2);
    expect(await check()).toMatchObject({ ok: true, detail: `Traefik 3.7.6; ${Object.keys(EXPECTED_ROUTERS).length} router(s) loaded and enabled as rendered` });
    expect(await broken(() => undefined, 'v3.8.0')).toMatchObject({ ok: true });
  });

  it('fails a missing router, a disabled one, a missing middleware, another priority or rule, and Traefik 3.7.5', async () => {
    expect(await broken((rs) => rs.splice(0, 1))).toMatchObject({ ok: false, detail: `${main}@file is not loaded` });
    expect(await broken((rs) => Object.assign(rs[0]!, { status: 'disabled', error: ['middleware "x@file" does not exist'] }))).toMatchObject({
      ok: false,
      detail: `${main}@file is disabled (middleware "x@file" does not exist)`,
    });
    expect(await broken((rs) => rs[0]!.middlewares!.pop())).toMatchObject({ ok: false, detail: expect.stringMatching(new RegExp(`^${main}@file middlewares \\[`)) });
    expect(await broken((rs) => (rs[0]!.priority = 1))).toMatchObject({ ok: false, detail: expect.stringContaining(`${main}@file priority 1 ≠`) });
    expect(await broken((rs) => (rs[1]!.rule = 'Host(`evil.test`)'))).toMatchObject({ ok: false, detail: expect.stringContaining('rule "Host(`evil.test`)"') });
    expect(await broken(() => undefined, '3.7.5')).toMatchObject({ ok: false, detail: 'Traefik 3.7.5: 3.7.6 or later is required (forwarded-header fixes)' });
  });

  it('fails without an API address or when the API does not answer', async () => {
    expect(await traefikRoutersLoaded(undefined, EXPECTED_ROUTERS, {})).toMatchObject({ ok: false, detail: expect.stringContaining('--traefik-api') });
    const closed = await freePort();
    expect(await traefikRoutersLoaded(`http://127.0.0.1:${closed}`, EXPECTED_ROUTERS, { timeoutMs: 2000 })).toMatchObject({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
    expect(versionAtLeast('3.10.0', '3.7.6')).toBe(true);
    expect(versionAtLeast('2.11.30', '3.7.6')).toBe(false);
    expect(versionAtLeast('dev', '3.7.6')).toBe(null);
  });
});

describe('signin-ends-at-login-flow: a signed-out visit ends on authentik\'s login flow', () => {
  const signIn = async (nginx: RunningNginx, apps = targets(upstream.port).apps) =>
    byId(await runChecks({ ...targets(upstream.port), apps }, via(nginx)), 'signin-ends-at-login-flow');
  const withProviderFlows = async <T>(flows: Record<string, string>, fn: () => Promise<T>, loop = false) => {
    authentik.providerFlows = flows;
    authentik.loop = loop;
    try {
      return await fn();
    } finally {
      authentik.providerFlows = {};
      authentik.loop = false;
    }
  };

  it('follows app → outpost → authorize → default authentication → the default flow\'s page, for every app', async () => {
    const results = await signIn(good);
    expect(results.map((r) => r.target)).toEqual(['booxstream http://booxstream.test/', 'affine http://affine.test/']);
    for (const r of results) expect(r).toMatchObject({ ok: true, detail: `4 redirect(s) to /if/flow/${DEFAULT_FLOW}/ (200)` });
  });

  it('per app: the listed app ends at the flow of our own, straight from authorize', async () => {
    const apps = targets(upstream.port).apps.map((a) => (a.name === 'booxstream' ? { ...a, signInFlowSlug: MFA_FLOW_SLUG } : a));
    const [boox, affine] = await withProviderFlows({ 'booxstream.test': MFA_FLOW_SLUG }, () => signIn(good, apps));
    expect(boox).toMatchObject({ ok: true, detail: `3 redirect(s) to /if/flow/${MFA_FLOW_SLUG}/ (200)` });
    expect(affine).toMatchObject({ ok: true });
  });

  it('fails an app that answers 200 without sign-in, and an app sent to another flow than its own', async () => {
    const [, open] = await signIn(broken);
    expect(open).toMatchObject({ ok: false, detail: expect.stringMatching(/^answered 200 to a signed-out visit instead of sending it to sign in/) });
    // The model says BooxStream signs in with two factors, but its provider still uses the default flow.
    const apps = targets(upstream.port).apps.map((a) => (a.name === 'booxstream' ? { ...a, signInFlowSlug: MFA_FLOW_SLUG } : a));
    const [wrong] = await signIn(good, apps);
    expect(wrong).toMatchObject({
      ok: false,
      detail: expect.stringMatching(new RegExp(`^ended at http://auth\\.test/if/flow/${DEFAULT_FLOW}/ \\(200\\) instead of http://auth\\.test/if/flow/${MFA_FLOW_SLUG}/`)),
    });
  });

  it('fails a redirect loop after a bounded number of hops', async () => {
    const [looping] = await withProviderFlows({}, () => signIn(good), true);
    expect(looping).toMatchObject({ ok: false, detail: expect.stringMatching(/^more than 6 redirects without reaching http:\/\/auth\.test\/if\/flow\/default-authentication-flow\//) });
  });
});

describe('bounded failures', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        silent.close(() => r());
      }),
  );

  it('a server that never answers fails within the timeout, a closed port fails at once', async () => {
    const closed = await freePort();
    const results = await runChecks(
      {
        authentikExternalUrl: AUTHENTIK_URL,
        apps: [{ name: 'silent', url: `http://127.0.0.1:${silentPort}/`, signInFlowSlug: DEFAULT_FLOW, bypassPaths: [] }],
        healthzUrl: `http://127.0.0.1:${closed}/healthz`,
      },
      { timeoutMs: 300 },
    );
    expect(byId(results, 'app-redirects-to-authentik')[0]!.detail).toContain('no complete answer within 300 ms');
    expect(byId(results, 'healthz-through-gateway')[0]!.detail).toContain('ECONNREFUSED');
    expect(results.every((r) => !r.ok)).toBe(true);
  });

  it('a wrong path on the gateway (Traefik-style 404 text) is not mistaken for the server', async () => {
    const results = await runChecks(
      { ...targets(upstream.port), apps: [{ name: 'booxstream', url: 'http://booxstream.test/', signInFlowSlug: DEFAULT_FLOW, bypassPaths: [{ path: '/outpost.goauthentik.io/nowhere', methods: ['POST'] }] }] },
      via(good),
    );
    expect(byId(results, 'bypass-reaches-server')[0]).toMatchObject({ ok: false });
  });
});

describe('the verify CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'infra-verify-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], stdin?: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/verify/cli.ts', ...args], { cwd: INFRA_DIR });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('verify CLI did not finish within 60 s'));
      }, 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(stdin ?? '');
    });

  it('reads `pulumi stack output --json` on stdin, prints the table and exits 0 when all pass', async () => {
    const outputs = { appUrls: {}, verify: targets(upstream.port) };
    const { code, stdout } = await cli(['--traefik-api', traefik.url, '--connect-to', `booxstream.test=127.0.0.1:${good.port}`, '--connect-to', `affine.test=127.0.0.1:${good.port}`, '--connect-to', `auth.test=127.0.0.1:${authentik.port}`], JSON.stringify(outputs));
    expect(stdout).toContain('All 25 checks passed.');
    expect(code).toBe(0);
  }, 60_000);

  it('reads --outputs and exits 1 when a check fails', async () => {
    const file = join(dir, 'outputs.json');
    writeFileSync(file, JSON.stringify({ verify: targets(upstream.port) }));
    const { code, stdout } = await cli(['--outputs', file, '--timeout-ms', '2000', '--connect-to', `booxstream.test=127.0.0.1:${broken.port}`, '--connect-to', `affine.test=127.0.0.1:${broken.port}`]);
    expect(stdout).toMatch(/FAIL/);
    expect(code).toBe(1);
  }, 60_000);

  it('exits 2 with a clear message on bad usage or outputs without `verify`', async () => {
    expect(await cli(['--bogus'])).toMatchObject({ code: 2, stderr: 'verify: unknown argument --bogus\n' });
    const r = await cli([], JSON.stringify({ appUrls: {} }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('verify.authentikExternalUrl must be a URL');
  }, 60_000);

  it('parses its flags', () => {
    expect(parseArgs(['--connect-to', 'a.test=[::1]:8443', '--identity-path', '/api/me', '--timeout-ms', '500'])).toEqual({
      options: { connectTo: new Map([['a.test', { host: '::1', port: 8443 }]]), identityPath: '/api/me', timeoutMs: 500 },
    });
    expect(parseArgs(['--traefik-api', 'http://192.168.1.200:8080']).options.traefikApiUrl).toBe('http://192.168.1.200:8080');
    expect(() => parseArgs(['--traefik-api', '192.168.1.200:8080'])).toThrow('--traefik-api takes http(s)://HOST:PORT');
    expect(() => parseArgs(['--timeout-ms', '5'])).toThrow('--timeout-ms must be an integer from 100 to 120000');
    expect(() => parseTargets('{"verify": {"authentikExternalUrl": "https://a", "healthzUrl": "http://b/healthz", "apps": [{"name": "x", "url": "ftp://x"}]}}')).toThrow(
      'verify.apps[0].url must be http(s): ftp://x',
    );
  });
});
