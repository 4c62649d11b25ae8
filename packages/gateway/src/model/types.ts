/**
 * The gateway model's types, inferred from its schema (`schema.ts`, where each field's rule,
 * default and description are written once). Plain JSON-able data: the preview CLI and the
 * Pulumi program read it from a YAML file.
 *
 * `GatewayInput` is what people write (defaulted fields may be left out); `Gateway` is what
 * `validateGateway` returns: every default filled in, deeply frozen.
 */
import type { z } from '@booxstream/config-kit';
import type { GATEWAY_SCHEMA } from './schema.js';

type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** The whole gateway, validated and with defaults filled in. */
export type Gateway = DeepReadonly<z.output<typeof GATEWAY_SCHEMA>>;
/** What people write: the `Gateway` shape with every defaulted field optional. */
export type GatewayInput = z.input<typeof GATEWAY_SCHEMA>;

/** One app behind the gateway: one Traefik file, one tunnel rule, one authentik provider + application. */
export type ProtectedApp = Gateway['apps'][number];
/** Traefik rateLimit settings for the routes that bypass single sign-on. */
export type RateLimit = ProtectedApp['rateLimit'];
/** Traefik load-balancer health check of an app's upstream. */
export type HealthCheck = ProtectedApp['healthCheck'];
/** The authentik application an app is listed as. */
export type AuthentikAppMetadata = ProtectedApp['authentik'];
/** authentik's policy engine mode for an application: pass if `any` binding passes, or only if `all` do. */
export type PolicyEngineMode = AuthentikAppMetadata['policyEngineMode'];
/** A hostname the tunnel already serves that is not a protected app. */
export type TunnelRoute = Gateway['tunnelRoutes'][number];
/** Subset of cloudflared's originRequest used by the model. */
export type TunnelOriginRequest = NonNullable<TunnelRoute['originRequest']>;

/** An app's `deploy` section (model/deploy.ts): its container and optional database, defaults filled. */
export type AppDeploy = NonNullable<ProtectedApp['deploy']>;
/** The app's own container. */
export type AppContainerDecl = AppDeploy['container'];
/** The app's database: MariaDB on an `internal` network that only the app shares. */
export type AppDatabaseDecl = NonNullable<AppDeploy['database']>;
/** Where an image comes from: `{ pull }` (pinned by digest) or `{ build }` (a local Dockerfile). */
export type ImageSource = AppContainerDecl['image'];
/** Docker's own health check, run inside the container. */
export type ContainerHealthCheck = AppContainerDecl['healthCheck'];
/** A secret Pulumi generates, mounted read-only at `/run/secrets/<name>`. */
export type GeneratedSecret = AppContainerDecl['secrets'][number];
/** A named volume (persistent data). */
export type VolumeMount = AppContainerDecl['volumes'][number];
/** Explicit exceptions to the hardening defaults, with the reason. */
export type HardeningRelaxation = NonNullable<AppContainerDecl['relax']>;
