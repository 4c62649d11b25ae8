/**
 * One provider's membership in an outpost (the embedded one, for forward auth). authentik
 * stores an outpost's providers as one M2M list and its PATCH replaces the whole list, so
 * joining and leaving are read-modify-write: every other app's provider is written back as it
 * was read. The list operations themselves are the gateway package's pure functions.
 *
 * Read-modify-write is not atomic: an edit to the same outpost between our GET and PATCH is
 * lost. Pulumi applies these one at a time per stack; a human editing the outpost in the UI
 * during `pulumi up` is the remaining (documented) window.
 */
import { PatchedOutpostRequestFromJSON, type Outpost } from '@goauthentik/api';
import { addProviderToOutpost, removeProviderFromOutpost, renderOutpostProvidersPatch } from '@booxstream/gateway';
import { callApi, callApiOrNull, type AuthentikApis } from './client.js';
import { findOutpost, type OutpostSelector } from './lookups.js';
import { assertAuthentikRequest } from './request-contract.js';

export interface OutpostMembershipState {
  readonly outpostPk: string;
  readonly outpostName: string;
  readonly providerPk: number;
  /** Whether the provider is in the outpost's list. */
  readonly member: boolean;
  /** The outpost's full provider list after the call (ours and every other app's). */
  readonly providers: number[];
  /** Whether this call added the provider (false: it was already there). */
  readonly joined?: boolean;
}

/** Read-modify-writes of one outpost, one at a time in this process (see `joinOutpost`). */
const outpostQueues = new Map<string, Promise<unknown>>();

function serialized<T>(outpostPk: string, fn: () => Promise<T>): Promise<T> {
  const previous = outpostQueues.get(outpostPk) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  outpostQueues.set(outpostPk, next.catch(() => undefined));
  return next;
}

/** Attempts before giving up when other writers keep replacing the list. */
const JOIN_ATTEMPTS = 5;

/**
 * Adds the provider to the outpost, keeping every provider already there. Idempotent.
 *
 * Pulumi creates independent resources in parallel, so two apps joining the same outpost in
 * one `up` would each read the old list and the second PATCH would drop the first provider.
 * Joins of one outpost are therefore serialized in this process, and each write is read back:
 * a join lost to another writer (another process, the UI) is done again.
 */
export async function joinOutpost(apis: AuthentikApis, selector: OutpostSelector, providerPk: number): Promise<OutpostMembershipState> {
  const found = await findOutpost(apis, selector);
  return serialized(found.pk, async () => {
    let joined = false;
    for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
      // Fresh read by uuid right before the write keeps the race window as small as it can be.
      const current = await retrieveOutpost(apis, found.pk);
      if (current.providers.includes(providerPk)) return { ...toState(current, providerPk), joined };
      await patchProviders(apis, current.pk, addProviderToOutpost(current.providers, providerPk));
      joined = true;
    }
    throw new Error(`authentik outpost ${found.name}: provider ${providerPk} was removed again by another writer ${JOIN_ATTEMPTS} times; retry the update`);
  });
}

/** Whether the provider is still in the outpost, or null when the outpost itself is gone. */
export async function readOutpostMembership(apis: AuthentikApis, outpostPk: string, providerPk: number): Promise<OutpostMembershipState | null> {
  const current = await callApiOrNull('outposts_instances_retrieve', () => apis.outposts.outpostsInstancesRetrieve({ uuid: outpostPk }));
  return current ? toState(current, providerPk) : null;
}

/** Removes only this provider; other apps' providers stay. A missing outpost or provider is a no-op. */
export async function leaveOutpost(apis: AuthentikApis, outpostPk: string, providerPk: number): Promise<void> {
  await serialized(outpostPk, async () => {
    const current = await callApiOrNull('outposts_instances_retrieve', () => apis.outposts.outpostsInstancesRetrieve({ uuid: outpostPk }));
    if (!current || !current.providers.includes(providerPk)) return;
    await patchProviders(apis, current.pk, removeProviderFromOutpost(current.providers, providerPk));
  });
}

function retrieveOutpost(apis: AuthentikApis, uuid: string): Promise<Outpost> {
  return callApi('outposts_instances_retrieve', () => apis.outposts.outpostsInstancesRetrieve({ uuid }));
}

function patchProviders(apis: AuthentikApis, uuid: string, providers: number[]): Promise<Outpost> {
  const body = renderOutpostProvidersPatch(providers);
  assertAuthentikRequest('PatchedOutpostRequest', body);
  return callApi('outposts_instances_partial_update', () =>
    apis.outposts.outpostsInstancesPartialUpdate({ uuid, patchedOutpostRequest: PatchedOutpostRequestFromJSON(body) }),
  );
}

function toState(outpost: Outpost, providerPk: number): OutpostMembershipState {
  return {
    outpostPk: outpost.pk,
    outpostName: outpost.name,
    providerPk,
    member: outpost.providers.includes(providerPk),
    providers: [...outpost.providers],
  };
}
