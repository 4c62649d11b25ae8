/**
 * The gateway model: one declaration of the home gateway (Cloudflare tunnel → Traefik →
 * Authentik forward auth) and of every app it protects. Plain JSON-able data, so the Pulumi
 * program can read it with `config.requireObject` and the preview CLI from a YAML file.
 *
 * `GatewayInput` is what people write (optional fields may be left out); `Gateway` is what
 * `validateGateway` returns: every default filled in (see `defaults.ts`), deeply frozen.
 */

import type { AppDeploy } from './deploy.js';

/** Authentik's policy engine mode for an application: pass if `any` binding passes, or only if `all` do. */
export type PolicyEngineMode = 'any' | 'all';

/** Traefik rateLimit settings for the routes that bypass single sign-on. */
export interface RateLimit {
  /** Requests allowed per `period` per client (keyed on `Cf-Connecting-Ip`). */
  readonly average: number;
  /** Go duration, e.g. `1m`. */
  readonly period: string;
  /** Requests allowed at once above the average. */
  readonly burst: number;
}

/** Traefik load-balancer health check of an app's upstream. */
export interface HealthCheck {
  /** Path on the upstream, e.g. `/healthz`. */
  readonly path: string;
  /** Go duration between checks; must exceed `timeout`. */
  readonly interval: string;
  /** Go duration a check may take. */
  readonly timeout: string;
}

/** The Authentik application an app is listed as (what users see in their library). */
export interface AuthentikAppMetadata {
  /** Display name, e.g. `BooxStream`. */
  readonly name: string;
  /** URL-safe id, authentik's pattern `^[-a-zA-Z0-9_]+$`. */
  readonly slug: string;
  /** Name of the proxy provider. [providerName=`<app name>-proxy`] */
  readonly providerName: string;
  /** Where the library tile points. [launchUrl=`https://<hostname>/`] */
  readonly launchUrl: string;
  /** Icon URL (or authentik media path). [icon=''] */
  readonly icon: string;
  /** [description=''] */
  readonly description: string;
  /** [publisher=''] */
  readonly publisher: string;
  /** [policyEngineMode='any'] with group bindings: a member of any allowed group gets in. */
  readonly policyEngineMode: PolicyEngineMode;
}

/** One app behind the gateway: one Traefik file, one tunnel rule, one Authentik provider + application. */
export interface ProtectedApp {
  /** Short lowercase name; prefixes every Traefik router, middleware and service, and names the file. */
  readonly name: string;
  /** Public hostname, an FQDN within the gateway's domain. */
  readonly hostname: string;
  /** Where Traefik sends signed-in traffic, `http(s)://host:port` without a path. */
  readonly upstream: string;
  /** Traefik health check of the upstream. [healthCheck.interval='30s'] [healthCheck.timeout='5s'] */
  readonly healthCheck: HealthCheck;
  /**
   * Exact paths that skip single sign-on (devices that cannot sign in). Each gets its own
   * router with the identity headers blanked and a rate limit. [bypassPaths=[]]
   */
  readonly bypassPaths: readonly string[];
  /** Authentik groups (by name) allowed to use the app; bound as group policies. */
  readonly allowedGroups: readonly string[];
  /** Content-Security-Policy sent with every response. [contentSecurityPolicy=a frame-ancestors/base-uri/object-src baseline] */
  readonly contentSecurityPolicy: string;
  /** Rate limit on bypass routes. [rateLimit={average: 100, period: '1m', burst: 50}] */
  readonly rateLimit: RateLimit;
  readonly authentik: AuthentikAppMetadata;
  /** Containers the program runs for this app on the apps' VM (model/deploy.ts); absent: routed only. */
  readonly deploy?: AppDeploy;
}

/** A hostname the tunnel already serves that is not a protected app (auth, homepage…). */
export interface TunnelRoute {
  /** FQDN, or a leading-wildcard pattern such as `*.example.com`. */
  readonly hostname: string;
  /** cloudflared service: `http(s)://host:port` without a path, or `http_status:NNN`. */
  readonly service: string;
  /** Go regexp on the request path (unanchored, as cloudflared matches it). */
  readonly path?: string;
  /** The few origin settings we use; timeouts in seconds. */
  readonly originRequest?: TunnelOriginRequest;
}

/** Subset of cloudflared's originRequest used by the model. */
export interface TunnelOriginRequest {
  /** Seconds to wait for a TCP connection to the origin. */
  readonly connectTimeout?: number;
  /** Skip TLS verification of the origin's certificate. */
  readonly noTlsVerify?: boolean;
  /** Host header sent to the origin. */
  readonly httpHostHeader?: string;
}

/** The whole gateway, validated and with defaults filled in. */
export interface Gateway {
  /** DNS zone every app hostname sits in, e.g. `kevinvdb.dev`. */
  readonly domain: string;
  readonly tunnel: {
    /** UUID of the (remotely or locally managed) cloudflared tunnel. */
    readonly id: string;
    /** Path of the tunnel credentials on the gateway, for a locally-managed config.yml. [credentialsFile=`/etc/cloudflared/<id>.json`] */
    readonly credentialsFile: string;
  };
  readonly traefik: {
    /** Where cloudflared reaches Traefik, e.g. `http://traefik:80`. */
    readonly url: string;
    /** Entry point every router is attached to. [entryPoint='web'] */
    readonly entryPoint: string;
    /** Directory the file provider watches on the gateway. [configDir='/opt/traefik/config'] */
    readonly configDir: string;
  };
  readonly authentik: {
    /** The embedded outpost as Traefik reaches it (the authentik server), e.g. `http://authentik_server:9000`. */
    readonly outpostUrl: string;
    /** authentik as browsers reach it, e.g. `https://auth.kevinvdb.dev`. */
    readonly externalUrl: string;
    /** Flow slugs the proxy providers use. */
    readonly flows: {
      /** [authorization='default-provider-authorization-implicit-consent'] */
      readonly authorization: string;
      /** [invalidation='default-provider-invalidation-flow'] */
      readonly invalidation: string;
      /** Optional authentication flow; authentik's brand default applies when absent. */
      readonly authentication?: string;
    };
    /** Name of the embedded outpost. [embeddedOutpostName='authentik Embedded Outpost'] */
    readonly embeddedOutpostName: string;
  };
  readonly apps: readonly ProtectedApp[];
  /** Other tunnel hostnames the program owns (merged per hostname; unlisted ones are never touched). [tunnelRoutes=[]] */
  readonly tunnelRoutes: readonly TunnelRoute[];
}

type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { -readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What people write: the `Gateway` shape with every defaulted field optional. */
export type GatewayInput = DeepPartial<Gateway>;
