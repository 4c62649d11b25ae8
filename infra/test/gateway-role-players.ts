/**
 * Loopback stand-ins for the deployed gateway, for the `pnpm verify` tests:
 *
 * - an upstream playing the BooxStream server: JSON answers, `/healthz`, `/api/me` that
 *   believes X-authentik-* from its (loopback) peer as the real server believes its trusted
 *   proxy, and every answer echoes the X-authentik-username it received;
 * - an "outpost" playing authentik's embedded outpost: 200 + X-authentik-* for a request
 *   carrying the session cookie, 401 otherwise, and `/outpost.goauthentik.io/start` that
 *   redirects to authentik's authorize endpoint (client_id: the app's host);
 * - an "authentik" playing its sign-in redirects: authorize → the provider's authentication
 *   flow, or → `/flows/-/default/authentication/` → the brand's flow, then the flow's page;
 * - nginx configs playing Traefik with the rendered semantics: forward auth on the app with
 *   identity taken only from the auth answer, the outpost's own path without forward auth,
 *   exact bypass paths with the identity headers blanked. A deliberately broken variant
 *   (prefix bypass without blanking, an app without forward auth) proves the checks can fail.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SESSION_COOKIE = 'authentik_session=valid-session';
/** authentik as browsers reach it; plain HTTP so the checks can follow it to a loopback role-player. */
export const AUTHENTIK_URL = 'http://auth.test';
export const IDENTITY_HEADERS = ['username', 'groups', 'email', 'name', 'uid'];

