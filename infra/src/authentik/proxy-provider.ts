/**
 * The proxy provider of one protected app (`/providers/proxy/`), keyed by its integer pk.
 * The request body comes from the gateway renderer in authentik's wire format; this module
 * only moves it over the official client and reports what the server holds.
 */
import { PatchedOutpostRequestFromJSON, ProxyProviderRequestFromJSON, ProxyProviderToJSON, type ProxyProvider } from '@goauthentik/api';
import { adoptedProviderRequest, providerSnapshot } from './adoption.js';
import { callApi, callApiOrNull, type AuthentikApis } from './client.js';
import { observedFields, type WireObject } from './drift.js';
import { listAll } from './pages.js';

export interface ProxyProviderState {
  readonly pk: number;
  /** True when an existing provider for the same external host was taken over instead of created. */
  readonly adopted: boolean;
  /** An adopted provider as it was before (its request fields), put back on delete; null when created. */
  readonly previous: WireObject | null;
  /** Uuids of the outposts an adopted provider was in before; null when created. */
  readonly previousOutposts: string[] | null;
  /** The declared fields as authentik holds them after the call. */
  readonly observed: WireObject;
  /** Slug of the application the provider is assigned to, if any (server-owned). */
  readonly assignedApplicationSlug: string | null;
}

/**
 * Creates the provider, or adopts the one that already serves this external host: that is
 * what the outpost keys on, so a second provider for the host would compete with the
 * owner's. An adopted provider keeps its name and is remembered as it was (with the outposts
 * it was in) so that delete can put it back.
 */
export async function createProxyProvider(apis: AuthentikApis, request: WireObject): Promise<ProxyProviderState> {
  const existing = await findProxyProviderByExternalHost(apis, String(request['external_host']));
  if (existing) {
    const previous = providerSnapshot(existing);
    const previousOutposts = await outpostsHolding(apis, existing.pk);
    const updated = await putProxyProvider(apis, existing.pk, adoptedProviderRequest(request, existing.name));
    return toState(updated, request, true, previous, previousOutposts);
  }
  const created = await callApi('providers_proxy_create', () =>
    apis.providers.providersProxyCreate({ proxyProviderRequest: ProxyProviderRequestFromJSON(request) }),
  );
  return toState(created, request, false);
}

/** The provider as it is now, or null when it was deleted outside Pulumi. */
export async function readProxyProvider(apis: AuthentikApis, pk: number, desired: WireObject): Promise<ProxyProviderState | null> {
  const current = await callApiOrNull('providers_proxy_retrieve', () => apis.providers.providersProxyRetrieve({ id: pk }));
  return current ? toState(current, desired, false) : null;
}

/** Puts every declared field back (an adopted provider keeps its owner's name). */
export async function updateProxyProvider(apis: AuthentikApis, pk: number, request: WireObject, liveName?: unknown): Promise<ProxyProviderState> {
  return toState(await putProxyProvider(apis, pk, liveName === undefined ? request : adoptedProviderRequest(request, liveName)), request, false);
}

/**
 * Created: deleted (authentik drops it from every outpost with it). Adopted: put back as it
 * was before, in exactly the outposts it was in before. One already gone counts as deleted.
 */
export async function deleteProxyProvider(
  apis: AuthentikApis,
  pk: number,
  adoption?: { previous: WireObject | null; previousOutposts: string[] | null },
): Promise<void> {
  if (adoption?.previous) {
    const current = await callApiOrNull('providers_proxy_retrieve', () => apis.providers.providersProxyRetrieve({ id: pk }));
    if (!current) return;
    await putProxyProvider(apis, pk, adoption.previous);
    const before = new Set(adoption.previousOutposts ?? []);
    for (const outpost of await listAll('outposts_instances_list', (page) => apis.outposts.outpostsInstancesList({ page }))) {
      const has = outpost.providers.includes(pk);
      if (has === before.has(outpost.pk)) continue;
      const providers = has ? outpost.providers.filter((p) => p !== pk) : [...outpost.providers, pk];
      await callApi('outposts_instances_partial_update', () =>
        apis.outposts.outpostsInstancesPartialUpdate({ uuid: outpost.pk, patchedOutpostRequest: PatchedOutpostRequestFromJSON({ providers }) }),
      );
    }
    return;
  }
  await callApiOrNull('providers_proxy_destroy', () => apis.providers.providersProxyDestroy({ id: pk }));
}

/** The provider serving this external host (what the outpost matches requests on), if any. */
export async function findProxyProviderByExternalHost(apis: AuthentikApis, externalHost: string): Promise<ProxyProvider | undefined> {
  const found = await listAll('providers_proxy_list', (page) => apis.providers.providersProxyList({ externalHostIexact: externalHost, page }));
  const norm = (h: string) => h.trim().replace(/\/+$/, '').toLowerCase();
  const matches = found.filter((p) => norm(p.externalHost) === norm(externalHost));
  // Several providers for one host: the one an outpost serves is the one in force.
  return matches.find((p) => (p.outpostSet ?? []).length > 0) ?? matches[0];
}

async function outpostsHolding(apis: AuthentikApis, pk: number): Promise<string[]> {
  const outposts = await listAll('outposts_instances_list', (page) => apis.outposts.outpostsInstancesList({ page }));
  return outposts.filter((o) => o.providers.includes(pk)).map((o) => o.pk);
}

export async function findProxyProviderByName(apis: AuthentikApis, name: string): Promise<ProxyProvider | undefined> {
  const found = await listAll('providers_proxy_list', (page) => apis.providers.providersProxyList({ nameIexact: name, page }));
  // name__iexact is case-insensitive; adopt only an exact match so "BooxStream" never takes "booxstream".
  return found.find((p) => p.name === name);
}

function putProxyProvider(apis: AuthentikApis, pk: number, request: WireObject): Promise<ProxyProvider> {
  return callApi('providers_proxy_update', () =>
    apis.providers.providersProxyUpdate({ id: pk, proxyProviderRequest: ProxyProviderRequestFromJSON(request) }),
  );
}

function toState(
  provider: ProxyProvider,
  desired: WireObject,
  adopted: boolean,
  previous: WireObject | null = null,
  previousOutposts: string[] | null = null,
): ProxyProviderState {
  return {
    pk: provider.pk,
    adopted,
    previous,
    previousOutposts,
    observed: observedFields(ProxyProviderToJSON(provider) as unknown as WireObject, desired),
    assignedApplicationSlug: provider.assignedApplicationSlug ?? null,
  };
}
