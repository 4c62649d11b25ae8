/**
 * The proxy provider of one protected app (`/providers/proxy/`), keyed by its integer pk.
 * The request body comes from the gateway renderer in authentik's wire format; this module
 * only moves it over the official client and reports what the server holds.
 */
import { ProxyProviderRequestFromJSON, ProxyProviderToJSON, type ProxyProvider } from '@goauthentik/api';
import { callApi, callApiOrNull, type AuthentikApis } from './client.js';
import { observedFields, type WireObject } from './drift.js';
import { listAll } from './pages.js';

export interface ProxyProviderState {
  readonly pk: number;
  /** True when an existing provider with the same name was taken over instead of created. */
  readonly adopted: boolean;
  /** The declared fields as authentik holds them after the call. */
  readonly observed: WireObject;
  /** Slug of the application the provider is assigned to, if any (server-owned). */
  readonly assignedApplicationSlug: string | null;
}

/**
 * Creates the provider, or adopts the one that already has this name (authentik does not
 * enforce unique provider names, so a second POST would silently duplicate it).
 */
export async function createProxyProvider(apis: AuthentikApis, request: WireObject): Promise<ProxyProviderState> {
  const name = String(request['name']);
  const existing = await findProxyProviderByName(apis, name);
  if (existing) {
    const updated = await putProxyProvider(apis, existing.pk, request);
    return toState(updated, request, true);
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

/** Puts every declared field back (PUT: fields we do not declare take authentik's defaults). */
export async function updateProxyProvider(apis: AuthentikApis, pk: number, request: WireObject): Promise<ProxyProviderState> {
  return toState(await putProxyProvider(apis, pk, request), request, false);
}

/** Deletes the provider; one that is already gone counts as deleted. */
export async function deleteProxyProvider(apis: AuthentikApis, pk: number): Promise<void> {
  await callApiOrNull('providers_proxy_destroy', () => apis.providers.providersProxyDestroy({ id: pk }));
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

function toState(provider: ProxyProvider, desired: WireObject, adopted: boolean): ProxyProviderState {
  return {
    pk: provider.pk,
    adopted,
    observed: observedFields(ProxyProviderToJSON(provider) as unknown as WireObject, desired),
    assignedApplicationSlug: provider.assignedApplicationSlug ?? null,
  };
}
