/**
 * The fake authentik's Affine as the owner set it up by hand: the fields the gateway model
 * declares already hold the model's values (so the program adopts its objects without a
 * change), bound to the model's group. The start state of the end-to-end tests.
 */
import { renderAuthentikApplication, renderAuthentikProvider, renderPolicyBindings, type Gateway } from '@booxstream/gateway';
import type { FakeAuthentik } from './fake-authentik.js';

export function alignAffineWithModel(ak: FakeAuthentik, gateway: Gateway) {
  const affine = gateway.apps.find((a) => a.name === 'affine')!;
  const flowPk = (slug: string) => [...ak.state.flows.values()].find((f) => f.slug === slug)!.pk;
  const groupPk = (name: string) => [...ak.state.groups.values()].find((g) => g.name === name)!.pk;
  const app = ak.state.applications.get('affine')!;
  const provider = ak.state.providers.get(app.provider!)!;
  Object.assign(provider, renderAuthentikProvider(gateway, affine, { authorization: flowPk(gateway.authentik.flows.authorization), invalidation: flowPk(gateway.authentik.flows.invalidation) }));
  Object.assign(app, renderAuthentikApplication(affine, provider.pk));
  const binding = [...ak.state.bindings.values()].find((b) => b.target === app.pk)!;
  Object.assign(binding, renderPolicyBindings(affine, { admins: groupPk('admins') }, app.pk)[0]);
  return { affine, app, provider, binding };
}
