/**
 * Traefik v3 dynamic configuration (file provider), one file per app.
 *
 * Routing of one app, highest priority first:
 *   bypass routers  Host && Path(`<exact>`) && Method(…)  → rate limit, blank identity, headers → backend
 *                   (or PathRegexp(`^…$`) [|| Path(…)])
 *   outpost router  Host && PathPrefix(/outpost.goauthentik.io/) → headers → authentik outpost
 *   main router     Host                                  → headers, blank identity, forward auth → backend
 *
 * Traefik forwards client headers unchanged on any route without forward auth, and forward
 * auth itself only replaces the headers it lists (VENDOR-NOTES.md#forward-auth-headers), so every route to
 * the backend blanks the `X-authentik-*` identity headers first.
 */
import yaml from 'js-yaml';
import type { Gateway, ProtectedApp } from '../model/types.js';
import { OUTPOST_PATH_PREFIX, traefikNames } from '../model/names.js';
import { bypassMatcher, bypassRouterKey } from '../model/bypass.js';
import { crowdsecBouncerMiddleware } from './crowdsec-bouncer.js';

/** The identity headers authentik's Traefik guide lists in `authResponseHeaders` (VENDOR-NOTES.md#forward-auth-headers). */
export const AUTHENTIK_RESPONSE_HEADERS = Object.freeze([
  'X-authentik-username',
  'X-authentik-groups',
  'X-authentik-entitlements',
  'X-authentik-email',
  'X-authentik-name',
  'X-authentik-uid',
  'X-authentik-jwt',
  'X-authentik-meta-jwks',
  'X-authentik-meta-outpost',
  'X-authentik-meta-provider',
  'X-authentik-meta-app',
  'X-authentik-meta-version',
]);

/**
 * Headers blanked before a request reaches the backend. The underscore spellings are included
 * because WSGI/CGI-style backends read `X_authentik_username` as `X-authentik-username` while
 * Go's header handling treats it as a different name (GHSA-5m6w-wvh7-57vm).
 */
export const BLANKED_IDENTITY_HEADERS = Object.freeze([
  ...AUTHENTIK_RESPONSE_HEADERS,
  ...AUTHENTIK_RESPONSE_HEADERS.map((h) => h.replace(/-/g, '_')),
]);

/** Router priorities: explicit, so a longer rule elsewhere cannot reorder them. */
export const ROUTER_PRIORITY = Object.freeze({ main: 10, outpost: 15, bypass: 20, denyMetrics: 30 });

/**
 * Prometheus scrapes apps on the VM's private network; through the tunnel `/metrics` (any case,
 * with or without a trailing part: Express matches paths case-insensitively) goes nowhere.
 */
export const METRICS_PATH_RULE = 'PathRegexp(`(?i)^/metrics(/|$)`)';

/** Traefik's built-in service that answers every request itself (418) without reaching a backend. */
export const DENY_SERVICE = 'noop@internal';

/** authentik's documented forwardAuth response-size limit (4 MiB). */
export const FORWARD_AUTH_MAX_RESPONSE_BODY_SIZE = 4_194_304;

/** The header Cloudflare's edge sets to the visitor's address; the only per-client key behind the tunnel. */
export const CLIENT_IP_HEADER = 'Cf-Connecting-Ip';

/** One year, the HSTS max-age browsers' preload lists expect. */
const HSTS_SECONDS = 31_536_000;

export interface TraefikRouter {
  rule: string;
  entryPoints: string[];
  priority: number;
  middlewares: string[];
  service: string;
}

export type TraefikMiddleware =
  | {
      forwardAuth: {
        address: string;
        trustForwardHeader: boolean;
        authResponseHeaders: string[];
        maxResponseBodySize: number;
      };
    }
  | { headers: Record<string, unknown> & { customRequestHeaders?: Record<string, string> } }
  | {
      rateLimit: {
        average: number;
        period: string;
        burst: number;
        sourceCriterion: { requestHeaderName: string };
      };
    }
  | { plugin: Record<string, Record<string, unknown>> };

export interface TraefikService {
  loadBalancer: {
    servers: { url: string }[];
    passHostHeader: boolean;
    healthCheck?: { path: string; interval: string; timeout: string };
  };
}

/** The dynamic configuration document of one app. */
export interface TraefikDynamicConfig {
  http: {
    routers: Record<string, TraefikRouter>;
    middlewares: Record<string, TraefikMiddleware>;
    services: Record<string, TraefikService>;
  };
}

export interface RenderedTraefikFile {
  /** `<app>.yml`. */
  fileName: string;
  /** Where the file provider reads it on the gateway, `<traefik.configDir>/<app>.yml`. */
  remotePath: string;
  document: TraefikDynamicConfig;
  yaml: string;
}

/** Every name in the document is referenced with `@file`, the provider the file is loaded by. */
const ref = (name: string): string => `${name}@file`;

/** Traefik's rule syntax quotes values in backticks; the model forbids backticks in hosts and paths. */
const host = (hostname: string): string => `Host(\`${hostname}\`)`;

