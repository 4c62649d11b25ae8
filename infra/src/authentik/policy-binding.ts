/**
 * A group policy binding: "members of group G may use application A", stored by authentik as
 * a PolicyBinding whose `target` is the application's uuid and whose `group` is the group's
 * uuid. The request body comes from the gateway renderer (`renderPolicyBindings`).
 */
import { PolicyBindingRequestFromJSON, PolicyBindingToJSON, type PolicyBinding } from '@goauthentik/api';
import { bindingSnapshot } from './adoption.js';
import { callApi, callApiOrNull, type AuthentikApis } from './client.js';
import { observedFields, type WireObject } from './drift.js';
import { listAll } from './pages.js';

export interface PolicyBindingState {
  /** The binding's uuid. */
  readonly pk: string;
  /** True when a binding of this group to this target already existed and was taken over. */
  readonly adopted: boolean;
  /** An adopted binding as it was before, put back on delete; null when created. */
  readonly previous: WireObject | null;
  /** The declared fields as authentik holds them. */
  readonly observed: WireObject;
  /** Name of the bound group as authentik holds it now (readable drift when a binding moves). */
  readonly groupName: string | null;
}

/**
 * Creates the binding, or adopts an existing binding of the same group to the same target:
 * authentik's uniqueness is (policy, target, order), which never fires for group bindings
 * (policy is NULL), so a second POST would quietly add a duplicate.
 */
export async function createPolicyBinding(apis: AuthentikApis, request: WireObject): Promise<PolicyBindingState> {
  const existing = await findGroupBinding(apis, String(request['target']), String(request['group']));
  if (existing) return toState(await putBinding(apis, existing.pk, request), request, true, bindingSnapshot(existing));
  const created = await callApi('policies_bindings_create', () =>
    apis.policies.policiesBindingsCreate({ policyBindingRequest: PolicyBindingRequestFromJSON(request) }),
  );
  return toState(created, request, false);
}

/** The binding as it is now, or null when it was deleted outside Pulumi (or with its application). */
export async function readPolicyBinding(apis: AuthentikApis, pk: string, desired: WireObject): Promise<PolicyBindingState | null> {
  const current = await callApiOrNull('policies_bindings_retrieve', () =>
    apis.policies.policiesBindingsRetrieve({ policyBindingUuid: pk }),
  );
  return current ? toState(current, desired, false) : null;
}

export async function updatePolicyBinding(apis: AuthentikApis, pk: string, request: WireObject): Promise<PolicyBindingState> {
  return toState(await putBinding(apis, pk, request), request, false);
}

/** Created: deleted. Adopted: put back as it was. One already gone counts as deleted. */
export async function deletePolicyBinding(apis: AuthentikApis, pk: string, previous: WireObject | null = null): Promise<void> {
  if (previous) {
    const current = await callApiOrNull('policies_bindings_retrieve', () => apis.policies.policiesBindingsRetrieve({ policyBindingUuid: pk }));
    if (current) await putBinding(apis, pk, previous);
    return;
  }
  await callApiOrNull('policies_bindings_destroy', () => apis.policies.policiesBindingsDestroy({ policyBindingUuid: pk }));
}

export async function findGroupBinding(apis: AuthentikApis, targetPk: string, groupPk: string): Promise<PolicyBinding | undefined> {
  const bindings = await listAll('policies_bindings_list', (page) => apis.policies.policiesBindingsList({ target: targetPk, page }));
  return bindings.find((b) => b.target === targetPk && b.group === groupPk);
}

function putBinding(apis: AuthentikApis, pk: string, request: WireObject): Promise<PolicyBinding> {
  return callApi('policies_bindings_update', () =>
    apis.policies.policiesBindingsUpdate({ policyBindingUuid: pk, policyBindingRequest: PolicyBindingRequestFromJSON(request) }),
  );
}

function toState(binding: PolicyBinding, desired: WireObject, adopted: boolean, previous: WireObject | null = null): PolicyBindingState {
  return {
    pk: binding.pk,
    adopted,
    previous,
    observed: observedFields(PolicyBindingToJSON(binding) as unknown as WireObject, desired),
    groupName: binding.groupObj?.name ?? null,
  };
}
