/**
 * authentik API request bodies for one protected app: the proxy provider (forward_single), the
 * application, the group policy bindings, and the embedded outpost's provider list.
 *
 * authentik's API takes primary keys, not slugs or names, so the renderers take the pks the
 * caller resolved (`authentikLookups` says which ones to resolve and how). Every body is
 * validated against authentik's own OpenAPI schema before it is returned.
 */
import { loadAuthentikOpenApi } from '../authentik/openapi.js';
import { BadInputError, RenderedInvalidError } from '../errors.js';
import type { Gateway, ProtectedApp } from '../model/types.js';

/** `managed` value of the embedded outpost (authentik/outposts/apps.py `MANAGED_OUTPOST`). */
export const EMBEDDED_OUTPOST_MANAGED = 'goauthentik.io/outposts/embedded';

/** Seconds a group policy may run; authentik's own default. */
const POLICY_TIMEOUT_SECONDS = 30;

/** Flow primary keys (UUIDs) the provider needs, resolved from the model's slugs. */
export interface FlowPks {
  authorization: string;
  invalidation: string;
  authentication?: string;
}

/** `ProxyProviderRequest` (snake_case, as the API takes it). */
export interface ProxyProviderRequestBody {
  name: string;
  authorization_flow: string;
  invalidation_flow: string;
  authentication_flow?: string;
  mode: 'forward_single';
  external_host: string;
  internal_host: string;
}

/** `ApplicationRequest`. */
export interface ApplicationRequestBody {
  name: string;
  slug: string;
  provider: number;
  meta_launch_url: string;
  meta_icon?: string;
  meta_description: string;
  meta_publisher: string;
  policy_engine_mode: 'any' | 'all';
  open_in_new_tab: boolean;
}

/** `PolicyBindingRequest` binding one group to the application. */
export interface PolicyBindingRequestBody {
  group: string;
  target: string;
  order: number;
  enabled: boolean;
  negate: boolean;
  timeout: number;
  failure_result: boolean;
}

/** What the caller must look up in authentik before rendering an app's bodies. */
export interface AuthentikLookups {
  /** `GET /flows/instances/{slug}/` → `pk`, for each. */
  flowSlugs: { authorization: string; invalidation: string; authentication?: string };
  /** `GET /core/groups/?name=<name>` → `pk`, for each. */
  groupNames: string[];
  /** `GET /outposts/instances/?managed__iexact=<managed>` finds the embedded outpost. */
  embeddedOutpost: { managed: string; name: string };
  /** Natural keys of what this app owns, to find existing objects on update. */
  providerName: string;
  applicationSlug: string;
}