export interface RolePlayer {
  readonly port: number;
  /** Requests seen, `METHOD path`. */
  readonly seen: string[];
  /** Answer /healthz with this status. */
  healthStatus: number;
  /** Upstream: echo the X-authentik-username received (a server reflecting identity) [true]. */
  echoIdentity: boolean;
  /** Upstream: act on X-authentik-* on device routes (update-ip answers 200) without counting them [false]. */
  trustsDeviceIdentity: boolean;
  /** Upstream: what `booxstream_device_route_identity_headers_total` reads. */
  identityHeadersCounted: number;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, self: RolePlayer) => void): Promise<RolePlayer> {
  const self = { port: 0, seen: [] as string[], healthStatus: 200, echoIdentity: true, trustsDeviceIdentity: false, identityHeadersCounted: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    self.seen.push(`${req.method} ${req.url}`);
    // Drain the body before answering.
    req.resume();
    req.on('end', () => handler(req, res, self));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.port = (server.address() as AddressInfo).port;
  self.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return self;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
};

/** The BooxStream server's role. */
export function startUpstream(): Promise<RolePlayer> {
  return listen((req, res, self) => {
    const path = (req.url ?? '/').split('?')[0];
    const username = req.headers['x-authentik-username'];
    const echo = self.echoIdentity ? { receivedIdentity: username ?? null } : {};
    if (path === '/metrics') {
      // The real server's exposition of the counter (prom-client text format).
      const name = 'booxstream_device_route_identity_headers_total';
      return res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(`# HELP ${name} Device requests that carried an X-authentik-* header\n# TYPE ${name} counter\n${self.identityHeadersCounted > 0 ? `${name}{route="register"} ${self.identityHeadersCounted}\n` : ''}`);
    }
    const isDeviceRoute = req.method === 'POST' && (path === '/api/hosts/register' || path === '/api/hosts/update-ip');
    const carriesIdentity = Object.keys(req.headers).some((h) => (h.startsWith('x-authentik-') || h.startsWith('x_authentik_')) && req.headers[h] !== '');
    if (isDeviceRoute && carriesIdentity && self.trustsDeviceIdentity) return json(res, 200, { success: true });
    if (isDeviceRoute && carriesIdentity) self.identityHeadersCounted++;
    if (path === '/healthz') return json(res, self.healthStatus, { status: self.healthStatus === 200 ? 'ok' : 'failing' });
    if (path === '/api/me') {
      return username
        ? json(res, 200, { username, groups: String(req.headers['x-authentik-groups'] ?? '').split('|') })
        : json(res, 401, { error: { code: 'AUTH_ERR_NO_IDENTITY', message: 'Sign in first.' } });
    }
    if (req.method === 'POST' && (path === '/api/hosts/register' || path === '/api/hosts/update-ip')) {
      return json(res, 400, { error: { code: 'DEVICE_ERR_BAD_REQUEST', message: 'uuid is required', field: 'uuid' }, ...echo });
    }
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>BooxStream</h1><!-- ${JSON.stringify(echo)} -->`);
    return json(res, 404, { error: { code: 'HTTP_ERR_NOT_FOUND', message: `Nothing at ${req.method} ${path}.` }, ...echo });
  });
}

/** authentik's embedded outpost role. */
export function startOutpost(): Promise<RolePlayer> {
  return listen((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/outpost.goauthentik.io/auth/nginx') {
      if (String(req.headers.cookie ?? '').includes(SESSION_COOKIE)) {
        res.writeHead(200, {
          'X-authentik-username': 'alice',
          'X-authentik-groups': 'admins',
          'X-authentik-email': 'alice@example.test',
          'X-authentik-name': 'Alice',
          'X-authentik-uid': 'uid-alice',
        });
        return res.end();
      }
      return res.writeHead(401).end();
    }
    if (path === '/outpost.goauthentik.io/start') {
      const rd = new URL(req.url ?? '/', 'http://x').searchParams.get('rd') ?? '/';
      const clientId = new URL(rd, 'http://x').host;
      return res.writeHead(302, { location: `${AUTHENTIK_URL}/application/o/authorize/?client_id=${clientId}&state=${encodeURIComponent(rd)}` }).end();
    }
    return res.writeHead(404).end();
  });
}

export interface AuthentikRolePlayer {
  readonly port: number;
  /** client_id (the app's host) → the slug of its provider's authentication flow; absent: the brand's flow. */
  providerFlows: Record<string, string>;
  /** The brand's authentication flow. */
  brandFlow: string;
  /** Broken: authorize redirects to itself (a loop the check must bound). */
  loop: boolean;
  close(): Promise<void>;
}

/** authentik's role in a signed-out visit: redirects to the right flow, and the flow's page. */
export async function startAuthentik(): Promise<AuthentikRolePlayer> {
  const self: AuthentikRolePlayer = { port: 0, providerFlows: {}, brandFlow: 'default-authentication-flow', loop: false, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', AUTHENTIK_URL);
    const next = encodeURIComponent(url.pathname + url.search);
    if (url.pathname === '/application/o/authorize/') {
      if (self.loop) return res.writeHead(302, { location: url.pathname + url.search }).end();
      const flow = self.providerFlows[url.searchParams.get('client_id') ?? ''];
      return res.writeHead(302, { location: flow ? `/if/flow/${flow}/?next=${next}` : `/flows/-/default/authentication/?next=${next}` }).end();
    }
    if (url.pathname === '/flows/-/default/authentication/') return res.writeHead(302, { location: `/if/flow/${self.brandFlow}/?${url.searchParams}` }).end();
    const flow = /^\/if\/flow\/([-\w]+)\/$/.exec(url.pathname)?.[1];
    const known = flow !== undefined && (flow === self.brandFlow || Object.values(self.providerFlows).includes(flow));
    if (known) return res.writeHead(200, { 'content-type': 'text/html' }).end(`<ak-flow-executor flowSlug="${flow}"></ak-flow-executor>`);
    return res.writeHead(404, { 'content-type': 'text/html' }).end('Not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (self as { port: number }).port = (server.address() as AddressInfo).port;
  self.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return self;
}

const blankIdentity = () =>
  IDENTITY_HEADERS.map((h) => `      proxy_set_header X-authentik-${h} "";`).join('\n');

const fromAuthAnswer = () =>
  [
    ...IDENTITY_HEADERS.map((h) => `      auth_request_set $ak_${h} $upstream_http_x_authentik_${h};`),
    ...IDENTITY_HEADERS.map((h) => `      proxy_set_header X-authentik-${h} $ak_${h};`),
  ].join('\n');

/**
 * @param trustForwardedHost the mistake of a gateway that believes a client's
 *   X-Forwarded-Host (Traefik with `forwardedHeaders.insecure` or cloudflared in `trustedIPs`):
 *   the sign-in redirect is then built from it.
 */
function outpostLocations(trustForwardedHost = false): string {
  const host = trustForwardedHost ? '$client_forwarded_host' : '$http_host';
  return `
    # The outpost's own paths: Traefik's companion router, no forward auth.
    location /outpost.goauthentik.io/ {
      proxy_pass http://outpost;
      proxy_set_header Host $host;
    }
    # The forward-auth subrequest (Traefik's forwardAuth middleware).
    location = /_forward_auth {
      internal;
      proxy_pass http://outpost/outpost.goauthentik.io/auth/nginx;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header Host $host;
    }
    location @signin {
      internal;
      return 302 /outpost.goauthentik.io/start?rd=$scheme://${host}$request_uri;
    }`;
}

function protectedRoot(): string {
  return `
    location / {
      auth_request /_forward_auth;
      error_page 401 = @signin;
${fromAuthAnswer()}
      proxy_pass http://app;
    }`;
}

/** Both upstreams and the `booxstream.test` server: the outpost's paths, the given bypass locations, the protected root. */
function booxstreamGateway(upstreamPort: number, outpostPort: number, bypassLocations: string, trustForwardedHost = false): string {
  return `
  upstream app { server 127.0.0.1:${upstreamPort}; }
  upstream outpost { server 127.0.0.1:${outpostPort}; }
  map $http_x_forwarded_host $client_forwarded_host { "" $http_host; default $http_x_forwarded_host; }
  server {
    listen LISTEN;
    server_name booxstream.test;
${outpostLocations(trustForwardedHost)}
${bypassLocations}
${protectedRoot()}
  }`;
}

/** One bypass route as nginx sees it: `= /exact` or `~ ^regexp$`, and the methods it allows. */
export interface BypassLocation {
  readonly location: string;
  readonly methods: readonly string[];
}

/** The gateway as rendered: `booxstream.test` with bypass routes, `affine.test` without. */
export function goodGatewayConfig(upstreamPort: number, outpostPort: number, routes: readonly BypassLocation[]): string {
  const bypass = routes
    .map(
      ({ location, methods }) => `
    # Bypass: exact path or anchored regexp, its methods only, identity headers blanked
    # (Traefik's Method matcher and strip-identity middleware; another method gets 403 here
    # where Traefik falls through to forward auth).
    location ${location} {
      limit_except ${methods.join(' ')} { deny all; }
${blankIdentity()}
      proxy_pass http://app;
    }`,
    )
    .join('\n');
  return `${booxstreamGateway(upstreamPort, outpostPort, bypass)}
  server {
    listen LISTEN;
    server_name affine.test;
${outpostLocations()}
${protectedRoot()}
  }`;
}

/**
 * A gateway with the classic mistakes: the bypass is a prefix for any method that passes client
 * X-authentik-* through, the sign-in is built from a client's X-Forwarded-Host, and the app
 * has no forward auth at all.
 */
export function brokenGatewayConfig(upstreamPort: number, outpostPort: number, routes: readonly BypassLocation[]): string {
  // Any method, prefixes instead of exact paths, no blanking.
  const bypass = routes.map(({ location }) => `\n    location ${location.replace(/^= /, '')} {\n      proxy_pass http://app;\n    }`).join('\n');
  return `${booxstreamGateway(upstreamPort, outpostPort, bypass, true)}
  server {
    listen LISTEN;
    server_name affine.test;
    location / { proxy_pass http://app; }
  }`;
}

/** One router as Traefik's API lists it (`GET /api/http/routers`, RouterInfo). */
export interface TraefikApiRouter {
  entryPoints: string[];
  middlewares?: string[];
  service: string;
  rule: string;
  priority: number;
  status: 'enabled' | 'disabled' | 'warning';
  error?: string[];
  using: string[];
  name: string;
  provider: string;
}

export interface FakeTraefikApi {
  readonly url: string;
  /** What `/api/version`'s `Version` says. */
  version: string;
  routers: TraefikApiRouter[];
  close(): Promise<void>;
}

/**
 * Traefik's API role (`api.insecure`, the seed's port 8080): `/api/version` and
 * `/api/http/routers` in Traefik v3's JSON shapes, answering whatever state the test sets.
 */
export async function startTraefikApi(routers: TraefikApiRouter[], version = '3.7.6'): Promise<FakeTraefikApi> {
  const state = { url: '', version, routers, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(res, 405, { message: 'method not allowed' });
    if (path === '/api/version') return json(res, 200, { Version: state.version, Codename: 'test', startDate: '2026-12-01T05:00:00Z' });
    if (path === '/api/http/routers') return json(res, 200, state.routers);
    return res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
