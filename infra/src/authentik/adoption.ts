/**
 * What an adopted authentik object looked like before the program took it over, so that
 * `pulumi destroy` can put it back instead of deleting it. The snapshot is the object's own
 * request shape, projected by the official client (`…FromJSON` keeps exactly the fields the
 * request schema declares), so a PUT of it restores every writable field.
 */
import {
  ApplicationRequestFromJSON,
  ApplicationRequestToJSON,
  ApplicationToJSON,
  PolicyBindingRequestFromJSON,
  PolicyBindingRequestToJSON,
  PolicyBindingToJSON,
  ProxyProviderRequestFromJSON,
  ProxyProviderRequestToJSON,
  ProxyProviderToJSON,
  type Application,
  type PolicyBinding,
  type ProxyProvider,
} from '@goauthentik/api';
import type { WireObject } from './drift.js';

export function providerSnapshot(provider: ProxyProvider): WireObject {
  return dropUndefined(ProxyProviderRequestToJSON(ProxyProviderRequestFromJSON(ProxyProviderToJSON(provider))) as unknown as WireObject);
}

export function applicationSnapshot(app: Application): WireObject {
  return dropUndefined(ApplicationRequestToJSON(ApplicationRequestFromJSON(ApplicationToJSON(app))) as unknown as WireObject);
}

export function bindingSnapshot(binding: PolicyBinding): WireObject {
  return dropUndefined(PolicyBindingRequestToJSON(PolicyBindingRequestFromJSON(PolicyBindingToJSON(binding))) as unknown as WireObject);
}

/**
 * The request for an adopted provider: the model's fields, but the owner's name. The outpost
 * and the application find a provider by pk and its external host; its name is only a label,
 * and renaming the owner's object would change it for nothing.
 */
export function adoptedProviderRequest(desired: WireObject, liveName: unknown): WireObject {
  return typeof liveName === 'string' ? { ...desired, name: liveName } : desired;
}

function dropUndefined(o: WireObject): WireObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