/** The slugs, names and keys to resolve for `app` before calling the renderers. Pure. */
export function authentikLookups(gateway: Gateway, app: ProtectedApp): AuthentikLookups {
  return {
    flowSlugs: { ...gateway.authentik.flows },
    groupNames: [...app.allowedGroups],
    embeddedOutpost: { managed: EMBEDDED_OUTPOST_MANAGED, name: gateway.authentik.embeddedOutpostName },
    providerName: app.authentik.providerName,
    applicationSlug: app.authentik.slug,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireUuid(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new BadInputError(`${what} must be a UUID (an authentik primary key, not a slug or name), got ${JSON.stringify(value)}`);
  }
  return value;
}

function requirePk(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new BadInputError(`${what} must be a positive integer primary key, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checked<T>(schema: string, body: T): T {
  const problems = loadAuthentikOpenApi().validateComponent(schema, body, 'request');
  if (problems.length > 0) throw new RenderedInvalidError(`authentik ${schema}`, problems);
  return body;
}

/**
 * The proxy provider of one app, in forward_single mode: authentik only answers Traefik's
 * forward-auth sub-requests, Traefik proxies to the upstream.
 * @throws BadInputError when a flow pk is missing or not a UUID.
 */
export function renderAuthentikProvider(gateway: Gateway, app: ProtectedApp, flowPks: FlowPks): ProxyProviderRequestBody {
  const wantsAuthentication = gateway.authentik.flows.authentication !== undefined;
  const body: ProxyProviderRequestBody = {
    name: app.authentik.providerName,
    authorization_flow: requireUuid(flowPks.authorization, `flowPks.authorization (flow '${gateway.authentik.flows.authorization}')`),
    invalidation_flow: requireUuid(flowPks.invalidation, `flowPks.invalidation (flow '${gateway.authentik.flows.invalidation}')`),
    ...(wantsAuthentication
      ? { authentication_flow: requireUuid(flowPks.authentication, `flowPks.authentication (flow '${gateway.authentik.flows.authentication}')`) }
      : {}),
    mode: 'forward_single',
    external_host: `https://${app.hostname}`,
    // Unused in forward_single mode (Traefik proxies, see the app's Traefik service); kept so
    // the provider records where the app lives, as the seed's checklist has it.
    internal_host: app.upstream,
    // No skip_path_regex: the device paths bypass sign-on in Traefik (exact Path routers), so
    // the outpost itself never lets an unauthenticated request through.
  };
  return checked('ProxyProviderRequest', body);
}

/**
 * The application users see in their authentik library, bound to the provider.
 * @throws BadInputError when providerPk is not a positive integer.
 */
export function renderAuthentikApplication(app: ProtectedApp, providerPk: number): ApplicationRequestBody {
  const meta = app.authentik;
  const body: ApplicationRequestBody = {
    name: meta.name,
    slug: meta.slug,
    provider: requirePk(providerPk, 'providerPk'),
    meta_launch_url: meta.launchUrl,
    ...(meta.icon !== '' ? { meta_icon: meta.icon } : {}),
    meta_description: meta.description,
    meta_publisher: meta.publisher,
    policy_engine_mode: meta.policyEngineMode,
    open_in_new_tab: false,
  };
  return checked('ApplicationRequest', body);
}

/**
 * One policy binding per allowed group, targeting the application (its `pbm_uuid`). With the
 * application's policy engine mode `any`, membership in one group is enough.
 * @param groupPks group name → group pk (UUID) for every `app.allowedGroups` entry.
 * @param applicationPbmUuid the application's `pbm_uuid` (policy binding target), not its slug.
 * @throws BadInputError when a group pk is missing or a key is not a UUID.
 */
export function renderPolicyBindings(
  app: ProtectedApp,
  groupPks: Readonly<Record<string, string>>,
  applicationPbmUuid: string,
): PolicyBindingRequestBody[] {
  const target = requireUuid(applicationPbmUuid, 'applicationPbmUuid');
  return app.allowedGroups.map((group, i) => {
    if (!Object.hasOwn(groupPks, group)) throw new BadInputError(`groupPks has no pk for allowed group '${group}' of app '${app.name}'`);
    return checked('PolicyBindingRequest', {
      group: requireUuid(groupPks[group], `groupPks['${group}']`),
      target,
      // Spaced by 10 so a hand-made binding can slot between without renumbering.
      order: i * 10,
      enabled: true,
      negate: false,
      timeout: POLICY_TIMEOUT_SECONDS,
      failure_result: false,
    });
  });
}

/**
 * The embedded outpost's provider list with `providerPk` added (once, at the end). The API's
 * PATCH replaces the whole list, so callers read the current list, apply this, and PATCH.
 */
export function addProviderToOutpost(existing: readonly number[], providerPk: number): number[] {
  requirePk(providerPk, 'providerPk');
  return existing.includes(providerPk) ? [...existing] : [...existing, providerPk];
}

/** The list with only `providerPk` removed; other apps' providers stay. */
export function removeProviderFromOutpost(existing: readonly number[], providerPk: number): number[] {
  requirePk(providerPk, 'providerPk');
  return existing.filter((pk) => pk !== providerPk);
}

/** `PatchedOutpostRequest` body setting the outpost's providers, validated. */
export function renderOutpostProvidersPatch(providers: readonly number[]): { providers: number[] } {
  providers.forEach((pk, i) => requirePk(pk, `providers[${i}]`));
  return checked('PatchedOutpostRequest', { providers: [...providers] });
}