/** Renders the Traefik dynamic configuration file of one app. Pure. */
export function renderTraefikDynamicConfig(gateway: Gateway, app: ProtectedApp): RenderedTraefikFile {
  const names = traefikNames(app);
  const entryPoints = [gateway.traefik.entryPoint];

  const routers: Record<string, TraefikRouter> = {
    [names.routers.main]: {
      rule: host(app.hostname),
      entryPoints,
      priority: ROUTER_PRIORITY.main,
      middlewares: [ref(names.middlewares.securityHeaders), ref(names.middlewares.stripIdentity), ref(names.middlewares.forwardAuth)],
      service: ref(names.services.backend),
    },
    // authentik's sign-in callback and sign-out live on the app's own host (forward_single).
    [names.routers.outpost]: {
      rule: `${host(app.hostname)} && PathPrefix(\`${OUTPOST_PATH_PREFIX}\`)`,
      entryPoints,
      priority: ROUTER_PRIORITY.outpost,
      middlewares: [ref(names.middlewares.securityHeaders)],
      service: ref(names.services.outpost),
    },
  };
  routers[names.routers.denyMetrics] = {
    rule: `${host(app.hostname)} && ${METRICS_PATH_RULE}`,
    entryPoints,
    priority: ROUTER_PRIORITY.denyMetrics,
    middlewares: [ref(names.middlewares.securityHeaders)],
    service: DENY_SERVICE,
  };
  for (const route of app.bypassPaths) {
    routers[names.routers.bypass(bypassRouterKey(route))] = {
      rule: `${host(app.hostname)} && ${bypassMatcher(route)}`,
      entryPoints,
      priority: ROUTER_PRIORITY.bypass,
      middlewares: [
        ref(names.middlewares.bypassRateLimit),
        ref(names.middlewares.stripIdentity),
        ref(names.middlewares.securityHeaders),
      ],
      service: ref(names.services.backend),
    };
  }

  const middlewares: Record<string, TraefikMiddleware> = {
    [names.middlewares.forwardAuth]: {
      forwardAuth: {
        address: `${gateway.authentik.outpostUrl}${OUTPOST_PATH_PREFIX}auth/traefik`,
        // Safe only because the entry point does not trust cloudflared's X-Forwarded-* (its
        // IP is not in forwardedHeaders.trustedIPs): Traefik rebuilds them, so "trusted" here
        // means "as Traefik set them", not as the client sent them (VENDOR-NOTES.md#forward-auth-headers).
        trustForwardHeader: true,
        authResponseHeaders: [...AUTHENTIK_RESPONSE_HEADERS],
        maxResponseBodySize: FORWARD_AUTH_MAX_RESPONSE_BODY_SIZE,
      },
    },
    // An empty value makes Traefik delete the header (headers middleware docs).
    [names.middlewares.stripIdentity]: {
      headers: { customRequestHeaders: Object.fromEntries(BLANKED_IDENTITY_HEADERS.map((h) => [h, ''])) },
    },
    [names.middlewares.securityHeaders]: {
      headers: {
        // TLS ends at Cloudflare and the tunnel → Traefik hop is plain HTTP; the browser is
        // on https, so say so to the outpost (redirect URLs) and the app (secure cookies).
        customRequestHeaders: { 'X-Forwarded-Proto': 'https' },
        stsSeconds: HSTS_SECONDS,
        stsIncludeSubdomains: true,
        // Without it Traefik sends HSTS only on TLS connections, which it never sees here.
        forceSTSHeader: true,
        frameDeny: true,
        contentTypeNosniff: true,
        referrerPolicy: 'strict-origin-when-cross-origin',
        contentSecurityPolicy: app.contentSecurityPolicy,
      },
    },
  };
  if (app.bypassPaths.length > 0) {
    middlewares[names.middlewares.bypassRateLimit] = {
      rateLimit: {
        average: app.rateLimit.average,
        period: app.rateLimit.period,
        burst: app.rateLimit.burst,
        // Every request arrives from cloudflared's address; keyed on it, all devices would
        // share one bucket. Trustworthy because Traefik is reachable only through the tunnel.
        sourceCriterion: { requestHeaderName: CLIENT_IP_HEADER },
      },
    };
  }

  // The intrusion-detection layer: the bouncer runs first, so a banned address costs no
  // forward-auth round trip and reaches neither the device routes nor the sign-in callback.
  if (gateway.ids !== undefined) {
    middlewares[names.middlewares.crowdsec] = crowdsecBouncerMiddleware(gateway.ids);
    for (const router of Object.values(routers)) router.middlewares.unshift(ref(names.middlewares.crowdsec));
  }

  const services: Record<string, TraefikService> = {
    [names.services.backend]: {
      loadBalancer: {
        servers: [{ url: app.upstream }],
        passHostHeader: true,
        healthCheck: { path: app.healthCheck.path, interval: app.healthCheck.interval, timeout: app.healthCheck.timeout },
      },
    },
    // authentik's guide writes the server URL with /outpost.goauthentik.io appended, but Traefik
    // ignores paths in server URLs; the request path already carries the prefix.
    [names.services.outpost]: {
      loadBalancer: { servers: [{ url: gateway.authentik.outpostUrl }], passHostHeader: true },
    },
  };

  const document: TraefikDynamicConfig = { http: { routers, middlewares, services } };
  return {
    fileName: names.fileName,
    remotePath: `${gateway.traefik.configDir}/${names.fileName}`,
    document,
    yaml: traefikYaml(app, document),
  };
}

function traefikYaml(app: ProtectedApp, document: TraefikDynamicConfig): string {
  return (
    '# yaml-language-server: $schema=https://json.schemastore.org/traefik-v3-file-provider.json\n' +
    `# ${app.hostname}: generated by @booxstream/gateway from the gateway model. Do not edit by hand;\n` +
    '# the file provider hot-reloads this file when it changes.\n' +
    yaml.dump(document, { lineWidth: -1, noRefs: true, sortKeys: false, quotingType: '"' })
  );
}
