/**
 * authentik API request bodies for one protected app: the proxy provider (forward_single), the
 * application, the group policy bindings, and the embedded outpost's provider list.
 *
 * authentik's API takes primary keys, not slugs or names, so the renderers take the pks the
 * caller resolved (`authentikLookups` says which ones to resolve and how).
 *
 * Pure: model and keys in, bodies out. Whether a body meets authentik's own OpenAPI schema is
 * checked by the tests (every body the example and its variants render) and where bodies leave
 * for authentik (infra's dynamic providers and outpost membership), not here: compiling the
 * schema costs ~0.5-1 s and reads a file, which has no place in a renderer.
 */
import { BadInputError } from '../errors.js';
import type { Gateway, ProtectedApp } from '../model/types.js';
import {
  applicationFields,
  EMBEDDED_OUTPOST_MANAGED,
  policyBindingFields,
  proxyProviderFields,
  type ApplicationFields,
  type PolicyBindingFields,
  type ProxyProviderFields,
} from './authentik-objects.js';

export { EMBEDDED_OUTPOST_MANAGED } from './authentik-objects.js';

/** Flow primary keys (UUIDs) the provider needs, resolved from the model's slugs. */
export interface FlowPks {
  authorization: string;
  invalidation: string;
  authentication?: string;
}

/** `ProxyProviderRequest` (snake_case, as the API takes it). */
export type ProxyProviderRequestBody = ProxyProviderFields<string>;

/** `ApplicationRequest`. */
export type ApplicationRequestBody = ApplicationFields<number>;

/** `PolicyBindingRequest` binding one group to the application. */
export type PolicyBindingRequestBody = PolicyBindingFields<string, string>;

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

/**
 * The proxy provider of one app, in forward_single mode: authentik only answers Traefik's
 * forward-auth sub-requests, Traefik proxies to the upstream.
 * @throws BadInputError when a flow pk is missing or not a UUID.
 */
export function renderAuthentikProvider(gateway: Gateway, app: ProtectedApp, flowPks: FlowPks): ProxyProviderRequestBody {
  return proxyProviderFields(gateway, app, (role, slug) => requireUuid(flowPks[role], `flowPks.${role} (flow '${slug}')`));
}

/**
 * The application users see in their authentik library, bound to the provider.
 * @throws BadInputError when providerPk is not a positive integer.
 */
export function renderAuthentikApplication(app: ProtectedApp, providerPk: number): ApplicationRequestBody {
  return applicationFields(app, requirePk(providerPk, 'providerPk'));
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
    return policyBindingFields(requireUuid(groupPks[group], `groupPks['${group}']`), target, i);
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

/**
 * `PatchedOutpostRequest` body setting the outpost's providers.
 * @throws BadInputError when a provider pk is not a positive integer.
 */
export function renderOutpostProvidersPatch(providers: readonly number[]): { providers: number[] } {
  providers.forEach((pk, i) => requirePk(pk, `providers[${i}]`));
  return { providers: [...providers] };
}
